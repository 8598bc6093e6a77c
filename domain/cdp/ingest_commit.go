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
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
)

// The group committer (ADR 0016). Requests enqueue their validated events
// and wait; one writer goroutine per process takes everything queued, writes
// it — one transaction per tenant in the group, each with one COPY, the
// dedup rows, the batch row and its River job — and answers every waiting
// request once its tenant's transaction has committed. While it writes, the
// next group queues up, so under load each commit carries many requests.

// pending is one request waiting for its commit.
type pending struct {
	tenant uuid.UUID
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
	idle   chan struct{}
}

// ErrClosed refuses requests after Close.
var ErrClosed = apperr.New(apperr.Throttled, "the server is shutting down; retry")

func (s *Service) committer() *committer {
	s.startOnce.Do(func() {
		s.commit = &committer{wake: make(chan struct{}, 1), idle: make(chan struct{})}
		go s.writeLoop(s.commit)
	})
	return s.commit
}

// submit queues a request's events and waits for their commit.
func (s *Service) submit(ctx context.Context, tenant uuid.UUID, events []Event, size int) error {
	c := s.committer()
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	p := &pending{tenant: tenant, events: events, bytes: size, done: make(chan error, 1)}
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
	c.closed = true
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	select {
	case <-c.idle:
	case <-ctx.Done():
	}
}

func (s *Service) writeLoop(c *committer) {
	defer close(c.idle)
	for range c.wake {
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
// run) is created and the write retried once.
func (s *Service) commitTenant(tenant uuid.UUID, items []*pending) []error {
	errs, err := s.commitTenantOnce(tenant, items)
	if err != nil && missingPartition(err) {
		ctx, cancel := context.WithTimeout(context.Background(), s.Config.commitTimeout())
		if _, perr := s.EnsurePartitions(ctx); perr == nil {
			errs, err = s.commitTenantOnce(tenant, items)
		}
		cancel()
	}
	if err != nil && dataError(err) && len(items) > 1 {
		// Something in one request that validation let through and
		// PostgreSQL refuses must not fail the requests it was grouped
		// with: each is written on its own.
		for i := range items {
			errs[i] = s.commitTenant(tenant, items[i:i+1])[0]
		}
		return errs
	}
	if err != nil && dataError(err) {
		// This request alone holds a value PostgreSQL refuses: retrying
		// cannot help, so it is the client's error.
		errs[0] = &apperr.Error{Code: apperr.BadUserInput, Field: []string{"body"}, Err: err,
			Message:    "body: an event holds a value that cannot be stored (invalid text or JSON for its field)",
			Extensions: map[string]any{"field": "body"}}
		return errs
	}
	if err != nil {
		err = fmt.Errorf("cdp group commit (%s, %d requests): %w", tenant, len(items), err)
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	return errs
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
var stageColumns = []string{"seq", "source_id", "message_id", "received_at", "type", "event", "anonymous_id", "user_id",
	"group_id", "previous_id", "original_timestamp", "sent_at", "timestamp", "properties", "traits", "context",
	"integrations", "payload_size"}

// The staging table: COPY cannot write into a table with row-level
// security (PostgreSQL refuses COPY FROM when RLS applies), so rows are
// copied into this session-local table, emptied at every commit, and moved
// into cdp_events by one INSERT … SELECT, to which the RLS policy applies.
const createStage = `CREATE TEMP TABLE IF NOT EXISTS cdp_stage (
	seq integer, source_id uuid, message_id text, received_at timestamptz, type text, event text,
	anonymous_id text, user_id text, group_id text, previous_id text, original_timestamp timestamptz,
	sent_at timestamptz, "timestamp" timestamptz, properties jsonb, traits jsonb, context jsonb,
	integrations jsonb, payload_size integer) ON COMMIT DELETE ROWS`

// moveStaged dedups the staged rows (unique within the group already)
// against cdp_message_ids and inserts the fresh ones, returning per source
// how many and the newest received_at.
const moveStaged = `WITH s AS (
	SELECT * FROM cdp_stage
), fresh AS (
	INSERT INTO cdp_message_ids (tenant_id, source_id, message_id, received_at)
	SELECT ?0, source_id, message_id, received_at FROM s
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
		reserved, err := s.reserve(ctx, tx, tenant, items, errs)
		if err != nil || reserved == 0 {
			return err
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
		for i, p := range items {
			if errs[i] != nil {
				continue
			}
			for _, e := range p.events {
				k := key{e.SourceID, e.MessageID}
				if _, dup := seen[k]; dup {
					continue
				}
				seen[k] = struct{}{}
				rows = append(rows, stageRow(len(rows), e))
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
		if dup := reserved - written; dup > 0 {
			// Duplicates are acknowledged but neither stored nor counted.
			if err := s.Billing.ReleaseTx(ctx, tx, tenant, billing.MonthlyEvents, dup); err != nil {
				return err
			}
		}
		if written == 0 {
			return nil
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

// reserve takes the plan's monthly events for the items in one statement,
// or, when that would pass the limit, item by item so that the requests
// that still fit go through; an item over the limit gets the limit's
// refusal in errs. It returns the events reserved.
func (s *Service) reserve(ctx context.Context, tx bun.Tx, tenant uuid.UUID, items []*pending, errs []error) (int64, error) {
	var total int64
	for _, p := range items {
		total += int64(len(p.events))
	}
	err := s.Billing.ReserveTx(ctx, tx, tenant, billing.MonthlyEvents, total)
	if err == nil {
		return total, nil
	}
	if !isLimit(err) {
		return 0, err
	}
	total = 0
	for i, p := range items {
		n := int64(len(p.events))
		err := s.Billing.ReserveTx(ctx, tx, tenant, billing.MonthlyEvents, n)
		switch {
		case err == nil:
			total += n
		case isLimit(err):
			errs[i] = limitError(err)
		default:
			return 0, err
		}
	}
	return total, nil
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

func stageRow(seq int, e Event) []any {
	return []any{int32(seq), e.SourceID, e.MessageID, e.ReceivedAt, e.Type, nullText(e.Name), nullText(e.AnonymousID),
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
