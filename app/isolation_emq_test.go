package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
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
}

func (f *isoFixture) addEMQ(t *testing.T) {
	ctx := context.Background()
	f.emq = &emqFixture{destination: uuid.New(), event: fmt.Sprintf("AlphaEmqPurchase%d", f.n)}
	f.emq.destGID = relay.GlobalID("ConversionDestination", f.emq.destination)
	conn, err := pgx.Connect(ctx, f.b.tdb.OwnerURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys, created_at, updated_at)
		VALUES ($1, $2, 'META', 'alpha-emq-destination', '\x00'::bytea, '{}', now(), now())`, f.tenantA, f.emq.destination)
	require.NoError(t, err)
	f.recordEMQ(t)
	f.markers = append(f.markers, f.emq.destGID, f.emq.event)
	// The batch wrote a META EMQ measurement, which enqueued a debounced
	// recompute of A's signal health (it may open an incident, block
	// actions): let it run before the cases snapshot A.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var pending int
		assert.NoError(c, conn.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE args->>'tenant_id' = $1
			AND state IN ('available', 'pending', 'running', 'retryable', 'scheduled')`, f.tenantA.String()).Scan(&pending))
		assert.Zero(c, pending, "tenant A's jobs still to run")
	}, 30*time.Second, 50*time.Millisecond)
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

const emqScoreFields = `destinationId platform eventName events score platformScore calibrationError
	trend(hours: 24) { hour events score } missingParameters { parameter coverage impact advice }`

func init() {
	emqSees := func(f *isoFixture) []string { return []string{f.emq.destGID, f.emq.event} }
	addIsolationCases(map[string]isolationCase{
		"Query.emqScores": {Query: `{ emqScores(platform: META) { ` + emqScoreFields + ` } }`,
			Viewer: Allowed, Sees: emqSees},
		"Subscription.emqScoreUpdated": {Query: `subscription { emqScoreUpdated(platform: META) { ` + emqScoreFields + ` } }`,
			Viewer: Allowed, Sees: emqSees, Trigger: func(t *testing.T, f *isoFixture) { f.recordEMQ(t) }},
	})
}
