package platforms

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// The OAuth 2.0 authorization-code flow (RFC 6749 §4.1, PKCE RFC 7636):
// ConnectPlatform stores a single-use state bound to the user and tenant
// (only its SHA-256) and returns the platform's consent page; the platform
// sends the browser back to GET /oauth/<platform>/callback, where Callback
// checks the state, marks it used and commits, then exchanges the code and
// lists the accounts with no transaction open, then stores the connection.

// ConnectInput is connectPlatform's input.
type ConnectInput struct {
	Platform string
	// RedirectURI must be this server's /oauth/<platform>/callback.
	RedirectURI string
	// ReturnTo is the dashboard path the browser returns to (default
	// /platforms?connected=<platform>); a path on this server only.
	ReturnTo string
}

func (c *Connections) stateTTL() time.Duration {
	if c.StateTTL > 0 {
		return c.StateTTL
	}
	return 10 * time.Minute
}

// CallbackURL is this server's redirect URI for platform.
func (c *Connections) CallbackURL(platform string) string {
	return strings.TrimRight(c.PublicURL, "/") + "/oauth/" + Slug(platform) + "/callback"
}

// ConnectPlatform starts an authorization of platform by user in tenant and
// returns the platform's consent URL. A platform without app credentials
// is refused (BAD_USER_INPUT on input.platform), as is a redirect URI other
// than this server's callback.
func (c *Connections) ConnectPlatform(ctx context.Context, tenant, user uuid.UUID, in ConnectInput) (authorizeURL string, err error) {
	defer derrors.Wrap(&err, "platforms.Connections.ConnectPlatform(%v, %s)", tenant, in.Platform)
	if !isReal(in.Platform) {
		return "", apperr.Invalid([]string{"input", "platform"}, "%s cannot be connected by OAuth (use connectSandbox for the simulator)", Name(in.Platform))
	}
	api := c.Platforms.APIs[in.Platform]
	if api == nil || !api.Configured() {
		pre := "STRATUM_" + EnvPrefix(in.Platform)
		return "", apperr.Invalid([]string{"input", "platform"}, "%s is not configured on this server (%s_CLIENT_ID and %s_CLIENT_SECRET are not set)", Name(in.Platform), pre, pre)
	}
	if err := c.checkRedirect(in.Platform, in.RedirectURI); err != nil {
		return "", err
	}
	returnTo, err := checkReturnTo(in.ReturnTo)
	if err != nil {
		return "", err
	}
	state, err := randomString(32)
	if err != nil {
		return "", err
	}
	req := AuthorizeRequest{State: state, RedirectURI: in.RedirectURI}
	var sealedVerifier []byte
	if api.SupportsPKCE() {
		verifier, err := randomString(32) // 43 characters of base64url, RFC 7636 §4.1
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256([]byte(verifier))
		req.CodeChallenge = base64.RawURLEncoding.EncodeToString(sum[:])
		if sealedVerifier, err = c.Box.Seal([]byte(verifier)); err != nil {
			return "", err
		}
	}
	err = c.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := c.DB.Now(ctx)
		// Finished and expired authorizations are of no further use.
		if _, err := tx.NewDelete().Model((*OAuthState)(nil)).Where("used_at IS NOT NULL OR expires_at <= ?", now).Exec(ctx); err != nil {
			return err
		}
		// A user keeps at most MaxPendingStates pending ones: drop the oldest.
		if _, err := tx.NewRaw(`DELETE FROM platform_oauth_states WHERE user_id = ? AND state_hash IN (
			SELECT state_hash FROM platform_oauth_states WHERE user_id = ? ORDER BY created_at DESC, state_hash OFFSET ?)`,
			user, user, MaxPendingStates-1).Exec(ctx); err != nil {
			return err
		}
		h := sha256.Sum256([]byte(state))
		_, err := tx.NewInsert().Model(&OAuthState{TenantID: tenant, StateHash: h[:], UserID: user, Platform: in.Platform,
			RedirectURI: in.RedirectURI, ReturnTo: returnTo, VerifierSealed: sealedVerifier, CreatedAt: now,
			ExpiresAt: now.Add(c.stateTTL())}).Exec(ctx)
		return err
	})
	if err != nil {
		return "", err
	}
	return api.AuthorizeURL(req), nil
}

// checkRedirect accepts only this server's callback URL of platform.
func (c *Connections) checkRedirect(platform, raw string) error {
	field := []string{"input", "redirectUri"}
	want := c.CallbackURL(platform)
	if raw == "" || len(raw) > 2048 {
		return apperr.Invalid(field, "give this server's callback URL, %s", want)
	}
	u, err := url.Parse(raw)
	pub, perr := url.Parse(want)
	if err != nil || perr != nil || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		!strings.EqualFold(u.Scheme, pub.Scheme) || !strings.EqualFold(u.Host, pub.Host) || u.Path != pub.Path {
		return apperr.Invalid(field, "must be this server's callback URL, %s", want)
	}
	return nil
}

// checkReturnTo accepts a path on this server ("" for the default).
func checkReturnTo(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	field := []string{"input", "returnTo"}
	u, err := url.Parse(s)
	if len(s) > 512 || err != nil || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") ||
		u.Scheme != "" || u.Host != "" || strings.ContainsAny(s, "\r\n\\") {
		return "", apperr.Invalid(field, "must be a path on this server (e.g. /platforms), at most 512 characters")
	}
	return s, nil
}

func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CallbackInput is what the platform sent back to the callback.
type CallbackInput struct {
	Platform string
	Code     string
	State    string
	// Error and ErrorDescription are the platform's refusal (RFC 6749
	// §4.1.2.1, e.g. access_denied when the person declined).
	Error, ErrorDescription string
}

// CallbackError is a failed callback: Reason is a short code for the
// dashboard's error parameter, Message says what happened in words.
type CallbackError struct {
	Reason  string
	Message string
	// ReturnTo is where the browser goes (empty: the default Platforms screen).
	ReturnTo string
	err      error
}

func (e *CallbackError) Error() string {
	if e.err != nil {
		return e.Reason + ": " + e.Message + ": " + e.err.Error()
	}
	return e.Reason + ": " + e.Message
}

func (e *CallbackError) Unwrap() error { return e.err }

// Callback reasons.
const (
	ReasonInvalidState = "invalid_state"
	ReasonDenied       = "access_denied"
	ReasonPlatform     = "platform_error"
)

// DefaultReturnTo is the Platforms screen, telling it platform connected.
func DefaultReturnTo(platform string) string { return "/platforms?connected=" + Slug(platform) }

var oauthWord = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// Callback completes an authorization for user in tenant (the session of
// the browser the platform sent back). The state must be one this user
// started in this tenant for this platform, unexpired and unused; anything
// else is refused with nothing changed. It returns the connection and
// where to send the browser; failures are *CallbackError (a readable
// reason) or an infrastructure error.
func (c *Connections) Callback(ctx context.Context, tenant, user uuid.UUID, in CallbackInput) (v *ConnectionView, returnTo string, err error) {
	defer derrors.Wrap(&err, "platforms.Connections.Callback(%v, %s)", tenant, in.Platform)
	api := c.Platforms.APIs[in.Platform]
	if !isReal(in.Platform) || api == nil {
		return nil, "", &CallbackError{Reason: ReasonInvalidState, Message: "unknown platform"}
	}
	if in.State == "" || len(in.State) > 512 || len(in.Code) > 4096 {
		return nil, "", &CallbackError{Reason: ReasonInvalidState, Message: "This authorization is not valid. Start connecting again from the Platforms screen."}
	}
	h := sha256.Sum256([]byte(in.State))
	var st OAuthState
	err = c.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := c.DB.Now(ctx)
		var rows []OAuthState
		if err := tx.NewSelect().Model(&rows).Where("os.state_hash = ?", h[:]).For("UPDATE").Scan(ctx); err != nil {
			return err
		}
		switch {
		case len(rows) == 0 || rows[0].UserID != user || rows[0].Platform != in.Platform:
			return &CallbackError{Reason: ReasonInvalidState, Message: "This authorization was not started by you in this workspace. Start connecting again from the Platforms screen."}
		case rows[0].UsedAt != nil:
			return &CallbackError{Reason: ReasonInvalidState, Message: "This authorization was already used. Start connecting again from the Platforms screen."}
		case !now.Before(rows[0].ExpiresAt):
			return &CallbackError{Reason: ReasonInvalidState, Message: "This authorization expired (it must finish within 10 minutes). Start connecting again from the Platforms screen."}
		}
		st = rows[0]
		_, err := tx.NewUpdate().Model(&st).Set("used_at = ?", now).WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	returnTo = st.ReturnTo
	if returnTo == "" {
		returnTo = DefaultReturnTo(in.Platform)
	}
	fail := func(reason, msg string, cause error) (*ConnectionView, string, error) {
		return nil, "", &CallbackError{Reason: reason, Message: msg, ReturnTo: returnTo, err: cause}
	}
	if in.Error != "" {
		word := in.Error
		if !oauthWord.MatchString(word) {
			word = "error"
		}
		msg := fmt.Sprintf("%s did not grant access (%s).", Name(in.Platform), word)
		if d := strings.TrimSpace(in.ErrorDescription); d != "" {
			msg = fmt.Sprintf("%s did not grant access: %s", Name(in.Platform), clipBytes(d, 300))
		}
		if word == ReasonDenied {
			return fail(ReasonDenied, msg, nil)
		}
		return fail(ReasonPlatform, msg, nil)
	}
	if in.Code == "" {
		return fail(ReasonPlatform, Name(in.Platform)+" sent no authorization code.", nil)
	}
	verifier := ""
	if len(st.VerifierSealed) > 0 {
		b, err := c.Box.Open(st.VerifierSealed)
		if err != nil {
			return nil, "", err
		}
		verifier = string(b)
	}
	// The platform is called with no transaction open (the state is
	// already used: a replayed callback is refused above).
	tok, err := api.Exchange(ctx, in.Code, st.RedirectURI, verifier)
	if err != nil {
		return fail(ReasonPlatform, platformWords(in.Platform, "refused the authorization code", err), err)
	}
	accts, err := api.Accounts(ctx, tok)
	if err != nil {
		return fail(ReasonPlatform, platformWords(in.Platform, "did not list the ad accounts", err), err)
	}
	v, err = c.storeGrant(ctx, tenant, user, in.Platform, tok, accts)
	return v, returnTo, err
}

// platformWords is a failure in the platform's own words (never a token).
func platformWords(platform, what string, err error) string {
	var ae *APIError
	if errors.As(err, &ae) && ae.Message != "" {
		return fmt.Sprintf("%s %s: %s", Name(platform), what, clipBytes(ae.Message, 300))
	}
	return fmt.Sprintf("%s %s (try again in a moment).", Name(platform), what)
}

// storeGrant stores (or, for the same platform user, updates) the
// connection of a fresh grant and upserts its accounts (new ones not
// selected), resolving an open re-authorization incident.
func (c *Connections) storeGrant(ctx context.Context, tenant, user uuid.UUID, platform string, tok Token, accts []Account) (v *ConnectionView, err error) {
	sealed, kid, err := c.sealToken(tok)
	if err != nil {
		return nil, err
	}
	if len(accts) > MaxAccountsPerConnection {
		accts = accts[:MaxAccountsPerConnection]
	}
	scopes := tok.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	err = c.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := c.DB.Now(ctx)
		cn := &Connection{TenantID: tenant, ID: uuid.New(), Platform: platform, Status: ConnectionOK,
			ExternalUserID: clipBytes(tok.Subject, 200), TokenSealed: sealed, TokenKeyID: &kid,
			TokenExpiresAt: timePtr(tok.ExpiresAt), RefreshExpiresAt: timePtr(tok.RefreshExpiresAt), Scopes: scopes,
			CreatedBy: &user, CreatedAt: now, UpdatedAt: now}
		if err := tx.NewInsert().Model(cn).On("CONFLICT (tenant_id, platform, external_user_id) DO UPDATE").
			Set("status = EXCLUDED.status, status_message = '', token_sealed = EXCLUDED.token_sealed, token_key_id = EXCLUDED.token_key_id").
			Set("token_expires_at = EXCLUDED.token_expires_at, refresh_expires_at = EXCLUDED.refresh_expires_at, scopes = EXCLUDED.scopes").
			Set("last_error = '', last_error_at = NULL, updated_at = EXCLUDED.updated_at").
			Returning("id, created_at").Scan(ctx); err != nil {
			return fmt.Errorf("store connection: %w", err)
		}
		for _, a := range accts {
			cur := strings.ToUpper(strings.TrimSpace(a.Currency))
			if len(cur) != 3 || strings.Trim(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" || a.ExternalID == "" || len(a.ExternalID) > 200 {
				continue // not an account Stratum can keep money for
			}
			tz := a.TimeZone
			if tz == "" || len(tz) > 64 {
				tz = "UTC"
			}
			row := &AdAccount{TenantID: tenant, ID: uuid.New(), ConnectionID: cn.ID, Platform: platform, ExternalID: a.ExternalID,
				Name: clipBytes(a.Name, 500), Currency: cur, TimeZone: tz, ParentID: clipBytes(a.ParentID, 200), PlatformStatus: clipBytes(a.Status, 100),
				CreatedAt: now, UpdatedAt: now}
			if _, err := tx.NewInsert().Model(row).On("CONFLICT (tenant_id, connection_id, external_id) DO UPDATE").
				Set("name = EXCLUDED.name, currency = EXCLUDED.currency, time_zone = EXCLUDED.time_zone, parent_id = EXCLUDED.parent_id").
				Set("platform_status = EXCLUDED.platform_status, updated_at = EXCLUDED.updated_at").Exec(ctx); err != nil {
				return fmt.Errorf("store ad account: %w", err)
			}
		}
		if c.Incidents != nil {
			closed, err := c.Incidents.CloseTx(ctx, tx, tenant, []string{reauthKey(cn.ID)}, Name(platform)+" was connected again.", incidents.System)
			if err != nil {
				return err
			}
			if len(closed) > 0 {
				// The outage a refused grant reported is over.
				if _, err := c.Platforms.SetStatusTx(ctx, tx, tenant, platform, Operational, Name(platform)+" connected again"); err != nil {
					return err
				}
			}
		}
		if err := audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "platform.connected", TargetType: relay.TypePlatformConnection, TargetID: cn.ID,
			Details: map[string]any{"connectionId": cn.ID.String(), "platform": platform, "accounts": len(accts)}}); err != nil {
			return err
		}
		if err := publishConnection(ctx, tx, tenant, cn.ID); err != nil {
			return err
		}
		v, err = viewTx(ctx, tx, cn.ID)
		return err
	})
	return v, err
}
