package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/capifake"
	"github.com/stratumhq/stratum/domain/conversions/emq"
	"github.com/stratumhq/stratum/domain/conversions/senders"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/jobs"
)

// Through real River: the fan-out enqueues one fetch per enabled META
// destination; the one whose token Meta refuses records the 401 in Meta's
// words, and the other destination's scores are still fetched and stored.
func TestEMQPlatformFetchThroughRiver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := testdb.New(t)
	svc := apptest.Services(t, tdb)
	fake := capifake.NewMeta(t)
	fake.SetQuality("Purchase", 8.1, map[string]float64{"email": 97})
	svc.EMQPlatform.Sources = map[string]emq.QualitySource{"META": senders.NewMetaQuality(senders.Config{HTTP: fake.Client()})}
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	create := func(token string) uuid.UUID {
		d, err := svc.ConversionDestinations.Create(ctx, tenant, conversions.DestinationInput{Platform: "META", Name: "pixel " + token[:8],
			Credentials: map[string]string{"pixelId": capifake.MetaPixelID, "accessToken": token}, BaseURL: fake.URL(), Enabled: true})
		require.NoError(t, err)
		return d.ID
	}
	revoked, good := create("EAArevokedToken0123456789"), create(capifake.MetaAccessToken)

	client, err := jobs.NewClient(tdb.DB, jobs.Options{Log: quietLog(), Work: true, Services: svc.Jobs(), Concurrency: 2, NoRunOnStart: true})
	require.NoError(t, err)
	svc.EnqueueWith(client)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	require.NoError(t, client.Start(runCtx))
	defer client.Stop(context.Background())
	_, err = client.Insert(ctx, jobs.EMQPlatformFanOutArgs{}, nil)
	require.NoError(t, err)

	type fetch struct {
		DestinationID uuid.UUID `bun:"destination_id"`
		HTTPStatus    *int      `bun:"http_status"`
		Error         *string   `bun:"error"`
		Events        int       `bun:"events"`
	}
	read := func() map[uuid.UUID]fetch {
		var rows []fetch
		require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT destination_id, http_status, error, events FROM conversion_emq_platform_fetches`).Scan(ctx, &rows)
		}))
		out := map[uuid.UUID]fetch{}
		for _, r := range rows {
			out[r.DestinationID] = r
		}
		return out
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Len(c, read(), 2)
	}, 30*time.Second, 50*time.Millisecond)

	rows := read()
	require.Equal(t, 401, *rows[revoked].HTTPStatus)
	require.Contains(t, *rows[revoked].Error, "Invalid OAuth access token")
	require.Nil(t, rows[good].Error)
	require.Equal(t, 1, rows[good].Events)
	require.Empty(t, fake.Errors())

	scores, err := svc.EMQ.Scores(ctx, tenant, "META", "")
	require.NoError(t, err)
	require.Len(t, scores, 1)
	require.Equal(t, good, scores[0].DestinationID)
	require.Equal(t, emq.SourcePlatform, scores[0].Source)
	require.Equal(t, 8.1, scores[0].Score)
}
