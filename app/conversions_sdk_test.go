package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/conversions/capifake"
	"github.com/stratumhq/stratum/internal/testdb"
)

// purchaseScript sends, with the official Segment Node SDK, an
// Order Completed whose context carries the buyer's e-mail (as typed) and
// consent to advertising, and one of another person without that consent.
const purchaseScript = `
const { Analytics } = require('@segment/analytics-node');
const [url, key] = process.argv.slice(2);
(async () => {
  const seg = new Analytics({ writeKey: key, host: url });
  seg.on('error', (e) => { console.error('segment error', e); process.exitCode = 1; });
  seg.track({ userId: 'u-buyer', event: 'Order Completed', properties: { order_id: 'o-1', revenue: 42.5, currency: 'usd' },
    context: { traits: { email: ' Ann.Buyer+shop@Example.COM ' }, consent: { categoryPreferences: { advertising: true } } } });
  seg.track({ userId: 'u-private', event: 'Order Completed', properties: { order_id: 'o-2', revenue: 10, currency: 'usd' },
    context: { traits: { email: 'private@example.com' } } });
  await seg.closeAndFlush();
})().catch((e) => { console.error(e); process.exit(1); });
`

// An unmodified Segment SDK's Order Completed reaches the fake Meta
// Conversions API as a Purchase whose user_data.em is the SHA-256 of the
// normalised e-mail, with its value and currency; the purchase of a person
// without ADS consent is never sent (the fake checks every request against
// Meta's documented rules and fails the test on a malformed one).
func TestSegmentPurchaseReachesMetaHashed(t *testing.T) {
	mods := sdkModules(t)
	tdb := testdb.New(t)
	srv := apptest.Start(t, apptest.Config(t, tdb, nil), func(a *app.App) { a.Resolver.Auth = roleAuth{} })
	ctx := context.Background()
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	svc := srv.App.Services
	_, err := svc.CDP.EnsurePartitions(ctx)
	require.NoError(t, err)
	_, key, err := svc.CDP.CreateSource(ctx, tenant, cdp.CreateSourceInput{Name: "Shop"})
	require.NoError(t, err)

	meta := capifake.NewMeta(t)
	dest := meta.Destination()
	creds, err := json.Marshal(dest.Credentials)
	require.NoError(t, err)
	sealed, err := svc.Auth.Box.Seal(creds)
	require.NoError(t, err)
	require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := tdb.DB.Now(ctx)
		_, err := tx.ExecContext(ctx, `INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys,
				base_url, created_at, updated_at) VALUES (?, ?, 'META', 'Pixel', ?, ARRAY['pixelId', 'accessToken'], ?, ?, ?)`,
			tenant, uuid.New(), sealed, meta.URL(), now, now)
		return err
	}))

	script := filepath.Join(t.TempDir(), "purchase.cjs")
	require.NoError(t, os.WriteFile(script, []byte(purchaseScript), 0o600))
	cmd := exec.CommandContext(ctx, "node", script, srv.URL, key)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	require.Eventually(t, func() bool { return meta.Count() >= 1 }, 30*time.Second, 20*time.Millisecond, "nothing reached the fake Meta server")
	// Both events were recorded: the private one SKIPPED, never sent.
	var statuses []string
	require.Eventually(t, func() bool {
		statuses = nil
		err := tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT status FROM conversion_delivery_log ORDER BY status").Scan(ctx, &statuses)
		})
		return err == nil && len(statuses) == 2 && statuses[0] == "SENT"
	}, 30*time.Second, 20*time.Millisecond)
	require.Equal(t, []string{"SENT", "SKIPPED"}, statuses)

	got := meta.Accepted()
	require.Len(t, got, 1, "only the consenting buyer's purchase is sent")
	require.Empty(t, meta.Errors())
	require.Equal(t, "Purchase", got[0].Name)
	var ev struct {
		UserData struct {
			Em []string `json:"em"`
		} `json:"user_data"`
		CustomData struct {
			Value    json.Number `json:"value"`
			Currency string      `json:"currency"`
			OrderID  string      `json:"order_id"`
		} `json:"custom_data"`
	}
	require.NoError(t, json.Unmarshal(got[0].JSON, &ev))
	sum := sha256.Sum256([]byte("ann.buyer+shop@example.com"))
	require.Equal(t, []string{hex.EncodeToString(sum[:])}, ev.UserData.Em)
	require.Equal(t, "42.50", ev.CustomData.Value.String(), "in the currency's units, to its minor unit")
	require.Equal(t, "USD", ev.CustomData.Currency)
	require.Equal(t, "o-1", ev.CustomData.OrderID)

	// The accepted purchase counts in the destination's event match
	// quality (recorded with its SENT outcome): e-mail and external id
	// present, phone missing.
	res := srv.Query(t, `{ emqScores(platform: META) { eventName events score missingParameters { parameter } } }`, nil,
		http.Header{"X-Test-Tenant": {tenant.String()}})
	require.Empty(t, res.Errors)
	scores := field(t, res.Data, "emqScores").([]any)
	require.Len(t, scores, 1)
	score := scores[0].(map[string]any)
	require.Equal(t, "Purchase", score["eventName"])
	require.EqualValues(t, 1, score["events"])
	require.Greater(t, score["score"].(float64), 0.0)
	var missing []string
	for _, m := range score["missingParameters"].([]any) {
		missing = append(missing, m.(map[string]any)["parameter"].(string))
	}
	require.Contains(t, missing, "phone")
	require.NotContains(t, missing, "email")
}
