// Package config parses Stratum's environment variables once, at start-up,
// into a typed Config. Every variable has a development default so that
// `make run` works with nothing configured; in production (STRATUM_ENV=production)
// Validate refuses to start while any secret still has its development default.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	stdmail "net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/stratumhq/stratum/internal/mail"
	"github.com/stratumhq/stratum/internal/secretbox"
)

// Development defaults for secrets. They are public (they are in this file), so
// Validate rejects them in production. There is no development JWT secret:
// without STRATUM_JWT_SECRET each process signs with a random one (a public
// one would let anyone forge tokens; ADR 0007).
const (
	DevAppDBPassword = "stratum_app_dev"
	DevEncryptionKey = "ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzJieXRlcyE=" // base64 of 32 bytes
	// DevDemoPassword is the seeded demo owner's password (printed by make run).
	DevDemoPassword = "stratum-demo-2026"
)

// Config is the whole runtime configuration. Field comments name the
// environment variable and its default; README.md has the same table.
type Config struct {
	// Env is "development" (default), "test" or "production" (STRATUM_ENV).
	Env string
	// HTTPAddr is the listen address (STRATUM_HTTP_ADDR, default ":8080";
	// "127.0.0.1:8080" in development, whose demo password and encryption
	// key are public).
	HTTPAddr string
	// PublicURL is how users reach the server, used in printed links (STRATUM_PUBLIC_URL, default http://localhost:<port of HTTPAddr>).
	PublicURL string
	// DatabaseURL connects as the schema owner; migrations run with it (DATABASE_URL).
	// Empty means "find or start a local PostgreSQL" (make run does that).
	DatabaseURL string
	// AppDatabaseURL connects as the application role that owns no table and
	// has neither SUPERUSER nor BYPASSRLS (STRATUM_APP_DATABASE_URL). Default:
	// DatabaseURL with user stratum_app and password AppDBPassword.
	AppDatabaseURL string
	// AppDBPassword is the stratum_app role's password set by migrations (STRATUM_APP_DB_PASSWORD).
	AppDBPassword string
	// DBMaxConns caps the shared pgx pool (STRATUM_DB_MAX_CONNS, default 20).
	DBMaxConns int32
	// AutoMigrate runs migrations when serve starts (STRATUM_AUTO_MIGRATE, default true outside production).
	AutoMigrate bool
	// JWTSecret signs access tokens (STRATUM_JWT_SECRET; required in
	// production). Unset outside production, each process generates a random
	// one at start (JWTSecretGenerated), so tokens end with the process and
	// replicas do not share them.
	JWTSecret string
	// JWTSecretGenerated is true when JWTSecret was generated at start.
	JWTSecretGenerated bool
	// EncryptionKey is the keyring for secrets at rest (STRATUM_ENCRYPTION_KEY):
	// a base64 32-byte AES-GCM key, or kid:base64key,... with the sealing key
	// first and older keys after it (internal/secretbox).
	EncryptionKey string
	// Introspection enables GraphQL introspection (STRATUM_GRAPHQL_INTROSPECTION, default true).
	Introspection bool
	// MaxComplexity limits an operation's complexity (STRATUM_GRAPHQL_MAX_COMPLEXITY, default 1000).
	MaxComplexity int
	// MaxDepth limits selection depth (STRATUM_GRAPHQL_MAX_DEPTH, default 15).
	MaxDepth int
	// MaxTokens limits the parser's token count (STRATUM_GRAPHQL_MAX_TOKENS, default 15000).
	MaxTokens int
	// MaxWidth limits the fields (aliases included, fragments flattened) of
	// one selection set (STRATUM_GRAPHQL_MAX_WIDTH, default 200).
	MaxWidth int
	// MaxFields limits the fields of a whole document, fragments expanded
	// (STRATUM_GRAPHQL_MAX_FIELDS, default 2000).
	MaxFields int
	// MaxOverlap limits the field pairs sharing a response name that
	// validation would compare, its quadratic part (STRATUM_GRAPHQL_MAX_OVERLAP,
	// default 10000; see docs/adr/0008-graphql-limits.md).
	MaxOverlap int
	// MaxBodyBytes limits request bodies (STRATUM_MAX_BODY_BYTES, default 1 MiB).
	MaxBodyBytes int64
	// HTTPReadTimeout bounds how long a client may take to send a request
	// body, counted from the end of its headers (STRATUM_HTTP_READ_TIMEOUT,
	// default 15s). Websockets and SSE streams are not cut by it.
	HTTPReadTimeout time.Duration
	// WSInitTimeout is how long a websocket may wait before connection_init (STRATUM_WS_INIT_TIMEOUT, default 10s).
	WSInitTimeout time.Duration
	// WSMaxSubscriptions caps the operations running at once on one
	// websocket (STRATUM_WS_MAX_SUBSCRIPTIONS, default 50).
	WSMaxSubscriptions int
	// MaxStreamsPerIP caps the websockets and SSE streams one client IP
	// holds open at once (STRATUM_MAX_STREAMS_PER_IP, default 100).
	MaxStreamsPerIP int
	// WSKeepAlive is the ping interval for both websocket protocols (STRATUM_WS_KEEPALIVE, default 15s).
	WSKeepAlive time.Duration
	// CORSOrigins lists allowed cross-origin origins, comma separated (STRATUM_CORS_ORIGINS, default none).
	CORSOrigins []string
	// ShutdownTimeout bounds graceful shutdown (STRATUM_SHUTDOWN_TIMEOUT, default 25s).
	ShutdownTimeout time.Duration
	// LogLevel is debug|info|warn|error (STRATUM_LOG_LEVEL, default info).
	LogLevel string
	// SeedDemo seeds the demo tenant when serve starts (STRATUM_SEED_DEMO, default true outside production).
	SeedDemo bool
	// MaxConcurrentQueries caps the GraphQL query operations executing at
	// once on this process; the others wait their turn in arrival order
	// (STRATUM_MAX_CONCURRENT_QUERIES, default 0: two per CPU the Go
	// runtime uses, GOMAXPROCS).
	MaxConcurrentQueries int
	// QueryQueueTimeout is the longest a query waits for its turn before
	// it is answered THROTTLED (STRATUM_QUERY_QUEUE_TIMEOUT, default 10s).
	QueryQueueTimeout time.Duration
	// WorkerConcurrency is River's max workers for the high and the default
	// queue, low getting a quarter (STRATUM_WORKER_CONCURRENCY, default 0:
	// derived from the pool, Budget).
	WorkerConcurrency int
	// JobTimeout is the longest one attempt of any job may run before its
	// context is cancelled (STRATUM_JOB_TIMEOUT, default 1m). Each job kind
	// has its own, shorter-or-equal timeout; this caps them all.
	JobTimeout time.Duration
	// PeriodicRunOnStart runs the periodic fan-outs as soon as a worker
	// becomes the leader (STRATUM_PERIODIC_RUN_ON_START, default true); off,
	// they first run one interval later (the test servers turn it off).
	PeriodicRunOnStart bool
	// JobRescueAfter is how long a job may stay running before River's
	// rescuer treats its worker as dead and retries it (STRATUM_JOB_RESCUE_AFTER,
	// default JobTimeout + 30s; must exceed JobTimeout). See docs/adr/0010.
	JobRescueAfter time.Duration
	// TestHoldApplyDir is a TEST-ONLY hook (STRATUM_TEST_HOLD_APPLY_DIR, empty
	// by default, refused in production): when set, every connector change is
	// made and then held open, with a file named after its idempotency key
	// created in this directory, until the job's context ends. The crash test
	// uses it to kill -9 a worker in the middle of executing actions.
	TestHoldApplyDir string
	// TestHoldCDPDir is a TEST-ONLY hook (STRATUM_TEST_HOLD_CDP_DIR, empty by
	// default, refused in production): when set, the tracking API request
	// that first finds a file named "arm-ack" in this directory after its
	// events committed removes it, creates "held-ack" and never answers (it
	// waits until its request ends); the cdp.process_batch job that first
	// finds "arm-job" after its batch's transaction committed removes it,
	// writes the batch id to "held-job" and waits until its context ends;
	// the conversions.flush job that first finds "arm-send" after the
	// platform answered removes it, writes the event ids to "held-send" and
	// waits until its context ends (the outcome unrecorded).
	// The CDP kill test uses them to SIGKILL the server between a commit and
	// its acknowledgement, and between a batch's work and its job's completion.
	TestHoldCDPDir string

	// AccessTokenTTL is an access token's lifetime (STRATUM_ACCESS_TOKEN_TTL, default 30m).
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is a refresh token's lifetime (STRATUM_REFRESH_TOKEN_TTL, default 168h).
	RefreshTokenTTL time.Duration
	// MFAChallengeTTL is an MFA challenge token's lifetime (STRATUM_MFA_CHALLENGE_TTL, default 5m).
	MFAChallengeTTL time.Duration
	// Argon2Time, Argon2MemoryKiB and Argon2Threads are argon2id's costs for new
	// password hashes (STRATUM_ARGON2_TIME default 2, STRATUM_ARGON2_MEMORY_KIB
	// default 65536, STRATUM_ARGON2_THREADS default 2; see docs/adr/0005).
	Argon2Time      int
	Argon2MemoryKiB int
	Argon2Threads   int
	// RevocationInterval bounds how long another replica's revocation takes to
	// apply here, and how often open subscriptions re-check their token
	// (STRATUM_REVOCATION_INTERVAL, default 1s).
	RevocationInterval time.Duration
	// RateLimitPoints and RateLimitRestore size Starter's query-cost bucket
	// (STRATUM_RATE_LIMIT_POINTS default 1000, STRATUM_RATE_LIMIT_RESTORE
	// default 50 points/s, the catalogue's api_cost_per_minute of 3,000);
	// dearer plans are scaled alike from their api_cost_per_minute
	// (domain/billing: professional 2×, enterprise 5×); anonymous callers
	// get the starter bucket per client IP.
	RateLimitPoints  int
	RateLimitRestore int
	// LoginFailuresPerAccount and LoginFailuresPerIP are how many failed log-ins
	// are allowed before THROTTLED (STRATUM_LOGIN_FAILURES_PER_ACCOUNT default 5,
	// restoring one per minute; STRATUM_LOGIN_FAILURES_PER_IP default 20,
	// restoring one per 15 s).
	LoginFailuresPerAccount int
	LoginFailuresPerIP      int
	// SignUpsPerIP is how many sign-ups one client IP may make at once
	// (STRATUM_SIGNUPS_PER_IP, default 10, restoring one per minute).
	SignUpsPerIP int
	// PasswordHashConcurrency is how many argon2 hashes run at once
	// (STRATUM_PASSWORD_HASH_CONCURRENCY, default 0 = the number of CPUs);
	// PasswordHashWait is how long a request waits for a slot before
	// THROTTLED (STRATUM_PASSWORD_HASH_WAIT, default 2s).
	PasswordHashConcurrency int
	PasswordHashWait        time.Duration
	// SMTPURL is the SMTP server e-mail goes through (STRATUM_SMTP_URL:
	// smtp://user:password@host:587 with STARTTLS required, smtps://… with
	// implicit TLS, or smtp://127.0.0.1:port?tls=none for a loopback relay).
	// Unset, development and tests keep e-mail in the development mail sink
	// (shown at /dev/mail) and production sends none.
	SMTPURL string
	// MailFrom is the sender of Stratum's e-mail (STRATUM_MAIL_FROM, default
	// "Stratum <stratum@localhost>").
	MailFrom string
	// DemoEmail and DemoPassword sign in the seeded demo owner
	// (STRATUM_DEMO_EMAIL default demo@stratum.local, STRATUM_DEMO_PASSWORD).
	DemoEmail    string
	DemoPassword string

	// StripeAPIKey is the Stripe secret key (STRIPE_API_KEY). Unset (the
	// default), billing runs disabled: checkout and the billing portal answer
	// that Stripe is not configured, and the demo tenant is on Enterprise.
	StripeAPIKey string
	// StripeWebhookSecret verifies POST /webhooks/stripe (STRIPE_WEBHOOK_SECRET,
	// whsec_…); required with STRIPE_API_KEY in production.
	StripeWebhookSecret string
	// StripeAPIBase is the Stripe API's base URL (STRIPE_API_BASE, default
	// Stripe's own); tests point it at stripe-mock.
	StripeAPIBase string
	// StripePrices are the Stripe price ids per plan (STRIPE_PRICE_STARTER,
	// STRIPE_PRICE_PROFESSIONAL, STRIPE_PRICE_ENTERPRISE): checkout sells a
	// plan with its price, and a subscription's price names its plan.
	StripePrices map[string]string
	// FeaturesForce switches catalogue flags on or off for every tenant,
	// above the plans' defaults and below per-tenant overrides
	// (STRATUM_FEATURES_FORCE, "cdp=on,autopilot=off"; default none).
	// app.NewServices parses it with billing.ParseForce: an unknown flag or
	// a value other than on/off stops start-up with the message.
	FeaturesForce string
	// TrialDays is how long a sign-up's Professional trial lasts
	// (STRATUM_TRIAL_DAYS, default 14); BillingGraceDays how long paid
	// features stay on after a failed payment (STRATUM_BILLING_GRACE_DAYS,
	// default 7). Both at least 1.
	TrialDays        int
	BillingGraceDays int

	// Platforms configure the ad-platform connectors, keyed by the
	// environment prefix: META, GOOGLE_ADS, TIKTOK, SNAPCHAT
	// (STRATUM_<P>_API_BASE, STRATUM_<P>_OAUTH_BASE, STRATUM_<P>_CLIENT_ID,
	// STRATUM_<P>_CLIENT_SECRET, and STRATUM_GOOGLE_ADS_DEVELOPER_TOKEN).
	// Bases default to the platforms' own hosts; a platform without a
	// client id and secret is "not configured" (never faked).
	Platforms map[string]PlatformConfig
}

// PlatformConfig is one ad platform's connector configuration.
type PlatformConfig struct {
	APIBase, OAuthBase     string
	ClientID, ClientSecret string
	// DeveloperToken is Google Ads' developer token (Google only).
	DeveloperToken string
}

// PlatformEnv lists the environment prefixes of the ad platforms with their
// default API and OAuth bases.
var PlatformEnv = map[string][2]string{
	"META":       {"https://graph.facebook.com", "https://www.facebook.com"},
	"GOOGLE_ADS": {"https://googleads.googleapis.com", "https://accounts.google.com"},
	"TIKTOK":     {"https://business-api.tiktok.com", "https://business-api.tiktok.com"},
	"SNAPCHAT":   {"https://adsapi.snapchat.com", "https://accounts.snapchat.com"},
}

// Billing reports whether Stripe billing is configured (STRIPE_API_KEY set).
func (c Config) Billing() bool { return c.StripeAPIKey != "" }

// Production reports whether the server runs in production mode.
func (c Config) Production() bool { return c.Env == "production" }

// MailSink reports whether e-mail goes to the development mail sink: no
// SMTP server is configured outside production.
func (c Config) MailSink() bool { return c.SMTPURL == "" && !c.Production() }

// SecureCookies reports whether cookies get the Secure attribute (outside development and test).
func (c Config) SecureCookies() bool { return c.Env != "development" && c.Env != "test" }

// Load reads the environment. It returns an error for malformed values.
func Load() (Config, error) { return load(os.LookupEnv) }

func load(lookup func(string) (string, bool)) (Config, error) {
	p := parser{lookup: lookup}
	c := Config{
		Env:                  p.str("STRATUM_ENV", "development"),
		HTTPAddr:             p.str("STRATUM_HTTP_ADDR", ""),
		PublicURL:            p.str("STRATUM_PUBLIC_URL", ""),
		DatabaseURL:          p.str("DATABASE_URL", ""),
		AppDatabaseURL:       p.str("STRATUM_APP_DATABASE_URL", ""),
		AppDBPassword:        p.str("STRATUM_APP_DB_PASSWORD", DevAppDBPassword),
		DBMaxConns:           int32(p.int("STRATUM_DB_MAX_CONNS", 20)),
		JWTSecret:            p.str("STRATUM_JWT_SECRET", ""),
		EncryptionKey:        p.str("STRATUM_ENCRYPTION_KEY", DevEncryptionKey),
		Introspection:        p.bool("STRATUM_GRAPHQL_INTROSPECTION", true),
		MaxComplexity:        p.int("STRATUM_GRAPHQL_MAX_COMPLEXITY", 1000),
		MaxDepth:             p.int("STRATUM_GRAPHQL_MAX_DEPTH", 15),
		MaxTokens:            p.int("STRATUM_GRAPHQL_MAX_TOKENS", 15000),
		MaxWidth:             p.int("STRATUM_GRAPHQL_MAX_WIDTH", 200),
		MaxFields:            p.int("STRATUM_GRAPHQL_MAX_FIELDS", 2000),
		MaxOverlap:           p.int("STRATUM_GRAPHQL_MAX_OVERLAP", 10000),
		MaxBodyBytes:         int64(p.int("STRATUM_MAX_BODY_BYTES", 1<<20)),
		HTTPReadTimeout:      p.dur("STRATUM_HTTP_READ_TIMEOUT", 15*time.Second),
		WSInitTimeout:        p.dur("STRATUM_WS_INIT_TIMEOUT", 10*time.Second),
		WSKeepAlive:          p.dur("STRATUM_WS_KEEPALIVE", 15*time.Second),
		WSMaxSubscriptions:   p.int("STRATUM_WS_MAX_SUBSCRIPTIONS", 50),
		MaxStreamsPerIP:      p.int("STRATUM_MAX_STREAMS_PER_IP", 100),
		CORSOrigins:          p.list("STRATUM_CORS_ORIGINS"),
		ShutdownTimeout:      p.dur("STRATUM_SHUTDOWN_TIMEOUT", 25*time.Second),
		LogLevel:             p.str("STRATUM_LOG_LEVEL", "info"),
		WorkerConcurrency:    p.int("STRATUM_WORKER_CONCURRENCY", 0),
		MaxConcurrentQueries: p.int("STRATUM_MAX_CONCURRENT_QUERIES", 0),
		QueryQueueTimeout:    p.dur("STRATUM_QUERY_QUEUE_TIMEOUT", 10*time.Second),
		JobTimeout:           p.dur("STRATUM_JOB_TIMEOUT", time.Minute),
		PeriodicRunOnStart:   p.bool("STRATUM_PERIODIC_RUN_ON_START", true),
		TestHoldApplyDir:     p.str("STRATUM_TEST_HOLD_APPLY_DIR", ""),
		TestHoldCDPDir:       p.str("STRATUM_TEST_HOLD_CDP_DIR", ""),

		AccessTokenTTL:          p.dur("STRATUM_ACCESS_TOKEN_TTL", 30*time.Minute),
		RefreshTokenTTL:         p.dur("STRATUM_REFRESH_TOKEN_TTL", 7*24*time.Hour),
		MFAChallengeTTL:         p.dur("STRATUM_MFA_CHALLENGE_TTL", 5*time.Minute),
		Argon2Time:              p.int("STRATUM_ARGON2_TIME", 2),
		Argon2MemoryKiB:         p.int("STRATUM_ARGON2_MEMORY_KIB", 64*1024),
		Argon2Threads:           p.int("STRATUM_ARGON2_THREADS", 2),
		RevocationInterval:      p.dur("STRATUM_REVOCATION_INTERVAL", time.Second),
		RateLimitPoints:         p.int("STRATUM_RATE_LIMIT_POINTS", 1000),
		RateLimitRestore:        p.int("STRATUM_RATE_LIMIT_RESTORE", 50),
		LoginFailuresPerAccount: p.int("STRATUM_LOGIN_FAILURES_PER_ACCOUNT", 5),
		LoginFailuresPerIP:      p.int("STRATUM_LOGIN_FAILURES_PER_IP", 20),
		SignUpsPerIP:            p.int("STRATUM_SIGNUPS_PER_IP", 10),
		PasswordHashConcurrency: p.int("STRATUM_PASSWORD_HASH_CONCURRENCY", 0),
		PasswordHashWait:        p.dur("STRATUM_PASSWORD_HASH_WAIT", 2*time.Second),
		SMTPURL:                 p.str("STRATUM_SMTP_URL", ""),
		MailFrom:                p.str("STRATUM_MAIL_FROM", "Stratum <stratum@localhost>"),
		DemoEmail:               p.str("STRATUM_DEMO_EMAIL", "demo@stratum.local"),
		DemoPassword:            p.str("STRATUM_DEMO_PASSWORD", DevDemoPassword),

		StripeAPIKey:        p.str("STRIPE_API_KEY", ""),
		StripeWebhookSecret: p.str("STRIPE_WEBHOOK_SECRET", ""),
		StripeAPIBase:       p.str("STRIPE_API_BASE", ""),
		StripePrices: map[string]string{
			"starter":      p.str("STRIPE_PRICE_STARTER", ""),
			"professional": p.str("STRIPE_PRICE_PROFESSIONAL", ""),
			"enterprise":   p.str("STRIPE_PRICE_ENTERPRISE", ""),
		},
		FeaturesForce:    p.str("STRATUM_FEATURES_FORCE", ""),
		TrialDays:        p.int("STRATUM_TRIAL_DAYS", 14),
		BillingGraceDays: p.int("STRATUM_BILLING_GRACE_DAYS", 7),
		Platforms:        map[string]PlatformConfig{},
	}
	for name, bases := range PlatformEnv {
		pre := fmt.Sprintf("STRATUM_%s_", name)
		c.Platforms[name] = PlatformConfig{
			APIBase:        p.str(pre+"API_BASE", bases[0]),
			OAuthBase:      p.str(pre+"OAUTH_BASE", bases[1]),
			ClientID:       p.str(pre+"CLIENT_ID", ""),
			ClientSecret:   p.str(pre+"CLIENT_SECRET", ""),
			DeveloperToken: p.str(pre+"DEVELOPER_TOKEN", ""),
		}
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = ":8080"
		if c.Env == "development" {
			c.HTTPAddr = "127.0.0.1:8080"
		}
	}
	if c.JWTSecret == "" && !c.Production() {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return c, fmt.Errorf("generate a development JWT secret: %w", err)
		}
		c.JWTSecret, c.JWTSecretGenerated = hex.EncodeToString(b), true
	}
	if c.PublicURL == "" {
		port := "8080"
		if i := strings.LastIndex(c.HTTPAddr, ":"); i >= 0 && i < len(c.HTTPAddr)-1 {
			port = c.HTTPAddr[i+1:]
		}
		c.PublicURL = "http://localhost:" + port
	}
	c.JobRescueAfter = p.dur("STRATUM_JOB_RESCUE_AFTER", c.JobTimeout+30*time.Second)
	c.AutoMigrate = p.bool("STRATUM_AUTO_MIGRATE", !c.Production())
	c.SeedDemo = p.bool("STRATUM_SEED_DEMO", !c.Production())
	if len(p.errs) > 0 {
		return c, errors.Join(p.errs...)
	}
	return c, c.Validate()
}

// Validate checks values that parse but make no sense, and in production
// refuses development secrets.
func (c Config) Validate() error {
	var errs []error
	switch c.Env {
	case "development", "test", "production":
	default:
		errs = append(errs, fmt.Errorf("STRATUM_ENV: %q is not one of development, test, production", c.Env))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("STRATUM_MAX_BODY_BYTES: must be at least 1024"))
	}
	for _, o := range c.CORSOrigins {
		if err := checkOrigin(o); err != nil {
			errs = append(errs, fmt.Errorf("STRATUM_CORS_ORIGINS: %q %w", o, err))
		}
	}
	if c.DBMaxConns < 1 || c.WorkerConcurrency < 0 {
		errs = append(errs, fmt.Errorf("STRATUM_DB_MAX_CONNS must be positive and STRATUM_WORKER_CONCURRENCY not negative (0: derived from the pool)"))
	}
	if c.MaxConcurrentQueries < 0 || c.QueryQueueTimeout <= 0 {
		errs = append(errs, fmt.Errorf("STRATUM_MAX_CONCURRENT_QUERIES must not be negative (0: two per CPU) and STRATUM_QUERY_QUEUE_TIMEOUT must be positive"))
	}
	if c.WSMaxSubscriptions < 1 || c.MaxStreamsPerIP < 1 {
		errs = append(errs, fmt.Errorf("STRATUM_WS_MAX_SUBSCRIPTIONS and STRATUM_MAX_STREAMS_PER_IP must be positive"))
	}
	if c.HTTPReadTimeout <= 0 {
		errs = append(errs, fmt.Errorf("STRATUM_HTTP_READ_TIMEOUT: must be positive"))
	}
	if c.MaxComplexity < 200 {
		errs = append(errs, fmt.Errorf("STRATUM_GRAPHQL_MAX_COMPLEXITY: must be at least 200 (GraphiQL's introspection and the dashboard's screens must fit)"))
	}
	if c.MaxWidth < 50 || c.MaxFields < 500 || c.MaxOverlap < 0 {
		errs = append(errs, fmt.Errorf("STRATUM_GRAPHQL_MAX_WIDTH must be at least 50, STRATUM_GRAPHQL_MAX_FIELDS at least 500 (GraphiQL's introspection selects 372) and STRATUM_GRAPHQL_MAX_OVERLAP not negative"))
	}
	if c.Argon2Time < 1 || c.Argon2MemoryKiB < 8*1024 || c.Argon2Threads < 1 || c.Argon2Threads > 255 {
		errs = append(errs, fmt.Errorf("STRATUM_ARGON2_*: time ≥ 1, memory ≥ 8192 KiB and 1–255 threads"))
	}
	if c.AccessTokenTTL < time.Minute || c.RefreshTokenTTL < c.AccessTokenTTL {
		errs = append(errs, fmt.Errorf("STRATUM_ACCESS_TOKEN_TTL must be ≥ 1m and ≤ STRATUM_REFRESH_TOKEN_TTL"))
	}
	if c.RateLimitPoints < 1 || c.RateLimitRestore < 1 {
		errs = append(errs, fmt.Errorf("STRATUM_RATE_LIMIT_POINTS and STRATUM_RATE_LIMIT_RESTORE must be positive"))
	}
	if c.TrialDays < 1 || c.BillingGraceDays < 1 {
		errs = append(errs, fmt.Errorf("STRATUM_TRIAL_DAYS and STRATUM_BILLING_GRACE_DAYS must be at least 1"))
	}
	if c.JobTimeout < time.Second || c.JobRescueAfter <= c.JobTimeout {
		errs = append(errs, fmt.Errorf("STRATUM_JOB_TIMEOUT must be ≥ 1s and STRATUM_JOB_RESCUE_AFTER greater than it (a job still running must not be rescued)"))
	}
	if len(c.JWTSecret) < 32 {
		errs = append(errs, fmt.Errorf("STRATUM_JWT_SECRET: must be at least 32 characters (required in production)"))
	}
	if c.PasswordHashConcurrency < 0 || c.PasswordHashWait < 0 || c.SignUpsPerIP < 0 {
		errs = append(errs, fmt.Errorf("STRATUM_PASSWORD_HASH_CONCURRENCY, STRATUM_PASSWORD_HASH_WAIT and STRATUM_SIGNUPS_PER_IP must not be negative"))
	}
	if c.SMTPURL != "" {
		if _, err := mail.ParseURL(c.SMTPURL, c.MailFrom); err != nil {
			errs = append(errs, fmt.Errorf("STRATUM_SMTP_URL or STRATUM_MAIL_FROM: %w", err))
		}
	} else if _, err := stdmail.ParseAddress(c.MailFrom); err != nil {
		errs = append(errs, fmt.Errorf("STRATUM_MAIL_FROM: %q is not an e-mail address", c.MailFrom))
	}
	errs = append(errs, c.validateStripe()...)
	errs = append(errs, c.validatePlatforms()...)
	if c.Production() {
		for name, isDev := range map[string]bool{
			"STRATUM_ENCRYPTION_KEY":  secretbox.Uses(c.EncryptionKey, DevEncryptionKey),
			"STRATUM_APP_DB_PASSWORD": c.AppDBPassword == DevAppDBPassword && c.AppDatabaseURL == "",
			"STRATUM_DEMO_PASSWORD":   c.DemoPassword == DevDemoPassword && c.SeedDemo,
		} {
			if isDev {
				errs = append(errs, fmt.Errorf("%s: still has its development default; set a secret value in production", name))
			}
		}
		if c.DatabaseURL == "" {
			errs = append(errs, fmt.Errorf("DATABASE_URL: required in production"))
		}
		if c.TestHoldApplyDir != "" {
			errs = append(errs, fmt.Errorf("STRATUM_TEST_HOLD_APPLY_DIR: a test-only hook; never set it in production"))
		}
		if c.TestHoldCDPDir != "" {
			errs = append(errs, fmt.Errorf("STRATUM_TEST_HOLD_CDP_DIR: a test-only hook; never set it in production"))
		}
	}
	return errors.Join(errs...)
}

// validateStripe checks the Stripe settings: a base URL that is one, price
// ids that are distinct, and (in production) a webhook secret beside the
// API key, without which Stripe's events could not be verified.
// validatePlatforms checks the ad platforms' base URLs.
func (c Config) validatePlatforms() []error {
	var errs []error
	for name, pc := range c.Platforms {
		for key, v := range map[string]string{"API_BASE": pc.APIBase, "OAUTH_BASE": pc.OAuthBase} {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs = append(errs, fmt.Errorf("STRATUM_%s_%s: %q is not an http(s) URL", name, key, v))
			}
		}
		if (pc.ClientID == "") != (pc.ClientSecret == "") {
			errs = append(errs, fmt.Errorf("STRATUM_%s_CLIENT_ID and STRATUM_%s_CLIENT_SECRET: set both or neither", name, name))
		}
	}
	return errs
}

func (c Config) validateStripe() []error {
	var errs []error
	if c.StripeAPIBase != "" {
		u, err := url.Parse(c.StripeAPIBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("STRIPE_API_BASE: %q is not an http(s) URL", c.StripeAPIBase))
		}
	}
	seen := map[string]string{}
	for plan, price := range c.StripePrices {
		if price == "" {
			continue
		}
		if other, dup := seen[price]; dup {
			errs = append(errs, fmt.Errorf("STRIPE_PRICE_*: %s and %s have the same price id %q", other, plan, price))
		}
		seen[price] = plan
	}
	if c.Production() && c.StripeAPIKey != "" && c.StripeWebhookSecret == "" {
		errs = append(errs, fmt.Errorf("STRIPE_WEBHOOK_SECRET: required with STRIPE_API_KEY in production (Stripe's events are verified with it)"))
	}
	return errs
}

// checkOrigin accepts an exact origin, scheme://host[:port]. Cross-origin
// requests are allowed with credentials (cookies) and the same list opens
// cross-origin websockets, so a wildcard would let every site act as the
// signed-in user: "*" and patterns are refused in every environment.
func checkOrigin(o string) error {
	if strings.Contains(o, "*") {
		return errors.New("is a wildcard; list each origin (credentials are allowed cross-origin, so * would let any site act as the signed-in user)")
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return errors.New("is not an origin like https://app.example.com")
	}
	return nil
}

type parser struct {
	lookup func(string) (string, bool)
	errs   []error
}

func (p *parser) str(key, def string) string {
	if v, ok := p.lookup(key); ok && v != "" {
		return v
	}
	return def
}

func (p *parser) int(key string, def int) int {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.errs = append(p.errs, fmt.Errorf("%s: %q is not an integer", key, v))
		return def
	}
	return n
}

func (p *parser) bool(key string, def bool) bool {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.errs = append(p.errs, fmt.Errorf("%s: %q is not a boolean", key, v))
		return def
	}
	return b
}

func (p *parser) dur(key string, def time.Duration) time.Duration {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.errs = append(p.errs, fmt.Errorf("%s: %q is not a duration (e.g. 10s)", key, v))
		return def
	}
	return d
}

func (p *parser) list(key string) []string {
	var out []string
	for _, s := range strings.Split(p.str(key, ""), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// FromMap builds a Config from env (missing keys take their defaults), for
// tests and tools.
func FromMap(env map[string]string) (Config, error) {
	return load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
}
