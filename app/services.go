package app

import (
	"fmt"
	"github.com/stratumhq/stratum/domain/audiences"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/emq"
	"github.com/stratumhq/stratum/domain/conversions/senders"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/notifications"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/googleads"
	"github.com/stratumhq/stratum/domain/platforms/meta"
	"github.com/stratumhq/stratum/domain/platforms/snapchat"
	"github.com/stratumhq/stratum/domain/platforms/tiktok"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/mail"
	"github.com/stratumhq/stratum/internal/webhook"
	"github.com/stratumhq/stratum/jobs"
	"github.com/stratumhq/stratum/resolvers"
)

// Services are Stratum's domain services. NewServices builds each exactly
// once; the resolvers and the job workers get them from here (Resolvers,
// Jobs), and a new context adds its service here.
type Services struct {
	// The services themselves (Auth, Tenancy, Audit, Signals, Platforms,
	// Incidents, Automation, Notifications): the set the resolvers call is
	// all of them.
	resolvers.Services

	// Buckets size the cost-based GraphQL rate limits by plan ("" is the
	// default; "anonymous" applies per client IP to unauthenticated callers).
	Buckets map[string]auth.Bucket

	// Mail sends e-mail: SMTP when STRATUM_SMTP_URL is set, else (outside
	// production) MailSink, the development mail sink; nil in production
	// without SMTP.
	Mail     mail.Sender
	MailSink *mail.Sink

	// EMQPlatform fetches Meta's own event match quality of each enabled
	// META destination (the hourly job conversions.emq_platform).
	EMQPlatform *emq.PlatformFetcher
}

// NewServices builds every domain service over d from cfg and links the
// trust engine: a recompute tells incidents and automation. The links to
// River are made by EnqueueWith once the client exists (its workers need
// these services first).
func NewServices(d *db.DB, cfg config.Config, log *slog.Logger) (*Services, error) {
	s := &Services{}
	s.Audit = &audit.Service{DB: d}
	if err := s.buildIdentity(d, cfg, log); err != nil {
		return nil, err
	}
	if err := s.buildBilling(d, cfg); err != nil {
		return nil, err
	}
	s.Tenancy = &tenancy.Service{DB: d, Auth: s.Auth, Billing: s.Billing}
	s.Auth.MembershipSource = s.Tenancy // auth reads memberships through tenancy, which builds on it
	s.Signals = &signals.Service{DB: d, Config: signals.DefaultConfig()}
	s.Platforms = platforms.NewService(d, s.Signals)
	for name, api := range platformAPIs(cfg) {
		s.Platforms.APIs[name] = api // beside the sandbox's SIMULATOR API
	}
	// Actions reach the real platforms through their connections (Tokens is
	// set where connections are built; without it changes are refused).
	s.Platforms.RegisterRemoteConnectors()
	s.Incidents = &incidents.Service{DB: d}
	s.Automation = &automation.Service{DB: d, Config: automation.DefaultConfig(), Platforms: s.Platforms, Incidents: s.Incidents}
	s.Automation.Autopilot = s.Billing.FlagTx(billing.Autopilot) // autopilot runs only with the flag
	s.Signals.Listeners = []signals.Listener{s.Incidents, s.Automation}
	if err := s.buildNotifications(d, cfg); err != nil {
		return nil, err
	}
	// Account e-mail (password reset, verification) and invitations go
	// through the same mailer as e-mail notifications.
	s.Auth.Mailer, s.Tenancy.Mailer, s.Tenancy.PublicURL = s.Mail, s.Mail, cfg.PublicURL
	s.buildStripe(d, cfg, log)
	s.buildConnections(d, cfg)
	// The batch job resolves its events to profiles (ADR 0016).
	// Per-source rate limits in the buckets every replica shares.
	s.CDP = &cdp.Service{DB: d, Billing: s.Billing, Identity: cdp.NewIdentity(d), RFM: cdp.NewRFM(d), Log: log, SharedLimits: s.Auth.Limiter}
	s.Traits = &cdp.Traits{DB: d}
	s.Privacy = &cdp.Privacy{DB: d, Identity: s.CDP.Identity, Secret: privacySecret(cfg.JWTSecret), Materialise: s.CDP.MaterialiseStaged}
	s.Segments = &cdp.Segments{DB: d, Billing: s.Billing}
	s.EMQ = &emq.Service{DB: d, Signals: s.Signals}
	s.buildConversions(d, cfg)
	s.buildDeliveries(d, cfg, log)
	// Meta's own EMQ of each enabled META destination, fetched hourly.
	s.EMQPlatform = emq.NewPlatformFetcher(d, s.EMQ, s.ConversionDestinations)
	s.buildAudiences(d, cfg)
	return s, nil
}

// buildConversions builds the conversion destinations (issue 15). Senders
// is the registry of each platform's conversion API client (the one the
// delivery pipeline uses), looked up by platform for test events. Outside
// production a destination's baseUrl may be http to a loopback test
// server.
func (s *Services) buildConversions(d *db.DB, cfg config.Config) {
	s.ConversionDestinations = &conversions.Destinations{DB: d, Box: s.Auth.Box, Billing: s.Billing, Connections: s.Connections,
		Senders: conversionSenders(cfg), AllowLoopbackHTTP: !cfg.Production()}
}

// buildDeliveries builds conversion forwarding's delivery pipeline and
// hooks it into the CDP's batch job (docs/adr/0022). A SENDING delivery is
// reclaimed after the job rescue delay, which exceeds every job's timeout
// (the flush job's included), so a live attempt is never reclaimed beside
// itself. The platforms' senders are registered in conversionSenders.
func (s *Services) buildDeliveries(d *db.DB, cfg config.Config, log *slog.Logger) {
	reclaim := cfg.JobRescueAfter
	if reclaim <= 0 {
		reclaim = max(cfg.JobTimeout, jobs.DefaultMaxJobTimeout) + jobs.DefaultRescueMargin
	}
	s.Deliveries = &conversions.Deliveries{DB: d, Box: s.Auth.Box, Senders: conversionSenders(cfg), Log: log, Quality: s.EMQ,
		Tokens: s.ConversionDestinations, Config: conversions.DeliveryConfig{ReclaimAfter: reclaim}}
	s.CDP.BatchHook = s.Deliveries
	s.Privacy.EraseHooks = append(s.Privacy.EraseHooks, s.Deliveries.EraseProfilesTx)
}

// buildAudiences builds audience sync (issue 15, docs/adr/0023) over the
// platforms' customer-list APIs at the same roots as their other clients
// (STRATUM_<P>_API_BASE), and hooks it into every membership refresh.
func (s *Services) buildAudiences(d *db.DB, cfg config.Config) {
	bases := map[string]string{}
	for _, p := range platforms.Real {
		bases[p] = cfg.Platforms[platforms.EnvPrefix(p)].APIBase
	}
	s.Audiences = &audiences.Service{DB: d, Segments: s.Segments, Connections: s.Connections,
		Clients: audiences.NewClients(audiences.Config{Bases: bases, GoogleDeveloperToken: cfg.Platforms["GOOGLE_ADS"].DeveloperToken})}
	s.CDP.OnMembershipChanged = s.Audiences.Changed
	s.Segments.OnMembershipChanged = s.Audiences.Changed
	s.Traits.OnMembershipChanged = s.Audiences.Changed
	s.CDP.RFM.OnMembershipChanged = s.Audiences.Changed
	s.Privacy.EraseHooks = append(s.Privacy.EraseHooks, s.Audiences.EraseProfilesTx)
}

// conversionSenders are the conversion API senders by platform (package
// conversions/senders: the four platforms' wire formats; each
// destination's baseUrl, when set, overrides the platform's own API).
//
// A destination's baseUrl is the tenant's choice, so in production the
// senders' client dials public addresses only (checked after DNS
// resolution: a public name pointing at the server's own network is
// refused too); in development a loopback fake is allowed.
func conversionSenders(cfg config.Config) map[string]conversions.Sender {
	out := map[string]conversions.Sender{}
	policy := webhook.Policy{AllowHTTP: !cfg.Production(), AllowPrivate: !cfg.Production()}
	client := policy.HTTPClient(senders.DefaultTimeout, 16)
	for _, p := range conversions.Platforms {
		if snd, ok := senders.New(p, senders.Config{HTTP: client}); ok {
			out[p] = snd
		}
	}
	return out
}

// buildConnections builds the platform connections (OAuth, grants, the
// sandbox) over the platforms' clients in Platforms.APIs, and makes them
// the token source of the sync and action jobs.
func (s *Services) buildConnections(d *db.DB, cfg config.Config) {
	s.Connections = &platforms.Connections{DB: d, Platforms: s.Platforms, Box: s.Auth.Box, Limits: s.Billing,
		Incidents: s.Incidents, PublicURL: cfg.PublicURL}
	s.Platforms.Tokens = s.Connections
}

// buildStripe builds billing's Stripe side: with
// STRIPE_API_KEY a Stripe client of its own (STRIPE_API_BASE, the price
// ids per plan); without it billing is disabled (Stripe.Enabled is false).
func (s *Services) buildStripe(d *db.DB, cfg config.Config, log *slog.Logger) {
	prices := map[billing.Plan]string{}
	for name, id := range cfg.StripePrices {
		if p, ok := billing.ParsePlan(name); ok && id != "" {
			prices[p] = id
		}
	}
	s.Stripe = &billing.Stripe{DB: d, Billing: s.Billing, Log: log, Config: billing.StripeConfig{
		APIKey: cfg.StripeAPIKey, WebhookSecret: cfg.StripeWebhookSecret, Prices: prices, PublicURL: cfg.PublicURL}}
	s.Stripe.Incidents = s.Incidents // a failed payment opens an incident
	if cfg.Billing() {
		s.Stripe.API = billing.NewStripeClient(cfg.StripeAPIKey, cfg.StripeAPIBase)
	}
}

// buildBilling builds the billing service (plans, flags, trials) from
// STRATUM_FEATURES_FORCE, STRATUM_TRIAL_DAYS and STRATUM_BILLING_GRACE_DAYS;
// an unknown flag in the force list stops start-up.
func (s *Services) buildBilling(d *db.DB, cfg config.Config) error {
	force, err := billing.ParseForce(cfg.FeaturesForce)
	if err != nil {
		return err
	}
	day := 24 * time.Hour
	s.Billing = &billing.Service{DB: d, Config: billing.Config{Force: force,
		Trial: time.Duration(cfg.TrialDays) * day, Grace: time.Duration(cfg.BillingGraceDays) * day}}
	return nil
}

// buildNotifications builds the mailer and the notifications service and
// hooks it into the events it reports: incidents' timeline, actions held
// for approval, autopilot mode changes (each inside its writing
// transaction).
func (s *Services) buildNotifications(d *db.DB, cfg config.Config) error {
	switch {
	case cfg.SMTPURL != "":
		smtp, err := mail.ParseURL(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return fmt.Errorf("STRATUM_SMTP_URL: %w", err)
		}
		s.Mail = smtp
	case cfg.MailSink():
		s.MailSink = &mail.Sink{From: cfg.MailFrom}
		s.Mail = s.MailSink
	}
	// Outside production, webhooks may point at http:// and local receivers.
	policy := webhook.Production
	if !cfg.Production() {
		policy = webhook.Policy{AllowHTTP: true, AllowPrivate: true}
	}
	s.Notifications = &notifications.Service{DB: d, Box: s.Auth.Box, Mailer: s.Mail, Poster: webhook.NewClient(policy),
		Config: notifications.Config{PublicURL: cfg.PublicURL, Policy: policy}, Incidents: s.Incidents, Automation: s.Automation}
	s.Incidents.Notify = s.Notifications.IncidentEventTx
	s.Automation.OnAwaitingApproval = s.Notifications.ActionAwaitingApprovalTx
	s.Automation.OnModeChanged = s.Notifications.AutopilotModeChangedTx
	return nil
}

// buildIdentity builds the auth service (sessions, API keys, MFA, rate
// limits) and the plan buckets from the configuration.
func (s *Services) buildIdentity(d *db.DB, cfg config.Config, log *slog.Logger) error {
	box, err := auth.NewBox(cfg.EncryptionKey)
	if err != nil {
		return err
	}
	argon := auth.Argon2Params{Time: uint32(cfg.Argon2Time), MemoryKiB: uint32(cfg.Argon2MemoryKiB), Threads: uint8(cfg.Argon2Threads)}
	s.Buckets = costBuckets(cfg)
	acfg := auth.Config{
		Secret:    []byte(cfg.JWTSecret),
		AccessTTL: cfg.AccessTokenTTL, RefreshTTL: cfg.RefreshTokenTTL, ChallengeTTL: cfg.MFAChallengeTTL,
		Argon2:       argon,
		LoginAccount: auth.Bucket{Max: float64(cfg.LoginFailuresPerAccount), Rate: 1.0 / 60},
		LoginIP:      auth.Bucket{Max: float64(cfg.LoginFailuresPerIP), Rate: 1.0 / 15},
		SignUpIP:     auth.Bucket{Max: float64(cfg.SignUpsPerIP), Rate: 1.0 / 60},
		// Reset requests: 20 per client IP (one more a minute) and 5 per
		// address (one more every 10 minutes), known or not; verification
		// mails asked for again: 5 per user (one more every 5 minutes).
		ResetIP:    auth.Bucket{Max: 20, Rate: 1.0 / 60},
		ResetEmail: auth.Bucket{Max: 5, Rate: 1.0 / 600},
		VerifyUser: auth.Bucket{Max: 5, Rate: 1.0 / 300},
		PublicURL:  cfg.PublicURL,
	}
	// Shared rows older than every shape's refill time are full: prune them.
	prune := time.Hour
	for _, b := range append([]auth.Bucket{acfg.LoginAccount, acfg.LoginIP, acfg.SignUpIP, acfg.ResetIP, acfg.ResetEmail, acfg.VerifyUser}, slices.Collect(maps.Values(s.Buckets))...) {
		prune = max(prune, 2*b.RefillTime())
	}
	s.Auth = &auth.Service{
		DB: d, Box: box, Log: log,
		Revocations: &auth.Revocations{DB: d, Interval: cfg.RevocationInterval},
		Limiter:     &auth.Limiter{DB: d, PruneAfter: prune},
		Hasher:      &auth.Hasher{Params: argon, Slots: cfg.PasswordHashConcurrency, Wait: cfg.PasswordHashWait},
		Audit:       audit.ForAuth,
		Cfg:         acfg,
	}
	return nil
}

// Jobs are the services the job workers call.
func (s *Services) Jobs() jobs.Services {
	return jobs.Services{Signals: s.Signals, Platforms: s.Platforms, Automation: s.Automation, Notifications: s.Notifications,
		Auth: s.Auth, Tenancy: s.Tenancy, Stripe: s.Stripe, Billing: s.Billing,
		Connections: s.Connections, CDP: s.CDP, Traits: s.Traits, Privacy: s.Privacy, Segments: s.Segments, Deliveries: s.Deliveries,
		ConversionDestinations: s.ConversionDestinations, EMQPlatform: s.EMQPlatform, Audiences: s.Audiences}
}

// Resolvers are the services the GraphQL resolvers call.
func (s *Services) Resolvers() resolvers.Services { return s.Services }

// EnqueueWith makes the services start their jobs on c, inside the
// transaction that asks for them: measurements enqueue a debounced
// recompute, an executable action its execution, a notification delivery
// its sending, an account e-mail or an invitation its sending, a sync run
// its job.
func (s *Services) EnqueueWith(c *jobs.Client) {
	s.Signals.OnMeasured = jobs.RecomputeHook(c)
	s.Automation.OnExecutable = jobs.ExecuteHook(c)
	s.Notifications.Enqueue = jobs.DeliverHook(c)
	s.Auth.EnqueueMail = jobs.AccountMailHook(c)
	s.Tenancy.EnqueueInviteMail = jobs.InviteMailHook(c)
	s.Stripe.Enqueue = jobs.ApplyStripeEventHook(c)
	s.Platforms.Sync.Enqueue = jobs.SyncHook(c)
	s.CDP.Enqueue = jobs.CDPBatchHook(c)
	s.Traits.EnqueueBackfill = jobs.TraitBackfillHook(c)
	s.CDP.RFM.Enqueue = jobs.RFMRefreshHook(c)
	s.Privacy.Enqueue = jobs.PrivacyHook(c)
	s.Deliveries.Enqueue = jobs.ConversionsFlushHook(c)
	s.Audiences.Enqueue = jobs.AudienceSyncHook(c)
}

// costBuckets sizes the GraphQL cost buckets per plan from the catalogue's
// api_cost_per_minute (billing.CostBudget). STRATUM_RATE_LIMIT_POINTS and
// STRATUM_RATE_LIMIT_RESTORE are Starter's burst and refill rate and scale
// the dearer plans alike (their defaults are the catalogue's: 1,000 points,
// 50 a second). Unknown plans and anonymous callers (per client IP) get
// Starter's bucket.
func costBuckets(cfg config.Config) map[string]auth.Bucket {
	burst, perSecond := billing.CostBudget(billing.Starter)
	scaleMax, scaleRate := float64(cfg.RateLimitPoints)/burst, float64(cfg.RateLimitRestore)/perSecond
	out := map[string]auth.Bucket{}
	for _, p := range billing.Plans() {
		b, r := billing.CostBudget(p)
		out[string(p)] = auth.Bucket{Max: b * scaleMax, Rate: r * scaleRate}
	}
	out[""], out["anonymous"] = out[string(billing.Starter)], out[string(billing.Starter)]
	return out
}

// platformAPIs builds the real ad platforms' clients from configuration
// (STRATUM_<P>_*); a platform without credentials is present and reports
// Configured() == false.
func platformAPIs(cfg config.Config) map[string]platforms.API {
	ep := func(key string) platforms.Endpoints {
		pc := cfg.Platforms[key]
		return platforms.Endpoints{APIBase: pc.APIBase, OAuthBase: pc.OAuthBase, ClientID: pc.ClientID,
			ClientSecret: pc.ClientSecret, DeveloperToken: pc.DeveloperToken}
	}
	return map[string]platforms.API{
		platforms.Meta:     meta.New(ep("META")),
		platforms.Google:   googleads.New(ep("GOOGLE_ADS")),
		platforms.TikTok:   tiktok.New(ep("TIKTOK")),
		platforms.Snapchat: snapchat.New(ep("SNAPCHAT")),
	}
}
