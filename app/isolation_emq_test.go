package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/internal/relay"
)

// emqFixture is tenant A's EMQ: a META conversion destination (inserted
// straight into the table; its credentials are opaque bytes nothing here
// opens) and one recorded batch of a recognisable event name.
type emqFixture struct {
	destination uuid.UUID
	destGID     string // global ID
	event       string
	// platformEvent has only Meta's score; fetchError is the last fetch's.
	platformEvent string
	fetchError    string
}

func (f *isoFixture) addEMQ(t *testing.T) {
	ctx := context.Background()
	f.emq = &emqFixture{destination: uuid.New(), event: fmt.Sprintf("AlphaEmqPurchase%d", f.n)}
	f.emq.destGID = relay.GlobalID("ConversionDestination", f.emq.destination)
	conn, err := f.b.connect(ctx)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys, created_at, updated_at)
		VALUES ($1, $2, 'META', 'alpha-emq-destination', '\x00'::bytea, '{}', now(), now())`, f.tenantA, f.emq.destination)
	require.NoError(t, err)
	// The hour's counts go straight into the table: RecordTx would also
	// write a META EMQ measurement, whose recompute changes A's health,
	// incidents and actions under the other cases. The subscription's
	// trigger calls RecordTx itself.
	_, err = conn.Exec(ctx, `INSERT INTO conversion_emq_hourly (tenant_id, destination_id, event_name, hour, platform, events, valid, timeliness, updated_at)
		VALUES ($1, $2, $3, date_trunc('hour', now()), 'META', 2, '{"email": 2, "phone": 1, "client_ip": 2, "user_agent": 2}', 2, now())`,
		f.tenantA, f.emq.destination, f.emq.event)
	require.NoError(t, err)
	// Meta's own score of an event only it reports (stored the way the
	// fetch job stores it, without the measurement) and a failed fetch.
	f.emq.platformEvent = fmt.Sprintf("AlphaEmqPlatformOnly%d", f.n)
	_, err = conn.Exec(ctx, `INSERT INTO conversion_emq_platform_scores (tenant_id, destination_id, event_name, fetched_at, platform, score)
		VALUES ($1, $2, $3, now(), 'META', 7.7)`, f.tenantA, f.emq.destination, f.emq.platformEvent)
	require.NoError(t, err)
	f.emq.fetchError = fmt.Sprintf("AlphaEmqFetchError%d", f.n)
	_, err = conn.Exec(ctx, `INSERT INTO conversion_emq_platform_fetches (tenant_id, destination_id, attempted_at, http_status, error)
		VALUES ($1, $2, now(), 401, $3)`, f.tenantA, f.emq.destination, f.emq.fetchError)
	require.NoError(t, err)
	f.markers = append(f.markers, f.emq.destGID, f.emq.event, f.emq.platformEvent, f.emq.fetchError)
}

// recordEMQ records one batch of A's event (the delivery pipeline's call).
func (f *isoFixture) recordEMQ(t *testing.T) {
	app := f.b.srv.App
	now := time.Now().UTC()
	ev := conversions.Event{Name: f.emq.event, Time: now.Add(-time.Minute), User: conversions.UserData{
		Email: "alpha-buyer@alpha.test", ClientIP: "203.0.113.9", UserAgent: "Mozilla/5.0"}}
	require.NoError(t, app.DB.InTenant(context.Background(), f.tenantA, func(ctx context.Context, tx bun.Tx) error {
		return app.Services.EMQ.RecordTx(ctx, tx, f.tenantA, f.emq.destination, "META", []conversions.Event{ev}, now)
	}))
}

const emqScoreFields = `destinationId platform eventName events score source estimate platformScore platformScoreAt calibrationError platformScoreError
	trend(hours: 24) { hour events score } missingParameters { parameter coverage impact advice }`

func init() {
	emqSees := func(f *isoFixture) []string {
		return []string{f.emq.destGID, f.emq.event, f.emq.platformEvent, f.emq.fetchError}
	}
	addIsolationCases(map[string]isolationCase{
		"Query.emqScores": {Query: `{ emqScores(platform: META) { ` + emqScoreFields + ` } }`,
			Viewer: Allowed, Sees: emqSees},
		"Subscription.emqScoreUpdated": {Query: `subscription { emqScoreUpdated(platform: META) { ` + emqScoreFields + ` } }`,
			Viewer: Allowed, Sees: func(f *isoFixture) []string { return []string{f.emq.destGID, f.emq.event, f.emq.fetchError} },
			Trigger: func(t *testing.T, f *isoFixture) { f.recordEMQ(t) }},
	})
}
