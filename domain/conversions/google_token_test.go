package conversions_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/capifake"
	"github.com/stratumhq/stratum/domain/conversions/senders"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/platformstest"
)

// googleRefresh is Stratum's Google OAuth client as the destinations see
// it: it exchanges the one refresh token it knows for the access token the
// fake Google Ads API accepts, and counts the exchanges.
type googleRefresh struct {
	*platformstest.Fake
	mu    sync.Mutex
	want  string
	calls int
}

func (g *googleRefresh) Refresh(_ context.Context, tok platforms.Token) (platforms.Token, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls++
	if tok.RefreshToken != g.want {
		return platforms.Token{}, &platforms.APIError{Platform: platforms.Google, Kind: platforms.ErrorAuth, HTTPStatus: 400,
			Code: "invalid_grant", Message: "Token has been expired or revoked."}
	}
	return platforms.Token{AccessToken: capifake.GoogleAccessToken, ExpiresAt: time.Now().Add(time.Hour)}, nil
}

// A Google destination that authenticates with a refresh token (the
// credentials createConversionDestination accepts) forwards: the flush
// exchanges the token through Stratum's Google OAuth client, the fake
// Google Ads API accepts the conversions with the access token it got, and
// a second flush reuses the exchanged token. A destination whose refresh
// token Google refuses sends nothing and records Google's words, never the
// token.
func TestGoogleRefreshTokenIsExchangedBeforeSending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	google := capifake.NewGoogle(t)
	oauth := &googleRefresh{Fake: &platformstest.Fake{Name: platforms.Google}, want: "1//0good-refresh-token"}
	ps := &platforms.Service{APIs: map[string]platforms.API{platforms.Google: oauth}}
	f.del.Senders = map[string]conversions.Sender{platforms.Google: senders.NewGoogle(senders.Config{HTTP: google.Client()})}
	f.del.Tokens = &conversions.Destinations{DB: f.tdb.DB, Box: f.box, Connections: &platforms.Connections{DB: f.tdb.DB, Platforms: ps}}

	insert := func(refresh string) uuid.UUID {
		creds, err := json.Marshal(map[string]string{"customerId": capifake.GoogleCustomerID, "conversionActionId": capifake.GoogleConversionActionID,
			"developerToken": capifake.GoogleDeveloperToken, "loginCustomerId": capifake.GoogleLoginCustomerID, "refreshToken": refresh})
		require.NoError(t, err)
		sealed, err := f.box.Seal(creds)
		require.NoError(t, err)
		id := uuid.New()
		require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys,
					base_url, legitimate_interest, enabled, created_at, updated_at)
				VALUES (?, ?, 'GOOGLE', 'Ads', ?, ARRAY['conversionActionId', 'customerId', 'developerToken', 'loginCustomerId', 'refreshToken'],
					?, true, true, ?, ?)`, f.tenant, id, sealed, google.URL(), f.clock.Now(), f.clock.Now())
			return err
		}))
		return id
	}
	good, bad := insert(oauth.want), insert("1//0revoked-refresh-token")
	batchWithClick := func(msg string) {
		batch := uuid.New()
		require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at) VALUES (?, ?, 1, '[]', ?)`,
				f.tenant, batch, f.clock.Now()); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
					user_id, "timestamp", properties, payload_size) VALUES (?, ?, ?, ?, ?, 'track', 'Order Completed', 'u-ann', ?,
					'{"revenue": 10, "currency": "EUR", "gclid": "Cj0KCQiA-test-gclid"}', 10)`,
				f.tenant, f.source, msg, f.clock.Now(), batch, f.clock.Now())
			return err
		}))
		done, err := f.cdp.ProcessBatch(ctx, f.tenant, batch)
		require.NoError(t, err)
		require.True(t, done)
	}

	batchWithClick("g-1")
	res := f.flush(t, good)
	require.Equal(t, 1, res.Sent, "%+v %v %+v", res, google.Errors(), f.row(t, good, "g-1"))
	require.Equal(t, "SENT", f.row(t, good, "g-1").Status)
	require.Equal(t, 1, google.Count())
	require.Empty(t, google.Errors())

	batchWithClick("g-2")
	require.Equal(t, 1, f.flush(t, good).Sent)
	require.Equal(t, 2, google.Count())

	require.Zero(t, f.flush(t, bad).Sent)
	r := f.row(t, bad, "g-1")
	require.Equal(t, "RETRY", r.Status)
	require.Contains(t, str(r.Response), "Token has been expired or revoked.")
	require.NotContains(t, str(r.Response), "1//0revoked-refresh-token")
	require.Equal(t, 2, google.Count(), "nothing was sent for the refused token")
	oauth.mu.Lock()
	defer oauth.mu.Unlock()
	require.Equal(t, 2, oauth.calls, "one exchange for the good token (reused by the second flush), one refused")
}
