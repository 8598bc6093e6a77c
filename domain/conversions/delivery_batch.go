package conversions

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/db"
)

// This file is a batch's first send (docs/adr/0022, "A batch's first
// send"): the batch hook queued one conversion_delivery_batches row per
// (destination, processed CDP batch); a flush claims such rows (attempts
// + 1, claimed_at) and commits, reads their events once, decides each
// event (plan), sends the PENDING ones in requests of at most MaxBatch
// with no transaction open, and then, only if its claim still stands,
// deletes the batch rows and writes every decided event's
// conversion_deliveries row once, in the state its first send left it.
// An event's row is thus written once when it is sent the first time
// (instead of PENDING, SENDING and SENT versions); a RETRY row is then
// taken by the per-event path of delivery_flush.go.

// maxClaimBatches bounds the batch rows one flush takes.
const maxClaimBatches = 100

// claimedBatch is one conversion_delivery_batches row a flush took.
type claimedBatch struct {
	BatchID    uuid.UUID `bun:"batch_id"`
	SourceIDs  []string  `bun:"source_ids,array"`
	MessageIDs []string  `bun:"message_ids,array"`
	ProfileIDs []string  `bun:"profile_ids,array"`
	Consent    []bool    `bun:"consent,array"`
	Attempts   int       `bun:"attempts"`
}

// claimBatchesTx takes destination's queued batches — never claimed, or
// claimed longer than ReclaimAfter ago — due before its earliest due
// delivery row (a RETRY's or replayed PENDING's next_attempt_at, a
// SENDING's claim plus ReclaimAfter), oldest due first, as many as fit in
// one request of limit events (always at least one); batches another
// flush holds are skipped.
func (d *Deliveries) claimBatchesTx(ctx context.Context, tx bun.Tx, tenant, destination uuid.UUID, limit int, cfg DeliveryConfig) ([]claimedBatch, error) {
	now := d.DB.Now(ctx)
	reclaimed := now.Add(-cfg.ReclaimAfter)
	var due []struct {
		BatchID uuid.UUID `bun:"batch_id"`
		N       int       `bun:"n"`
	}
	err := tx.NewRaw(`SELECT batch_id, cardinality(message_ids) AS n FROM conversion_delivery_batches
		WHERE tenant_id = ? AND destination_id = ? AND (claimed_at IS NULL OR claimed_at <= ?)
		  AND due_at < coalesce(least(
			(SELECT min(next_attempt_at) FROM conversion_deliveries
				WHERE tenant_id = ? AND destination_id = ? AND status IN ('PENDING', 'RETRY') AND next_attempt_at <= ?),
			(SELECT min(updated_at) FROM conversion_deliveries
				WHERE tenant_id = ? AND destination_id = ? AND status = 'SENDING' AND updated_at <= ?) + ?::interval), 'infinity')
		ORDER BY due_at, batch_id LIMIT ? FOR UPDATE SKIP LOCKED`,
		tenant, destination, reclaimed, tenant, destination, now, tenant, destination, reclaimed,
		fmt.Sprintf("%d microseconds", cfg.ReclaimAfter.Microseconds()), maxClaimBatches).Scan(ctx, &due)
	if err != nil && !isNoRows(err) {
		return nil, err
	}
	var ids []uuid.UUID
	total := 0
	for _, b := range due {
		if len(ids) > 0 && total+b.N > limit {
			break
		}
		ids, total = append(ids, b.BatchID), total+b.N
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var out []claimedBatch
	err = tx.NewRaw(`UPDATE conversion_delivery_batches SET attempts = attempts + 1, claimed_at = ?
		WHERE tenant_id = ? AND destination_id = ? AND batch_id = ANY(?::uuid[])
		RETURNING batch_id, source_ids, message_ids, profile_ids, consent, attempts`,
		now, tenant, destination, pgdialect.Array(ids)).Scan(ctx, &out)
	if isNoRows(err) {
		return nil, nil
	}
	return out, err
}

// eventKey names a stored event within its tenant and batch.
func eventKey(source, message string) string { return source + "\x00" + message }

// batchesEventsTx reads the claimed batches' events by eventKey.
func batchesEventsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, batches []claimedBatch) (map[string]*cdpEventRow, error) {
	ids := make([]uuid.UUID, len(batches))
	for i, b := range batches {
		ids[i] = b.BatchID
	}
	evs, err := cdp.BatchesEventsTx(ctx, tx, tenant, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*cdpEventRow, len(evs))
	for i := range evs {
		out[eventKey(evs[i].SourceID.String(), evs[i].MessageID)] = &evs[i]
	}
	return out, nil
}

// PipelineGroups bounds the requests' worth of queued batches one flush
// takes (each claimed, sent and recorded on its own, the next claimed
// while one is in flight): a backlog drains without a job per request, and
// a flush still ends well within its timeout.
const PipelineGroups = 8

// batchGroup is one request's worth of claimed batches on its way through
// a flush: claimed and read (claimGroup), decided (planGroup), sent
// (sendGroup), recorded (recordGroup).
type batchGroup struct {
	batches []claimedBatch
	evs     map[string]*cdpEventRow
	plan    []planned
	// send is the PENDING events; at an event's index in plan by Key.
	send []Event
	at   map[string]int
	res  FlushResult
}

// claimGroup claims and reads the next request's worth of destination's
// queued batches in one transaction (nil: none is due).
func (d *Deliveries) claimGroup(ctx context.Context, tenant uuid.UUID, dest *destinationRow, cfg DeliveryConfig) (*batchGroup, error) {
	var g *batchGroup
	err := d.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		g = nil
		batches, err := d.claimBatchesTx(ctx, tx, tenant, dest.ID, d.Senders[dest.Platform].MaxBatch(), cfg)
		if err != nil || len(batches) == 0 {
			return err
		}
		evs, err := batchesEventsTx(ctx, tx, tenant, batches)
		g = &batchGroup{batches: batches, evs: evs}
		return err
	})
	return g, err
}

// flushBatches works the claimed group first and, while a group's request
// is in flight, claims, reads and decides the next ones and records the
// ones sent — up to PipelineGroups groups, one request in flight at a
// time. Each group keeps its own claim and record (the crash semantics of
// docs/adr/0022); a last transaction schedules the next flush.
func (d *Deliveries) flushBatches(ctx context.Context, tenant uuid.UUID, dest *destinationRow, first *batchGroup,
	cfg DeliveryConfig, followUp FollowUp) (res FlushResult, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := d.planGroup(ctx, tenant, dest, first); err != nil {
		return res, err
	}
	// Groups claimed and decided ahead of the request in flight (one ready,
	// one being prepared). The sending loop below takes every group prepared
	// until the channel closes; it stops the preparer (prepCtx) when the
	// platform throttles.
	prepared := make(chan *batchGroup, 1)
	prepCtx, stopPreparing := context.WithCancel(ctx)
	defer stopPreparing()
	var prepErr error
	go func() {
		defer close(prepared)
		for range PipelineGroups - 1 {
			if prepCtx.Err() != nil {
				return
			}
			// Claimed under the flush's context, not prepCtx: a claim that
			// commits as the preparer is stopped reaches the loop below,
			// which gives it back (cut off in its commit, it could have
			// committed and been left to the reclaim delay).
			g, err := d.claimGroup(ctx, tenant, dest, cfg)
			if err == nil && g != nil {
				err = d.planGroup(ctx, tenant, dest, g)
			}
			if err != nil || g == nil {
				if ctx.Err() == nil {
					prepErr = err
				}
				return
			}
			if d.TestAfterPrepare != nil {
				d.TestAfterPrepare(ctx, dest.ID)
			}
			prepared <- g
		}
	}()
	// Groups sent, recorded one after another while the next is sent.
	sent := make(chan *batchGroup, 1)
	recorded := make(chan error, 1)
	go func() {
		var err error
		for g := range sent {
			if err == nil {
				err = d.recordGroup(ctx, tenant, dest, g)
				res.add(g.res)
			}
			if err != nil {
				cancel() // nothing more is sent: what is claimed is reclaimed and sent again later
			}
		}
		recorded <- err
	}()
	// The credentials are opened once, for the flush's first request.
	var target Destination
	var openErr error
	opened := false
	var checkErr error
	var halt time.Time // the platform throttled: nothing more before then
	var unsent []claimedBatch
	for g := first; g != nil; g = <-prepared {
		if ctx.Err() != nil {
			continue // claimed, not sent: reclaimed later
		}
		if !halt.IsZero() {
			unsent = append(unsent, g.batches...)
			continue
		}
		if err := d.keepClaimed(ctx, tenant, dest, g); err != nil {
			checkErr = err
			cancel() // nothing more is sent: what is claimed is reclaimed later
			continue
		}
		if len(g.send) > 0 && !opened {
			target, openErr = d.open(ctx, tenant, dest)
			opened = true
		}
		if halt = d.sendGroup(ctx, dest, target, openErr, g, cfg); !halt.IsZero() {
			stopPreparing()
		}
		sent <- g
	}
	close(sent)
	err = <-recorded
	if err == nil {
		err = checkErr
	}
	if err == nil {
		err = prepErr
	}
	if err != nil {
		return res, err
	}
	err = d.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		// After a throttled request, the groups prepared but not sent go
		// back to the queue, and the next flush waits until the platform said.
		if err := unclaimBatchesTx(ctx, tx, tenant, dest.ID, unsent); err != nil {
			return err
		}
		if !halt.IsZero() {
			if _, err := tx.ExecContext(ctx, `UPDATE conversion_destinations
				SET throttled_until = greatest(coalesce(throttled_until, '-infinity'), ?) WHERE tenant_id = ? AND id = ?`,
				halt, tenant, dest.ID); err != nil {
				return fmt.Errorf("record the throttle: %w", err)
			}
		}
		res.Next, err = d.scheduleTx(ctx, tx, tenant, dest.ID, d.Senders[dest.Platform].MaxBatch(), cfg, followUp, halt)
		return err
	})
	return res, err
}

// claimKeys is batches' claims as the arrays the claim checks unnest: the
// batch ids and, aligned, the attempts each claim was made with.
func claimKeys(batches []claimedBatch) (ids, attempts any) {
	batchIDs, claimed := make([]uuid.UUID, len(batches)), make([]int, len(batches))
	for i, b := range batches {
		batchIDs[i], claimed[i] = b.BatchID, b.Attempts
	}
	return pgdialect.Array(batchIDs), pgdialect.Array(claimed)
}

// unclaimBatchesTx gives back the claims of batches a flush took and did
// not send (those still its claim).
func unclaimBatchesTx(ctx context.Context, tx bun.Tx, tenant, destination uuid.UUID, batches []claimedBatch) error {
	if len(batches) == 0 {
		return nil
	}
	ids, attempts := claimKeys(batches)
	if _, err := tx.ExecContext(ctx, `UPDATE conversion_delivery_batches b SET claimed_at = NULL
		FROM unnest(?::uuid[], ?::int[]) AS c(batch_id, attempts)
		WHERE b.tenant_id = ? AND b.destination_id = ? AND b.batch_id = c.batch_id AND b.attempts = c.attempts`,
		ids, attempts, tenant, destination); err != nil {
		return fmt.Errorf("unclaim batches: %w", err)
	}
	return nil
}

// keepClaimed takes out of g's request the events of batches that are no
// longer g's claim — deleted with their destination, or claimed once more
// by an erasure (EraseProfilesTx) or a reclaim — since g was claimed: a
// group prepared ahead of the request in flight is sent only as far as it
// is still this flush's to send. Their rows are not recorded either
// (releaseBatchesTx keeps only what is still claimed).
func (d *Deliveries) keepClaimed(ctx context.Context, tenant uuid.UUID, dest *destinationRow, g *batchGroup) error {
	if len(g.send) == 0 {
		return nil
	}
	ids, attempts := claimKeys(g.batches)
	// A shared read: the tenant setting and the query in one round trip
	// (db.ShareTenant), between two requests.
	var held []uuid.UUID
	err := d.DB.ShareTenant(ctx, tenant, func(ctx context.Context) error {
		return d.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT b.batch_id FROM conversion_delivery_batches b
				JOIN unnest(?::uuid[], ?::int[]) AS c(batch_id, attempts) ON b.batch_id = c.batch_id AND b.attempts = c.attempts
				WHERE b.tenant_id = ? AND b.destination_id = ?`, ids, attempts, tenant, dest.ID).Scan(ctx, &held)
		})
	})
	if err != nil && !isNoRows(err) {
		return fmt.Errorf("check the claim: %w", err)
	}
	if len(held) == len(g.batches) {
		return nil
	}
	keep := make(map[uuid.UUID]bool, len(held))
	for _, id := range held {
		keep[id] = true
	}
	send := g.send[:0]
	for _, e := range g.send {
		if keep[g.plan[g.at[e.Key]].row.BatchID] {
			send = append(send, e)
		}
	}
	g.send = send
	return nil
}

// add adds o's tallies to res.
func (res *FlushResult) add(o FlushResult) {
	res.Claimed += o.Claimed
	res.Sent += o.Sent
	res.Failed += o.Failed
	res.Retry += o.Retry
	res.Dead += o.Dead
}

// planGroup decides each event of g's batches (plan).
func (d *Deliveries) planGroup(ctx context.Context, tenant uuid.UUID, dest *destinationRow, g *batchGroup) error {
	now := d.DB.Now(ctx)
	n := 0
	for _, b := range g.batches {
		n += len(b.MessageIDs)
	}
	// Sized once: a request's worth is up to 2,000 events.
	items := make([]planItem, 0, n)
	profiles := make([]uuid.UUID, n)
	attempts := make(map[uuid.UUID]int, len(g.batches))
	for _, b := range g.batches {
		attempts[b.BatchID] = b.Attempts
		for i, msg := range b.MessageIDs {
			it := planItem{consent: b.Consent[i], ev: g.evs[eventKey(b.SourceIDs[i], msg)]}
			if p, err := uuid.Parse(b.ProfileIDs[i]); err == nil && p != uuid.Nil {
				profiles[len(items)] = p
				it.profile = &profiles[len(items)]
			}
			items = append(items, it)
		}
	}
	plan, err := d.plan(dest, tenant, items, now)
	if err != nil {
		return err
	}
	g.evs = nil // decided: the events are in plan
	g.plan, g.at = plan, make(map[string]int, len(plan))
	g.send = make([]Event, 0, len(plan))
	for i := range plan {
		p := &plan[i]
		p.row.Attempts = attempts[p.row.BatchID]
		if p.row.Status == StatusPending {
			g.at[p.event.Key] = i
			g.send = append(g.send, p.event)
		}
	}
	g.res.Claimed = len(plan)
	for _, p := range plan {
		if p.row.Status == StatusFailed && p.event.Key == "" {
			g.res.Failed++ // diverted before any request
		}
	}
	return nil
}

// sendGroup sends g's PENDING events to target (openErr: its credentials
// could not be opened) in requests of at most the platform's MaxBatch,
// with no transaction open, and puts each outcome on its planned row.
// When the platform answered a request with none of its events (429, 5xx,
// network), halt is when its events are due again (Retry-After or the
// backoff): nothing more is to be sent to it before.
func (d *Deliveries) sendGroup(ctx context.Context, dest *destinationRow, target Destination, openErr error, g *batchGroup,
	cfg DeliveryConfig) (halt time.Time) {
	if len(g.send) == 0 {
		return halt
	}
	now := d.DB.Now(ctx)
	limit := d.Senders[dest.Platform].MaxBatch()
	for start := 0; start < len(g.send); start += limit {
		chunk := g.send[start:min(start+limit, len(g.send))]
		outcomes, failed := d.deliver(ctx, dest, target, openErr, chunk, func(key string) int { return g.plan[g.at[key]].row.Attempts }, cfg, now)
		request := newRequestID()
		for j, o := range outcomes {
			r := &g.plan[g.at[chunk[j].Key]].row
			r.Status, r.NextAttemptAt, r.RequestSummary, r.Response = o.Status, o.NextAttemptAt, o.RequestSummary, o.Response
			r.ErrorCode, r.LatencyMs, r.SentAt = o.ErrorCode, o.LatencyMs, o.SentAt
			if o.Status == StatusSent {
				r.RequestID = request
			}
			if failed {
				due := now
				if o.NextAttemptAt != nil {
					due = *o.NextAttemptAt
				}
				if due.After(halt) {
					halt = due
				}
			}
		}
		g.res.count(outcomes)
	}
	return halt
}

// recordGroup, in one transaction, deletes g's batch rows that are still
// its claim and writes each decided event's delivery row of those.
func (d *Deliveries) recordGroup(ctx context.Context, tenant uuid.UUID, dest *destinationRow, g *batchGroup) error {
	return d.DB.InTenantConn(ctx, tenant, func(ctx context.Context, tx bun.Tx, raw db.PgxConn) error {
		now := d.DB.Now(ctx)
		kept, err := releaseBatchesTx(ctx, tx, tenant, dest.ID, g.batches)
		if err != nil {
			return err
		}
		// The SENT events by request (one row each), the others by event.
		var rows []*deliveryRow
		var requests [][]*deliveryRow
		at := map[uuid.UUID]int{}
		recorded := make(map[string]Status, len(g.plan))
		for i := range g.plan {
			r := &g.plan[i].row
			if !kept[r.BatchID] {
				continue
			}
			r.UpdatedAt = now
			recorded[r.MessageID] = r.Status
			if r.Status != StatusSent || r.RequestID == uuid.Nil {
				rows = append(rows, r)
				continue
			}
			j, ok := at[r.RequestID]
			if !ok {
				j = len(requests)
				at[r.RequestID] = j
				requests = append(requests, nil)
			}
			requests[j] = append(requests[j], r)
		}
		err = raw(ctx, func(c *pgx.Conn) error {
			if err := insertOutcomes(ctx, c, tenant, dest.ID, rows); err != nil {
				return err
			}
			for _, req := range requests {
				if err := insertSentRequest(ctx, c, tenant, dest.ID, req); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return d.recordQualityTx(ctx, tx, tenant, dest, g.send, recorded, now)
	})
}

// releaseBatchesTx deletes the claimed batch rows that are still this
// flush's claim (same attempts) and returns them: a batch reclaimed by
// another flush after this one overran is that flush's to record.
func releaseBatchesTx(ctx context.Context, tx bun.Tx, tenant, destination uuid.UUID, batches []claimedBatch) (map[uuid.UUID]bool, error) {
	ids, attempts := claimKeys(batches)
	var gone []uuid.UUID
	err := tx.NewRaw(`DELETE FROM conversion_delivery_batches b USING unnest(?::uuid[], ?::int[]) AS c(batch_id, attempts)
		WHERE b.tenant_id = ? AND b.destination_id = ? AND b.batch_id = c.batch_id AND b.attempts = c.attempts
		RETURNING b.batch_id`, ids, attempts, tenant, destination).Scan(ctx, &gone)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("release batches: %w", err)
	}
	out := make(map[uuid.UUID]bool, len(gone))
	for _, id := range gone {
		out[id] = true
	}
	return out, nil
}

// insertOutcomes writes rows (each event's delivery as its first send left
// it) in one statement, the columns as arrays in pgx's binary encoding; a
// row whose (destination, messageId) exists is left alone.
func insertOutcomes(ctx context.Context, c *pgx.Conn, tenant, destination uuid.UUID, rows []*deliveryRow) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	ids, batches, sources, profiles := make([]pgtype.UUID, n), make([]pgtype.UUID, n), make([]pgtype.UUID, n), make([]pgtype.UUID, n)
	msgs, srcEvents, names, statuses := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	received, times, created, updated := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	attempts, latency := make([]int32, n), make([]pgtype.Int4, n)
	next, sent := make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
	summary, response, code, basis := make([]pgtype.Text, n), make([]pgtype.Text, n), make([]pgtype.Text, n), make([]pgtype.Text, n)
	text := func(p *string) pgtype.Text {
		if p == nil {
			return pgtype.Text{}
		}
		return pgtype.Text{String: *p, Valid: true}
	}
	when := func(p *time.Time) pgtype.Timestamptz {
		if p == nil {
			return pgtype.Timestamptz{}
		}
		return pgtype.Timestamptz{Time: *p, Valid: true}
	}
	for i, r := range rows {
		if r.ID == uuid.Nil {
			r.ID = uuid.New() // drawn here: a SENT event of a request row needs none
		}
		ids[i], batches[i], sources[i], msgs[i] = pgUUID(r.ID), pgUUID(r.BatchID), pgUUID(r.SourceID), r.MessageID
		if r.ProfileID != nil {
			profiles[i] = pgUUID(*r.ProfileID)
		}
		srcEvents[i], names[i], statuses[i] = r.SourceEvent, r.EventName, string(r.Status)
		received[i], times[i], created[i], updated[i] = r.ReceivedAt, r.EventTime, r.CreatedAt, r.UpdatedAt
		attempts[i] = int32(r.Attempts)
		if r.LatencyMs != nil {
			latency[i] = pgtype.Int4{Int32: int32(*r.LatencyMs), Valid: true}
		}
		next[i], sent[i] = when(r.NextAttemptAt), when(r.SentAt)
		summary[i], response[i], code[i], basis[i] = text(r.RequestSummary), text(r.Response), text(r.ErrorCode), text(r.LegalBasis)
	}
	// Described once per connection, so pgx sends the arrays in PostgreSQL's
	// binary format rather than as text. Unnested in the select list, which
	// streams the rows into the insert (unnest in FROM materialises them
	// first: see platforms' insertInsights).
	_, err := c.Exec(ctx, `INSERT INTO conversion_deliveries (tenant_id, destination_id, id, message_id, batch_id, source_id,
			received_at, profile_id, source_event, event_name, event_time, status, attempts, next_attempt_at, request_summary,
			response, error_code, latency_ms, legal_basis, created_at, updated_at, sent_at)
		SELECT $1, $2, unnest($3::uuid[]), unnest($4::text[]), unnest($5::uuid[]), unnest($6::uuid[]), unnest($7::timestamptz[]),
			unnest($8::uuid[]), unnest($9::text[]), unnest($10::text[]), unnest($11::timestamptz[]), unnest($12::text[]),
			unnest($13::int[]), unnest($14::timestamptz[]), unnest($15::text[]), unnest($16::text[]), unnest($17::text[]),
			unnest($18::int[]), unnest($19::text[]), unnest($20::timestamptz[]), unnest($21::timestamptz[]), unnest($22::timestamptz[])
		ON CONFLICT DO NOTHING`, pgx.QueryExecModeCacheDescribe,
		tenant, destination, ids, msgs, batches, sources, received, profiles, srcEvents, names, times, statuses, attempts, next,
		summary, response, code, latency, basis, created, updated, sent)
	if err != nil {
		return fmt.Errorf("record deliveries: %w", err)
	}
	return nil
}

// newRequestID draws a request's id for its conversion_sent_requests row:
// random, its last four bytes zero — the log's id of the request's event
// at position i is the id with i there (sentEventsTx, migration 0073's
// view).
func newRequestID() uuid.UUID {
	id := uuid.New()
	clear(id[12:])
	return id
}

// insertSentRequest writes rows, the SENT events of one request in its
// order (at least one), as the request's conversion_sent_requests row,
// their fields as arrays in pgx's binary encoding.
func insertSentRequest(ctx context.Context, c *pgx.Conn, tenant, destination uuid.UUID, rows []*deliveryRow) error {
	n := len(rows)
	batches, sources, profiles := make([]pgtype.UUID, n), make([]pgtype.UUID, n), make([]pgtype.UUID, n)
	msgs, srcEvents, names, bases := make([]string, n), make([]string, n), make([]string, n), make([]pgtype.Text, n)
	received, times, attempts := make([]time.Time, n), make([]time.Time, n), make([]int32, n)
	for i, r := range rows {
		batches[i], sources[i], msgs[i] = pgUUID(r.BatchID), pgUUID(r.SourceID), r.MessageID
		profiles[i] = pgUUID(uuid.Nil)
		if r.ProfileID != nil {
			profiles[i] = pgUUID(*r.ProfileID)
		}
		srcEvents[i], names[i], received[i], times[i], attempts[i] = r.SourceEvent, r.EventName, r.ReceivedAt, r.EventTime, int32(r.Attempts)
		if r.LegalBasis != nil {
			bases[i] = pgtype.Text{String: *r.LegalBasis, Valid: true}
		}
	}
	first := rows[0]
	sentAt := first.UpdatedAt
	if first.SentAt != nil {
		sentAt = *first.SentAt
	}
	_, err := c.Exec(ctx, `INSERT INTO conversion_sent_requests (tenant_id, destination_id, id, created_at, sent_at,
			request_summary, response, latency_ms, events, message_ids, batch_ids, source_ids, received_at, profile_ids, source_events,
			event_names, event_times, attempts, legal_bases)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`, pgx.QueryExecModeCacheDescribe,
		tenant, destination, first.RequestID, first.CreatedAt, sentAt, first.RequestSummary, first.Response, first.LatencyMs,
		int32(n), msgs, batches, sources, received, profiles, srcEvents, names, times, attempts, bases)
	if err != nil {
		return fmt.Errorf("record a sent request: %w", err)
	}
	return nil
}

// pgUUID is id as pgx encodes it in binary (a uuid.UUID goes through its
// text form).
func pgUUID(id uuid.UUID) pgtype.UUID { return pgtype.UUID{Bytes: id, Valid: true} }
