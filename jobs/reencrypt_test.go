package jobs_test

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/notifications"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/secretbox"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/jobs"
)

func key(n byte) string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = n
	}
	return base64.StdEncoding.EncodeToString(b)
}

// After a rotation, secrets.reencrypt re-seals platform grants, TOTP
// secrets, conversion destinations' credentials and channel secrets sealed by the old key (also in the old,
// headerless format); with the old key then removed, everything opens.
func TestReencryptSecretsAfterRotation(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	ctx := context.Background()
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	user := testdb.MustInsertUser(t, tdb.DB, testdb.User{})

	old, err := secretbox.Parse(key(1)) // the single key of before
	require.NoError(t, err)
	seal := func(s string) []byte {
		b, err := old.Seal([]byte(s))
		require.NoError(t, err)
		return b
	}
	oldID := old.Primary()
	conn, channel := uuid.New(), uuid.New()
	require.NoError(t, tdb.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET mfa_secret = ? WHERE id = ?`, seal("TOTPSECRET"), user)
		return err
	}))
	require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO platform_connections (tenant_id, id, platform, external_user_id, token_sealed, token_key_id)
			VALUES (?, ?, 'META', 'u1', ?, ?)`, tenant, conn, seal(`{"access_token":"tok"}`), oldID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO notification_channels (tenant_id, id, kind, name, target, secret, incidents_opened, incidents_closed,
			min_severity, approvals, autopilot, daily_digest, enabled, created_by, created_at, updated_at)
			VALUES (?, ?, 'WEBHOOK', 'hook', 'https://example.test/h', ?, true, true, 'LOW', true, true, true, true, 'test', now(), now())`,
			tenant, channel, seal("whsec_x"))
		return err
	}))

	dest, err := (&conversions.Destinations{DB: tdb.DB, Box: old}).Create(ctx, tenant, conversions.DestinationInput{Platform: "META",
		Name: "pixel", Credentials: map[string]string{"pixelId": "1", "accessToken": "metatok"}})
	require.NoError(t, err)

	ring, err := secretbox.Parse("new:" + key(2) + ",old:" + key(1))
	require.NoError(t, err)
	ps := platforms.NewService(tdb.DB, nil)
	conns := &platforms.Connections{DB: tdb.DB, Platforms: ps, Box: ring}
	w := &jobs.ReencryptSecretsWorker{DB: tdb.DB, Auth: &auth.Service{DB: tdb.DB, Box: ring},
		Notifications: &notifications.Service{DB: tdb.DB, Box: ring}, Connections: conns,
		Destinations: &conversions.Destinations{DB: tdb.DB, Box: ring}}
	job := &river.Job[jobs.ReencryptSecretsArgs]{JobRow: &rivertype.JobRow{}, Args: jobs.ReencryptSecretsArgs{TenantID: &tenant}}
	require.NoError(t, w.Work(ctx, job))
	_, n, err := w.Auth.ResealMFASecrets(ctx, uuid.Nil, 100)
	require.NoError(t, err)
	require.Equal(t, 1, n)

	// Everything now opens with the new key alone.
	onlyNew, err := secretbox.Parse("new:" + key(2))
	require.NoError(t, err)
	var mfa []byte
	require.NoError(t, tdb.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT mfa_secret FROM users WHERE id = ?`, user).Scan(ctx, &mfa)
	}))
	var tok, secret, creds []byte
	var kid string
	require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw(`SELECT token_sealed, token_key_id FROM platform_connections WHERE id = ?`, conn).Scan(ctx, &tok, &kid); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT credentials FROM conversion_destinations WHERE id = ?`, dest.ID).Scan(ctx, &creds); err != nil {
			return err
		}
		return tx.NewRaw(`SELECT secret FROM notification_channels WHERE id = ?`, channel).Scan(ctx, &secret)
	}))
	require.Equal(t, "new", kid)
	for want, sealed := range map[string][]byte{"TOTPSECRET": mfa, `{"access_token":"tok"}`: tok, "whsec_x": secret,
		`{"accessToken":"metatok","pixelId":"1"}`: creds} {
		plain, err := onlyNew.Open(sealed)
		require.NoError(t, err, want)
		require.Equal(t, want, string(plain))
		_, err = old.Open(sealed)
		require.Error(t, err, "re-sealed under the new key: %s", want)
	}
	// A second run has nothing left to do.
	require.NoError(t, w.Work(ctx, job))
	_, n, err = w.Auth.ResealMFASecrets(ctx, uuid.Nil, 100)
	require.NoError(t, err)
	require.Zero(t, n)
}
