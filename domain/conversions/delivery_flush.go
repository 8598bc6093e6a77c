package conversions

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/derrors"
)

// This file is the flush job's work (docs/adr/0022, "Delivery and
// exactly-once"): a queued batch's first send first (delivery_batch.go);
// otherwise claim a destination's due deliveries (RETRY, replayed PENDING,
// reclaimable SENDING; SENDING, attempts + 1) and commit; rebuild their
// events from the CDP's rows; send them with no transaction open; record
// each event's outcome; schedule the next flush in that same transaction.

// FollowUp inserts the destination's next flush job, due at at, in tx.
type FollowUp func(ctx context.Context, tx bun.Tx, at time.Time) error

// FlushResult is what one Flush did.
type FlushResult struct {
	// Claimed is how many deliveries it took; Sent, Failed, Retry, Dead
	// how they ended.
	Claimed, Sent, Failed, Retry, Dead int
	// Next is when the destination's next flush is due (zero: nothing
	// left to send).
	Next time.Time
}

// claimed is one delivery a flush took.
type claimed struct {
	MessageID  string     `bun:"message_id"`
	BatchID    uuid.UUID  `bun:"batch_id"`
	SourceID   uuid.UUID  `bun:"source_id"`
	ReceivedAt time.Time  `bun:"received_at"`
	ProfileID  *uuid.UUID `bun:"profile_id"`
	Attempts   int        `bun:"attempts"`
}

// outcomeRow is the recorded end of one claimed delivery.
type outcomeRow struct {
	MessageID      string     `json:"message_id"`
	Attempts       int        `json:"attempts"`
	Status         Status     `json:"status"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
	RequestSummary *string    `json:"request_summary"`
	Response       *string    `json:"response"`
	ErrorCode      *string    `json:"error_code"`
	LatencyMs      *int       `json:"latency_ms"`
	SentAt         *time.Time `json:"sent_at"`
}

// Flush sends destination's queued batches (as many as fit one request;
// delivery_batch.go) or, when none is queued, up to the platform's MaxBatch
// of its due deliveries (PENDING; RETRY whose time has come; SENDING
// claimed longer than ReclaimAfter ago, whose job died) and records the
// outcomes; the platform is called with no transaction open. followUp (which may be
// nil) is given the time of the next flush when anything is left, in the
// transaction that records this one's outcomes. A disabled or deleted
// destination flushes nothing.
func (d *Deliveries) Flush(ctx context.Context, tenant, destination uuid.UUID, followUp FollowUp) (res FlushResult, err error) {
	defer derrors.Wrap(&err, "conversions.Deliveries.Flush(%s, %s)", tenant, destination)
	cfg := d.Config.withDefaults()
	var dest destinationRow
	var group *batchGroup
	var rows []claimed
	var evs map[string]cdpEventRow
	var throttled time.Time // the platform's pause: nothing is claimed before
	err = d.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		group, rows, evs, throttled = nil, nil, nil, time.Time{}
		err := tx.NewRaw(`SELECT id, platform, credentials, base_url, test_event_code, event_mappings, limited_data_use,
				legitimate_interest, enabled, throttled_until FROM conversion_destinations WHERE tenant_id = ? AND id = ?`,
			tenant, destination).Scan(ctx, &dest)
		if isNoRows(err) || (err == nil && (!dest.Enabled || d.Senders[dest.Platform] == nil)) {
			return nil
		}
		if err != nil {
			return err
		}
		if t := dest.ThrottledUntil; t != nil && d.DB.Now(ctx).Before(*t) {
			throttled = *t
			return nil
		}
		// Whichever is due first goes first: the batches queued before the
		// earliest due retry (replayed or reclaimed delivery), else that
		// retry. Under steady traffic a batch is always queued; retries
		// must not wait behind every new one.
		batches, err := d.claimBatchesTx(ctx, tx, tenant, destination, d.Senders[dest.Platform].MaxBatch(), cfg)
		if err != nil {
			return err
		}
		if len(batches) > 0 {
			group = &batchGroup{batches: batches}
			group.evs, err = batchesEventsTx(ctx, tx, tenant, batches)
			return err
		}
		if rows, err = d.claimTx(ctx, tx, tenant, destination, d.Senders[dest.Platform].MaxBatch(), cfg); err != nil {
			return err
		}
		evs, err = eventsTx(ctx, tx, tenant, rows)
		return err
	})
	if err == nil && group != nil {
		return d.flushBatches(ctx, tenant, &dest, group, cfg, followUp)
	}
	if err != nil || len(rows) == 0 {
		if err == nil && dest.Enabled && d.Senders[dest.Platform] != nil {
			// Nothing due now (or the platform asked for a pause); something
			// may be later (a RETRY, a SENDING to reclaim, a queued batch).
			err = d.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
				res.Next, err = d.scheduleTx(ctx, tx, tenant, destination, d.Senders[dest.Platform].MaxBatch(), cfg, followUp, throttled)
				return err
			})
		}
		return res, err
	}
	res.Claimed = len(rows)
	outcomes, sent, err := d.send(ctx, tenant, &dest, rows, evs, cfg)
	if err != nil {
		return res, err
	}
	res.count(outcomes)
	err = d.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := d.DB.Now(ctx)
		recorded, err := recordTx(ctx, tx, tenant, destination, outcomes, now)
		if err != nil {
			return err
		}
		if err := d.recordQualityTx(ctx, tx, tenant, &dest, sent, recorded, now); err != nil {
			return err
		}
		res.Next, err = d.scheduleTx(ctx, tx, tenant, destination, d.Senders[dest.Platform].MaxBatch(), cfg, followUp, time.Time{})
		return err
	})
	return res, err
}

// count adds outcomes to the result's tallies.
func (res *FlushResult) count(outcomes []outcomeRow) {
	for _, o := range outcomes {
		switch o.Status {
		case StatusSent:
			res.Sent++
		case StatusFailed:
			res.Failed++
		case StatusRetry:
			res.Retry++
		case StatusDead:
			res.Dead++
		}
	}
}

// recordQualityTx gives the quality recorder the events of sent that this
// flush recorded SENT (a claim reclaimed meanwhile records nothing here),
// so each counts once.
func (d *Deliveries) recordQualityTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, dest *destinationRow, sent []Event,
	recorded map[string]Status, now time.Time) error {
	if d.Quality == nil {
		return nil
	}
	var accepted []Event
	for _, e := range sent {
		if recorded[e.EventID] == StatusSent {
			accepted = append(accepted, e)
		}
	}
	if len(accepted) == 0 {
		return nil
	}
	return d.Quality.RecordTx(ctx, tx, tenant, dest.ID, dest.Platform, accepted, now)
}

// claimTx takes up to limit due deliveries of destination: SENDING,
// attempts + 1, oldest due first; rows another flush holds are skipped.
func (d *Deliveries) claimTx(ctx context.Context, tx bun.Tx, tenant, destination uuid.UUID, limit int, cfg DeliveryConfig) ([]claimed, error) {
	now := d.DB.Now(ctx)
	var ids []string
	err := tx.NewRaw(`SELECT message_id FROM conversion_deliveries
		WHERE tenant_id = ? AND destination_id = ?
		  AND (status = 'PENDING' OR (status = 'RETRY' AND next_attempt_at <= ?) OR (status = 'SENDING' AND updated_at <= ?))
		ORDER BY next_attempt_at NULLS FIRST, message_id LIMIT ? FOR UPDATE SKIP LOCKED`,
		tenant, destination, now, now.Add(-cfg.ReclaimAfter), limit).Scan(ctx, &ids)
	if err != nil && !isNoRows(err) {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	// By key (= ANY on the primary key), not joined to the select: a join
	// is planned as a scan per claimed row while the table's statistics
	// are young.
	var rows []claimed
	err = tx.NewRaw(`UPDATE conversion_deliveries SET status = 'SENDING', attempts = attempts + 1, updated_at = ?
		WHERE tenant_id = ? AND destination_id = ? AND message_id = ANY(?::text[])
		RETURNING message_id, batch_id, source_id, received_at, profile_id, attempts`,
		now, tenant, destination, pgdialect.Array(ids)).Scan(ctx, &rows)
	if isNoRows(err) {
		return nil, nil
	}
	return rows, err
}

// eventsTx reads the CDP events of rows by cdp_events' primary key.
func eventsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, rows []claimed) (map[string]cdpEventRow, error) {
	keys := make([]cdp.EventKey, len(rows))
	for i, r := range rows {
		keys[i] = cdp.EventKey{BatchID: r.BatchID, SourceID: r.SourceID, MessageID: r.MessageID, ReceivedAt: r.ReceivedAt}
	}
	evs, err := cdp.EventsByKeyTx(ctx, tx, tenant, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]cdpEventRow, len(evs))
	for _, e := range evs {
		out[e.MessageID] = e
	}
	return out, nil
}

// send rebuilds the claimed deliveries' events, diverts those that cannot
// be sent, sends the rest in one request (no transaction is open) and
// returns every claimed delivery's outcome and the events it sent.
func (d *Deliveries) send(ctx context.Context, tenant uuid.UUID, dest *destinationRow, rows []claimed, evs map[string]cdpEventRow, cfg DeliveryConfig) (_ []outcomeRow, batch []Event, _ error) {
	sender := d.Senders[dest.Platform]
	mappings, err := dest.mappings()
	if err != nil {
		return nil, nil, err
	}
	now := d.DB.Now(ctx)
	out := make([]outcomeRow, 0, len(rows))
	attempts := map[string]int{}
	for _, r := range rows {
		o := outcomeRow{MessageID: r.MessageID, Attempts: r.Attempts}
		ev, ok := evs[r.MessageID]
		if !ok {
			o.Status, o.Response = StatusFailed, ptr(ReasonErased)
			out = append(out, o)
			continue
		}
		mapped, ok, reason := Map(dest.Platform, mappings, toCDP(&ev, r.ProfileID))
		if !ok {
			reason = ReasonUnmapped
		}
		if why := diverted(sender, mapped, reason, now); why != "" {
			o.Status, o.Response = StatusFailed, ptr(why)
			out = append(out, o)
			continue
		}
		mapped.Key, mapped.EventID = deliveryKey(dest.ID, r.MessageID), r.MessageID
		attempts[mapped.Key] = r.Attempts
		batch = append(batch, mapped)
	}
	if len(batch) == 0 {
		return out, nil, nil
	}
	target, openErr := d.open(ctx, tenant, dest)
	sent, _ := d.deliver(ctx, dest, target, openErr, batch, func(key string) int { return attempts[key] }, cfg, now)
	return append(out, sent...), batch, nil
}

// deliver sends batch (at most the platform's MaxBatch events) in one
// request with no transaction open — unless the credentials could not be
// opened (openErr), then nothing is sent and every event is RETRY — and
// returns each event's outcome: SENT, FAILED with the platform's code and
// words, RETRY after the backoff (or the platform's Retry-After), DEAD
// after MaxAttempts. attempts gives an event's attempt number by its Key.
// failed: the platform answered none of it (network, timeout, 429, 5xx,
// credentials not opened).
func (d *Deliveries) deliver(ctx context.Context, dest *destinationRow, target Destination, openErr error, batch []Event,
	attempts func(key string) int, cfg DeliveryConfig, now time.Time) (_ []outcomeRow, failed bool) {
	sender := d.Senders[dest.Platform]
	var result Result
	var latency time.Duration
	sendErr := openErr // not sent: retried (a key rotation may be under way), then DEAD
	if openErr == nil {
		started := time.Now()
		result, sendErr = sender.Send(ctx, target, batch)
		latency = time.Since(started)
		if d.TestAfterSend != nil {
			d.TestAfterSend(ctx, dest.ID, batch)
		}
		if d.Metrics != nil {
			d.Metrics.ConversionLatency.WithLabelValues(dest.Platform).Observe(latency.Seconds())
		}
	}
	redact := redactor(target.Credentials)
	summary := redact(fmt.Sprintf("%s: %d events in one request", dest.Platform, len(batch)))
	ms := int(latency.Milliseconds())
	byKey := make(map[string]Outcome, len(result.Outcomes))
	for _, o := range result.Outcomes {
		byKey[o.Key] = o
	}
	out := make([]outcomeRow, 0, len(batch))
	for _, e := range batch {
		o := outcomeRow{MessageID: e.EventID, Attempts: attempts(e.Key), RequestSummary: &summary, LatencyMs: &ms}
		answer, ok := byKey[e.Key]
		switch {
		case sendErr != nil:
			o.Status, o.Response = StatusRetry, ptr(redact(sendErr.Error()))
		case !ok:
			o.Status, o.Response = StatusRetry, ptr("the platform's response had no answer for this event")
		default:
			o.Status = answer.Status
			o.Response = ptr(redact(answer.Message))
			if answer.Code != "" {
				o.ErrorCode = ptr(redact(answer.Code))
			}
		}
		if o.Status == StatusSent {
			o.SentAt = &now
			if result.Summary != "" {
				o.Response = ptr(redact(result.Summary))
			}
		}
		if o.Status == StatusRetry {
			if o.Attempts >= cfg.MaxAttempts {
				o.Status = StatusDead
			} else {
				next := now.Add(backoff(cfg, o.Attempts, result.RetryAfter))
				o.NextAttemptAt = &next
			}
		}
		if o.Status != StatusSent && o.Status != StatusFailed && o.Status != StatusRetry && o.Status != StatusDead {
			o.Status, o.Response = StatusFailed, ptr(fmt.Sprintf("the sender answered status %q", answer.Status))
		}
		if d.Metrics != nil {
			d.Metrics.ConversionsSent.WithLabelValues(dest.Platform, string(o.Status)).Inc()
		}
		out = append(out, o)
	}
	return out, sendErr != nil
}

// backoff is the delay before attempt attempts+1: BaseBackoff doubled per
// attempt, at most MaxBackoff, and never shorter than the platform's
// Retry-After.
func backoff(cfg DeliveryConfig, attempts int, retryAfter time.Duration) time.Duration {
	d := cfg.BaseBackoff
	for i := 1; i < attempts && d < cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, cfg.MaxBackoff)
	return max(d, retryAfter)
}

// open is the Sender's view of dest with its credentials opened.
func (d *Deliveries) open(ctx context.Context, tenant uuid.UUID, dest *destinationRow) (Destination, error) {
	out := Destination{ID: dest.ID, Platform: dest.Platform, LimitedDataUse: dest.LimitedDataUse}
	if dest.BaseURL != nil {
		out.BaseURL = *dest.BaseURL
	}
	if dest.TestEventCode != nil {
		out.TestEventCode = *dest.TestEventCode
	}
	if d.Box == nil {
		return out, errors.New("no keyring to open credentials")
	}
	plain, err := d.Box.Open(dest.Credentials)
	if err != nil {
		return out, fmt.Errorf("open credentials of destination %s: %w", dest.ID, errors.New("cannot decrypt")) // never the value
	}
	if err := json.Unmarshal(plain, &out.Credentials); err != nil {
		return out, fmt.Errorf("credentials of destination %s are not a JSON object", dest.ID)
	}
	if d.Tokens != nil {
		if err := d.Tokens.ResolveToken(ctx, tenant, out.Credentials); err != nil {
			return out, err
		}
	}
	return out, nil
}

// redactor replaces every credential value in a text with [redacted], so
// a sender's error or a platform's echo never stores or logs one.
func redactor(creds map[string]string) func(string) string {
	var pairs []string
	for _, v := range creds {
		if len(v) >= 4 {
			pairs = append(pairs, v, "[redacted]")
		}
	}
	r := strings.NewReplacer(pairs...)
	return func(s string) string {
		s = r.Replace(s)
		if len(s) > 2000 {
			s = s[:2000]
		}
		return strings.ToValidUTF8(s, "")
	}
}

// recordTx writes outcomes, each only if its row is still the claim this
// flush made (SENDING with the same attempts): a row reclaimed by another
// flush after this one overran is that flush's to record.
func recordTx(ctx context.Context, tx bun.Tx, tenant, destination uuid.UUID, outcomes []outcomeRow, now time.Time) (map[string]Status, error) {
	b, err := json.Marshal(outcomes)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		MessageID string `bun:"message_id"`
		Status    Status `bun:"status"`
	}
	err = tx.NewRaw(`UPDATE conversion_deliveries AS d SET status = o.status, next_attempt_at = o.next_attempt_at,
			request_summary = coalesce(o.request_summary, d.request_summary), response = o.response, error_code = o.error_code,
			latency_ms = coalesce(o.latency_ms, d.latency_ms), sent_at = coalesce(o.sent_at, d.sent_at), updated_at = ?
		FROM jsonb_to_recordset(?::jsonb) AS o(message_id text, attempts int, status text, next_attempt_at timestamptz,
			request_summary text, response text, error_code text, latency_ms int, sent_at timestamptz)
		WHERE d.tenant_id = ? AND d.destination_id = ? AND d.message_id = o.message_id
		  AND d.status = 'SENDING' AND d.attempts = o.attempts
		RETURNING d.message_id, d.status`, now, string(b), tenant, destination).Scan(ctx, &rows)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("record outcomes: %w", err)
	}
	out := make(map[string]Status, len(rows))
	for _, r := range rows {
		out[r.MessageID] = r.Status
	}
	return out, nil
}

// scheduleTx finds when destination's next flush is due — now when a full
// request is pending (PENDING rows and queued batches' events), else the
// earliest of: the oldest PENDING's flush time, the next RETRY, the
// reclaim of a SENDING, the first queued batch's due time or reclaim — no
// sooner than notBefore (a platform's Retry-After), and hands it to
// followUp.
func (d *Deliveries) scheduleTx(ctx context.Context, tx bun.Tx, tenant, destination uuid.UUID, maxBatch int, cfg DeliveryConfig,
	followUp FollowUp, notBefore time.Time) (time.Time, error) {
	var next sql.NullTime
	var full bool
	reclaim := fmt.Sprintf("%d microseconds", cfg.ReclaimAfter.Microseconds())
	err := tx.NewRaw(`SELECT
			(SELECT count(*) FROM (SELECT 1 FROM conversion_deliveries WHERE tenant_id = ? AND destination_id = ? AND status = 'PENDING' LIMIT ?) p)
				+ (SELECT coalesce(sum(cardinality(message_ids)), 0) FROM (SELECT message_ids FROM conversion_delivery_batches
					WHERE tenant_id = ? AND destination_id = ? AND claimed_at IS NULL LIMIT ?) q) >= ?,
			least(
				(SELECT min(next_attempt_at) FROM conversion_deliveries WHERE tenant_id = ? AND destination_id = ? AND status IN ('PENDING', 'RETRY')),
				(SELECT min(updated_at) + ?::interval FROM conversion_deliveries WHERE tenant_id = ? AND destination_id = ? AND status = 'SENDING'),
				(SELECT min(CASE WHEN claimed_at IS NULL THEN due_at ELSE claimed_at + ?::interval END)
					FROM conversion_delivery_batches WHERE tenant_id = ? AND destination_id = ?))`,
		tenant, destination, maxBatch, tenant, destination, maxBatch, maxBatch, tenant, destination, reclaim, tenant, destination,
		reclaim, tenant, destination).Scan(ctx, &full, &next)
	if err != nil {
		return time.Time{}, fmt.Errorf("next flush: %w", err)
	}
	if !next.Valid {
		return time.Time{}, nil
	}
	now := d.DB.Now(ctx)
	at := next.Time.UTC()
	if full || at.Before(now) {
		at = now
	}
	if at.Before(notBefore) {
		at = notBefore.UTC()
	}
	if followUp != nil {
		if err := followUp(ctx, tx, at); err != nil {
			return time.Time{}, fmt.Errorf("enqueue next flush: %w", err)
		}
	}
	return at, nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
