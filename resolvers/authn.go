package resolvers

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/gqlserver"
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

// Identity wires the identity services into the resolver.
type Identity struct {
	Auth    *auth.Service
	Tenancy *tenancy.Service
	// SecureCookies adds the Secure attribute (outside development).
	SecureCookies bool
	// WatchInterval is how often open subscriptions re-check their
	// credential (default 1s).
	WatchInterval time.Duration
	// Buckets size cost-based rate limits by plan ("" is the default, and
	// "anonymous" applies per client IP to unauthenticated callers).
	Buckets map[string]auth.Bucket
}

// UseIdentity installs the identity services and the real authenticator.
func (r *Resolver) UseIdentity(id Identity) {
	r.Identity = id
	r.Svc.Auth, r.Svc.Tenancy = id.Auth, id.Tenancy
	r.Auth = sessionAuth{r}
}

type sessionAuth struct{ r *Resolver }

type csrfKey struct{}

// Authenticate implements Authenticator: a Bearer header (access token or
// API key) wins; otherwise the session cookie. An invalid Bearer
// credential is an error (401); an invalid or expired cookie is ignored
// (the caller is anonymous and the dashboard refreshes or signs in again).
// A credential that cannot be checked at all (the database is down) is
// an error either way, which the router answers 503.
func (a sessionAuth) Authenticate(r *http.Request) (context.Context, error) {
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
		p, err := a.r.Identity.Auth.Authenticate(ctx, strings.TrimSpace(raw))
		if err != nil {
			return ctx, err
		}
		return auth.WithPrincipal(ctx, p), nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return ctx, nil
	}
	p, err := a.r.Identity.Auth.Authenticate(ctx, c.Value)
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
func (a sessionAuth) AuthenticateInit(ctx context.Context, payload map[string]any) (context.Context, error) {
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
	p, err := a.r.Identity.Auth.Authenticate(ctx, raw)
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

// HTTPMiddleware lets resolvers set session cookies on the response, and
// ends SSE streams whose credential is revoked or expires. Wrap the GraphQL
// handler with it (inside authentication).
func (r *Resolver) HTTPMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := context.WithValue(req.Context(), cookieJarKey{}, w)
		if p, ok := auth.FromContext(ctx); ok && strings.Contains(req.Header.Get("Accept"), "text/event-stream") {
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			defer cancel()
			r.watch(ctx, p, func(string) { cancel() })
		}
		next.ServeHTTP(w, r.withLoaders(req.WithContext(ctx)))
	})
}

// setSessionCookies sets the session, refresh and CSRF cookies. It fails
// (and sets nothing) when no CSRF token can be generated: an empty one
// would match an empty header.
func setSessionCookies(ctx context.Context, secure bool, s *auth.Session) error {
	w, ok := ctx.Value(cookieJarKey{}).(http.ResponseWriter)
	if !ok {
		return nil
	}
	csrf, err := auth.RandomToken(20)
	if err != nil {
		return fmt.Errorf("generate a CSRF token: %w", err)
	}
	maxAge := int(time.Until(s.ExpiresAt).Seconds())
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: s.AccessToken, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: RefreshCookie, Value: s.RefreshToken, Path: "/graphql", MaxAge: 7 * 24 * 3600, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: csrf, Path: "/", MaxAge: 7 * 24 * 3600, Secure: secure, SameSite: http.SameSiteLaxMode})
	return nil
}

func clearSessionCookies(ctx context.Context, secure bool) {
	w, ok := ctx.Value(cookieJarKey{}).(http.ResponseWriter)
	if !ok {
		return
	}
	for _, c := range []struct{ name, path string }{{SessionCookie, "/"}, {RefreshCookie, "/graphql"}, {CSRFCookie, "/"}} {
		http.SetCookie(w, &http.Cookie{Name: c.name, Value: "", Path: c.path, MaxAge: -1, HttpOnly: c.name != CSRFCookie, Secure: secure, SameSite: http.SameSiteLaxMode})
	}
}

// refreshCookie returns the refresh cookie of the request, if the request
// also proved it is same-site (CSRF header).
func refreshCookie(ctx context.Context) (string, error) {
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

// websocketInit authenticates connection_init and, for a signed-in
// connection, closes it with 4403 when its credential is revoked or
// expires (graphql-ws clients then re-authenticate).
func (r *Resolver) websocketWatch(ctx context.Context) context.Context {
	p, ok := auth.FromContext(ctx)
	if !ok || r.Identity.Auth == nil {
		return ctx
	}
	ctx, cancel := context.WithCancel(ctx)
	r.watch(ctx, p, func(reason string) {
		gqlserver.CloseSocket(ctx, 4403, "Forbidden: "+reason)
		cancel()
	})
	return ctx
}

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
