package auth

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Token kinds (the "typ" claim): an access token authenticates requests; a
// challenge token only lets verifyMfa finish a log-in.
const (
	KindAccess    = "access"
	KindChallenge = "mfa_challenge"
)

// Issuer is the "iss" claim of every token Stratum signs.
const Issuer = "stratum"

func init() {
	// Sub-second iat lets a revocation at time T refuse every token issued
	// before T and accept the one issued right after (RFC 7519 NumericDate
	// may be fractional).
	jwt.TimePrecision = time.Millisecond
}

// Claims are the claims of Stratum's access and challenge tokens.
type Claims struct {
	jwt.RegisteredClaims
	// Kind is KindAccess or KindChallenge.
	Kind string `json:"typ"`
	// TenantID is the tenant the token acts in ("tid").
	TenantID uuid.UUID `json:"tid"`
	// Role is the user's role in TenantID.
	Role Role `json:"role,omitempty"`
	// SessionID is the refresh-token family ("sid").
	SessionID uuid.UUID `json:"sid,omitempty"`
	// Plan is the tenant's plan, for rate-limit buckets.
	Plan string `json:"plan,omitempty"`
	// MFA is true when the log-in passed a second factor.
	MFA bool `json:"mfa,omitempty"`
	// MFARequired is true when the tenant requires MFA of its members.
	MFARequired bool `json:"mreq,omitempty"`
	// Operator marks a platform operator.
	Operator bool `json:"op,omitempty"`
}

// UserID returns the subject as a uuid.
func (c *Claims) UserID() uuid.UUID {
	id, _ := uuid.Parse(c.Subject)
	return id
}

// SignToken signs c with HS256 under secret.
func SignToken(secret []byte, c *Claims) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
}

// ErrInvalidToken is returned for every token that does not verify; the
// reason is in the wrapped error, for logs only.
var ErrInvalidToken = errors.New("auth: invalid token")

// MaxTokenLength bounds what the parsers look at.
const MaxTokenLength = 4096

// ParseToken verifies raw (signature, HS256 only, issuer, expiry, kind) and
// returns its claims. now is the verification time.
func ParseToken(secret []byte, raw, kind string, now time.Time) (*Claims, error) {
	if len(raw) > MaxTokenLength || strings.Count(raw, ".") != 2 {
		return nil, ErrInvalidToken
	}
	c := new(Claims)
	p := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(Issuer),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(5*time.Second), jwt.WithStrictDecoding())
	_, err := p.ParseWithClaims(raw, c, func(*jwt.Token) (any, error) { return secret, nil })
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if c.Kind != kind || c.ID == "" || c.TenantID == uuid.Nil || c.UserID() == uuid.Nil {
		return nil, fmt.Errorf("%w: wrong kind or missing claims", ErrInvalidToken)
	}
	if kind == KindAccess && (c.SessionID == uuid.Nil || c.Role.Rank() == 0) {
		return nil, fmt.Errorf("%w: access token without session or role", ErrInvalidToken)
	}
	return c, nil
}

// ParseAccessToken verifies an access token.
func ParseAccessToken(secret []byte, raw string, now time.Time) (*Claims, error) {
	return ParseToken(secret, raw, KindAccess, now)
}

func newClaims(kind string, user, tenant uuid.UUID, now time.Time, ttl time.Duration) *Claims {
	return &Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			ID: uuid.NewString(), Subject: user.String(), Issuer: Issuer,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Kind: kind, TenantID: tenant,
	}
}
