package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDefaultsWorkInDevelopment(t *testing.T) {
	t.Parallel()
	c, err := FromMap(nil)
	require.NoError(t, err)
	require.Equal(t, "development", c.Env)
	require.True(t, c.AutoMigrate)
	require.False(t, c.SecureCookies())
	require.Equal(t, int64(1<<20), c.MaxBodyBytes)
}

func TestProductionRefusesDevSecrets(t *testing.T) {
	t.Parallel()
	_, err := FromMap(map[string]string{"STRATUM_ENV": "production", "DATABASE_URL": "postgres://x/y"})
	require.Error(t, err)
	for _, name := range []string{"STRATUM_JWT_SECRET", "STRATUM_ENCRYPTION_KEY", "STRATUM_APP_DB_PASSWORD"} {
		require.ErrorContains(t, err, name)
	}
	c, err := FromMap(map[string]string{"STRATUM_ENV": "production", "DATABASE_URL": "postgres://x/y",
		"STRATUM_JWT_SECRET": "a-real-secret-of-at-least-32-characters!", "STRATUM_ENCRYPTION_KEY": "k",
		"STRATUM_APP_DB_PASSWORD": "q", "STRATUM_DEMO_PASSWORD": "d"})
	require.NoError(t, err)
	require.True(t, c.SecureCookies())
	require.False(t, c.AutoMigrate)
	// The development key is refused as an older key of a rotation too.
	_, err = FromMap(map[string]string{"STRATUM_ENV": "production", "DATABASE_URL": "postgres://x/y",
		"STRATUM_JWT_SECRET": "a-real-secret-of-at-least-32-characters!", "STRATUM_ENCRYPTION_KEY": "new:k,old:" + DevEncryptionKey,
		"STRATUM_APP_DB_PASSWORD": "q", "STRATUM_DEMO_PASSWORD": "d"})
	require.ErrorContains(t, err, "STRATUM_ENCRYPTION_KEY")
}

func TestMalformedValuesAreNamed(t *testing.T) {
	t.Parallel()
	_, err := FromMap(map[string]string{"STRATUM_DB_MAX_CONNS": "many", "STRATUM_WS_INIT_TIMEOUT": "soon", "STRATUM_AUTO_MIGRATE": "perhaps"})
	require.ErrorContains(t, err, "STRATUM_DB_MAX_CONNS")
	require.ErrorContains(t, err, "STRATUM_WS_INIT_TIMEOUT")
	require.ErrorContains(t, err, "STRATUM_AUTO_MIGRATE")
}

// TestEveryVariableIsInTheREADME keeps the README's configuration table complete.
func TestEveryVariableIsInTheREADME(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("config.go")
	require.NoError(t, err)
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	vars := regexp.MustCompile(`"((?:STRATUM_|DATABASE_URL)[A-Z0-9_]*)"`).FindAllStringSubmatch(string(src), -1)
	require.NotEmpty(t, vars)
	for _, v := range vars {
		require.True(t, strings.Contains(string(readme), "`"+v[1]+"`"), "README.md's configuration table lacks %s", v[1])
	}
	for name := range PlatformEnv {
		for _, key := range []string{"API_BASE", "OAUTH_BASE", "CLIENT_ID", "CLIENT_SECRET"} {
			v := "STRATUM_" + name + "_" + key
			require.True(t, strings.Contains(string(readme), "`"+v+"`"), "README.md's configuration table lacks %s", v)
		}
	}
}

func TestPlatformSettings(t *testing.T) {
	t.Parallel()
	c, err := FromMap(map[string]string{"STRATUM_TIKTOK_CLIENT_ID": "app", "STRATUM_TIKTOK_CLIENT_SECRET": "s", "STRATUM_META_API_BASE": "http://127.0.0.1:9"})
	require.NoError(t, err)
	require.Equal(t, PlatformConfig{APIBase: "https://business-api.tiktok.com", OAuthBase: "https://business-api.tiktok.com", ClientID: "app", ClientSecret: "s"}, c.Platforms["TIKTOK"])
	require.Equal(t, "http://127.0.0.1:9", c.Platforms["META"].APIBase)
	require.Empty(t, c.Platforms["SNAPCHAT"].ClientID)
	_, err = FromMap(map[string]string{"STRATUM_SNAPCHAT_CLIENT_ID": "only-id", "STRATUM_GOOGLE_ADS_API_BASE": "ftp://x"})
	require.ErrorContains(t, err, "STRATUM_SNAPCHAT_CLIENT_ID and STRATUM_SNAPCHAT_CLIENT_SECRET")
	require.ErrorContains(t, err, "STRATUM_GOOGLE_ADS_API_BASE")
}

// TestDevelopmentHasNoPublicJWTSecret: without STRATUM_JWT_SECRET each
// process signs with its own random secret, and development listens on
// loopback only (its demo password and encryption key are public).
func TestDevelopmentHasNoPublicJWTSecret(t *testing.T) {
	t.Parallel()
	a, err := FromMap(nil)
	require.NoError(t, err)
	b, err := FromMap(nil)
	require.NoError(t, err)
	require.True(t, a.JWTSecretGenerated)
	require.GreaterOrEqual(t, len(a.JWTSecret), 32)
	require.NotEqual(t, a.JWTSecret, b.JWTSecret, "a random secret per process")
	require.NotEqual(t, "dev-only-jwt-secret-change-me-0123456789abcdef", a.JWTSecret, "the former public development secret")
	require.Equal(t, "127.0.0.1:8080", a.HTTPAddr)
	require.Equal(t, "http://localhost:8080", a.PublicURL)

	// Positive controls: a configured secret and address are used as given.
	c, err := FromMap(map[string]string{"STRATUM_JWT_SECRET": "a-real-secret-of-at-least-32-characters!", "STRATUM_HTTP_ADDR": ":9090"})
	require.NoError(t, err)
	require.False(t, c.JWTSecretGenerated)
	require.Equal(t, "a-real-secret-of-at-least-32-characters!", c.JWTSecret)
	require.Equal(t, ":9090", c.HTTPAddr)
	p, err := FromMap(map[string]string{"STRATUM_ENV": "test"})
	require.NoError(t, err)
	require.Equal(t, ":8080", p.HTTPAddr)
}

// CORS is sent with credentials, so "*" would let every site act as the
// signed-in user (and open websockets): origins must be listed.
func TestCORSRefusesWildcard(t *testing.T) {
	t.Parallel()
	for _, env := range []string{"development", "production"} {
		_, err := FromMap(map[string]string{"STRATUM_ENV": env, "STRATUM_CORS_ORIGINS": "https://app.example.com, *"})
		require.ErrorContains(t, err, "STRATUM_CORS_ORIGINS", env)
	}
	for _, bad := range []string{"https://*.example.com", "app.example.com", "https://app.example.com/path"} {
		_, err := FromMap(map[string]string{"STRATUM_CORS_ORIGINS": bad})
		require.ErrorContains(t, err, "STRATUM_CORS_ORIGINS", bad)
	}
	c, err := FromMap(map[string]string{"STRATUM_CORS_ORIGINS": "https://app.example.com,http://localhost:5173"})
	require.NoError(t, err, "positive control: listed origins are accepted")
	require.Equal(t, []string{"https://app.example.com", "http://localhost:5173"}, c.CORSOrigins)
}

func TestJobRescueDefaultsAboveTheTimeout(t *testing.T) {
	t.Parallel()
	c, err := FromMap(nil)
	require.NoError(t, err)
	require.Equal(t, time.Minute, c.JobTimeout)
	require.Equal(t, 90*time.Second, c.JobRescueAfter, "a killed worker's job runs again within minutes, not an hour")
	c, err = FromMap(map[string]string{"STRATUM_JOB_TIMEOUT": "2s"})
	require.NoError(t, err)
	require.Equal(t, 32*time.Second, c.JobRescueAfter)
	_, err = FromMap(map[string]string{"STRATUM_JOB_TIMEOUT": "2s", "STRATUM_JOB_RESCUE_AFTER": "2s"})
	require.ErrorContains(t, err, "STRATUM_JOB_RESCUE_AFTER")
	_, err = FromMap(map[string]string{"STRATUM_ENV": "production", "DATABASE_URL": "postgres://x/y",
		"STRATUM_JWT_SECRET": "a-real-secret-of-at-least-32-characters!", "STRATUM_ENCRYPTION_KEY": "k",
		"STRATUM_APP_DB_PASSWORD": "q", "STRATUM_DEMO_PASSWORD": "d", "STRATUM_TEST_HOLD_APPLY_DIR": "/tmp/x"})
	require.ErrorContains(t, err, "STRATUM_TEST_HOLD_APPLY_DIR")
	_, err = FromMap(map[string]string{"STRATUM_ENV": "production", "DATABASE_URL": "postgres://x/y",
		"STRATUM_JWT_SECRET": "a-real-secret-of-at-least-32-characters!", "STRATUM_ENCRYPTION_KEY": "k",
		"STRATUM_APP_DB_PASSWORD": "q", "STRATUM_DEMO_PASSWORD": "d", "STRATUM_TEST_HOLD_CDP_DIR": "/tmp/x"})
	require.ErrorContains(t, err, "STRATUM_TEST_HOLD_CDP_DIR")
	c, err = FromMap(map[string]string{"STRATUM_TEST_HOLD_CDP_DIR": "/tmp/x"})
	require.NoError(t, err, "allowed outside production")
	require.Equal(t, "/tmp/x", c.TestHoldCDPDir)
}

// TestREADMELinksStayInTheRepository: the README links only to files of this
// repository that exist (a newcomer's clone has nothing outside it), and
// names nothing outside it either. Positive control: it does link docs/.
func TestREADMELinksStayInTheRepository(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	links := regexp.MustCompile(`\]\(([^)]+)\)`).FindAllStringSubmatch(string(readme), -1)
	require.NotEmpty(t, links)
	inRepo := 0
	for _, l := range links {
		target := strings.SplitN(l[1], "#", 2)[0]
		require.NotRegexp(t, `^[a-z]+:`, target, "README.md links outside the repository: %s", l[1])
		require.False(t, strings.HasPrefix(target, ".."), "README.md links outside the repository: %s", l[1])
		_, err := os.Stat(filepath.Join("../..", target))
		require.NoError(t, err, "README.md links to a missing file: %s", l[1])
		inRepo++
	}
	require.Positive(t, inRepo)
	require.False(t, strings.Contains(string(readme), "../shared"), "README.md names a file outside the repository (../shared)")
}

// Stripe's settings: billing is disabled without a key; a base URL must be
// one; two plans cannot share a price; production needs the webhook secret
// beside the key.
func TestStripeSettings(t *testing.T) {
	t.Parallel()
	c, err := FromMap(nil)
	require.NoError(t, err)
	require.False(t, c.Billing(), "billing is disabled by default")
	c, err = FromMap(map[string]string{"STRIPE_API_KEY": "sk_test_x", "STRIPE_API_BASE": "http://127.0.0.1:12111",
		"STRIPE_PRICE_PROFESSIONAL": "price_p", "STRIPE_PRICE_ENTERPRISE": "price_e"})
	require.NoError(t, err)
	require.True(t, c.Billing())
	require.Equal(t, "price_e", c.StripePrices["enterprise"])

	_, err = FromMap(map[string]string{"STRIPE_API_BASE": "stripe-mock:12111"})
	require.ErrorContains(t, err, "STRIPE_API_BASE")
	_, err = FromMap(map[string]string{"STRIPE_PRICE_PROFESSIONAL": "price_x", "STRIPE_PRICE_ENTERPRISE": "price_x"})
	require.ErrorContains(t, err, "same price id")
	prod := map[string]string{"STRATUM_ENV": "production", "DATABASE_URL": "postgres://x/y",
		"STRATUM_JWT_SECRET": "a-real-secret-of-at-least-32-characters!", "STRATUM_ENCRYPTION_KEY": "k",
		"STRATUM_APP_DB_PASSWORD": "q", "STRATUM_DEMO_PASSWORD": "d", "STRIPE_API_KEY": "sk_live_x"}
	_, err = FromMap(prod)
	require.ErrorContains(t, err, "STRIPE_WEBHOOK_SECRET")
	prod["STRIPE_WEBHOOK_SECRET"] = "whsec_x"
	_, err = FromMap(prod)
	require.NoError(t, err)
}
