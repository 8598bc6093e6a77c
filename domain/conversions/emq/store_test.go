package emq_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/emq"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/testdb"
)

type bundle struct {
	ctx context.Context
	db  *db.DB
	svc *emq.Service
}

func setup(t *testing.T) bundle {
	t.Helper()
	tdb := testdb.New(t)
	return bundle{ctx: context.Background(), db: tdb.DB,
		svc: &emq.Service{DB: tdb.DB, Signals: &signals.Service{DB: tdb.DB, Config: signals.DefaultConfig()}}}
}

// InsertDestination inserts a destination row of platform for tenant
// (credentials are opaque bytes: nothing here opens them).
func insertDestination(t *testing.T, b bundle, tenant uuid.UUID, platform string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	require.NoError(t, b.db.InTenant(b.ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys, created_at, updated_at)
			VALUES (?, ?, ?, 'emq test', '\x00'::bytea, '{}', now(), now())`, tenant, id, platform)
		return err
	}))
	return id
}

func record(t *testing.T, b bundle, tenant, dest uuid.UUID, platform string, events []conversions.Event, now time.Time) {
	t.Helper()
	require.NoError(t, b.db.InTenant(b.ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return b.svc.RecordTx(ctx, tx, tenant, dest, platform, events, now)
	}))
}

func emqMeasurements(t *testing.T, b bundle, tenant uuid.UUID) []signals.Measurement {
	t.Helper()
	var ms []signals.Measurement
	require.NoError(t, b.db.InTenant(b.ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&ms).Where("metric = ?", signals.MetricEMQ).Order("observed_at").Scan(ctx)
	}))
	return ms
}

func TestRecordTx(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tenantA := testdb.MustInsertTenant(t, b.db, testdb.Tenant{})
	tenantB := testdb.MustInsertTenant(t, b.db, testdb.Tenant{})
	dest := insertDestination(t, b, tenantA, platforms.Meta)
	now := time.Now().UTC()

	fresh := func() conversions.Event { e := full(); e.Time = now.Add(-time.Minute); return e }
	noPhone := fresh()
	noPhone.User.Phone = ""
	lead := fresh()
	lead.Name = "Lead"
	// Two batches in one hour add up: 3 Purchase events, 1 without phone.
	record(t, b, tenantA, dest, platforms.Meta, []conversions.Event{fresh(), noPhone, lead}, now)
	record(t, b, tenantA, dest, platforms.Meta, []conversions.Event{fresh()}, now)

	got, err := b.svc.Scores(b.ctx, tenantA, platforms.Meta, "")
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, "Lead", got[0].EventName)
	p := got[1]
	require.Equal(t, "Purchase", p.EventName)
	require.Equal(t, dest, p.DestinationID)
	require.Equal(t, 3, p.Events)
	trend, err := b.svc.Trend(b.ctx, tenantA, platforms.Meta, dest, "Purchase", 48)
	require.NoError(t, err)
	require.Len(t, trend, 1)
	require.Equal(t, now.Truncate(time.Hour), trend[0].Hour.UTC())
	require.Equal(t, 3, trend[0].Events)
	require.Equal(t, p.Score, trend[0].Score)
	one, err := b.svc.Score(b.ctx, tenantA, platforms.Meta, dest, "Purchase")
	require.NoError(t, err)
	require.Equal(t, p, *one)
	require.Len(t, p.Missing, 1)
	require.Equal(t, emq.Phone, p.Missing[0].Parameter)
	require.Contains(t, p.Missing[0].Advice, "33 % of Purchase events have no phone")
	require.Nil(t, p.PlatformScore)
	require.Nil(t, p.CalibrationError)
	require.Equal(t, emq.SourceEstimate, p.Source)
	require.Equal(t, p.Estimate, p.Score)
	require.Equal(t, 10.0, got[0].Score)
	require.Less(t, p.Score, 10.0)

	// The filter by event name.
	only, err := b.svc.Scores(b.ctx, tenantA, platforms.Meta, "Lead")
	require.NoError(t, err)
	require.Len(t, only, 1)

	// A measurement for META with the event-weighted estimate.
	ms := emqMeasurements(t, b, tenantA)
	require.Len(t, ms, 1)
	require.Equal(t, platforms.Meta, ms[0].Platform)
	require.Equal(t, emq.Source, ms[0].Source)
	require.InDelta(t, (3*p.Score+10)/4, ms[0].Value, 0.02)

	// Tenant B sees nothing of A's (RLS), through the same calls.
	other, err := b.svc.Scores(b.ctx, tenantB, platforms.Meta, "")
	require.NoError(t, err)
	require.Empty(t, other)
	trend, err = b.svc.Trend(b.ctx, tenantB, platforms.Meta, dest, "Purchase", 48)
	require.NoError(t, err)
	require.Empty(t, trend)
	none, err := b.svc.Score(b.ctx, tenantB, platforms.Meta, dest, "Purchase")
	require.NoError(t, err)
	require.Nil(t, none)
	require.Empty(t, emqMeasurements(t, b, tenantB))
	// Nor can it record against A's destination (the foreign key is
	// checked under B's RLS).
	require.Error(t, b.db.InTenant(b.ctx, tenantB, func(ctx context.Context, tx bun.Tx) error {
		return b.svc.RecordTx(ctx, tx, tenantB, dest, platforms.Meta, []conversions.Event{full()}, now)
	}))

	// The platform's own score is stored, preferred in the score and in
	// signal health, and compared with the estimate.
	require.NoError(t, b.svc.StorePlatformScores(b.ctx, tenantA, dest, now, []emq.PlatformScore{{EventName: "Purchase", Score: 6.5}}))
	got, err = b.svc.Scores(b.ctx, tenantA, platforms.Meta, "Purchase")
	require.NoError(t, err)
	require.NotNil(t, got[0].PlatformScore)
	require.Equal(t, 6.5, *got[0].PlatformScore)
	require.Equal(t, 6.5, got[0].Score)
	require.Equal(t, emq.SourcePlatform, got[0].Source)
	require.Equal(t, p.Score, got[0].Estimate)
	require.InDelta(t, p.Score-6.5, *got[0].CalibrationError, 0.011)
	ms = emqMeasurements(t, b, tenantA)
	require.InDelta(t, (3*6.5+10)/4, ms[len(ms)-1].Value, 0.02)
	require.Error(t, b.svc.StorePlatformScores(b.ctx, tenantA, dest, now, []emq.PlatformScore{{EventName: "Purchase", Score: 11}}))
	require.Error(t, b.svc.StorePlatformScores(b.ctx, tenantB, dest, now, []emq.PlatformScore{{EventName: "Purchase", Score: 5}}), "B cannot score A's destination")

	// Bounds.
	_, err = b.svc.Trend(b.ctx, tenantA, platforms.Meta, dest, "Purchase", 0)
	require.Error(t, err)
	_, err = b.svc.Trend(b.ctx, tenantA, platforms.Meta, dest, "Purchase", emq.MaxTrendHours+1)
	require.Error(t, err)
	_, err = b.svc.Scores(b.ctx, tenantA, "SIMULATOR", "")
	require.Error(t, err)

	// Deleting the destination deletes its counts.
	require.NoError(t, b.db.InTenant(b.ctx, tenantA, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM conversion_destinations WHERE id = ?", dest)
		return err
	}))
	got, err = b.svc.Scores(b.ctx, tenantA, platforms.Meta, "")
	require.NoError(t, err)
	require.Empty(t, got)
}

// The simulator writes EMQ only for its own platform, which no destination
// can have: a simulated tenant's real platform EMQ comes from its
// destinations alone, so nothing has to switch the simulator off.
func TestSimulatorNeverWritesARealPlatformsEMQ(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tenant := testdb.MustInsertTenant(t, b.db, testdb.Tenant{Simulated: true})
	plat := platforms.NewService(b.db, b.svc.Signals)
	require.NoError(t, plat.SeedSimulator(b.ctx, tenant))
	require.NoError(t, plat.Simulator().Tick(b.ctx, tenant))
	dest := insertDestination(t, b, tenant, platforms.Meta)
	now := time.Now().UTC()
	e := full()
	e.Time = now
	record(t, b, tenant, dest, platforms.Meta, []conversions.Event{e}, now)
	require.NoError(t, plat.Simulator().Tick(b.ctx, tenant))

	bySource := map[string]map[string]bool{}
	for _, m := range emqMeasurements(t, b, tenant) {
		if bySource[m.Platform] == nil {
			bySource[m.Platform] = map[string]bool{}
		}
		bySource[m.Platform][m.Source] = true
	}
	require.Equal(t, map[string]bool{emq.Source: true}, bySource[platforms.Meta], "META's EMQ comes from its destination only")
	require.NotEmpty(t, bySource[platforms.Simulator], "the simulator still writes its own platform's")
	require.NotContains(t, bySource[platforms.Simulator], emq.Source)

	// No destination can be of the simulated platform.
	require.Error(t, b.db.InTenant(b.ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys, created_at, updated_at)
			VALUES (?, ?, 'SIMULATOR', 'x', '\x00'::bytea, '{}', now(), now())`, tenant, uuid.New())
		return err
	}))
}
