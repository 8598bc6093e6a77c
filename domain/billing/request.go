package billing

import (
	"context"
	"sync"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/derrors"
)

// requestCache holds the entitlements resolved during one request, by
// tenant: the @feature directive, the resolvers and the rate limit share
// one read (ADR 0014).
type requestCache struct {
	mu sync.Mutex
	m  map[uuid.UUID]*cached
}

type cached struct {
	once sync.Once
	e    Entitlements
	err  error
}

type cacheKey struct{}

// WithRequestCache returns ctx carrying an empty per-request cache of
// entitlements. The GraphQL server adds one per query and mutation
// operation; subscriptions, which live long, get none and resolve fresh.
func WithRequestCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, cacheKey{}, &requestCache{m: map[uuid.UUID]*cached{}})
}

// For is the tenant's entitlements for the request of ctx: resolved at most
// once per request and tenant when ctx carries a request cache
// (WithRequestCache), fresh otherwise. A failed read is not cached.
func (s *Service) For(ctx context.Context, tenant uuid.UUID) (Entitlements, error) {
	rc, _ := ctx.Value(cacheKey{}).(*requestCache)
	if rc == nil {
		return s.Entitlements(ctx, tenant)
	}
	rc.mu.Lock()
	c := rc.m[tenant]
	if c == nil {
		c = &cached{}
		rc.m[tenant] = c
	}
	rc.mu.Unlock()
	c.once.Do(func() { c.e, c.err = s.Entitlements(ctx, tenant) })
	if c.err != nil {
		rc.mu.Lock()
		if rc.m[tenant] == c {
			delete(rc.m, tenant)
		}
		rc.mu.Unlock()
	}
	return c.e, c.err
}

// PlanTx is the effective plan of the tenant of tx now (tenancy reads it
// for a membership's plan).
func (s *Service) PlanTx(ctx context.Context, tx bun.IDB, tenant uuid.UUID) (_ Plan, err error) {
	defer derrors.Wrap(&err, "billing.Service.PlanTx(%s)", tenant)
	var st State
	if err := tx.NewSelect().Model(&st).Where("tenant_id = ?", tenant).Scan(ctx); err != nil {
		return "", err
	}
	return st.EffectivePlan(s.DB.Now(ctx)), nil
}

// FlagTx returns a check of flag for the tenant of a transaction (a hook
// for contexts that billing builds on: automation.Service.Autopilot).
func (s *Service) FlagTx(flag Flag) func(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (bool, error) {
	return func(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (bool, error) {
		e, err := s.EntitlementsTx(ctx, tx, tenant)
		return e.Enabled(flag), err
	}
}
