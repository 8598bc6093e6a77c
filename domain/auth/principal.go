// Package auth owns who is calling: the Principal every request carries
// (a user with a role in one tenant, or a partner API key with scopes).
package auth

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Role is a member's role in a tenant, from most to least privileged.
// docs/permissions.md has the permission matrix the schema's directives
// enforce.
type Role string

// ValidRole reports whether r is one of the four roles.
func ValidRole(r Role) bool { return r.Rank() > 0 }

// The roles.
const (
	RoleOwner   Role = "OWNER"
	RoleAdmin   Role = "ADMIN"
	RoleAnalyst Role = "ANALYST"
	RoleViewer  Role = "VIEWER"
)

// Rank orders roles: a higher rank includes every permission of a lower one.
func (r Role) Rank() int {
	switch r {
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleAnalyst:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// AtLeast reports whether r includes min's permissions.
func (r Role) AtLeast(min Role) bool { return r.Rank() >= min.Rank() && r.Rank() > 0 }

// Principal is the authenticated caller of one request.
type Principal struct {
	// UserID is set for users, zero for API keys.
	UserID uuid.UUID
	// TenantID is the tenant the request acts in.
	TenantID uuid.UUID
	// Role is the user's role in TenantID (API keys act as their scopes allow).
	Role Role
	// APIKeyID is set for partner API keys.
	APIKeyID uuid.UUID
	// Scopes limit an API key (READ, WRITE, INGEST, ADMIN).
	Scopes []string
	// TokenID is the access token's jti (for revocation).
	TokenID string
	// ExpiresAt is when the credential stops being valid (zero: never).
	ExpiresAt time.Time
	// Operator marks a platform operator.
	Operator bool
	// SessionID is the user's refresh-token family (zero for API keys).
	SessionID uuid.UUID
	// IssuedAt is when the access token was issued (revocations refuse
	// tokens issued before them).
	IssuedAt time.Time
	// Plan is the tenant's plan (it sizes the rate-limit bucket).
	Plan string
	// MFA is true when the session's log-in passed a second factor.
	MFA bool
	// MFARequired is true when the tenant requires MFA of its members;
	// such a user without MFA may only enrol (see Directives).
	MFARequired bool
	// ViaCookie is true when the credential came from the session cookie,
	// so mutations must carry the CSRF header.
	ViaCookie bool
}

// IsUser reports whether p is a signed-in user (not an API key).
func (p *Principal) IsUser() bool { return p.UserID != uuid.Nil }

// HasScope reports whether an API key principal holds s; ADMIN implies
// READ and WRITE (not INGEST).
func (p *Principal) HasScope(s Scope) bool {
	for _, have := range p.Scopes {
		if Scope(have) == s || (Scope(have) == ScopeAdmin && (s == ScopeRead || s == ScopeWrite)) {
			return true
		}
	}
	return false
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the request's principal, if authenticated.
func FromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}

// Client is where a request came from, for the audit log and throttling.
type Client struct {
	IP        string
	UserAgent string
}

type clientKey struct{}

// WithClient returns ctx carrying c.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the request's client (zero outside HTTP requests).
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}
