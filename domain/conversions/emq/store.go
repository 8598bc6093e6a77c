package emq

import (
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
	bun.BaseModel   `bun:"table:conversion_emq_hourly"`
	TenantID        uuid.UUID     `bun:"tenant_id,pk"`
	DestinationID   uuid.UUID     `bun:"destination_id,pk"`
	EventName       string        `bun:"event_name,pk"`
	Hour            time.Time     `bun:"hour,pk"`
	Platform        string        `bun:"platform"`
	Events          int           `bun:"events"`
	Valid           map[Param]int `bun:"valid,type:jsonb"`
	Timeliness      float64       `bun:"timeliness"`
	PlatformScore   *float64      `bun:"platform_score"`
	PlatformScoreAt *time.Time    `bun:"platform_score_at"`
	UpdatedAt       time.Time     `bun:"updated_at"`
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
	if _, err := tx.NewInsert().Model(&rows).ExcludeColumn("platform_score", "platform_score_at").
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

// SetPlatformScore stores the platform's own score (0–10) of destinationID's
// eventName observed at `at` (e.g. Meta's dataset quality API), writes the
// platform's EMQ measurement and publishes TopicEMQUpdated. The platform's
// score is preferred over the estimate in signal health.
func (s *Service) SetPlatformScore(ctx context.Context, tenant, destinationID uuid.UUID, eventName string, score float64, at time.Time) (err error) {
	defer derrors.Wrap(&err, "emq.SetPlatformScore(%v, %v)", tenant, destinationID)
	if math.IsNaN(score) || score < 0 || score > 10 {
		return apperr.Invalid([]string{"score"}, "score must be between 0 and 10")
	}
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var platform string
		if err := tx.NewSelect().Table("conversion_destinations").Column("platform").
			Where("id = ?", destinationID).Scan(ctx, &platform); err != nil {
			return db.NotFound(err, "destination not found")
		}
		now := s.DB.Now(ctx)
		row := hourly{TenantID: tenant, DestinationID: destinationID, EventName: batchEventName(conversions.Event{Name: eventName}),
			Hour: at.UTC().Truncate(time.Hour), Platform: platform, Valid: map[Param]int{}, PlatformScore: &score, PlatformScoreAt: &at, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(&row).
			On("CONFLICT (tenant_id, destination_id, event_name, hour) DO UPDATE").
			Set("platform_score = EXCLUDED.platform_score, platform_score_at = EXCLUDED.platform_score_at, updated_at = EXCLUDED.updated_at").
			Exec(ctx); err != nil {
			return err
		}
		return s.measureTx(ctx, tx, tenant, platform, destinationID, []string{row.EventName}, now)
	})
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
	if v, ok := platformValue(platform, rows); ok && s.Signals != nil {
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
// its destinations): the platform's own scores where it reported them (the
// latest per destination and event, weighted by their events), the
// estimate over the others; false when there is neither.
func platformValue(platform string, rows []hourly) (float64, bool) {
	type key struct {
		dest  uuid.UUID
		event string
	}
	cov := map[key]*Coverage{}
	reported := map[key]float64{}
	latest := map[key]time.Time{}
	for i := range rows {
		k := key{rows[i].DestinationID, rows[i].EventName}
		if cov[k] == nil {
			cov[k] = &Coverage{}
		}
		cov[k].Add(rows[i].coverage())
		if ps := rows[i].PlatformScore; ps != nil && !rows[i].Hour.Before(latest[k]) {
			reported[k], latest[k] = *ps, rows[i].Hour
		}
	}
	var sum, weight float64
	var estimated Coverage
	for k, c := range cov {
		if ps, ok := reported[k]; ok {
			w := math.Max(1, float64(c.Events))
			sum += ps * w
			weight += w
			continue
		}
		estimated.Add(*c)
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

// DestinationScore is the EMQ of one destination's event name.
type DestinationScore struct {
	DestinationID uuid.UUID
	Platform      string
	EventName     string
	// Events counted in the last Window.
	Events int
	// Score is the estimate over the last Window.
	Score float64
	// PlatformScore is the platform's latest own score, when known;
	// CalibrationError is |Score − PlatformScore| then.
	PlatformScore    *float64
	CalibrationError *float64
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
		var rows []hourly
		q := tx.NewSelect().Model(&rows).Where("platform = ? AND hour >= ?", platform, windowStart(now))
		if dest != uuid.Nil {
			q = q.Where("destination_id = ?", dest)
		}
		if eventName != "" {
			q = q.Where("event_name = ?", eventName)
		}
		if err := q.Order("destination_id", "event_name", "hour").Scan(ctx); err != nil {
			return err
		}
		out = scores(platform, rows)
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

// scores groups rows (ordered by destination, event, hour) into scores.
func scores(platform string, rows []hourly) []DestinationScore {
	var out []DestinationScore
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].DestinationID == rows[i].DestinationID && rows[j].EventName == rows[i].EventName {
			j++
		}
		ds := DestinationScore{DestinationID: rows[i].DestinationID, Platform: platform, EventName: rows[i].EventName}
		var window Coverage
		for _, r := range rows[i:j] {
			window.Add(r.coverage())
			if r.PlatformScore != nil {
				ps := *r.PlatformScore
				ds.PlatformScore = &ps
			}
		}
		ds.Events = window.Events
		ds.Score = round(Score(platform, window))
		ds.Missing = Missing(platform, ds.EventName, window)
		for k := range ds.Missing {
			ds.Missing[k].Impact = round(ds.Missing[k].Impact)
		}
		if ds.PlatformScore != nil && window.Events > 0 {
			e := round(math.Abs(ds.Score - *ds.PlatformScore))
			ds.CalibrationError = &e
		}
		out = append(out, ds)
		i = j
	}
	return out
}

func round(v float64) float64 { return math.Round(v*100) / 100 }
