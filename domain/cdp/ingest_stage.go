package cdp

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Staged ingestion (docs/adr/0026-staged-ingestion.md). The group commit
// writes a commit's validated events as one record in its batch row
// (cdp_batches.staged) — durable before any request of the group is
// answered — and the batch job materialises it: the deduplicating insert
// into cdp_message_ids and cdp_events, in one transaction with clearing
// the record. Per-event rows, their index entries and the dedup probe are
// the batch job's work, not the acknowledgement's.

// stageVersion is the first byte of a staged record.
const stageVersion = 1

// encodeStaged appends events as one staged record: a version byte, the
// count, then per event its source id, the text fields, the times and the
// JSON objects, each length-prefixed (a nil JSON object is length 0, a
// present one its length + 1; a nil time is flag 0).
func encodeStaged(buf []byte, events []*Event) []byte {
	buf = append(buf, stageVersion)
	buf = binary.AppendUvarint(buf, uint64(len(events)))
	str := func(s string) {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	tm := func(t time.Time) {
		buf = binary.AppendVarint(buf, t.Unix())
		buf = binary.AppendUvarint(buf, uint64(t.Nanosecond()))
	}
	opt := func(t *time.Time) {
		if t == nil {
			buf = append(buf, 0)
			return
		}
		buf = append(buf, 1)
		tm(*t)
	}
	obj := func(b []byte) {
		if b == nil {
			buf = append(buf, 0)
			return
		}
		buf = binary.AppendUvarint(buf, uint64(len(b))+1)
		buf = append(buf, b...)
	}
	for _, e := range events {
		buf = append(buf, e.SourceID[:]...)
		str(e.MessageID)
		str(e.Type)
		str(e.Name)
		str(e.AnonymousID)
		str(e.UserID)
		str(e.GroupID)
		str(e.PreviousID)
		tm(e.ReceivedAt)
		tm(e.Timestamp)
		opt(e.OriginalTimestamp)
		opt(e.SentAt)
		obj(e.Properties)
		obj(e.Traits)
		obj(e.Context)
		obj(e.Integrations)
		buf = binary.AppendUvarint(buf, uint64(max(e.Size, 0)))
	}
	return buf
}

// errStaged is a staged record that cannot be read (never written so by
// encodeStaged).
var errStaged = errors.New("cdp: malformed staged record")

// decodeStaged reads a staged record into insertEvents' columns.
func decodeStaged(rec []byte) (*columns, error) {
	if len(rec) == 0 || rec[0] != stageVersion {
		return nil, errStaged
	}
	p := rec[1:]
	bad := false
	uv := func() uint64 {
		v, n := binary.Uvarint(p)
		if n <= 0 {
			bad = true
			return 0
		}
		p = p[n:]
		return v
	}
	take := func(n uint64) []byte {
		if bad || n > uint64(len(p)) {
			bad = true
			return nil
		}
		b := p[:n:n]
		p = p[n:]
		return b
	}
	str := func() string { return string(take(uv())) }
	tm := func() time.Time {
		s, n := binary.Varint(p)
		if n <= 0 {
			bad = true
			return time.Time{}
		}
		p = p[n:]
		ns := uv()
		if ns >= uint64(time.Second) {
			bad = true
		}
		return time.Unix(s, int64(ns)).UTC()
	}
	opt := func() *time.Time {
		f := take(1)
		if bad || f[0] == 0 {
			return nil
		}
		t := tm()
		return &t
	}
	obj := func() []byte {
		n := uv()
		if n == 0 {
			return nil
		}
		return take(n - 1)
	}
	count := uv()
	if bad || count > uint64(len(p)) { // every event takes more than a byte
		return nil, errStaged
	}
	c := newColumns(int(count))
	for range count {
		var e Event
		copy(e.SourceID[:], take(16))
		e.MessageID, e.Type, e.Name = str(), str(), str()
		e.AnonymousID, e.UserID, e.GroupID, e.PreviousID = str(), str(), str(), str()
		e.ReceivedAt, e.Timestamp = tm(), tm()
		e.OriginalTimestamp, e.SentAt = opt(), opt()
		e.Properties, e.Traits, e.Context, e.Integrations = obj(), obj(), obj(), obj()
		e.Size = int(uv())
		if bad {
			return nil, errStaged
		}
		c.add(&e)
	}
	if len(p) != 0 {
		return nil, errStaged
	}
	return c, nil
}

// materialise stores batch's staged events, if it still has any, and
// before them those of the tenant's batches staged earlier, in commit
// order, so the first copy of a messageId is the one stored (their own
// jobs, running meanwhile, then find nothing staged): see materialiseOne.
// A re-run (the job retried after a crash) finds nothing staged and does
// nothing.
func (s *Service) materialise(ctx context.Context, tenant, batch uuid.UUID) error {
	return s.materialiseThrough(ctx, tenant, &batch)
}

// materialiseThrough materialises tenant's staged batches oldest first —
// those staged up to through, or all of them when through is nil — in
// pages of 100, each batch in its own transaction.
func (s *Service) materialiseThrough(ctx context.Context, tenant uuid.UUID, through *uuid.UUID) error {
	upTo := ""
	args := []any{tenant}
	if through != nil {
		upTo = " AND seq <= (SELECT seq FROM cdp_batches WHERE tenant_id = ? AND id = ? AND staged IS NOT NULL)"
		args = append(args, tenant, *through)
	}
	for {
		var batches []uuid.UUID
		if err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT id FROM cdp_batches WHERE tenant_id = ? AND staged IS NOT NULL`+upTo+` ORDER BY seq LIMIT 100`,
				args...).Scan(ctx, &batches)
		}); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("materialise staged events: %w", err)
		}
		if len(batches) == 0 {
			return nil
		}
		for _, b := range batches {
			if err := s.materialiseOne(ctx, tenant, b); err != nil {
				return err
			}
		}
	}
}

// materialiseOne stores batch's staged events, if it still has any, in one
// transaction: the deduplicating insert (a messageId stored by an earlier
// batch is dropped), the batch's events and per-source counts set to what
// was stored, the monthly events reserved at ingest for dropped events
// given back, and the staged record cleared.
func (s *Service) materialiseOne(ctx context.Context, tenant, batch uuid.UUID) error {
	write := func(isolate bool) error {
		return s.DB.InTenantConn(ctx, tenant, func(ctx context.Context, tx bun.Tx, raw db.PgxConn) error {
			var rec []byte
			var staged int64
			err := tx.NewRaw(`SELECT staged, events FROM cdp_batches WHERE tenant_id = ? AND id = ? AND staged IS NOT NULL FOR UPDATE`,
				tenant, batch).Scan(ctx, &rec, &staged)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			cols, err := decodeStaged(rec)
			if err != nil {
				return fmt.Errorf("batch %s: %w", batch, err)
			}
			insert := func(cols *columns) (sources []batchSource, err error) {
				err = raw(ctx, func(c *pgx.Conn) error {
					// As the commit wrote them before (see insertEvents).
					args := append([]any{pgx.QueryExecModeCacheDescribe}, cols.args(tenant, batch)...)
					rows, err := c.Query(ctx, insertEvents, args...)
					if err != nil {
						return err
					}
					var x batchSource
					_, err = pgx.ForEachRow(rows, []any{&x.ID, &x.Events, &x.Last}, func() error {
						sources = append(sources, x)
						return nil
					})
					return err
				})
				return sources, err
			}
			var sources []batchSource
			refused := 0
			if isolate {
				sources, refused, err = insertIsolating(ctx, tx, cols, insert)
			} else {
				sources, err = insert(cols)
			}
			if err != nil {
				return err
			}
			if refused > 0 && s.Log != nil {
				s.Log.Warn("cdp: staged events PostgreSQL refused were dropped", "tenant", tenant, "batch", batch, "events", refused)
			}
			var written int64
			for _, x := range sources {
				written += x.Events
			}
			if sources == nil {
				sources = []batchSource{}
			}
			js, err := json.Marshal(sources)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE cdp_batches SET staged = NULL, events = ?, sources = ? WHERE tenant_id = ? AND id = ?`,
				written, string(js), tenant, batch); err != nil {
				return err
			}
			if dropped := staged - written; dropped > 0 && s.Billing != nil {
				// Stored before (a retried request): acknowledged, not counted.
				return s.Billing.ReleaseTx(ctx, tx, tenant, billing.MonthlyEvents, dropped)
			}
			return nil
		})
	}
	isolate := false
	err := write(isolate)
	if err != nil && pgCode(err, "40P01") {
		// Lost a deadlock to another batch's materialisation inserting
		// the same messageIds in another order: once more.
		err = write(isolate)
	}
	if err != nil && missingPartition(err) {
		// The periodic job has not created the month's partition yet.
		if _, perr := s.EnsurePartitions(ctx); perr == nil {
			err = write(isolate)
		}
	}
	if err != nil && dataError(err) {
		// PostgreSQL refused a value (the parser lets through nothing it
		// is known to refuse, so this is a safety net): the batch again,
		// event by event, dropping only the refused ones.
		isolate = true
		err = write(isolate)
	}
	if err != nil {
		return fmt.Errorf("materialise staged events: %w", err)
	}
	return nil
}

// insertIsolating inserts cols one event at a time, each under its own
// savepoint, and drops the ones PostgreSQL refuses — a staged batch must
// never fail for ever because of one event. It returns what was stored
// per source and how many were refused.
func insertIsolating(ctx context.Context, tx bun.Tx, cols *columns, insert func(*columns) ([]batchSource, error)) ([]batchSource, int, error) {
	at := map[uuid.UUID]int{}
	var sources []batchSource
	refused := 0
	for i := range cols.messageID {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT stage_one"); err != nil {
			return nil, 0, err
		}
		one, err := insert(cols.one(i))
		if err != nil {
			if !dataError(err) {
				return nil, 0, err
			}
			refused++
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT stage_one"); err != nil {
				return nil, 0, err
			}
			continue
		}
		for _, x := range one {
			sources = addSource(sources, at, x.ID, x.Events, x.Last)
		}
	}
	slices.SortFunc(sources, func(a, b batchSource) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	return sources, refused, nil
}

// one is row i of c alone.
func (c *columns) one(i int) *columns {
	return &columns{source: c.source[i : i+1], messageID: c.messageID[i : i+1], typ: c.typ[i : i+1], name: c.name[i : i+1],
		anonymousID: c.anonymousID[i : i+1], userID: c.userID[i : i+1], groupID: c.groupID[i : i+1],
		previousID: c.previousID[i : i+1], receivedAt: c.receivedAt[i : i+1], timestamp: c.timestamp[i : i+1],
		originalTimestamp: c.originalTimestamp[i : i+1], sentAt: c.sentAt[i : i+1], properties: c.properties[i : i+1],
		traits: c.traits[i : i+1], context: c.context[i : i+1], integrat: c.integrat[i : i+1], size: c.size[i : i+1]}
}

// MaterialiseStaged materialises every batch of tenant still staged,
// oldest first, as their batch jobs would (each is idempotent: a batch job
// running at the same time waits for the batch row and then finds nothing
// staged). It is how a reader that must see every acknowledged event as a
// row, not only the batch jobs' work so far, gets them (privacy scans,
// tests).
func (s *Service) MaterialiseStaged(ctx context.Context, tenant uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "cdp.Service.MaterialiseStaged(%s)", tenant)
	return s.materialiseThrough(ctx, tenant, nil)
}
