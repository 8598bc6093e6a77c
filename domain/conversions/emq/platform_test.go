package emq_test

import (
	"context"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/capifake"
	"github.com/stratumhq/stratum/domain/conversions/emq"
	"github.com/stratumhq/stratum/domain/conversions/senders"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/secretbox"
	"github.com/stratumhq/stratum/internal/testdb"
)

// Where the platform reported its own score, emqScores answers it (source
// PLATFORM) with the estimate beside it and the estimate's calibration
// error: the mean, over the fetches, of |estimate of the Window before the
// fetch − fetched score|. A destination without a platform score answers
// its estimate and no error (the negative control); an event only the
// platform reports is listed with no events.
func TestPlatformScoreIsPreferredWithCalibrationError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tenant := testdb.MustInsertTenant(t, b.db, testdb.Tenant{})
	withMeta := insertDestination(t, b, tenant, platforms.Meta)
	estimated := insertDestination(t, b, tenant, platforms.Meta)
	now := time.Now().UTC()
	earlier := now.Add(-3 * time.Hour)

	emailOnly := full()
	emailOnly.User = conversions.UserData{Email: "a@example.com", UserAgent: "Mozilla/5.0"}
	emailOnly.Time = earlier
	old := []conversions.Event{emailOnly, emailOnly}
	fresh := full()
	fresh.Time = now.Add(-time.Minute)
	record(t, b, tenant, withMeta, platforms.Meta, old, earlier)
	record(t, b, tenant, withMeta, platforms.Meta, []conversions.Event{fresh}, now)
	record(t, b, tenant, estimated, platforms.Meta, []conversions.Event{fresh}, now)

	// Two fetches: two hours ago (its Window holds the earlier hour only)
	// and now (both hours).
	require.NoError(t, b.svc.StorePlatformScores(b.ctx, tenant, withMeta, now.Add(-2*time.Hour),
		[]emq.PlatformScore{{EventName: "Purchase", Score: 4}}))
	require.NoError(t, b.svc.StorePlatformScores(b.ctx, tenant, withMeta, now,
		[]emq.PlatformScore{{EventName: "Purchase", Score: 6, MatchKeys: map[string]float64{"email": 100}}, {EventName: "PageView", Score: 3.2}}))

	got, err := b.svc.Scores(b.ctx, tenant, platforms.Meta, "")
	require.NoError(t, err)
	by := map[[2]string]emq.DestinationScore{}
	for _, s := range got {
		by[[2]string{s.DestinationID.String(), s.EventName}] = s
	}
	require.Len(t, by, 3)

	estimateThen := emq.Score(platforms.Meta, emq.Count(platforms.Meta, old, earlier))
	covBoth := emq.Count(platforms.Meta, old, earlier)
	covBoth.Add(emq.Count(platforms.Meta, []conversions.Event{fresh}, now))
	estimateNow := emq.Score(platforms.Meta, covBoth)
	wantErr := (math.Abs(estimateThen-4) + math.Abs(estimateNow-6)) / 2
	require.Greater(t, math.Abs(wantErr-math.Abs(estimateNow-6)), 0.05, "the two fetches differ: the mean is tested")

	p := by[[2]string{withMeta.String(), "Purchase"}]
	require.Equal(t, emq.SourcePlatform, p.Source)
	require.Equal(t, 6.0, p.Score)
	require.Equal(t, 6.0, *p.PlatformScore)
	require.NotNil(t, p.PlatformScoreAt)
	require.InDelta(t, estimateNow, p.Estimate, 0.006)
	require.Equal(t, 3, p.Events)
	require.NotNil(t, p.CalibrationError)
	require.InDelta(t, wantErr, *p.CalibrationError, 0.006)
	require.NotEmpty(t, p.Missing, "the fix-it list still comes from the estimate")

	pv := by[[2]string{withMeta.String(), "PageView"}]
	require.Equal(t, emq.SourcePlatform, pv.Source)
	require.Equal(t, 3.2, pv.Score)
	require.Zero(t, pv.Events)
	require.Nil(t, pv.CalibrationError, "no events of ours to compare")

	e := by[[2]string{estimated.String(), "Purchase"}]
	require.Equal(t, emq.SourceEstimate, e.Source)
	require.Nil(t, e.PlatformScore)
	require.Nil(t, e.CalibrationError)
	require.Equal(t, e.Estimate, e.Score)
	require.Positive(t, e.Score)

	// Signal health uses the platform's scores where they exist: withMeta's
	// Purchase (6, 3 events) and PageView (3.2, weight 1), the estimate of
	// the other destination (1 event).
	ms := emqMeasurements(t, b, tenant)
	want := (6*3 + 3.2*1 + e.Score*1) / 5
	require.InDelta(t, want, ms[len(ms)-1].Value, 0.01)
}

type fetchBundle struct {
	bundle
	fake    *capifake.Server
	fetcher *emq.PlatformFetcher
	dests   *conversions.Destinations
}

func setupFetch(t *testing.T) fetchBundle {
	t.Helper()
	b := setup(t)
	ring, err := secretbox.Parse("k1:" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	require.NoError(t, err)
	fake := capifake.NewMeta(t)
	dests := &conversions.Destinations{DB: b.db, Box: ring, AllowLoopbackHTTP: true}
	f := &emq.PlatformFetcher{DB: b.db, EMQ: b.svc, Destinations: dests,
		Sources: map[string]emq.QualitySource{platforms.Meta: senders.NewMetaQuality(senders.Config{HTTP: fake.Client()})}}
	return fetchBundle{bundle: b, fake: fake, fetcher: f, dests: dests}
}

func (fb fetchBundle) createMeta(t *testing.T, tenant uuid.UUID, token string) uuid.UUID {
	t.Helper()
	d, err := fb.dests.Create(fb.ctx, tenant, conversions.DestinationInput{Platform: platforms.Meta, Name: "pixel " + token[:6],
		Credentials: map[string]string{"pixelId": capifake.MetaPixelID, "accessToken": token}, BaseURL: fb.fake.URL(), Enabled: true})
	require.NoError(t, err)
	return d.ID
}

type fetchRow struct {
	DestinationID uuid.UUID  `bun:"destination_id"`
	SucceededAt   *time.Time `bun:"succeeded_at"`
	HTTPStatus    *int       `bun:"http_status"`
	Error         *string    `bun:"error"`
	Events        int        `bun:"events"`
}

func fetchRows(t *testing.T, b bundle, tenant uuid.UUID) map[uuid.UUID]fetchRow {
	t.Helper()
	var rows []fetchRow
	require.NoError(t, b.db.InTenant(b.ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT destination_id, succeeded_at, http_status, error, events FROM conversion_emq_platform_fetches`).Scan(ctx, &rows)
	}))
	out := map[uuid.UUID]fetchRow{}
	for _, r := range rows {
		out[r.DestinationID] = r
	}
	return out
}

// The fetcher stores Meta's scores of a destination whose token works and
// records a refused one's 401 in Meta's words (no token), without
// stopping the other's; both are listed as due, a disabled one is not.
func TestPlatformFetcherStoresScoresAndRecordsFailures(t *testing.T) {
	t.Parallel()
	fb := setupFetch(t)
	fb.fake.SetQuality("Purchase", 7.4, map[string]float64{"email": 90})
	tenant := testdb.MustInsertTenant(t, fb.db, testdb.Tenant{})
	revoked := fb.createMeta(t, tenant, "EAArevokedToken0123456789")
	good := fb.createMeta(t, tenant, capifake.MetaAccessToken)
	off := fb.createMeta(t, tenant, capifake.MetaAccessToken)
	disabled := false
	_, err := fb.dests.Update(fb.ctx, tenant, off, conversions.DestinationPatch{Enabled: &disabled})
	require.NoError(t, err)

	due, err := fb.fetcher.Due(fb.ctx)
	require.NoError(t, err)
	require.Contains(t, due, [2]uuid.UUID{tenant, revoked})
	require.Contains(t, due, [2]uuid.UUID{tenant, good})
	require.NotContains(t, due, [2]uuid.UUID{tenant, off})

	require.NoError(t, fb.fetcher.Fetch(fb.ctx, tenant, revoked), "a 401 is recorded, not retried")
	require.NoError(t, fb.fetcher.Fetch(fb.ctx, tenant, good))
	require.NoError(t, fb.fetcher.Fetch(fb.ctx, tenant, off))
	require.Equal(t, 2, fb.fake.Requests(), "the disabled destination is not asked")
	require.Empty(t, fb.fake.Errors())

	rows := fetchRows(t, fb.bundle, tenant)
	require.Len(t, rows, 2)
	bad := rows[revoked]
	require.Equal(t, http.StatusUnauthorized, *bad.HTTPStatus)
	require.Contains(t, *bad.Error, "code 190: Invalid OAuth access token")
	require.NotContains(t, *bad.Error, "EAArevoked")
	require.Nil(t, bad.SucceededAt)
	ok := rows[good]
	require.Nil(t, ok.Error)
	require.NotNil(t, ok.SucceededAt)
	require.Equal(t, 1, ok.Events)

	got, err := fb.svc.Scores(fb.ctx, tenant, platforms.Meta, "")
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, good, got[0].DestinationID)
	require.Equal(t, emq.SourcePlatform, got[0].Source)
	require.Equal(t, 7.4, got[0].Score)

	// The error shows on the destination's scores once it has some.
	fresh := full()
	fresh.Time = time.Now().Add(-time.Minute)
	record(t, fb.bundle, tenant, revoked, platforms.Meta, []conversions.Event{fresh}, time.Now().UTC())
	one, err := fb.svc.Score(fb.ctx, tenant, platforms.Meta, revoked, "Purchase")
	require.NoError(t, err)
	require.Equal(t, emq.SourceEstimate, one.Source)
	require.NotNil(t, one.PlatformError)
	require.Contains(t, *one.PlatformError, "Invalid OAuth access token")

	// A later success clears the error; the earlier scores stay.
	require.NoError(t, fb.fetcher.Fetch(fb.ctx, tenant, good))
	require.Nil(t, fetchRows(t, fb.bundle, tenant)[good].Error)

	// Another tenant sees none of it.
	other := testdb.MustInsertTenant(t, fb.db, testdb.Tenant{})
	require.Empty(t, fetchRows(t, fb.bundle, other))
	require.NoError(t, fb.fetcher.Fetch(fb.ctx, other, good), "not found for it: skipped")
	none, err := fb.svc.Scores(fb.ctx, other, platforms.Meta, "")
	require.NoError(t, err)
	require.Empty(t, none)
}

// A transient failure (Meta's rate limit) is recorded and returned, so the
// job retries.
func TestPlatformFetcherTransientFailureIsReturned(t *testing.T) {
	t.Parallel()
	fb := setupFetch(t)
	tenant := testdb.MustInsertTenant(t, fb.db, testdb.Tenant{})
	dest := fb.createMeta(t, tenant, capifake.MetaAccessToken)
	fb.fake.RateLimitNext(1, time.Second)
	err := fb.fetcher.Fetch(fb.ctx, tenant, dest)
	require.ErrorIs(t, err, emq.ErrTransient)
	require.Equal(t, http.StatusTooManyRequests, *fetchRows(t, fb.bundle, tenant)[dest].HTTPStatus)
}
