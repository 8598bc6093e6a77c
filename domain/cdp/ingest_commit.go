package cdp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
)

// The group committer (ADR 0016). Requests enqueue their validated events
// and wait; a writer goroutine (Config.Writers of them, default 2) takes
// everything queued and writes it — one transaction per tenant in the
// group, each with one statement writing the dedup rows and the events,
// the reservation of the plan's monthly events, the batch row and its
// River job — and answers every waiting request once its tenant's
// transaction has committed. While one writer waits for its commit,
// another takes the next group; the rest queue up, so under load each
// commit carries many requests, and a lone request is written at once.

// pending is one request waiting for its commit.
type pending struct {
	tenant uuid.UUID
	key    string // the write key, redacted from the debugger's payloads
	events []Event
	bytes  int
	done   chan error
}

type committer struct {
	mu     sync.Mutex
	queue  []*pending
	bytes  int
	closed bool
	wake   chan struct{}
	stop   chan struct{}
	idle   chan struct{}
	// sample carries each commit's debugger sample to the publisher
	// goroutine (full: the sample is dropped; ingestion never waits).
	sample chan debuggerSample
}

// ErrClosed refuses requests after Close.
var ErrClosed = apperr.New(apperr.Throttled, "the server is shutting down; retry")

func (s *Service) committer() *committer {
	s.startOnce.Do(func() {
		c := &committer{wake: make(chan struct{}, 1), stop: make(chan struct{}), idle: make(chan struct{}),
			sample: make(chan debuggerSample, sampleQueue)}
		s.commit = c
		go s.sampleLoop(c)
		var wg sync.WaitGroup
		for range s.Config.writers() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.writeLoop(c)
			}()
		}
		go func() {
			wg.Wait()
			close(c.idle)
		}()
	})
	return s.commit
}

// submit queues a request's events and waits for their commit.
func (s *Service) submit(ctx context.Context, tenant uuid.UUID, key string, events []Event, size int) error {
	c := s.committer()
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	p := &pending{tenant: tenant, key: key, events: events, bytes: size, done: make(chan error, 1)}
	c.mu.Lock()
	switch {
	case c.closed:
		c.mu.Unlock()
		return ErrClosed
	case c.bytes > 0 && c.bytes+size > s.Config.maxQueueBytes():
		c.mu.Unlock()
		return &apperr.Error{Code: apperr.Throttled, Message: "ingestion is busy; retry in 1 s",
			Extensions: map[string]any{"retryAfterSeconds": 1}}
	}
	c.queue = append(c.queue, p)
	c.bytes += size
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		// The events may still commit; a retry is deduplicated by messageId.
		return ctx.Err()
	}
}

// Waiting is how many requests are waiting for their events' commit
// (queued or in the transaction being written): a gauge for metrics, and
// how tests know that concurrent requests have reached the committer.
func (s *Service) Waiting() int { return int(s.waiting.Load()) }

// Close stops the group committer after writing what is queued; later
// requests get ErrClosed. It waits at most until ctx ends.
func (s *Service) Close(ctx context.Context) {
	c := s.committer()
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.stop)
	}
	c.mu.Unlock()
	select {
	case <-c.idle:
	case <-ctx.Done():
	}
}

// writeLoop is one writer: it takes everything queued when woken and
// writes it, until the committer is closed and the queue is empty.
func (s *Service) writeLoop(c *committer) {
	for {
		select {
		case <-c.wake:
		case <-c.stop:
		}
		for {
			c.mu.Lock()
			group, closed := c.queue, c.closed
			c.queue, c.bytes = nil, 0
			c.mu.Unlock()
			if len(group) == 0 {
				if closed {
					return
				}
				break
			}
			s.writeGroup(group)
		}
	}
}

// writeGroup commits group, one transaction per tenant (app.tenant_id is
// per transaction, and one tenant's refusal must not undo another's
// events), and answers each request.
func (s *Service) writeGroup(group []*pending) {
	var order []uuid.UUID
	byTenant := map[uuid.UUID][]*pending{}
	for _, p := range group {
		if _, ok := byTenant[p.tenant]; !ok {
			order = append(order, p.tenant)
		}
		byTenant[p.tenant] = append(byTenant[p.tenant], p)
	}
	for _, t := range order {
		items := byTenant[t]
		errs := s.commitTenant(t, items)
		for i, p := range items {
			p.done <- errs[i]
		}
	}
}

// commitTenant writes items of tenant in one transaction and returns each
// item's outcome. A deadlock with another writer is retried once. When the
// group as a whole would pass the monthly events limit, each request is
// written on its own, so that only the ones that do not fit are refused.
// (PostgreSQL reads no event value here — ADR 0026 — so none can be
// refused by it; materialiseOne deals with that.)
func (s *Service) commitTenant(tenant uuid.UUID, items []*pending) []error {
	errs, err := s.commitTenantOnce(tenant, items)
	if err != nil && pgCode(err, "40P01") {
		errs, err = s.commitTenantOnce(tenant, items)
	}
	var over *overLimit
	isOver := errors.As(err, &over)
	switch {
	case err == nil:
		return errs
	case isOver && len(items) > 1:
		for i := range items {
			errs[i] = s.commitTenant(tenant, items[i:i+1])[0]
		}
		return errs
	case isOver:
		errs[0] = limitError(over.err)
		return errs
	}
	err = fmt.Errorf("cdp group commit (%s, %d requests): %w", tenant, len(items), err)
	for i := range errs {
		if errs[i] == nil {
			errs[i] = err
		}
	}
	return errs
}

// overLimit rolls back a group that would pass the plan's monthly events
// limit (err is billing's refusal).
type overLimit struct{ err error }

func (o *overLimit) Error() string { return o.err.Error() }

func pgCode(err error, code string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code
}

// dataError reports an error of PostgreSQL's class 22 (data exception:
// invalid JSON or text for its type, a value out of range).
func dataError(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && strings.HasPrefix(pe.Code, "22")
}

func missingPartition(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23514" && strings.Contains(pe.Message, "no partition")
}

// insertEvents writes a group's rows (unique within the group already)
// in one statement: the rows arrive as one array per column ($1…$17,
// pgx's binary encoding), the dedup insert into cdp_message_ids feeds the
// events insert only the first copies, and it returns per source how many
// were stored and the newest received_at. $18 is the tenant, $19 the
// batch. The dedup insert reads only the three arrays it needs (the same
// parameters: nothing is sent twice), so the wide rows are unnested once
// for the events insert and not materialised for a second reader; the IN
// lets PostgreSQL hash the fresh ids (two narrow columns) and probe them
// with the rows (a JOIN … USING made it sort the wide rows for a merge
// join). (PostgreSQL refuses COPY FROM into a table with row-level
// security, so rows cannot be copied into cdp_events; an earlier version
// copied them into a temporary table and moved them with INSERT … SELECT —
// three statements a commit and a table to write and empty where one
// statement now reads the arrays. The RLS policy's WITH CHECK applies to
// both inserts.)
const insertEvents = `WITH fresh AS (
	INSERT INTO cdp_message_ids (tenant_id, source_id, message_id, batch_id, received_at)
	SELECT $18, source_id, message_id, $19, received_at
	FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS m(source_id, message_id, received_at)
	ON CONFLICT DO NOTHING RETURNING source_id, message_id
), ins AS (
	INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event, anonymous_id, user_id,
		group_id, previous_id, original_timestamp, sent_at, "timestamp", properties, traits, context, integrations, payload_size)
	SELECT $18, s.source_id, s.message_id, s.received_at, $19, s.type, NULLIF(s.event, ''), NULLIF(s.anonymous_id, ''),
		NULLIF(s.user_id, ''), NULLIF(s.group_id, ''), NULLIF(s.previous_id, ''), s.original_timestamp,
		s.sent_at, s."timestamp", s.properties, s.traits, s.context, s.integrations, s.payload_size
	FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[],
		$8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::jsonb[], $14::jsonb[],
		$15::jsonb[], $16::jsonb[], $17::integer[])
	AS s(source_id, message_id, received_at, type, event, anonymous_id, user_id, group_id, previous_id,
		original_timestamp, sent_at, "timestamp", properties, traits, context, integrations, payload_size)
	WHERE (s.source_id, s.message_id) IN (SELECT source_id, message_id FROM fresh)
	RETURNING source_id, received_at
)
SELECT source_id, count(*), max(received_at) FROM ins GROUP BY source_id ORDER BY source_id`

// columns are a group's rows as insertEvents' arrays: nil is NULL, and
// so is an empty id or name (NULLIF in the statement), which keeps those
// columns []string, which pgx encodes without reflection (as it does
// pgtype.FlatArray).
type columns struct {
	source                                    [][16]byte
	messageID, typ, name, anonymousID, userID []string
	groupID, previousID                       []string
	receivedAt, timestamp                     []time.Time
	originalTimestamp, sentAt                 pgtype.FlatArray[*time.Time]
	properties, traits, context, integrat     pgtype.FlatArray[[]byte]
	size                                      []int32
}

func newColumns(n int) *columns {
	return &columns{source: make([][16]byte, 0, n), messageID: make([]string, 0, n), typ: make([]string, 0, n),
		name: make([]string, 0, n), anonymousID: make([]string, 0, n), userID: make([]string, 0, n),
		groupID: make([]string, 0, n), previousID: make([]string, 0, n), receivedAt: make([]time.Time, 0, n),
		timestamp: make([]time.Time, 0, n), originalTimestamp: make([]*time.Time, 0, n), sentAt: make([]*time.Time, 0, n),
		properties: make([][]byte, 0, n), traits: make([][]byte, 0, n), context: make([][]byte, 0, n),
		integrat: make([][]byte, 0, n), size: make([]int32, 0, n)}
}

func (c *columns) add(e *Event) {
	c.source = append(c.source, e.SourceID)
	c.messageID = append(c.messageID, e.MessageID)
	c.typ = append(c.typ, e.Type)
	c.name = append(c.name, e.Name)
	c.anonymousID = append(c.anonymousID, e.AnonymousID)
	c.userID = append(c.userID, e.UserID)
	c.groupID = append(c.groupID, e.GroupID)
	c.previousID = append(c.previousID, e.PreviousID)
	c.receivedAt = append(c.receivedAt, e.ReceivedAt)
	c.timestamp = append(c.timestamp, e.Timestamp)
	c.originalTimestamp = append(c.originalTimestamp, e.OriginalTimestamp)
	c.sentAt = append(c.sentAt, e.SentAt)
	c.properties = append(c.properties, e.Properties)
	c.traits = append(c.traits, e.Traits)
	c.context = append(c.context, e.Context)
	c.integrat = append(c.integrat, e.Integrations)
	c.size = append(c.size, int32(e.Size))
}

func (c *columns) args(tenant, batch uuid.UUID) []any {
	return []any{c.source, c.messageID, c.receivedAt, c.typ, c.name, c.anonymousID, c.userID, c.groupID, c.previousID,
		c.originalTimestamp, c.sentAt, c.timestamp, c.properties, c.traits, c.context, c.integrat, c.size,
		[16]byte(tenant), [16]byte(batch)}
}

// batchSource is one source's share of a batch (cdp_batches.sources).
type batchSource struct {
	ID     uuid.UUID `bun:"id" json:"id"`
	Events int64     `bun:"events" json:"events"`
	Last   time.Time `bun:"last" json:"last"`
}

func (s *Service) commitTenantOnce(tenant uuid.UUID, items []*pending) ([]error, error) {
	errs := make([]error, len(items))
	accepted := false
	var batch uuid.UUID
	ctx, cancel := context.WithTimeout(context.Background(), s.Config.commitTimeout())
	defer cancel()
	err := s.DB.InTenantConn(ctx, tenant, func(ctx context.Context, tx bun.Tx, raw db.PgxConn) error {
		clear(errs)
		accepted = false
		e, err := s.Billing.EntitlementsTx(ctx, tx, tenant)
		if err != nil {
			return err
		}
		if !e.Enabled(billing.CDP) {
			ferr := flagError(e)
			for i := range errs {
				errs[i] = ferr
			}
			return nil
		}
		accepted = true
		// Duplicates within the group are dropped here (the first copy
		// wins); the batch job's materialisation drops those of earlier
		// commits (ADR 0026).
		type key struct {
			source uuid.UUID
			id     string
		}
		n := 0
		for _, p := range items {
			n += len(p.events)
		}
		seen := make(map[key]struct{}, n)
		list := make([]*Event, 0, n)
		for _, p := range items {
			for i := range p.events {
				e := &p.events[i]
				k := key{e.SourceID, e.MessageID}
				if _, dup := seen[k]; dup {
					continue
				}
				seen[k] = struct{}{}
				list = append(list, e)
			}
		}
		if len(list) == 0 {
			return nil
		}
		batch = uuid.New()
		staged := int64(len(list))
		js, err := json.Marshal(stagedSources(list))
		if err != nil {
			return err
		}
		// The commit's events as one record (ADR 0026): what PostgreSQL
		// writes per event — heap rows, index entries, the dedup probe —
		// is the batch job's, so a commit costs it one row whatever its
		// size. Binary parameters (CacheDescribe): the record is sent as
		// bytes, not as hex text.
		if err := raw(ctx, func(c *pgx.Conn) error {
			_, err := c.Exec(ctx, `INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at, staged)
				VALUES ($1::uuid, $2::uuid, $3::integer, $4::text::jsonb, $5::timestamptz, $6::bytea)`, pgx.QueryExecModeCacheDescribe,
				[16]byte(tenant), [16]byte(batch), int32(staged), string(js), s.DB.Now(ctx), encodeStaged(make([]byte, 0, 64+n*512), list))
			return err
		}); err != nil {
			return err
		}
		// The reservation is taken after the batch row, in the same
		// transaction, so the tenant's usage row is locked only until the
		// commit; over the limit the whole transaction rolls back. It
		// counts what was staged: the batch job gives back what it drops
		// as stored before.
		if err := s.Billing.ReserveWithTx(ctx, tx, tenant, e, billing.MonthlyEvents, staged); err != nil {
			if isLimit(err) {
				return &overLimit{err}
			}
			return err
		}
		if s.Enqueue != nil {
			return s.Enqueue(ctx, tx, tenant, batch)
		}
		return nil
	})
	if err == nil && accepted && batch != uuid.Nil {
		// The live debugger's sample of what was just committed, handed to
		// the publisher before any request of the group is answered (so a
		// later request's entries follow this one's).
		s.queueSample(tenant, batch, items)
	}
	return errs, err
}

// addSource adds n events of source, the newest received at last, to out
// (at: each source's index in out).
func addSource(out []batchSource, at map[uuid.UUID]int, source uuid.UUID, n int64, last time.Time) []batchSource {
	j, ok := at[source]
	if !ok {
		j = len(out)
		at[source] = j
		out = append(out, batchSource{ID: source, Last: last})
	}
	out[j].Events += n
	if last.After(out[j].Last) {
		out[j].Last = last
	}
	return out
}

// stagedSources is per source (in id order) how many of events were
// staged and the newest received_at (cdp_batches.sources until the batch
// job sets what was stored).
func stagedSources(events []*Event) []batchSource {
	var out []batchSource
	at := map[uuid.UUID]int{}
	for _, e := range events {
		out = addSource(out, at, e.SourceID, 1, e.ReceivedAt)
	}
	slices.SortFunc(out, func(a, b batchSource) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	return out
}

// sampleQueue is how many commits' debugger samples may wait for the
// publisher; past it a commit's sample is dropped.
const sampleQueue = 8

// queueSample hands the live debugger's sample of a committed group of
// tenant — at most DebuggerPerCommit events per source, duplicates
// included (they were acknowledged) — to the publisher without waiting.
// The sample is published after the commit, not by NOTIFY inside it:
// PostgreSQL serialises the commits of all transactions that NOTIFY
// (a cluster-wide lock held until the commit record is flushed), which
// would keep the writers' fsyncs from overlapping, and each NOTIFY is one
// more statement in the transaction. So an entry is still seen only if its
// events committed; a crash between the commit and the publish loses the
// entry, never an event. An event whose messageId came earlier in the
// sample is DUPLICATE here; the publisher looks up which of the others an
// earlier batch had stored (ADR 0026: the commit itself no longer knows).
func (s *Service) queueSample(tenant, batch uuid.UUID, items []*pending) {
	c := s.committer()
	if len(c.sample) == cap(c.sample) {
		return // the publisher is behind: skip the work of building it
	}
	type key struct {
		source uuid.UUID
		id     string
	}
	per := map[uuid.UUID]int{}
	seen := map[key]bool{}
	smp := debuggerSample{tenant: tenant, batch: batch}
	for _, p := range items {
		for _, e := range p.events {
			if per[e.SourceID] >= DebuggerPerCommit {
				continue
			}
			per[e.SourceID]++
			st := DebuggerAccepted
			if k := (key{e.SourceID, e.MessageID}); seen[k] {
				st = DebuggerDuplicate
			} else {
				seen[k] = true
			}
			// The payload is copied (the request's buffer is not ours
			// once it is answered), the write key already redacted.
			raw := e.Raw
			if p.key != "" {
				raw = bytes.ReplaceAll(raw, []byte(p.key), []byte("[redacted]"))
			} else {
				raw = bytes.Clone(raw)
			}
			smp.entries = append(smp.entries, sampleEntry{ev: DebuggerEvent{SourceID: e.SourceID, ReceivedAt: e.ReceivedAt, Status: st,
				MessageID: e.MessageID, Type: e.Type, Name: e.Name}, raw: raw})
		}
	}
	if len(smp.entries) == 0 {
		return
	}
	select {
	case c.sample <- smp:
	default:
	}
}

// debuggerSample is one commit's sample, waiting for the publisher.
type debuggerSample struct {
	tenant, batch uuid.UUID
	entries       []sampleEntry
}

type sampleEntry struct {
	ev  DebuggerEvent
	raw []byte // redacted
}

// sampleLoop publishes the queued samples, one short transaction in the
// sample's tenant for each (the DUPLICATE lookup and one statement
// publishing the entries), in the order the commits queued
// them; a failure is logged and the sample dropped. It ends when the
// service is closed.
func (s *Service) sampleLoop(c *committer) {
	for {
		var smp debuggerSample
		select {
		case smp = <-c.sample:
		case <-c.stop:
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := s.DB.InTenant(ctx, smp.tenant, func(ctx context.Context, tx bun.Tx) error {
			return publishSample(ctx, tx, smp)
		})
		cancel()
		if err != nil && s.Log != nil {
			s.Log.Warn("cdp debugger: publishing accepted events failed", "err", err)
		}
	}
}

func isLimit(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Extensions["limit"] != nil
}

// limitError is billing's refusal of a reservation as the tracking API
// answers it: THROTTLED (429), naming the limit.
func limitError(err error) error {
	e, _ := apperr.As(err)
	return &apperr.Error{Code: apperr.Throttled, Message: e.Message, Extensions: e.Extensions}
}

// flagError is the refusal of a tenant without the cdp flag.
func flagError(e billing.Entitlements) error {
	f := e.Feature(billing.CDP)
	return &apperr.Error{Code: apperr.FeatureDisabled,
		Message:    "the cdp feature is not enabled for this workspace (it unlocks with the " + f.From.Title() + " plan)",
		Extensions: map[string]any{"feature": string(billing.CDP)}}
}
