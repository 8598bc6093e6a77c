package conversions

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// This file is the delivery log (deliveries) and replay
// (replayDeliveries) of docs/adr/0022.

// Delivery is one event's delivery to one destination, as the log shows
// it: never the event's personal data, only its names, times and the
// platform's answer.
type Delivery struct {
	bun.BaseModel  `bun:"table:conversion_deliveries,alias:cd"`
	TenantID       uuid.UUID  `bun:"tenant_id"`
	ID             uuid.UUID  `bun:"id"`
	DestinationID  uuid.UUID  `bun:"destination_id"`
	MessageID      string     `bun:"message_id"`
	SourceEvent    string     `bun:"source_event"`
	EventName      string     `bun:"event_name"`
	EventTime      time.Time  `bun:"event_time"`
	Status         Status     `bun:"status"`
	Attempts       int        `bun:"attempts"`
	NextAttemptAt  *time.Time `bun:"next_attempt_at"`
	RequestSummary *string    `bun:"request_summary"`
	Response       *string    `bun:"response"`
	ErrorCode      *string    `bun:"error_code"`
	LatencyMs      *int       `bun:"latency_ms"`
	LegalBasis     *string    `bun:"legal_basis"`
	CreatedAt      time.Time  `bun:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at"`
	SentAt         *time.Time `bun:"sent_at"`
}

// Statuses lists every delivery status (the GraphQL enum's values).
var Statuses = []Status{StatusPending, StatusSending, StatusSent, StatusRetry, StatusFailed, StatusDead, StatusSkipped}

// ValidStatus reports whether s is one of Statuses.
func ValidStatus(s Status) bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// DeliveryFilter selects a destination's deliveries; empty fields mean any.
type DeliveryFilter struct {
	Destination uuid.UUID
	Status      Status
	EventName   string
}

// MaxEventNameFilter bounds the eventName filter.
const MaxEventNameFilter = 200

// List pages a destination's delivery log, newest first: its per-event
// rows (conversion_deliveries) and the events of its sent requests
// (conversion_sent_requests, all SENT) merged in one (created_at, id)
// order, each read through its own index. A destination of another tenant
// (or none) is NOT_FOUND.
func (d *Deliveries) List(ctx context.Context, tenant uuid.UUID, f DeliveryFilter, args relay.Args) (page *relay.Page[Delivery], err error) {
	defer derrors.Wrap(&err, "conversions.Deliveries.List(%v)", tenant)
	if f.Status != "" && !ValidStatus(f.Status) {
		return nil, apperr.Invalid([]string{"status"}, "unknown status %q", f.Status)
	}
	if len(f.EventName) > MaxEventNameFilter {
		return nil, apperr.Invalid([]string{"eventName"}, "at most %d bytes", MaxEventNameFilter)
	}
	w, err := relay.ParseArgs(args)
	if err != nil {
		return nil, err
	}
	key := func(x *Delivery) relay.Cursor { return relay.Cursor{At: x.CreatedAt, ID: x.ID} }
	err = d.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := destinationExistsTx(ctx, tx, tenant, f.Destination); err != nil {
			return err
		}
		q := tx.NewSelect().Model((*Delivery)(nil)).Where("cd.tenant_id = ? AND cd.destination_id = ?", tenant, f.Destination)
		if f.Status != "" {
			q = q.Where("cd.status = ?", f.Status)
		}
		if f.EventName != "" {
			q = q.Where("(cd.event_name = ? OR cd.source_event = ?)", f.EventName, f.EventName)
		}
		total := 0
		if !args.SkipCount {
			n, err := q.Clone().Count(ctx)
			if err != nil {
				return err
			}
			total = int(n)
		}
		rows, err := relay.ReadWindow[Delivery](ctx, q, w, "cd.created_at", "cd.id")
		if err != nil && !isNoRows(err) {
			return err
		}
		if f.Status == "" || f.Status == StatusSent {
			sent, n, err := sentEventsTx(ctx, tx, tenant, f, w, !args.SkipCount)
			if err != nil {
				return err
			}
			total += n
			rows = mergeLog(rows, sent, w.Backward, w.Limit+1, key)
		}
		page = relay.NewPage(rows, w, total, key)
		return nil
	})
	return page, err
}

// sentEventsTx reads up to w.Limit+1 events of destination's sent
// requests in w's order past its cursors, and counts them all when count.
// An event's log id is its request's id with its position in the last
// four bytes, so (created_at, id) compares as (created_at, request id,
// position) — the cursors' ids are split the same way.
func sentEventsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, f DeliveryFilter, w relay.Window, count bool) ([]Delivery, int, error) {
	where, params := "r.tenant_id = ? AND r.destination_id = ?", []any{tenant, f.Destination}
	filter := ""
	if f.EventName != "" {
		filter = " AND (e.event_name = ? OR e.source_event = ?)"
	}
	total := 0
	if count {
		q := "SELECT coalesce(sum(r.events), 0) FROM conversion_sent_requests r WHERE " + where
		p := params
		if filter != "" {
			q = `SELECT count(*) FROM conversion_sent_requests r, unnest(r.event_names, r.source_events) AS e(event_name, source_event)
				WHERE ` + where + filter
			p = append(slices.Clone(params), f.EventName, f.EventName)
		}
		if err := tx.NewRaw(q, p...).Scan(ctx, &total); err != nil {
			return nil, 0, fmt.Errorf("count sent events: %w", err)
		}
	}
	split := func(c *relay.Cursor) (request uuid.UUID, position int64) {
		request = c.ID
		clear(request[12:])
		return request, int64(binary.BigEndian.Uint32(c.ID[12:]))
	}
	if w.After != nil {
		req, pos := split(w.After)
		where += " AND (r.created_at, r.id) <= (?, ?) AND (r.created_at, r.id, e.n - 1) < (?, ?, ?)"
		params = append(params, w.After.At, req, w.After.At, req, pos)
	}
	if w.Before != nil {
		req, pos := split(w.Before)
		where += " AND (r.created_at, r.id) >= (?, ?) AND (r.created_at, r.id, e.n - 1) > (?, ?, ?)"
		params = append(params, w.Before.At, req, w.Before.At, req, pos)
	}
	if filter != "" {
		where += filter
		params = append(params, f.EventName, f.EventName)
	}
	dir := "DESC"
	if w.Backward {
		dir = "ASC"
	}
	var rows []Delivery
	err := tx.NewRaw(`SELECT r.tenant_id, r.destination_id, overlay(r.id::text PLACING lpad(to_hex(e.n - 1), 8, '0') FROM 29)::uuid AS id,
			e.message_id, e.source_event, e.event_name, e.event_time, 'SENT' AS status, e.attempts, r.request_summary, r.response,
			r.latency_ms, e.legal_basis, r.created_at, r.sent_at AS updated_at, r.sent_at
		FROM conversion_sent_requests r,
			unnest(r.message_ids, r.source_events, r.event_names, r.event_times, r.attempts, r.legal_bases)
				WITH ORDINALITY AS e(message_id, source_event, event_name, event_time, attempts, legal_basis, n)
		WHERE `+where+`
		ORDER BY r.created_at `+dir+`, r.id `+dir+`, e.n `+dir+` LIMIT ?`, append(params, w.Limit+1)...).Scan(ctx, &rows)
	if err != nil && !isNoRows(err) {
		return nil, 0, fmt.Errorf("read sent events: %w", err)
	}
	return rows, total, nil
}

// mergeLog merges a and b, each in the log's order (newest first;
// oldest first when backward), into at most limit items in that order.
func mergeLog(a, b []Delivery, backward bool, limit int, key func(*Delivery) relay.Cursor) []Delivery {
	out := make([]Delivery, 0, min(limit, len(a)+len(b)))
	for len(out) < limit && (len(a) > 0 || len(b) > 0) {
		takeA := len(b) == 0
		if len(a) > 0 && len(b) > 0 {
			ka, kb := key(&a[0]), key(&b[0])
			takeA = kb.Less(ka)
			if backward {
				takeA = ka.Less(kb)
			}
		}
		if takeA {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

// Queued counts destination's events waiting for their first send (in
// queued batches, mapped or not: each is decided when it is sent). Another
// tenant's destination has none.
func (d *Deliveries) Queued(ctx context.Context, tenant, destination uuid.UUID) (n int, err error) {
	defer derrors.Wrap(&err, "conversions.Deliveries.Queued(%v)", tenant)
	err = d.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT coalesce(sum(cardinality(message_ids)), 0) FROM conversion_delivery_batches
			WHERE tenant_id = ? AND destination_id = ?`, tenant, destination).Scan(ctx, &n)
	})
	return n, err
}

func destinationExistsTx(ctx context.Context, tx bun.Tx, tenant, id uuid.UUID) error {
	var ok bool
	if err := tx.NewRaw(`SELECT EXISTS (SELECT 1 FROM conversion_destinations WHERE tenant_id = ? AND id = ?)`, tenant, id).Scan(ctx, &ok); err != nil {
		return err
	}
	if !ok {
		return apperr.NotFoundf("conversion destination not found")
	}
	return nil
}

// ReplayInput selects the deliveries to send again: a destination's
// FAILED or DEAD ones (Status; empty: both) created in [From, To).
type ReplayInput struct {
	Destination uuid.UUID
	Status      Status
	From, To    *time.Time
}

// Replay moves the selected FAILED/DEAD deliveries back to PENDING (at
// most MaxReplay a call, oldest first; attempts restart) and enqueues the
// destination's flush in the same transaction. It returns how many it
// re-queued: a second call finds them no longer FAILED/DEAD and re-queues
// none, so a repeated request changes nothing. The event is sent under
// its original event id, so a platform that took it before deduplicates.
func (d *Deliveries) Replay(ctx context.Context, tenant uuid.UUID, in ReplayInput) (n int, err error) {
	defer derrors.Wrap(&err, "conversions.Deliveries.Replay(%v)", tenant)
	statuses := []Status{StatusFailed, StatusDead}
	switch in.Status {
	case "":
	case StatusFailed, StatusDead:
		statuses = []Status{in.Status}
	default:
		return 0, apperr.Invalid([]string{"input", "status"}, "only FAILED or DEAD deliveries can be replayed")
	}
	if in.From != nil && in.To != nil && !in.From.Before(*in.To) {
		return 0, apperr.Invalid([]string{"input", "to"}, "to must be after from")
	}
	err = d.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := destinationExistsTx(ctx, tx, tenant, in.Destination); err != nil {
			return err
		}
		now := d.DB.Now(ctx)
		from, to := time.Unix(0, 0).UTC(), now.Add(time.Hour)
		if in.From != nil {
			from = *in.From
		}
		if in.To != nil {
			to = *in.To
		}
		flushAt := now.Add(d.Config.withDefaults().FlushAge)
		res, err := tx.ExecContext(ctx, `UPDATE conversion_deliveries AS d
			SET status = 'PENDING', attempts = 0, next_attempt_at = ?, error_code = NULL, updated_at = ?,
			    response = 'replayed; was: ' || left(coalesce(d.response, d.status), 1900)
			FROM (SELECT message_id FROM conversion_deliveries
				WHERE tenant_id = ? AND destination_id = ? AND status IN (?) AND created_at >= ? AND created_at < ?
				ORDER BY created_at, message_id LIMIT ? FOR UPDATE) AS r
			WHERE d.tenant_id = ? AND d.destination_id = ? AND d.message_id = r.message_id`,
			flushAt, now, tenant, in.Destination, bun.List(statuses), from, to, MaxReplay, tenant, in.Destination)
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		affected, _ := res.RowsAffected()
		n = int(affected)
		if n == 0 {
			return nil
		}
		if d.Enqueue != nil {
			if err := d.Enqueue(ctx, tx, tenant, in.Destination, flushAt); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "conversion_deliveries.replay",
			TargetType: relay.TypeConversionDestination, TargetID: in.Destination,
			Details: map[string]any{"count": n}})
	})
	return n, err
}

// FlushSoonTx enqueues destination's flush in tx (one second from now),
// for a change that makes its queued deliveries sendable again: a
// destination enabled again, its credentials replaced. Its queued rows
// are otherwise only picked up by the next batch's flush.
func (d *Deliveries) FlushSoonTx(ctx context.Context, tx bun.Tx, tenant, destination uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "conversions.Deliveries.FlushSoonTx(%s, %s)", tenant, destination)
	if d.Enqueue == nil {
		return nil
	}
	return d.Enqueue(ctx, tx, tenant, destination, d.DB.Now(ctx).Add(d.Config.withDefaults().FlushAge))
}

// SweepAfter is how long a due delivery may wait past its time before the
// sweep enqueues its destination's flush again.
const SweepAfter = 30 * time.Second

// Stalled lists the enabled destinations (tenant, destination) with
// deliveries overdue by more than SweepAfter, or claimed longer than
// ReclaimAfter ago: the sweep's safety net for a flush job that was lost
// (at most 1,000 a call).
func (d *Deliveries) Stalled(ctx context.Context) (out [][2]uuid.UUID, err error) {
	defer derrors.Wrap(&err, "conversions.Deliveries.Stalled")
	cfg := d.Config.withDefaults()
	err = d.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := d.DB.Now(ctx)
		var rows []struct {
			Tenant      uuid.UUID `bun:"tenant_id"`
			Destination uuid.UUID `bun:"destination_id"`
		}
		if err := tx.NewRaw(`SELECT tenant_id, destination_id FROM stratum_conversion_stalled_destinations(?, ?)`,
			now.Add(-SweepAfter), now.Add(-cfg.ReclaimAfter)).Scan(ctx, &rows); err != nil && !isNoRows(err) {
			return err
		}
		for _, r := range rows {
			out = append(out, [2]uuid.UUID{r.Tenant, r.Destination})
		}
		return nil
	})
	return out, err
}

// PruneBatch and MaxPruneBatches bound one PruneLog: rows deleted per
// transaction, transactions per call.
const (
	PruneBatch      = 10_000
	MaxPruneBatches = 20
)

// PruneLog deletes the delivery log's entries written longer ago than
// LogRetention — the sent requests, and the per-event rows whose delivery
// has ended (never a PENDING, RETRY or SENDING one) — of every tenant, at
// most MaxPruneBatches batches of PruneBatch, and reports whether more may
// be left (migration 0074).
func (d *Deliveries) PruneLog(ctx context.Context) (deleted int, more bool, err error) {
	defer derrors.Wrap(&err, "conversions.Deliveries.PruneLog")
	return d.DB.PruneInBatches(ctx, "stratum_conversion_prune_log", d.Config.withDefaults().LogRetention, PruneBatch, MaxPruneBatches)
}
