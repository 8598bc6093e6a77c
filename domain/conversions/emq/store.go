package emq

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// TopicEMQUpdated is published (ID: the platform; data: destination and
// event names) when a platform's EMQ of a tenant changed: a batch was
// recorded or the platform's own score stored.
const TopicEMQUpdated = "conversions.emq_updated"

// Source is the signal measurements' source.
const Source = "capi_emq"

// Window is the span a score (and the signal measurement) covers: the
// hours from the one Window ago to the current one.
const Window = 24 * time.Hour

// MaxTrendHours bounds the trend a query may ask for (30 days).
const MaxTrendHours = 720

// Service stores the hourly counts and answers scores. Signals receives
// the EMQ measurements.
type Service struct {
	DB      *db.DB
	Signals *signals.Service
}

// hourly is one conversion_emq_hourly row.
type hourly struct {
	bun.BaseModel `bun:"table:conversion_emq_hourly"`
	TenantID      uuid.UUID     `bun:"tenant_id,pk"`
	DestinationID uuid.UUID     `bun:"destination_id,pk"`
	EventName     string        `bun:"event_name,pk"`
	Hour          time.Time     `bun:"hour,pk"`
	Platform      string        `bun:"platform"`
	Events        int           `bun:"events"`
	Valid         map[Param]int `bun:"valid,type:jsonb"`
	Timeliness    float64       `bun:"timeliness"`
	UpdatedAt     time.Time     `bun:"updated_at"`
}

func (h *hourly) coverage() Coverage {
	return Coverage{Events: h.Events, Valid: h.Valid, Timeliness: h.Timeliness}
}

// maxEventName is the longest event name stored (longer ones are cut).
const maxEventName = 200

// RecordTx adds the events of one delivery batch of destinationID (of
// platform) to the hourly counts, in tx — the delivery pipeline's tenant
// transaction that records the batch, so counts and deliveries commit
// together — then writes the platform's EMQ signal measurement and
// publishes TopicEMQUpdated (both delivered only if tx commits). now is
// when the batch was sent: it names the hour and is the clock timeliness
// is measured against. One upsert for the whole batch (events are
// aggregated per event name first).
func (s *Service) RecordTx(ctx context.Context, tx bun.Tx, tenant, destinationID uuid.UUID, platform string, events []conversions.Event, now time.Time) (err error) {
	defer derrors.Wrap(&err, "emq.RecordTx(%v, %v)", tenant, destinationID)
	if len(events) == 0 {
		return nil
	}
	if _, ok := Weights[platform]; !ok {
		return fmt.Errorf("unknown platform %q", platform)
	}
	byName := map[string][]conversions.Event{}
	for _, e := range events {
		n := batchEventName(e)
		byName[n] = append(byName[n], e)
	}
	hour := now.UTC().Truncate(time.Hour)
	rows := make([]hourly, 0, len(byName))
	for name, es := range byName {
		c := Count(platform, es, now)
		rows = append(rows, hourly{TenantID: tenant, DestinationID: destinationID, EventName: name, Hour: hour,
			Platform: platform, Events: c.Events, Valid: c.Valid, Timeliness: c.Timeliness, UpdatedAt: now})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].EventName < rows[j].EventName }) // a stable lock order
	if _, err := tx.NewInsert().Model(&rows).
		On("CONFLICT (tenant_id, destination_id, event_name, hour) DO UPDATE").
		Set("events = h.events + EXCLUDED.events").
		Set("timeliness = h.timeliness + EXCLUDED.timeliness").
		Set(`valid = (SELECT coalesce(jsonb_object_agg(k, coalesce((h.valid->>k)::int, 0) + coalesce((EXCLUDED.valid->>k)::int, 0)), '{}')
			FROM jsonb_object_keys(h.valid || EXCLUDED.valid) AS k)`).
		Set("updated_at = EXCLUDED.updated_at").
		ModelTableExpr("conversion_emq_hourly AS h").
		Exec(ctx); err != nil {
		return fmt.Errorf("upsert hourly counts: %w", err)
	}
	names := make([]string, len(rows))
	for i := range rows {
		names[i] = rows[i].EventName
	}
	return s.measureTx(ctx, tx, tenant, platform, destinationID, names, now)
}

func batchEventName(e conversions.Event) string {
	n := e.Name
	if n == "" {
		n = e.SourceEvent
	}
	if n == "" {
		n = "(unnamed)"
	}
	if r := []rune(n); len(r) > maxEventName {
		n = string(r[:maxEventName])
	}
	return n
}

// measureTx writes platform's EMQ measurement for tenant at now (to the
// minute: a busy minute's batches replace one value) from every
// destination's last Window, and publishes one TopicEMQUpdated per event
// name of destinationID that changed.
func (s *Service) measureTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, platform string, destinationID uuid.UUID, names []string, now time.Time) error {
	var rows []hourly
	if err := tx.NewSelect().Model(&rows).Where("platform = ? AND hour >= ?", platform, windowStart(now)).
		Order("destination_id", "event_name", "hour").Scan(ctx); err != nil {
		return fmt.Errorf("read hourly counts: %w", err)
	}
	var reported []platformScore
	if err := tx.NewSelect().Model(&reported).Where("platform = ? AND fetched_at >= ?", platform, windowStart(now)).
		Order("destination_id", "event_name", "fetched_at").Scan(ctx); err != nil {
		return fmt.Errorf("read platform scores: %w", err)
	}
	if v, ok := platformValue(platform, rows, reported); ok && s.Signals != nil {
		m := signals.Measurement{Platform: platform, Metric: signals.MetricEMQ, Source: Source,
			ObservedAt: now.UTC().Truncate(time.Minute), Value: math.Round(v*1000) / 1000}
		if err := s.Signals.Record(ctx, tx, tenant, []signals.Measurement{m}); err != nil {
			return err
		}
	}
	evs := make([]realtime.Event, len(names))
	for i, n := range names {
		data, err := json.Marshal(Update{DestinationID: destinationID, EventName: n})
		if err != nil {
			return err
		}
		evs[i] = realtime.Event{Tenant: tenant, Topic: TopicEMQUpdated, ID: platform, Data: data}
	}
	return realtime.PublishAll(ctx, tx, evs)
}

// Update is the data of a TopicEMQUpdated event (its ID is the platform).
type Update struct {
	DestinationID uuid.UUID `json:"destinationId"`
	EventName     string    `json:"eventName"`
}

// platformValue is the EMQ of platform from rows (one tenant's hours of
// its destinations) and reported (the platform's own scores of the same
// window): per destination and event, the platform's latest score where it
// reported one, weighted by the events Stratum counted (at least 1), and
// the estimate over the others; false when there is neither.
func platformValue(platform string, rows []hourly, reported []platformScore) (float64, bool) {
	cov := map[scoreKey]*Coverage{}
	for i := range rows {
		k := scoreKey{rows[i].DestinationID, rows[i].EventName}
		if cov[k] == nil {
			cov[k] = &Coverage{}
		}
		cov[k].Add(rows[i].coverage())
	}
	latest := latestScores(reported)
	var sum, weight float64
	for k, ps := range latest {
		w := 1.0
		if c := cov[k]; c != nil {
			w = math.Max(1, float64(c.Events))
		}
		sum += ps.Score * w
		weight += w
	}
	var estimated Coverage
	for k, c := range cov {
		if _, ok := latest[k]; !ok {
			estimated.Add(*c)
		}
	}
	if estimated.Events > 0 {
		w := float64(estimated.Events)
		sum += Score(platform, estimated) * w
		weight += w
	}
	if weight == 0 {
		return 0, false
	}
	return sum / weight, true
}

// Point is one hour of a trend.
type Point struct {
	Hour   time.Time
	Events int
	Score  float64
}

// Where a DestinationScore's Score comes from.
const (
	// SourcePlatform: the platform's own score (Meta's dataset quality).
	SourcePlatform = "PLATFORM"
	// SourceEstimate: Stratum's estimate.
	SourceEstimate = "ESTIMATE"
)

// DestinationScore is the EMQ of one destination's event name.
type DestinationScore struct {
	DestinationID uuid.UUID
	Platform      string
	EventName     string
	// Events counted in the last Window.
	Events int
	// Score is the platform's latest own score when it reported one in
	// the last Window, the estimate otherwise; Source says which.
	Score  float64
	Source string
	// Estimate is Stratum's estimate over the last Window (0 without
	// events).
	Estimate float64
	// PlatformScore is the platform's latest own score in the last Window
	// and PlatformScoreAt when it was fetched; nil when it reported none.
	PlatformScore   *float64
	PlatformScoreAt *time.Time
	// CalibrationError is the estimate's mean absolute difference from the
	// platform's scores of the last Window: each fetched score against the
	// estimate over the Window of events before its fetch, counting the
	// fetches with such events; nil when there is none.
	CalibrationError *float64
	// PlatformError is why the last fetch of the platform's score for the
	// destination failed (the platform's words); nil when it succeeded or
	// was never tried.
	PlatformError *string
	// Missing is the fix-it list over the last Window.
	Missing []Advice
}

// Scores answers tenant's EMQ per destination and event name of platform
// (only eventName's when not empty) over the last Window.
func (s *Service) Scores(ctx context.Context, tenant uuid.UUID, platform, eventName string) (out []DestinationScore, err error) {
	defer derrors.Wrap(&err, "emq.Scores(%v, %s)", tenant, platform)
	return s.scores(ctx, tenant, platform, uuid.Nil, eventName)
}

// Score is the EMQ of destinationID's eventName of platform; nil when it
// has none (or the destination is of another platform or tenant).
func (s *Service) Score(ctx context.Context, tenant uuid.UUID, platform string, destinationID uuid.UUID, eventName string) (_ *DestinationScore, err error) {
	defer derrors.Wrap(&err, "emq.Score(%v, %v)", tenant, destinationID)
	if destinationID == uuid.Nil || eventName == "" {
		return nil, nil
	}
	out, err := s.scores(ctx, tenant, platform, destinationID, eventName)
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return &out[0], nil
}

func (s *Service) scores(ctx context.Context, tenant uuid.UUID, platform string, dest uuid.UUID, eventName string) (out []DestinationScore, err error) {
	if _, ok := Weights[platform]; !ok {
		return nil, apperr.Invalid([]string{"platform"}, "platform must be META, GOOGLE, TIKTOK or SNAPCHAT")
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := s.DB.Now(ctx)
		filter := func(q *bun.SelectQuery) *bun.SelectQuery {
			q = q.Where("platform = ?", platform)
			if dest != uuid.Nil {
				q = q.Where("destination_id = ?", dest)
			}
			if eventName != "" {
				q = q.Where("event_name = ?", eventName)
			}
			return q
		}
		// The hours of the Window before the oldest fetch too: each fetch
		// is compared with the estimate of the Window before it.
		var rows []hourly
		if err := filter(tx.NewSelect().Model(&rows)).Where("hour >= ?", windowStart(now).Add(-Window)).
			Order("destination_id", "event_name", "hour").Scan(ctx); err != nil {
			return err
		}
		var reported []platformScore
		if err := filter(tx.NewSelect().Model(&reported)).Where("fetched_at >= ?", windowStart(now)).
			Order("destination_id", "event_name", "fetched_at").Scan(ctx); err != nil {
			return err
		}
		var fetches []platformFetch
		q := tx.NewSelect().Model(&fetches).Where("error IS NOT NULL")
		if dest != uuid.Nil {
			q = q.Where("destination_id = ?", dest)
		}
		if err := q.Scan(ctx); err != nil {
			return err
		}
		out = scores(platform, windowStart(now), rows, reported, fetches)
		return nil
	})
	return out, err
}

// windowStart is the first hour of the Window ending at now.
func windowStart(now time.Time) time.Time { return now.Add(-Window).UTC().Truncate(time.Hour) }

// Trend is the estimate per hour with events of destinationID's eventName
// (of platform) over the last hours hours (1–MaxTrendHours), oldest first.
func (s *Service) Trend(ctx context.Context, tenant uuid.UUID, platform string, destinationID uuid.UUID, eventName string, hours int) (out []Point, err error) {
	defer derrors.Wrap(&err, "emq.Trend(%v, %v)", tenant, destinationID)
	if hours < 1 || hours > MaxTrendHours {
		return nil, apperr.Invalid([]string{"hours"}, "hours must be between 1 and %d", MaxTrendHours)
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		from := s.DB.Now(ctx).UTC().Truncate(time.Hour).Add(-time.Duration(hours-1) * time.Hour)
		var rows []hourly
		if err := tx.NewSelect().Model(&rows).Column("hour", "events", "valid", "timeliness").
			Where("destination_id = ? AND event_name = ? AND hour >= ? AND events > 0", destinationID, eventName, from).
			Order("hour").Scan(ctx); err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, Point{Hour: r.Hour, Events: r.Events, Score: round(Score(platform, r.coverage()))})
		}
		return nil
	})
	return out, err
}

type scoreKey struct {
	dest  uuid.UUID
	event string
}

// latestScores is the latest of reported per destination and event.
func latestScores(reported []platformScore) map[scoreKey]platformScore {
	out := map[scoreKey]platformScore{}
	for _, r := range reported {
		k := scoreKey{r.DestinationID, r.EventName}
		if l, ok := out[k]; !ok || !r.FetchedAt.Before(l.FetchedAt) {
			out[k] = r
		}
	}
	return out
}

// scores answers, per destination and event name with hours since from or
// platform scores (rows and reported: any order), the score, the estimate
// and its calibration error; failed carries the destinations' failed
// fetches.
func scores(platform string, from time.Time, rows []hourly, reported []platformScore, failed []platformFetch) []DestinationScore {
	hours := map[scoreKey][]hourly{}
	for _, r := range rows {
		k := scoreKey{r.DestinationID, r.EventName}
		hours[k] = append(hours[k], r)
	}
	byKey := map[scoreKey][]platformScore{}
	for _, r := range reported {
		k := scoreKey{r.DestinationID, r.EventName}
		byKey[k] = append(byKey[k], r)
	}
	set := map[scoreKey]bool{}
	for k, hs := range hours {
		for _, h := range hs {
			set[k] = set[k] || !h.Hour.Before(from)
		}
	}
	for k := range byKey {
		set[k] = true
	}
	var keys []scoreKey
	for k, in := range set {
		if in {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if c := bytes.Compare(keys[i].dest[:], keys[j].dest[:]); c != 0 {
			return c < 0
		}
		return keys[i].event < keys[j].event
	})
	errs := map[uuid.UUID]string{}
	for _, f := range failed {
		if f.Error != nil {
			errs[f.DestinationID] = *f.Error
		}
	}
	latest := latestScores(reported)
	out := make([]DestinationScore, 0, len(keys))
	for _, k := range keys {
		ds := DestinationScore{DestinationID: k.dest, Platform: platform, EventName: k.event, Source: SourceEstimate}
		window := windowCoverage(hours[k], from)
		ds.Events = window.Events
		ds.Estimate = round(Score(platform, window))
		ds.Score = ds.Estimate
		ds.Missing = Missing(platform, ds.EventName, window)
		for i := range ds.Missing {
			ds.Missing[i].Impact = round(ds.Missing[i].Impact)
		}
		if l, ok := latest[k]; ok {
			ps, at := l.Score, l.FetchedAt
			ds.PlatformScore, ds.PlatformScoreAt = &ps, &at
			ds.Score, ds.Source = round(ps), SourcePlatform
			ds.CalibrationError = calibration(platform, hours[k], byKey[k])
		}
		if e, ok := errs[k.dest]; ok {
			ds.PlatformError = &e
		}
		out = append(out, ds)
	}
	return out
}

// windowCoverage adds up the hours from from on.
func windowCoverage(hs []hourly, from time.Time) Coverage {
	var c Coverage
	for _, h := range hs {
		if !h.Hour.Before(from) {
			c.Add(h.coverage())
		}
	}
	return c
}

// calibration is the mean |estimate − platform score| over the fetches
// whose preceding Window (from the hour a Window before the fetch to the
// fetch's own hour) had events; nil when none had.
func calibration(platform string, hs []hourly, fetched []platformScore) *float64 {
	var sum float64
	n := 0
	for _, f := range fetched {
		var c Coverage
		from, to := windowStart(f.FetchedAt), f.FetchedAt.UTC().Truncate(time.Hour)
		for _, h := range hs {
			if !h.Hour.Before(from) && !h.Hour.After(to) {
				c.Add(h.coverage())
			}
		}
		if c.Events == 0 {
			continue
		}
		sum += math.Abs(Score(platform, c) - f.Score)
		n++
	}
	if n == 0 {
		return nil
	}
	e := round(sum / float64(n))
	return &e
}

func round(v float64) float64 { return math.Round(v*100) / 100 }
