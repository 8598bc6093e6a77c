package cdp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
// group, each with one COPY, the dedup rows, the reservation of the plan's
// monthly events, the batch row and its River job — and answers every
// waiting request once its tenant's transaction has committed. While one writer
// waits for its commit, another takes the next group; the rest queue up,
// so under load each commit carries many requests.

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
}

// ErrClosed refuses requests after Close.
var ErrClosed = apperr.New(apperr.Throttled, "the server is shutting down; retry")

func (s *Service) committer() *committer {
	s.startOnce.Do(func() {
		c := &committer{wake: make(chan struct{}, 1), stop: make(chan struct{}), idle: make(chan struct{})}
		s.commit = c
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
// item's outcome. A missing monthly partition (the periodic job has not
// run) is created and the write retried once; so is a deadlock with
// another writer. When the group as a whole cannot be written — it would
// pass the monthly events limit, or PostgreSQL refuses a value in it —
// each request is written on its own, so that only the ones at fault are
// refused.
func (s *Service) commitTenant(tenant uuid.UUID, items []*pending) []error {
	errs, err := s.commitTenantOnce(tenant, items)
	if err != nil && missingPartition(err) {
		ctx, cancel := context.WithTimeout(context.Background(), s.Config.commitTimeout())
		if _, perr := s.EnsurePartitions(ctx); perr == nil {
			errs, err = s.commitTenantOnce(tenant, items)
		}
		cancel()
	}
	if err != nil && pgCode(err, "40P01") {
		errs, err = s.commitTenantOnce(tenant, items)
	}
	var over *overLimit
	isOver := errors.As(err, &over)
	switch {
	case err == nil:
		return errs
	case (isOver || dataError(err)) && len(items) > 1:
		for i := range items {
			errs[i] = s.commitTenant(tenant, items[i:i+1])[0]
		}
		return errs
	case isOver:
		errs[0] = limitError(over.err)
		return errs
	case dataError(err):
		// This request alone holds a value PostgreSQL refuses: retrying
		// cannot help, so it is the client's error.
		errs[0] = &apperr.Error{Code: apperr.BadUserInput, Field: []string{"body"}, Err: err,
			Message:    "body: an event holds a value that cannot be stored (invalid text or JSON for its field)",
			Extensions: map[string]any{"field": "body"}}
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

// stageColumns are the columns of the session's temporary staging table,
// in COPY order.
var stageColumns = []string{"source_id", "message_id", "received_at", "type", "event", "anonymous_id", "user_id",
	"group_id", "previous_id", "original_timestamp", "sent_at", "timestamp", "properties", "traits", "context",
	"integrations", "payload_size"}

// The staging table: COPY cannot write into a table with row-level
// security (PostgreSQL refuses COPY FROM when RLS applies), so rows are
// copied into this session-local table, emptied at every commit, and moved
// into cdp_events by one INSERT … SELECT, to which the RLS policy applies.
const createStage = `CREATE TEMP TABLE IF NOT EXISTS cdp_stage (
	source_id uuid, message_id text, received_at timestamptz, type text, event text,
	anonymous_id text, user_id text, group_id text, previous_id text, original_timestamp timestamptz,
	sent_at timestamptz, "timestamp" timestamptz, properties jsonb, traits jsonb, context jsonb,
	integrations jsonb, payload_size integer) ON COMMIT DELETE ROWS`

// moveStaged dedups the staged rows (unique within the group already)
// against cdp_message_ids and inserts the fresh ones, returning per source
// how many and the newest received_at.
const moveStaged = `WITH s AS (
	SELECT * FROM cdp_stage
), fresh AS (
	INSERT INTO cdp_message_ids (tenant_id, source_id, message_id, batch_id, received_at)
	SELECT ?0, source_id, message_id, ?1, received_at FROM s
	ON CONFLICT DO NOTHING RETURNING source_id, message_id
), ins AS (
	INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event, anonymous_id, user_id,
		group_id, previous_id, original_timestamp, sent_at, "timestamp", properties, traits, context, integrations, payload_size)
	SELECT ?0, s.source_id, s.message_id, s.received_at, ?1, s.type, s.event, s.anonymous_id, s.user_id,
		s.group_id, s.previous_id, s.original_timestamp, s.sent_at, s."timestamp", s.properties, s.traits, s.context,
		s.integrations, s.payload_size
	FROM s JOIN fresh USING (source_id, message_id)
	RETURNING source_id, received_at
)
SELECT source_id AS id, count(*) AS events, max(received_at) AS last FROM ins GROUP BY source_id ORDER BY source_id`

// batchSource is one source's share of a batch (cdp_batches.sources).
type batchSource struct {
	ID     uuid.UUID `bun:"id" json:"id"`
	Events int64     `bun:"events" json:"events"`
	Last   time.Time `bun:"last" json:"last"`
}

func (s *Service) commitTenantOnce(tenant uuid.UUID, items []*pending) ([]error, error) {
	errs := make([]error, len(items))
	ctx, cancel := context.WithTimeout(context.Background(), s.Config.commitTimeout())
	defer cancel()
	err := s.DB.InTenantConn(ctx, tenant, func(ctx context.Context, tx bun.Tx, raw db.PgxConn) error {
		clear(errs)
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
		if _, err := tx.ExecContext(ctx, createStage); err != nil {
			return err
		}
		// Duplicates within the group are dropped here (the first copy
		// wins); the dedup table drops those of earlier commits.
		type key struct {
			source uuid.UUID
			id     string
		}
		seen := map[key]struct{}{}
		var rows [][]any
		for _, p := range items {
			for _, e := range p.events {
				k := key{e.SourceID, e.MessageID}
				if _, dup := seen[k]; dup {
					continue
				}
				seen[k] = struct{}{}
				rows = append(rows, stageRow(e))
			}
		}
		if err := raw(ctx, func(c *pgx.Conn) error {
			_, err := c.CopyFrom(ctx, pgx.Identifier{"cdp_stage"}, stageColumns, pgx.CopyFromRows(rows))
			return err
		}); err != nil {
			return err
		}
		batch := uuid.New()
		var sources []batchSource
		if err := tx.NewRaw(moveStaged, tenant, batch).Scan(ctx, &sources); err != nil {
			return err
		}
		var written int64
		for _, x := range sources {
			written += x.Events
		}
		// The live debugger's sample, published at commit (ADR 0016);
		// fewer written than staged means some were stored before.
		if err := publishAccepted(ctx, tx, tenant, batch, items, written < int64(len(rows))); err != nil {
			return err
		}
		if written == 0 {
			return nil // all duplicates: acknowledged, nothing stored or counted
		}
		// The reservation is taken last, in the same transaction, so the
		// tenant's usage row is locked only until the commit (a concurrent
		// writer of the tenant does its COPY meanwhile); over the limit the
		// whole transaction rolls back.
		if err := s.Billing.ReserveTx(ctx, tx, tenant, billing.MonthlyEvents, written); err != nil {
			if isLimit(err) {
				return &overLimit{err}
			}
			return err
		}
		js, err := json.Marshal(sources)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at) VALUES (?, ?, ?, ?, ?)`,
			tenant, batch, written, string(js), s.DB.Now(ctx)); err != nil {
			return err
		}
		if s.Enqueue != nil {
			return s.Enqueue(ctx, tx, tenant, batch)
		}
		return nil
	})
	return errs, err
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

func stageRow(e Event) []any {
	return []any{pgtype.UUID{Bytes: e.SourceID, Valid: true}, e.MessageID, e.ReceivedAt, e.Type, nullText(e.Name), nullText(e.AnonymousID),
		nullText(e.UserID), nullText(e.GroupID), nullText(e.PreviousID), e.OriginalTimestamp, e.SentAt, e.Timestamp,
		nullJSON(e.Properties), nullJSON(e.Traits), nullJSON(e.Context), nullJSON(e.Integrations), int32(e.Size)}
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}
