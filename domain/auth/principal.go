// Package auth owns who is calling: the Principal every request carries
// (a user with a role in one tenant, or a partner API key with scopes).
package auth

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Role is a member's role in a tenant, from most to least privileged.
type Role string

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
