// Package session turns a request's credentials into a principal and
// keeps web sessions safe: Bearer tokens and API keys, the httpOnly session
// and refresh cookies with their double-submit CSRF check, and the watcher
// that ends websockets and SSE streams whose credential is revoked or
// expires. It knows HTTP and gqlgen, not the schema: resolvers call it to
// set and clear cookies, and the app registers its extensions.
package session

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/apperr"
)

// Cookie and header names of web sessions. Web clients receive the tokens
// as httpOnly cookies and must echo the readable CSRF cookie in the CSRF
// header on every mutation (double-submit; SameSite=Lax already keeps the
// cookies off cross-site POSTs).
const (
	SessionCookie = "stratum_session"
	RefreshCookie = "stratum_refresh"
	CSRFCookie    = "stratum_csrf"
	CSRFHeader    = "X-CSRF-Token"
)

// Authenticator resolves credentials into a principal for HTTP requests
// and websocket connection_init payloads.
type Authenticator interface {
	// Authenticate returns r's context with its principal attached, the
	// unchanged context when no credential was sent, or an error for an
	// invalid credential.
	Authenticate(r *http.Request) (context.Context, error)
	// AuthenticateInit does the same for a websocket's connection_init payload.
	AuthenticateInit(ctx context.Context, payload map[string]any) (context.Context, error)
}

// Anonymous authenticates nobody: every caller is anonymous (servers built
// without the identity services, tests).
type Anonymous struct{}

// Authenticate implements Authenticator.
func (Anonymous) Authenticate(r *http.Request) (context.Context, error) { return r.Context(), nil }

// AuthenticateInit implements Authenticator.
func (Anonymous) AuthenticateInit(ctx context.Context, _ map[string]any) (context.Context, error) {
	return ctx, nil
}

// Credentials is the real Authenticator: access tokens, API keys and
// session cookies checked by the auth service.
type Credentials struct{ Auth *auth.Service }

type csrfKey struct{}

// Authenticate implements Authenticator: a Bearer header (access token or
// API key) wins; otherwise the session cookie. An invalid Bearer
// credential is an error (401); an invalid or expired cookie is ignored
// (the caller is anonymous and the dashboard refreshes or signs in again).
// A credential that cannot be checked at all (the database is down) is
// an error either way, which the router answers 503.
func (a Credentials) Authenticate(r *http.Request) (context.Context, error) {
	ctx := auth.WithClient(r.Context(), clientOf(r))
	csrf, _ := r.Cookie(CSRFCookie)
	ok := csrf != nil && csrf.Value != "" && subtle.ConstantTimeCompare([]byte(csrf.Value), []byte(r.Header.Get(CSRFHeader))) == 1
	ctx = context.WithValue(ctx, csrfKey{}, ok)
	if rc, err := r.Cookie(RefreshCookie); err == nil && rc.Value != "" {
		ctx = context.WithValue(ctx, refreshCookieKey{}, rc.Value)
	}
	if h := r.Header.Get("Authorization"); h != "" {
		raw, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return ctx, apperr.Unauthenticatedf("use Authorization: Bearer <token>")
		}
		p, err := a.Auth.Authenticate(ctx, strings.TrimSpace(raw))
		if err != nil {
			return ctx, err
		}
		return auth.WithPrincipal(ctx, p), nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return ctx, nil
	}
	p, err := a.Auth.Authenticate(ctx, c.Value)
	if err != nil && apperr.CodeOf(err) != apperr.Unauthenticated {
		return ctx, err // the cookie could not be checked (database trouble): 503, not signed out
	}
	if err != nil || !p.IsUser() {
		return ctx, nil
	}
	p.ViaCookie = true
	return auth.WithPrincipal(ctx, p), nil
}

// AuthenticateInit implements Authenticator for connection_init payloads:
// {"Authorization": "Bearer …"} (or "authorization", "accessToken",
// "token"). Without one, the upgrade request's cookie principal stays.
func (a Credentials) AuthenticateInit(ctx context.Context, payload map[string]any) (context.Context, error) {
	raw := ""
	for _, k := range []string{"Authorization", "authorization", "accessToken", "token"} {
		if v, ok := payload[k].(string); ok && v != "" {
			raw = strings.TrimSpace(strings.TrimPrefix(v, "Bearer "))
			break
		}
	}
	if h, ok := payload["headers"].(map[string]any); raw == "" && ok {
		if v, ok := h["Authorization"].(string); ok {
			raw = strings.TrimSpace(strings.TrimPrefix(v, "Bearer "))
		}
	}
	if raw == "" {
		return ctx, nil
	}
	p, err := a.Auth.Authenticate(ctx, raw)
	if err != nil {
		return ctx, err
	}
	return auth.WithPrincipal(ctx, p), nil
}

// csrfOK reports whether the request carried a valid CSRF header.
func csrfOK(ctx context.Context) bool {
	ok, _ := ctx.Value(csrfKey{}).(bool)
	return ok
}

func clientOf(r *http.Request) auth.Client {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return auth.Client{IP: host, UserAgent: r.UserAgent()}
}

type cookieJarKey struct{}

// WithResponseWriter returns ctx carrying w, so that SetCookies and
// ClearCookies can set cookies on the response of a GraphQL request.
func WithResponseWriter(ctx context.Context, w http.ResponseWriter) context.Context {
	return context.WithValue(ctx, cookieJarKey{}, w)
}

// SetCookies sets the session, refresh and CSRF cookies of a sign-in on
// the response (WithResponseWriter; without one, nothing). It fails (and
// sets nothing) when no CSRF token can be generated: an empty one would
// match an empty header.
func SetCookies(ctx context.Context, secure bool, s *auth.Session) error {
	w, ok := ctx.Value(cookieJarKey{}).(http.ResponseWriter)
	if !ok {
		return nil
	}
	csrf, err := auth.RandomToken(20)
	if err != nil {
		return fmt.Errorf("generate a CSRF token: %w", err)
	}
	// The access token's lifetime, counted by the browser from now: it does
	// not read the server's clock, whose time (the database clock's) the
	// token's times come from.
	maxAge := int(s.ExpiresAt.Sub(s.Claims.IssuedAt.Time).Seconds())
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: s.AccessToken, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: RefreshCookie, Value: s.RefreshToken, Path: "/graphql", MaxAge: 7 * 24 * 3600, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: csrf, Path: "/", MaxAge: 7 * 24 * 3600, Secure: secure, SameSite: http.SameSiteLaxMode})
	return nil
}

// ClearCookies expires the session, refresh and CSRF cookies (log-out, a
// refused refresh).
func ClearCookies(ctx context.Context, secure bool) {
	w, ok := ctx.Value(cookieJarKey{}).(http.ResponseWriter)
	if !ok {
		return
	}
	for _, c := range []struct{ name, path string }{{SessionCookie, "/"}, {RefreshCookie, "/graphql"}, {CSRFCookie, "/"}} {
		http.SetCookie(w, &http.Cookie{Name: c.name, Value: "", Path: c.path, MaxAge: -1, HttpOnly: c.name != CSRFCookie, Secure: secure, SameSite: http.SameSiteLaxMode})
	}
}

// RefreshFromCookie returns the refresh cookie of the request, if the request
// also proved it is same-site (CSRF header): refreshSession's fallback when
// the client sends no refreshToken.
func RefreshFromCookie(ctx context.Context) (string, error) {
	v, _ := ctx.Value(refreshCookieKey{}).(string)
	if v == "" {
		return "", apperr.Invalid([]string{"input", "refreshToken"}, "give refreshToken (or send the refresh cookie)")
	}
	if !csrfOK(ctx) {
		return "", apperr.Forbiddenf("send the stratum_csrf cookie's value in the %s header", CSRFHeader)
	}
	return v, nil
}

type refreshCookieKey struct{}

// CSRFGuard refuses mutations authenticated by cookie without the CSRF
// header. Register it on the GraphQL handler.
type CSRFGuard struct{}

// ExtensionName implements graphql.HandlerExtension.
func (CSRFGuard) ExtensionName() string { return "CSRFGuard" }

// Validate implements graphql.HandlerExtension.
func (CSRFGuard) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (CSRFGuard) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil || rc.Operation.Operation != ast.Mutation {
		return nil
	}
	if p, ok := auth.FromContext(ctx); ok && p.ViaCookie && !csrfOK(ctx) {
		return &gqlerror.Error{Message: "mutations authenticated by cookie must send the stratum_csrf cookie's value in the " + CSRFHeader + " header",
			Extensions: map[string]any{"code": string(apperr.Forbidden), "csrfHeader": CSRFHeader}}
	}
	return nil
}
