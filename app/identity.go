package app

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/resolvers"
)

// wireIdentity builds the identity services from the configuration and
// installs them in the resolver (sessions, API keys, MFA, rate limits).
func (a *App) wireIdentity() error {
	cfg := a.Cfg
	box, err := auth.NewBox(cfg.EncryptionKey)
	if err != nil {
		return err
	}
	argon := auth.Argon2Params{Time: uint32(cfg.Argon2Time), MemoryKiB: uint32(cfg.Argon2MemoryKiB), Threads: uint8(cfg.Argon2Threads)}
	pts, rate := float64(cfg.RateLimitPoints), float64(cfg.RateLimitRestore)
	buckets := map[string]auth.Bucket{
		"":             {Max: pts, Rate: rate},
		"starter":      {Max: pts, Rate: rate},
		"professional": {Max: 2 * pts, Rate: 2 * rate},
		"enterprise":   {Max: 5 * pts, Rate: 5 * rate},
		"anonymous":    {Max: pts, Rate: rate}, // per client IP
	}
	acfg := auth.Config{
		Secret:    []byte(cfg.JWTSecret),
		AccessTTL: cfg.AccessTokenTTL, RefreshTTL: cfg.RefreshTokenTTL, ChallengeTTL: cfg.MFAChallengeTTL,
		Argon2:       argon,
		LoginAccount: auth.Bucket{Max: float64(cfg.LoginFailuresPerAccount), Rate: 1.0 / 60},
		LoginIP:      auth.Bucket{Max: float64(cfg.LoginFailuresPerIP), Rate: 1.0 / 15},
		SignUpIP:     auth.Bucket{Max: float64(cfg.SignUpsPerIP), Rate: 1.0 / 60},
	}
	// Shared rows older than every shape's refill time are full: prune them.
	prune := time.Hour
	for _, b := range append([]auth.Bucket{acfg.LoginAccount, acfg.LoginIP, acfg.SignUpIP}, slices.Collect(maps.Values(buckets))...) {
		prune = max(prune, 2*b.RefillTime())
	}
	svc := &auth.Service{
		DB: a.DB, Box: box, Log: a.Log,
		Revocations: &auth.Revocations{DB: a.DB, Interval: cfg.RevocationInterval},
		Limiter:     &auth.Limiter{DB: a.DB, PruneAfter: prune},
		Hasher:      &auth.Hasher{Params: argon, Slots: cfg.PasswordHashConcurrency, Wait: cfg.PasswordHashWait},
		Audit:       audit.ForAuth,
		Cfg:         acfg,
	}
	a.Resolver.UseIdentity(resolvers.Identity{
		Auth:          svc,
		Tenancy:       &tenancy.Service{DB: a.DB, Auth: svc},
		SecureCookies: cfg.SecureCookies(),
		WatchInterval: cfg.RevocationInterval,
		Buckets:       buckets,
	})
	return nil
}

// operatorCheck admits platform operators (session cookie or Bearer token
// of a user whose operator flag is set now) to /admin/jobs. Every
// state-changing request and every refusal of a signed-in user is written
// to platform_audit_log.
func (a *App) operatorCheck(r *http.Request) bool {
	svc := a.Resolver.Svc.Auth
	ctx, err := a.Resolver.Auth.Authenticate(r)
	if err != nil {
		return false
	}
	p, ok := auth.FromContext(ctx)
	if !ok || !p.IsUser() {
		return false
	}
	on, err := svc.IsOperator(ctx, p.UserID)
	if err != nil {
		a.Log.ErrorContext(ctx, "operator check", "err", err)
		return false
	}
	if on && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		return true
	}
	e := auth.PlatformEntry{ActorType: "OPERATOR", ActorID: p.UserID, Action: "operator.jobs " + r.Method, Target: r.URL.Path}
	if !on {
		e.ActorType, e.Outcome = "USER", "DENIED"
	}
	if err := a.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error { return svc.PlatformAudit(ctx, tx, e) }); err != nil {
		a.Log.ErrorContext(ctx, "audit operator action", "err", err)
		return false
	}
	return on
}
