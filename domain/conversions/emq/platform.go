package emq

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/senders"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// The platform's own score (docs/adr/0022 "Meta's own score"): Meta
// computes the EMQ of a pixel's events itself and tells it through its
// Dataset Quality API. PlatformFetcher asks for it per enabled META
// destination (the job conversions.emq_platform, hourly) and the Service
// stores each fetch (conversion_emq_platform_scores) and the outcome of
// the last one (conversion_emq_platform_fetches).

// platformScore is one conversion_emq_platform_scores row.
type platformScore struct {
	bun.BaseModel `bun:"table:conversion_emq_platform_scores"`
	TenantID      uuid.UUID          `bun:"tenant_id,pk"`
	DestinationID uuid.UUID          `bun:"destination_id,pk"`
	EventName     string             `bun:"event_name,pk"`
	FetchedAt     time.Time          `bun:"fetched_at,pk"`
	Platform      string             `bun:"platform"`
	Score         float64            `bun:"score"`
	MatchKeys     map[string]float64 `bun:"match_keys,type:jsonb"`
}

// platformFetch is one conversion_emq_platform_fetches row.
type platformFetch struct {
	bun.BaseModel `bun:"table:conversion_emq_platform_fetches"`
	TenantID      uuid.UUID  `bun:"tenant_id,pk"`
	DestinationID uuid.UUID  `bun:"destination_id,pk"`
	AttemptedAt   time.Time  `bun:"attempted_at"`
	SucceededAt   *time.Time `bun:"succeeded_at"`
	HTTPStatus    *int       `bun:"http_status"`
	Error         *string    `bun:"error"`
	Events        int        `bun:"events"`
}

// PlatformScore is a platform's own score of one event name.
type PlatformScore struct {
	EventName string
	// Score is 0–10.
	Score float64
	// MatchKeys is, per match key, the share (%) of events carrying it.
	MatchKeys map[string]float64
}

// Bounds of what one fetch stores.
const (
	MaxPlatformScores = 500
	maxMatchKeys      = 50
	maxFetchError     = 1000
)

// StorePlatformScores stores the platform's scores of destinationID's
// events fetched at `at`, marks the fetch succeeded, writes the platform's
// EMQ measurement and publishes TopicEMQUpdated per event (all in one
// tenant transaction). Scores outside 0–10 are INVALID; at most
// MaxPlatformScores.
func (s *Service) StorePlatformScores(ctx context.Context, tenant, destinationID uuid.UUID, at time.Time, scores []PlatformScore) (err error) {
	defer derrors.Wrap(&err, "emq.StorePlatformScores(%v, %v)", tenant, destinationID)
	if len(scores) > MaxPlatformScores {
		return apperr.Invalid([]string{"scores"}, "at most %d scores per fetch", MaxPlatformScores)
	}
	for _, sc := range scores {
		if math.IsNaN(sc.Score) || sc.Score < 0 || sc.Score > 10 {
			return apperr.Invalid([]string{"score"}, "score must be between 0 and 10")
		}
	}
	at = at.UTC()
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		platform, err := destinationPlatform(ctx, tx, destinationID)
		if err != nil {
			return err
		}
		rows := make([]platformScore, 0, len(scores))
		seen := map[string]bool{}
		for _, sc := range scores {
			name := batchEventName(conversions.Event{Name: sc.EventName})
			if seen[name] {
				continue
			}
			seen[name] = true
			rows = append(rows, platformScore{TenantID: tenant, DestinationID: destinationID, EventName: name,
				FetchedAt: at, Platform: platform, Score: sc.Score, MatchKeys: boundKeys(sc.MatchKeys)})
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].EventName < rows[j].EventName })
		if len(rows) > 0 {
			if _, err := tx.NewInsert().Model(&rows).
				On("CONFLICT (tenant_id, destination_id, event_name, fetched_at) DO UPDATE").
				Set("score = EXCLUDED.score, match_keys = EXCLUDED.match_keys").Exec(ctx); err != nil {
				return fmt.Errorf("insert platform scores: %w", err)
			}
		}
		f := platformFetch{TenantID: tenant, DestinationID: destinationID, AttemptedAt: at, SucceededAt: &at, Events: len(rows)}
		if _, err := tx.NewInsert().Model(&f).On("CONFLICT (tenant_id, destination_id) DO UPDATE").
			Set("attempted_at = EXCLUDED.attempted_at, succeeded_at = EXCLUDED.succeeded_at").
			Set("http_status = NULL, error = NULL, events = EXCLUDED.events").Exec(ctx); err != nil {
			return fmt.Errorf("record the fetch: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		names := make([]string, len(rows))
		for i := range rows {
			names[i] = rows[i].EventName
		}
		return s.measureTx(ctx, tx, tenant, platform, destinationID, names, s.DB.Now(ctx))
	})
}

// RecordPlatformFailure records that fetching destinationID's platform
// score at `at` failed with the platform's HTTP status (0: no answer) and
// message, which must carry no credential. Scores stored before stay.
func (s *Service) RecordPlatformFailure(ctx context.Context, tenant, destinationID uuid.UUID, at time.Time, status int, message string) (err error) {
	defer derrors.Wrap(&err, "emq.RecordPlatformFailure(%v, %v)", tenant, destinationID)
	if message == "" {
		message = "the fetch failed"
	}
	if utf8.RuneCountInString(message) > maxFetchError {
		message = string([]rune(message)[:maxFetchError-1]) + "…"
	}
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := destinationPlatform(ctx, tx, destinationID); err != nil {
			return err
		}
		f := platformFetch{TenantID: tenant, DestinationID: destinationID, AttemptedAt: at.UTC(), HTTPStatus: &status, Error: &message}
		_, err := tx.NewInsert().Model(&f).On("CONFLICT (tenant_id, destination_id) DO UPDATE").
			Set("attempted_at = EXCLUDED.attempted_at, http_status = EXCLUDED.http_status, error = EXCLUDED.error").Exec(ctx)
		return err
	})
}

func destinationPlatform(ctx context.Context, tx bun.Tx, id uuid.UUID) (string, error) {
	var platform string
	if err := tx.NewSelect().Table("conversion_destinations").Column("platform").
		Where("id = ?", id).Scan(ctx, &platform); err != nil {
		return "", db.NotFound(err, "destination not found")
	}
	return platform, nil
}

// boundKeys keeps at most maxMatchKeys match keys with finite shares.
func boundKeys(m map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if len(out) == maxMatchKeys {
			break
		}
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[k] = v
		}
	}
	return out
}

// QualitySource reads a platform's own scores of a destination's events
// (senders.MetaQuality). Its errors are *senders.QualityError.
type QualitySource interface {
	DatasetQuality(ctx context.Context, d conversions.Destination) ([]senders.EventQuality, error)
}

// PlatformFetcher fetches the platforms' own scores of the destinations.
type PlatformFetcher struct {
	DB  *db.DB
	EMQ *Service
	// Destinations reads and opens a destination's credentials.
	Destinations *conversions.Destinations
	// Sources are the platforms that report their own score (META).
	Sources map[string]QualitySource
	// Now is the clock of the fetches (nil: the database's).
	Now func() time.Time
}

// NewPlatformFetcher is the fetcher of Meta's Dataset Quality API.
func NewPlatformFetcher(d *db.DB, svc *Service, dests *conversions.Destinations) *PlatformFetcher {
	return &PlatformFetcher{DB: d, EMQ: svc, Destinations: dests,
		Sources: map[string]QualitySource{platforms.Meta: senders.NewMetaQuality(senders.Config{})}}
}

// MaxDue bounds the destinations one fan-out lists.
const MaxDue = 10000

// Due lists (tenant, destination) of every tenant's enabled destinations
// whose platform reports its own score, at most MaxDue.
func (f *PlatformFetcher) Due(ctx context.Context) (out [][2]uuid.UUID, err error) {
	defer derrors.Wrap(&err, "emq.PlatformFetcher.Due")
	err = f.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			Tenant      uuid.UUID `bun:"tenant_id"`
			Destination uuid.UUID `bun:"destination_id"`
		}
		if err := tx.NewRaw(`SELECT tenant_id, destination_id FROM stratum_conversion_emq_platform_destinations(?)`, MaxDue).
			Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, [2]uuid.UUID{r.Tenant, r.Destination})
		}
		return nil
	})
	return out, err
}

// ErrTransient wraps a failed fetch worth retrying soon (network, 429,
// 5xx); it was recorded like any failure.
var ErrTransient = errors.New("transient platform failure")

// Fetch asks destinationID's platform for its scores, outside any
// transaction, and stores them, or records the failure in the platform's
// words. A disabled destination, or one of a platform without a source, is
// skipped. Only a transient failure is returned (wrapping ErrTransient);
// a permanent one (401, a missing permission) is recorded and nil.
func (f *PlatformFetcher) Fetch(ctx context.Context, tenant, destinationID uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "emq.PlatformFetcher.Fetch(%v, %v)", tenant, destinationID)
	sd, err := f.Destinations.Get(ctx, tenant, destinationID)
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil // deleted since the fan-out
		}
		return err
	}
	src := f.Sources[sd.Platform]
	if !sd.Enabled || src == nil {
		return nil
	}
	d, err := f.Destinations.Open(ctx, sd)
	if err != nil {
		return f.EMQ.RecordPlatformFailure(ctx, tenant, destinationID, f.now(ctx), 0, "the destination's credentials could not be opened")
	}
	got, err := src.DatasetQuality(ctx, d)
	at := f.now(ctx)
	if err != nil {
		var qe *senders.QualityError
		if !errors.As(err, &qe) {
			qe = &senders.QualityError{Message: "the request failed", Transient: true}
		}
		msg := qe.Message
		if qe.Code != "" {
			msg = "code " + qe.Code + ": " + msg
		}
		if rerr := f.EMQ.RecordPlatformFailure(ctx, tenant, destinationID, at, qe.Status, msg); rerr != nil {
			return rerr
		}
		if qe.Transient {
			return fmt.Errorf("%w: %s", ErrTransient, err.Error())
		}
		return nil
	}
	scores := make([]PlatformScore, 0, min(len(got), MaxPlatformScores))
	for _, q := range got {
		if len(scores) == MaxPlatformScores {
			break
		}
		scores = append(scores, PlatformScore{EventName: q.EventName, Score: q.Score, MatchKeys: q.MatchKeys})
	}
	return f.EMQ.StorePlatformScores(ctx, tenant, destinationID, at, scores)
}

func (f *PlatformFetcher) now(ctx context.Context) time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return f.DB.Now(ctx)
}
