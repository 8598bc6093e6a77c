package conversions

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/observability"
	"github.com/stratumhq/stratum/internal/secretbox"
)

// This file is the delivery pipeline's first half (docs/adr/0022,
// "Delivery and exactly-once"): when the CDP's batch job marks a batch
// processed, Deliveries.BatchProcessedTx records one conversion_deliveries
// row per (enabled destination, mapped event) in that same transaction —
// the idempotency key — and enqueues the destination's flush job there
// too. The flush job (delivery_flush.go) sends them.

// Status of a delivery that is being sent: claimed by a flush job, which
// has not recorded the platform's answer yet. Only the delivery log shows
// it; a Sender never returns it.
const StatusSending Status = "SENDING"

// Legal bases an event is forwarded on (conversion_deliveries.legal_basis).
const (
	BasisConsent            = "CONSENT"
	BasisLegitimateInterest = "LEGITIMATE_INTEREST"
)

// Reasons recorded for events that are never sent.
const (
	ReasonNoConsent = "not forwarded: the profile has no ADS consent"
	ReasonErased    = "not forwarded: the CDP event no longer exists (erased or expired)"
	ReasonUnmapped  = "not forwarded: the destination's mappings no longer map this event"
	ReasonNoProfile = "not forwarded: the event resolved to no profile, so no ADS consent is known"
)

// DeliveryConfig tunes the pipeline; zero fields take the defaults below.
type DeliveryConfig struct {
	// FlushAge is how long a pending event waits for others to share its
	// request: a destination is flushed at most this long after its oldest
	// pending event (or at once when a full batch is pending).
	FlushAge time.Duration
	// MaxAttempts is how many sends a transiently failing event gets
	// before it is DEAD.
	MaxAttempts int
	// BaseBackoff is the first retry's delay; each next one doubles, up to
	// MaxBackoff. A platform's Retry-After longer than it wins.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// ReclaimAfter is how long a SENDING row stays claimed before another
	// flush takes it back (its job died between claiming and recording).
	// It must exceed the flush job's timeout, so a live attempt — whose
	// context is cancelled at its timeout and then can record nothing — is
	// never reclaimed beside itself.
	ReclaimAfter time.Duration
	// LogRetention is how long the delivery log keeps an event whose
	// delivery has ended (PruneLog).
	LogRetention time.Duration
}

// Defaults of DeliveryConfig.
const (
	DefaultFlushAge     = time.Second
	DefaultMaxAttempts  = 8
	DefaultBaseBackoff  = 5 * time.Second
	DefaultMaxBackoff   = time.Hour
	DefaultReclaimAfter = 3 * time.Minute
	DefaultLogRetention = 90 * 24 * time.Hour
	// MaxReplay bounds the deliveries one replayDeliveries call re-queues.
	MaxReplay = 10_000
)

func (c DeliveryConfig) withDefaults() DeliveryConfig {
	if c.FlushAge <= 0 {
		c.FlushAge = DefaultFlushAge
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.BaseBackoff <= 0 {
		c.BaseBackoff = DefaultBaseBackoff
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.ReclaimAfter <= 0 {
		c.ReclaimAfter = DefaultReclaimAfter
	}
	if c.LogRetention <= 0 {
		c.LogRetention = DefaultLogRetention
	}
	return c
}

// Deliveries forwards processed CDP events to the tenants' enabled
// destinations: it is the CDP's cdp.BatchHook, the flush job's work and
// the delivery log's queries. Build it with its fields set.
type Deliveries struct {
	DB *db.DB
	// Box opens destinations' sealed credentials (STRATUM_ENCRYPTION_KEY).
	Box *secretbox.Keyring
	// Senders by platform. A destination whose platform has none is left
	// alone (no delivery rows are recorded for it).
	Senders map[string]Sender
	// Tokens gives a destination's credentials the access token a
	// connectionId or refreshToken stands for (Destinations.ResolveToken);
	// nil: credentials are sent as stored.
	Tokens interface {
		ResolveToken(ctx context.Context, tenant uuid.UUID, creds map[string]string) error
	}
	// Enqueue inserts the flush job of a destination, due at at, in tx
	// (jobs.ConversionsFlushHook). Without it deliveries are recorded and
	// only an explicit Flush sends them.
	Enqueue func(ctx context.Context, tx bun.Tx, tenant, destination uuid.UUID, at time.Time) error
	Config  DeliveryConfig
	// Metrics receives stratum_conversions_sent_total and the delivery
	// latency histogram (none when nil).
	Metrics *observability.Metrics
	Log     *slog.Logger
	// TestAfterSend is a TEST-ONLY hook: Flush calls it after Send returned
	// and before the outcomes are recorded (a test panics there to stand
	// for a crash between sending and recording).
	TestAfterSend func(ctx context.Context, destination uuid.UUID, events []Event)
	// TestAfterPrepare is a TEST-ONLY hook: a flush draining a backlog calls
	// it when it has claimed and decided a group ahead of the request in
	// flight.
	TestAfterPrepare func(ctx context.Context, destination uuid.UUID)
	// Quality, if set, is given the events a flush recorded SENT, in the
	// transaction that records them (emq.Service: event match quality).
	Quality QualityRecorder
}

// QualityRecorder records the match quality of events a destination's
// platform accepted, in the caller's transaction (emq.Service.RecordTx).
type QualityRecorder interface {
	RecordTx(ctx context.Context, tx bun.Tx, tenant, destination uuid.UUID, platform string, events []Event, now time.Time) error
}

var _ cdp.BatchHook = (*Deliveries)(nil)

// destinationRow is what the pipeline reads of a destination.
type destinationRow struct {
	ID                 uuid.UUID       `bun:"id"`
	Platform           string          `bun:"platform"`
	Credentials        []byte          `bun:"credentials"`
	BaseURL            *string         `bun:"base_url"`
	TestEventCode      *string         `bun:"test_event_code"`
	EventMappings      json.RawMessage `bun:"event_mappings"`
	LimitedDataUse     bool            `bun:"limited_data_use"`
	LegitimateInterest bool            `bun:"legitimate_interest"`
	Enabled            bool            `bun:"enabled"`
	// ThrottledUntil: the platform asked for a pause until then (Flush
	// claims nothing before).
	ThrottledUntil *time.Time `bun:"throttled_until"`
}

func (r *destinationRow) mappings() ([]Mapping, error) {
	var m []Mapping
	if err := json.Unmarshal(r.EventMappings, &m); err != nil {
		return nil, fmt.Errorf("destination %s: event mappings: %w", r.ID, err)
	}
	return m, nil
}

// deliveryRow is one conversion_deliveries row as the pipeline writes it
// (insertOutcomes).
type deliveryRow struct {
	TenantID       uuid.UUID
	ID             uuid.UUID
	DestinationID  uuid.UUID
	MessageID      string
	BatchID        uuid.UUID
	SourceID       uuid.UUID
	ReceivedAt     time.Time
	ProfileID      *uuid.UUID
	SourceEvent    string
	EventName      string
	EventTime      time.Time
	Status         Status
	NextAttemptAt  *time.Time
	Response       *string
	LegalBasis     *string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	RequestSummary *string
	Attempts       int
	ErrorCode      *string
	LatencyMs      *int
	SentAt         *time.Time
	// RequestID is the request a SENT event of a batch's first send went
	// in (its conversion_sent_requests row); uuid.Nil otherwise.
	RequestID uuid.UUID
}

// cdpEventRow is a stored CDP event as the pipeline reads it.
type cdpEventRow = cdp.StoredEvent

// toCDP is a stored event with its resolved profile, as Map takes it.
func toCDP(r *cdpEventRow, profile *uuid.UUID) CDPEvent {
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return CDPEvent{MessageID: r.MessageID, Type: r.Type, Event: deref(r.Event), AnonymousID: deref(r.AnonymousID),
		UserID: deref(r.UserID), Timestamp: r.Timestamp, ReceivedAt: r.ReceivedAt, Properties: r.Properties,
		Traits: r.Traits, Context: r.Context, ProfileID: profile}
}

// deliveryKey is an Event's Key: the idempotency key of one delivery.
func deliveryKey(destination uuid.UUID, messageID string) string {
	return destination.String() + "/" + messageID
}

// BatchProcessedTx implements cdp.BatchHook: in the transaction that marks
// batch processed, each enabled destination of the tenant gets one
// conversion_delivery_batches row — the batch's events with the profile
// each resolved to and whether that profile has ADS consent (read here, so
// consent the batch itself carried counts) — and its flush job is
// enqueued. ON CONFLICT DO NOTHING on (destination, batch): a re-run
// records nothing twice. Whether each event maps to the destination, is
// recent enough and has the platform's required fields is decided when
// the batch is first sent (delivery_flush.go), which writes each mapped
// event's conversion_deliveries row once, in the state that send left it.
// A tenant without enabled destinations costs one indexed read.
// Destinations are taken in id order: concurrent batches of a tenant
// insert the same unique flush jobs (one per destination and second) in
// the same order, so they wait for each other rather than deadlock.
func (d *Deliveries) BatchProcessedTx(ctx context.Context, tx bun.Tx, raw db.PgxConn, tenant, batch uuid.UUID, refs []cdp.BatchEventRef) (err error) {
	defer derrors.Wrap(&err, "conversions.Deliveries.BatchProcessedTx(%s, %s)", tenant, batch)
	var dests []destinationRow
	if err := tx.NewRaw(`SELECT id, platform, event_mappings, legitimate_interest FROM conversion_destinations
		WHERE tenant_id = ? AND enabled ORDER BY id`, tenant).Scan(ctx, &dests); err != nil && !isNoRows(err) {
		return fmt.Errorf("read destinations: %w", err)
	}
	dests = d.withSenders(dests)
	if len(dests) == 0 || len(refs) == 0 {
		return nil
	}
	consent, err := consentOf(ctx, tx, tenant, refs)
	if err != nil {
		return err
	}
	// The arrays go as parameters in PostgreSQL's binary format (pgx on the
	// transaction's connection), not as text in the statement.
	sources := make([]pgtype.UUID, len(refs))
	msgs := make([]string, len(refs))
	people := make([]pgtype.UUID, len(refs))
	granted := make([]bool, len(refs))
	for i, r := range refs {
		sources[i], msgs[i], people[i] = pgUUID(r.SourceID), r.MessageID, pgUUID(r.ProfileID)
		granted[i] = r.ProfileID != uuid.Nil && consent[r.ProfileID]
	}
	now := d.DB.Now(ctx)
	cfg := d.Config.withDefaults()
	for i := range dests {
		due := now.Add(cfg.FlushAge)
		if len(refs) >= d.Senders[dests[i].Platform].MaxBatch() {
			due = now // a full request is waiting: flush by size
		}
		var inserted int64
		err := raw(ctx, func(c *pgx.Conn) error {
			tag, err := c.Exec(ctx, `INSERT INTO conversion_delivery_batches (tenant_id, destination_id, batch_id, source_ids,
					message_ids, profile_ids, consent, due_at, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`, pgx.QueryExecModeCacheDescribe,
				pgUUID(tenant), pgUUID(dests[i].ID), pgUUID(batch), sources, msgs, people, granted, due, now)
			inserted = tag.RowsAffected()
			return err
		})
		if err != nil {
			return fmt.Errorf("record the batch for destination %s: %w", dests[i].ID, err)
		}
		if inserted == 0 || d.Enqueue == nil {
			continue
		}
		if err := d.Enqueue(ctx, tx, tenant, dests[i].ID, due); err != nil {
			return fmt.Errorf("enqueue flush: %w", err)
		}
	}
	return nil
}

// EraseProfilesTx deletes the deliveries of profiles (a cdp.EraseHook: a
// deleted person's forwarded events are forgotten with them; what the
// platforms received is theirs to delete) and removes their events from
// the batches queued for a first send. A claimed batch it changes counts
// as claimed once more (attempts + 1), so the flush that claimed it — and
// may still send the person's event it had read — records none of the
// batch: the rest is reclaimed and sent again under the same event ids
// after the reclaim delay. The hourly EMQ counts keep no profile or event
// and stay.
func (d *Deliveries) EraseProfilesTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, profiles []uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "conversions.Deliveries.EraseProfilesTx(%s, %d profiles)", tenant, len(profiles))
	ids := pgdialect.Array(profiles)
	if _, err := tx.ExecContext(ctx, `DELETE FROM conversion_deliveries WHERE tenant_id = ? AND profile_id = ANY(?::uuid[])`,
		tenant, ids); err != nil {
		return fmt.Errorf("delete conversion deliveries: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `WITH kept AS (
			SELECT b.destination_id, b.batch_id,
				coalesce(array_agg(u.s ORDER BY u.o) FILTER (WHERE u.p <> ALL(?::uuid[])), '{}') AS s,
				coalesce(array_agg(u.m ORDER BY u.o) FILTER (WHERE u.p <> ALL(?::uuid[])), '{}') AS m,
				coalesce(array_agg(u.p ORDER BY u.o) FILTER (WHERE u.p <> ALL(?::uuid[])), '{}') AS p,
				coalesce(array_agg(u.c ORDER BY u.o) FILTER (WHERE u.p <> ALL(?::uuid[])), '{}') AS c
			FROM conversion_delivery_batches b,
				unnest(b.source_ids, b.message_ids, b.profile_ids, b.consent) WITH ORDINALITY AS u(s, m, p, c, o)
			WHERE b.tenant_id = ? AND b.profile_ids && ?::uuid[]
			GROUP BY b.destination_id, b.batch_id)
		UPDATE conversion_delivery_batches b SET source_ids = kept.s, message_ids = kept.m, profile_ids = kept.p,
			consent = kept.c, attempts = b.attempts + CASE WHEN b.claimed_at IS NULL THEN 0 ELSE 1 END
		FROM kept WHERE b.tenant_id = ? AND b.destination_id = kept.destination_id AND b.batch_id = kept.batch_id`,
		ids, ids, ids, ids, tenant, ids, tenant); err != nil {
		return fmt.Errorf("erase queued conversion events: %w", err)
	}
	// Their events in sent requests: taken out of the requests' arrays (a
	// request left with none is deleted). The later events of such a
	// request move up one position, and so their ids in the log.
	if _, err := tx.ExecContext(ctx, `WITH kept AS (
			SELECT r.destination_id, r.created_at, r.id,
				array_agg(u.m ORDER BY u.o) FILTER (WHERE u.p <> ALL(?0::uuid[])) AS m,
				array_agg(u.b ORDER BY u.o) FILTER (WHERE u.p <> ALL(?0::uuid[])) AS b,
				array_agg(u.s ORDER BY u.o) FILTER (WHERE u.p <> ALL(?0::uuid[])) AS s,
				array_agg(u.rc ORDER BY u.o) FILTER (WHERE u.p <> ALL(?0::uuid[])) AS rc,
				array_agg(u.p ORDER BY u.o) FILTER (WHERE u.p <> ALL(?0::uuid[])) AS p,
				array_agg(u.se ORDER BY u.o) FILTER (WHERE u.p <> ALL(?0::uuid[])) AS se,
				array_agg(u.en ORDER BY u.o) FILTER (WHERE u.p <> ALL(?0::uuid[])) AS en,
				array_agg(u.et ORDER BY u.o) FILTER (WHERE u.p <> ALL(?0::uuid[])) AS et,
				array_agg(u.a ORDER BY u.o) FILTER (WHERE u.p <> ALL(?0::uuid[])) AS a,
				array_agg(u.l ORDER BY u.o) FILTER (WHERE u.p <> ALL(?0::uuid[])) AS l
			FROM conversion_sent_requests r,
				unnest(r.message_ids, r.batch_ids, r.source_ids, r.received_at, r.profile_ids, r.source_events, r.event_names,
					r.event_times, r.attempts, r.legal_bases) WITH ORDINALITY AS u(m, b, s, rc, p, se, en, et, a, l, o)
			WHERE r.tenant_id = ?1 AND r.profile_ids && ?0::uuid[]
			GROUP BY r.destination_id, r.created_at, r.id),
		emptied AS (
			DELETE FROM conversion_sent_requests r USING kept
			WHERE r.tenant_id = ?1 AND r.destination_id = kept.destination_id AND r.created_at = kept.created_at
				AND r.id = kept.id AND kept.m IS NULL)
		UPDATE conversion_sent_requests r SET events = cardinality(kept.m), message_ids = kept.m, batch_ids = kept.b, source_ids = kept.s,
			received_at = kept.rc, profile_ids = kept.p, source_events = kept.se, event_names = kept.en,
			event_times = kept.et, attempts = kept.a, legal_bases = kept.l
		FROM kept WHERE r.tenant_id = ?1 AND r.destination_id = kept.destination_id AND r.created_at = kept.created_at
			AND r.id = kept.id AND kept.m IS NOT NULL`, ids, tenant); err != nil {
		return fmt.Errorf("erase sent conversion events: %w", err)
	}
	return nil
}

// withSenders keeps the destinations whose platform has a Sender.
func (d *Deliveries) withSenders(dests []destinationRow) []destinationRow {
	out := dests[:0]
	for _, x := range dests {
		if d.Senders[x.Platform] != nil {
			out = append(out, x)
		} else if d.Log != nil {
			d.Log.Warn("conversions: no sender for platform", "platform", x.Platform, "destination", x.ID)
		}
	}
	return out
}

// consentOf answers ADS consent for every profile the batch's events
// resolved to (in the batch's transaction, so consent the batch itself
// carried counts).
func consentOf(ctx context.Context, tx bun.Tx, tenant uuid.UUID, refs []cdp.BatchEventRef) (map[uuid.UUID]bool, error) {
	seen := map[uuid.UUID]bool{}
	var ids []uuid.UUID
	for _, r := range refs {
		if p := r.ProfileID; p != uuid.Nil && !seen[p] {
			seen[p] = true
			ids = append(ids, p)
		}
	}
	out := make(map[uuid.UUID]bool, len(ids))
	for start := 0; start < len(ids); start += cdp.MaxConsentProfiles {
		part, err := cdp.AdsConsentTx(ctx, tx, tenant, ids[start:min(start+cdp.MaxConsentProfiles, len(ids))])
		if err != nil {
			return nil, err
		}
		for k, v := range part {
			out[k] = v
		}
	}
	return out, nil
}

// planItem is one event of a claimed batch: the stored event (nil when it
// was erased or expired since), the profile it resolved to and whether
// that profile had ADS consent when the batch was processed.
type planItem struct {
	ev      *cdpEventRow
	profile *uuid.UUID
	consent bool
}

// planned is an event that maps to a destination: its delivery row —
// SKIPPED without ADS consent (unless the destination forwards on
// legitimate interest, recorded as the row's legal basis), FAILED with the
// reason when it cannot be sent (Map's reason, too old for the platform, a
// required field missing), else PENDING — and, when PENDING, the platform
// event to send.
type planned struct {
	row   deliveryRow
	event Event
}

// planParallelFrom is the number of events from which plan spreads Map
// (≈ 10 µs an event, CPU only) over the cores.
const planParallelFrom = 256

// plan decides every item that maps to dest, in items' order; erased
// events and events no mapping applies to get no row. A large batch is
// split into one part per core, mapped at once.
func (d *Deliveries) plan(dest *destinationRow, tenant uuid.UUID, items []planItem, now time.Time) ([]planned, error) {
	mappings, err := dest.mappings()
	if err != nil {
		return nil, err
	}
	parts := min(runtime.GOMAXPROCS(0), len(items)/(planParallelFrom/2))
	if len(items) < planParallelFrom || parts < 2 {
		return d.planPart(dest, tenant, mappings, items, now), nil
	}
	results := make([][]planned, parts)
	var wg sync.WaitGroup
	size := (len(items) + parts - 1) / parts
	for i := range parts {
		part := items[min(i*size, len(items)):min((i+1)*size, len(items))]
		wg.Go(func() { results[i] = d.planPart(dest, tenant, mappings, part, now) })
	}
	wg.Wait()
	n := 0
	for _, r := range results {
		n += len(r)
	}
	out := make([]planned, 0, n)
	for _, r := range results {
		out = append(out, r...)
	}
	return out, nil
}

// planPart is plan's work on part of the items, on one goroutine.
func (d *Deliveries) planPart(dest *destinationRow, tenant uuid.UUID, mappings []Mapping, items []planItem, now time.Time) []planned {
	sender := d.Senders[dest.Platform]
	out := make([]planned, 0, len(items))
	for _, it := range items {
		ev := it.ev
		if ev == nil {
			continue
		}
		mapped, ok, reason := Map(dest.Platform, mappings, toCDP(ev, it.profile))
		if !ok {
			continue
		}
		row := deliveryRow{TenantID: tenant, DestinationID: dest.ID, MessageID: ev.MessageID, BatchID: ev.BatchID,
			SourceID: ev.SourceID, ReceivedAt: ev.ReceivedAt, ProfileID: it.profile, SourceEvent: mapped.SourceEvent,
			EventName: mapped.Name, EventTime: mapped.Time, CreatedAt: now, UpdatedAt: now}
		if row.SourceEvent == "" && ev.Event != nil {
			row.SourceEvent = *ev.Event
		}
		if row.SourceEvent == "" {
			row.SourceEvent = ev.Type
		}
		if row.EventTime.IsZero() {
			row.EventTime = ev.Timestamp
		}
		granted, basis := it.consent && it.profile != nil, BasisConsent
		if !granted && dest.LegitimateInterest {
			granted, basis = true, BasisLegitimateInterest
		}
		p := planned{row: row}
		switch {
		case !granted:
			p.row.Status, p.row.Response = StatusSkipped, ptr(ReasonNoConsent)
			if it.profile == nil {
				p.row.Response = ptr(ReasonNoProfile)
			}
		default:
			p.row.LegalBasis = ptr(basis)
			if why := diverted(sender, mapped, reason, now); why != "" {
				p.row.Status, p.row.Response = StatusFailed, ptr(why)
			} else {
				p.row.Status = StatusPending
				mapped.Key, mapped.EventID = deliveryKey(dest.ID, ev.MessageID), ev.MessageID
				p.event = mapped
			}
		}
		out = append(out, p)
	}
	return out
}

// diverted is why an event cannot be sent as it is ("" when it can): Map's
// reason, older than the platform accepts (one stale event makes Meta
// refuse the whole request, so it never joins one), or the platform's
// required-field rules.
func diverted(s Sender, e Event, mapReason string, now time.Time) string {
	if mapReason != "" {
		return mapReason
	}
	if age := s.MaxAge(); age > 0 && e.Time.Before(now.Add(-age)) {
		return fmt.Sprintf("not sent: the event is older than %s accepts (%s)", s.Platform(), formatAge(age))
	}
	return s.Check(e, now)
}

func formatAge(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

func ptr[T any](v T) *T { return &v }
