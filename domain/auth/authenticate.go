// Authentication: a bearer access token or API key becomes a principal.

package auth

import (
	"context"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// ErrRevoked answers a credential that was revoked.
var ErrRevoked = apperr.Unauthenticatedf("the credential has been revoked; sign in again")

// Authenticate turns a bearer credential (access token or API key) into a
// principal, checking the denylist and that the token's tenant, role and
// operator claims match the account now (checkMembership: a cached view,
// no database round trip per request).
func (s *Service) Authenticate(ctx context.Context, raw string) (_ *Principal, err error) {
	defer derrors.Wrap(&err, "auth.Service.Authenticate")
	if LooksLikeAPIKey(raw) {
		return s.authenticateAPIKey(ctx, raw)
	}
	s.tokenOnce.Do(func() { s.tokens = newTokenCache() })
	now := s.DB.Now(ctx)
	c, ok := s.tokens.get(raw, now)
	if !ok {
		var err error
		if c, err = ParseAccessToken(s.Cfg.Secret, raw, now); err != nil {
			return nil, apperr.Unauthenticatedf("the access token is invalid or expired")
		}
		s.tokens.add(raw, c)
	}
	p := PrincipalOf(c)
	if err := s.CheckRevoked(ctx, p); err != nil {
		return nil, err
	}
	if err := s.checkMembership(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// CheckRevoked returns ErrRevoked when p was revoked or has expired.
func (s *Service) CheckRevoked(ctx context.Context, p *Principal) (err error) {
	defer derrors.Wrap(&err, "auth.Service.CheckRevoked")
	if !p.ExpiresAt.IsZero() && s.DB.Now(ctx).After(p.ExpiresAt) {
		return apperr.Unauthenticatedf("the access token has expired")
	}
	revoked, err := s.Revocations.Revoked(ctx, p)
	if err != nil {
		return err
	}
	if revoked {
		return ErrRevoked
	}
	return nil
}

// PrincipalOf maps access-token claims to a principal.
func PrincipalOf(c *Claims) *Principal {
	return &Principal{UserID: c.UserID(), TenantID: c.TenantID, Role: c.Role, TokenID: c.ID,
		ExpiresAt: c.ExpiresAt.Time, IssuedAt: c.IssuedAt.Time, Operator: c.Operator, SessionID: c.SessionID,
		Plan: c.Plan, MFA: c.MFA, MFARequired: c.MFARequired}
}
