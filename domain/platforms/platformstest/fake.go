// Package platformstest is an in-process fake platforms.API for tests of
// the connections side (OAuth, tokens, accounts): it plays the platform's
// consent page and token endpoint, checks what a real platform checks
// (the redirect URI and PKCE verifier of the authorization, single-use
// codes) and records every violation of the contract — above all a call
// made inside a database transaction — so the test fails on it. The real
// platforms' wire-level fakes live beside their clients.
package platformstest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/db"
)

// Fake is one platform. Set its fields before use; it is safe for
// concurrent use.
type Fake struct {
	Name  string // platforms.Meta etc.
	PKCE  bool
	NoApp bool // not Configured (no client id/secret)
	// AccountList is what Accounts returns.
	AccountList []platforms.Account
	// Lifetime is the access tokens' lifetime (default 1 hour); Now is the
	// clock tokens are issued by: the test's database clock (required).
	Lifetime time.Duration
	Now      func() time.Time
	// Subject is the granting user's id on the platform.
	Subject string

	mu         sync.Mutex
	pending    map[string]authz // code → the authorization it came from
	issued     int
	revoked    map[string]bool // refresh tokens the platform refuses
	exchanges  int
	refreshes  int
	violations []string
}

type authz struct {
	redirect, challenge string
}

// Platform implements platforms.API.
func (f *Fake) Platform() string { return f.Name }

// Configured implements platforms.API.
func (f *Fake) Configured() bool { return !f.NoApp }

// SupportsPKCE implements platforms.API.
func (f *Fake) SupportsPKCE() bool { return f.PKCE }

// AuthorizeURL implements platforms.API: a consent page URL carrying the
// request's fields as a real one does.
func (f *Fake) AuthorizeURL(req platforms.AuthorizeRequest) string {
	q := url.Values{"client_id": {"fake-app"}, "response_type": {"code"}, "state": {req.State}, "redirect_uri": {req.RedirectURI}}
	if req.CodeChallenge != "" {
		q.Set("code_challenge", req.CodeChallenge)
		q.Set("code_challenge_method", "S256")
	}
	if f.PKCE != (req.CodeChallenge != "") {
		f.violate("AuthorizeURL: PKCE challenge present=%v for a platform with PKCE=%v", req.CodeChallenge != "", f.PKCE)
	}
	return "https://consent.fake.test/oauth/authorize?" + q.Encode()
}

// Consent plays the person approving on the consent page of authorizeURL:
// it returns the callback query (code and state) the platform redirects to.
func (f *Fake) Consent(authorizeURL string) (redirectURI string, query url.Values, err error) {
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pending == nil {
		f.pending = map[string]authz{}
	}
	f.issued++
	code := fmt.Sprintf("code-%d", f.issued)
	f.pending[code] = authz{redirect: q.Get("redirect_uri"), challenge: q.Get("code_challenge")}
	return q.Get("redirect_uri"), url.Values{"code": {code}, "state": {q.Get("state")}}, nil
}

func (f *Fake) violate(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.violations = append(f.violations, fmt.Sprintf(format, args...))
}

// Violations lists the contract violations seen (the test asserts none).
func (f *Fake) Violations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.violations...)
}

// Calls returns how many code exchanges and refreshes were made.
func (f *Fake) Calls() (exchanges, refreshes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.exchanges, f.refreshes
}

// Revoke makes the platform refuse tok's refresh token (the person removed
// the app, or the grant expired).
func (f *Fake) Revoke(refreshToken string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.revoked == nil {
		f.revoked = map[string]bool{}
	}
	f.revoked[refreshToken] = true
}

func (f *Fake) noTx(ctx context.Context, call string) {
	if _, ok := db.TxFromContext(ctx); ok {
		f.violate("%s called inside a database transaction", call)
	}
}

func (f *Fake) now() time.Time {
	if f.Now == nil {
		f.violations = append(f.violations, "Fake.Now is not set")
		return time.Time{}
	}
	return f.Now()
}

func (f *Fake) token() platforms.Token {
	life := f.Lifetime
	if life == 0 {
		life = time.Hour
	}
	f.issued++
	return platforms.Token{AccessToken: fmt.Sprintf("access-%d", f.issued), RefreshToken: fmt.Sprintf("refresh-%d", f.issued),
		ExpiresAt: f.now().Add(life), Scopes: []string{"ads_read", "ads_management"}, Subject: f.Subject}
}

func (f *Fake) authError(msg string) error {
	return &platforms.APIError{Platform: f.Name, Kind: platforms.ErrorAuth, HTTPStatus: 400, Code: "invalid_grant", Message: msg}
}

// Exchange implements platforms.API: the code must be one Consent issued,
// unused, with the authorization's redirect URI and (with PKCE) the
// verifier of its challenge.
func (f *Fake) Exchange(ctx context.Context, code, redirectURI, codeVerifier string) (platforms.Token, error) {
	f.noTx(ctx, "Exchange")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exchanges++
	a, ok := f.pending[code]
	if !ok {
		return platforms.Token{}, f.authError("The authorization code is invalid or was already used.")
	}
	delete(f.pending, code)
	if a.redirect != redirectURI {
		f.violations = append(f.violations, "Exchange: redirect_uri differs from the authorization's")
		return platforms.Token{}, f.authError("redirect_uri mismatch")
	}
	if a.challenge != "" {
		sum := sha256.Sum256([]byte(codeVerifier))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != a.challenge {
			f.violations = append(f.violations, "Exchange: code_verifier does not match the S256 challenge")
			return platforms.Token{}, f.authError("code_verifier mismatch")
		}
	} else if codeVerifier != "" {
		f.violations = append(f.violations, "Exchange: a code_verifier without a challenge")
	}
	return f.token(), nil
}

// Refresh implements platforms.API.
func (f *Fake) Refresh(ctx context.Context, tok platforms.Token) (platforms.Token, error) {
	f.noTx(ctx, "Refresh")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshes++
	if tok.RefreshToken == "" {
		f.violations = append(f.violations, "Refresh: no refresh token sent")
	}
	if f.revoked[tok.RefreshToken] {
		return platforms.Token{}, f.authError("The user has revoked access to the app.")
	}
	return f.token(), nil
}

// Accounts implements platforms.API.
func (f *Fake) Accounts(ctx context.Context, tok platforms.Token) ([]platforms.Account, error) {
	f.noTx(ctx, "Accounts")
	if tok.AccessToken == "" {
		f.violate("Accounts: no access token")
	}
	return append([]platforms.Account(nil), f.AccountList...), nil
}

// Structure implements platforms.API (no structure: the connections tests
// do not sync).
func (f *Fake) Structure(ctx context.Context, tok platforms.Token, acct platforms.Account, fn func(platforms.StructurePage) error) error {
	f.noTx(ctx, "Structure")
	return nil
}

// Insights implements platforms.API (no rows).
func (f *Fake) Insights(ctx context.Context, tok platforms.Token, acct platforms.Account, from, to string, fn func([]platforms.Insight) error) error {
	f.noTx(ctx, "Insights")
	return nil
}

// Campaign implements platforms.API.
func (f *Fake) Campaign(ctx context.Context, tok platforms.Token, acct platforms.Account, c platforms.RemoteCampaign) (platforms.CampaignState, error) {
	f.noTx(ctx, "Campaign")
	return platforms.CampaignState{}, &platforms.APIError{Platform: f.Name, Kind: platforms.ErrorPermanent, Code: "404", Message: "no such campaign"}
}

// Mutate implements platforms.API.
func (f *Fake) Mutate(ctx context.Context, tok platforms.Token, acct platforms.Account, m platforms.Mutation) error {
	f.noTx(ctx, "Mutate")
	return &platforms.APIError{Platform: f.Name, Kind: platforms.ErrorPermanent, Code: "404", Message: "no such campaign"}
}

var _ platforms.API = (*Fake)(nil)
