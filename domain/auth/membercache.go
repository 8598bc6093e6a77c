package auth

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/stratumhq/stratum/internal/apperr"
)

// memberCache is each process's view of users' memberships and operator
// flags, so Authenticate can check that an access token's tenant, role and
// operator claim are still true without a database round trip per request
// (ADR 0007). A user's entry is reloaded when it is older than
// memberCacheTTL, when the revocations view shows a member revocation of
// that (user, tenant) the entry has not seen (role changes and removals
// record one in the same transaction), and when a token issued after the
// entry was loaded disagrees with it (a new membership, a switched
// tenant). A token issued before the load that disagrees is refused.
type memberCache struct {
	once sync.Once
	c    *lru.Cache[uuid.UUID, *memberView]
}

const (
	memberCacheSize = 10_000
	memberCacheTTL  = time.Minute
	// memberClockSkew allows for replicas' clocks disagreeing about when a
	// token was issued.
	memberClockSkew = 5 * time.Second
)

type memberView struct {
	loaded   time.Time
	operator bool
	roles    map[uuid.UUID]Role
	seen     map[uuid.UUID]time.Time // member revocation not_before seen at load, per tenant
}

func (c *memberCache) cache() *lru.Cache[uuid.UUID, *memberView] {
	c.once.Do(func() { c.c, _ = lru.New[uuid.UUID, *memberView](memberCacheSize) }) // only fails for a size ≤ 0
	return c.c
}

// matches reports whether p's claims hold in v.
func (v *memberView) matches(p *Principal) bool {
	role, ok := v.roles[p.TenantID]
	return ok && role == p.Role && (!p.Operator || v.operator)
}

// ErrStaleClaims answers an access token whose tenant, role or operator
// claim does not match the account now.
var ErrStaleClaims = apperr.Unauthenticatedf("the access token does not match your current membership; sign in again")

// checkMembership refuses a user principal whose claims disagree with the
// user's memberships.
func (s *Service) checkMembership(ctx context.Context, p *Principal) error {
	if !p.IsUser() {
		return nil
	}
	c := s.members.cache()
	rev := s.Revocations.MemberNotBefore(p.UserID, p.TenantID)
	v, ok := c.Get(p.UserID)
	stale := !ok || s.DB.Now(ctx).Sub(v.loaded) > memberCacheTTL || rev.After(v.seen[p.TenantID]) ||
		(!v.matches(p) && v.loaded.Before(p.IssuedAt.Add(memberClockSkew)))
	if stale {
		var err error
		if v, err = s.loadMembers(ctx, p.UserID); err != nil {
			return err
		}
		for t := range v.roles {
			// A revocation that arrives between the load and here is
			// issued after tokens it refuses anyway (Revoked).
			v.seen[t] = s.Revocations.MemberNotBefore(p.UserID, t)
		}
		v.seen[p.TenantID] = rev
		c.Add(p.UserID, v)
	}
	if !v.matches(p) {
		return ErrStaleClaims
	}
	return nil
}

func (s *Service) loadMembers(ctx context.Context, uid uuid.UUID) (*memberView, error) {
	v := &memberView{loaded: s.DB.Now(ctx), roles: map[uuid.UUID]Role{}, seen: map[uuid.UUID]time.Time{}}
	ms, err := s.Memberships(ctx, uid)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		v.roles[m.TenantID] = m.Role
	}
	if len(ms) > 0 {
		if v.operator, err = s.IsOperator(ctx, uid); err != nil {
			return nil, err
		}
	}
	return v, nil
}
