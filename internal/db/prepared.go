package db

import (
	"container/list"
	"errors"
	"hash/maphash"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"
)

// An implicit read's statements are prepared once per connection and run
// by name after that (docs/adr/0028, "Prepared reads"). bun formats its
// arguments into the text, but a tenant's reads carry their tenant in the
// transaction's setting, not in the text, so the same page, count or
// settings read is the same text for every request of every tenant; run
// unnamed, PostgreSQL parses and plans it each time, and planning was most
// of its time for the dashboard's queries. A prepared statement without
// parameters keeps one generic plan, and the row-level security policy's
// tenant is read when it runs.
//
// Only a text seen before on the connection is prepared (a text with ids
// in it that never repeats would only churn the cache), at most
// maxPrepared per connection, least recently used deallocated first. A
// connection on which a statement turns out not to be as the cache
// believes stops preparing (preparedCache.off).

const (
	// maxPrepared bounds the statements prepared on one connection.
	maxPrepared = 128
	// maxSeen bounds the texts remembered (as hashes) as run once; past it
	// the memory starts afresh.
	maxSeen = 4096
	// maxPreparedText is the longest text prepared (a long IN list is not
	// worth a plan kept in the server's memory).
	maxPreparedText = 4 << 10
	// tenantSettingName is the prepared tenant setting, tenantSettingSQL's
	// name.
	tenantSettingName = "stratum_tenant"
	tenantSettingSQL  = "SELECT set_config('app.tenant_id', $1, true), set_config('transaction_read_only', 'on', true)"
	// preparedKey is the cache's key in the connection's CustomData.
	preparedKey = "stratum.prepared"
)

var seenSeed = maphash.MakeSeed()

// preparedCache is what the implicit path prepared on one server
// connection (it lives in the pgconn's CustomData, so as long as the
// session whose statements it names).
type preparedCache struct {
	// setting: tenantSettingName is prepared.
	setting bool
	// off: a statement was not as the cache believed (stalePrepared), so
	// this connection's reads go unnamed from then on — what the session
	// holds is unknown (a transaction-mode pooler may even move it between
	// server connections), and preparing again could collide with a name
	// still there or leave statements behind without bound.
	off    bool
	seen   map[uint64]struct{}
	byText map[string]*list.Element // of *preparedStmt
	lru    list.List                // most recently used first
	next   uint64
}

type preparedStmt struct{ text, name string }

// preparedOf is pc's cache, made on first use.
func preparedOf(pc *pgconn.PgConn) *preparedCache {
	if c, ok := pc.CustomData()[preparedKey].(*preparedCache); ok {
		return c
	}
	c := &preparedCache{seen: map[uint64]struct{}{}, byText: map[string]*list.Element{}}
	pc.CustomData()[preparedKey] = c
	return c
}

// plan says how to send text: by name when prepared; prepare is the name
// to prepare it under first (the second time it is seen), and evict a
// statement to deallocate to make room. name is empty when text goes
// unnamed.
func (c *preparedCache) plan(text string) (name string, prepare bool, evict string) {
	if c.off {
		return "", false, ""
	}
	if e, ok := c.byText[text]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*preparedStmt).name, false, ""
	}
	if len(text) > maxPreparedText {
		return "", false, ""
	}
	h := maphash.String(seenSeed, text)
	if _, ok := c.seen[h]; !ok {
		if len(c.seen) >= maxSeen {
			clear(c.seen)
		}
		c.seen[h] = struct{}{}
		return "", false, ""
	}
	if c.lru.Len() >= maxPrepared {
		old := c.lru.Remove(c.lru.Back()).(*preparedStmt)
		delete(c.byText, old.text)
		evict = old.name
	}
	c.next++
	return "stratum_r" + strconv.FormatUint(c.next, 10), true, evict
}

// prepared records that text is prepared as name.
func (c *preparedCache) prepared(text, name string) {
	delete(c.seen, maphash.String(seenSeed, text))
	c.byText[text] = c.lru.PushFront(&preparedStmt{text: text, name: name})
}

// turnOff forgets everything and sends this connection's reads unnamed
// from now on: the session's statements are gone or unknown.
func (c *preparedCache) turnOff() {
	c.off, c.setting = true, false
	clear(c.byText)
	clear(c.seen)
	c.lru.Init()
}

// stalePrepared reports whether err says a prepared statement cannot be
// used as the cache believes: gone (26000, e.g. after DISCARD ALL) or its
// result changed under it (0A000 "cached plan must not change result
// type", after a migration).
func stalePrepared(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "26000" || pgErr.Code == "0A000")
}
