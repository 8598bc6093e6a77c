package snapchatfake

// OAuth endpoints, per
// https://developers.snap.com/api/marketing-api/Ads-API/authentication:
// GET /login/oauth2/authorize (client_id, redirect_uri, response_type=code,
// scope, state — no PKCE parameters are documented) and POST
// /login/oauth2/access_token (form-encoded grant_type authorization_code or
// refresh_token with client_id and client_secret), answering access_token,
// token_type, expires_in (1800), refresh_token and scope.

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

type grant struct {
	access, refresh string
	expires         time.Time
	revoked         bool
}

func randomToken(prefix string) string { return prefix + requestID() + requestID() }

// IssueToken creates a grant directly (as if the OAuth round trip had
// happened) and returns its access and refresh tokens.
func (s *Server) IssueToken() (access, refresh string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.newGrant()
	return g.access, g.refresh
}

// IssueCode creates an authorization code bound to redirectURI, as the
// authorize page would after the user consented.
func (s *Server) IssueCode(redirectURI string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := randomToken("code.")
	s.codes[code] = redirectURI
	return code
}

// ExpireAccess makes the grant holding token's access token expired.
func (s *Server) ExpireAccess(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.grants[token]; g != nil {
		g.expires = time.Time{}
	}
}

// Revoke revokes the grant holding token (access or refresh token): every
// later API call with it answers 401 and its refresh token is refused with
// invalid_grant, as when a user removes the app's access.
func (s *Server) Revoke(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.grants[token]; g != nil {
		g.revoked = true
	}
}

// newGrant stores a fresh grant; callers hold s.mu.
func (s *Server) newGrant() *grant {
	g := &grant{access: randomToken("0."), refresh: randomToken("r."), expires: s.now().Add(AccessTokenLifetime)}
	s.grants[g.access], s.grants[g.refresh] = g, g
	return g
}

func (s *Server) serveOAuth(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/login/oauth2/authorize" && r.Method == http.MethodGet:
		s.authorizePage(w, r)
	case r.URL.Path == "/login/oauth2/access_token" && r.Method == http.MethodPost:
		s.tokenEndpoint(w, r)
	default:
		s.malformed("%s %s: unknown OAuth endpoint", r.Method, r.URL.Path)
		oauthError(w, http.StatusNotFound, "invalid_request", "unknown endpoint")
	}
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// unknownParams reports parameters outside allowed.
func unknownParams(v url.Values, allowed ...string) []string {
	var bad []string
	for k := range v {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			bad = append(bad, k)
		}
	}
	return bad
}

func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if bad := unknownParams(q, "client_id", "redirect_uri", "response_type", "scope", "state"); len(bad) > 0 {
		s.malformed("authorize: unknown parameters %v (documented: client_id, redirect_uri, response_type, scope, state)", bad)
		oauthError(w, http.StatusBadRequest, "invalid_request", "unknown parameter")
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case q.Get("client_id") != ClientID:
		s.malformed("authorize: client_id %q is not the app's", q.Get("client_id"))
		oauthError(w, http.StatusBadRequest, "invalid_client", "unknown client_id")
		return
	case q.Get("response_type") != "code":
		s.malformed("authorize: response_type must be \"code\", got %q", q.Get("response_type"))
		oauthError(w, http.StatusBadRequest, "unsupported_response_type", "response_type must be code")
		return
	case q.Get("scope") != Scope:
		s.malformed("authorize: scope must be %q, got %q", Scope, q.Get("scope"))
		oauthError(w, http.StatusBadRequest, "invalid_scope", "invalid scope")
		return
	case err != nil || !redirect.IsAbs() || q.Get("redirect_uri") == "":
		s.malformed("authorize: redirect_uri %q is not an absolute URL", q.Get("redirect_uri"))
		oauthError(w, http.StatusBadRequest, "invalid_request", "invalid redirect_uri")
		return
	}
	code := s.IssueCode(q.Get("redirect_uri"))
	back := redirect.Query()
	back.Set("code", code)
	if st := q.Get("state"); st != "" {
		back.Set("state", st)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (s *Server) tokenEndpoint(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		s.malformed("access_token: Content-Type must be application/x-www-form-urlencoded, got %q", ct)
		oauthError(w, http.StatusBadRequest, "invalid_request", "form body required")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil || len(r.URL.Query()) > 0 {
		s.malformed("access_token: parameters belong in the form body, not the query string")
		oauthError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	f := r.PostForm
	if f.Get("client_id") != ClientID || f.Get("client_secret") != ClientSecret {
		s.malformed("access_token: wrong client_id or client_secret")
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client credentials")
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		if bad := unknownParams(f, "grant_type", "client_id", "client_secret", "code", "redirect_uri"); len(bad) > 0 {
			s.malformed("access_token (authorization_code): unknown fields %v", bad)
			oauthError(w, http.StatusBadRequest, "invalid_request", "unknown field")
			return
		}
		s.mu.Lock()
		redirect, ok := s.codes[f.Get("code")]
		delete(s.codes, f.Get("code"))
		var g *grant
		if ok && redirect == f.Get("redirect_uri") {
			g = s.newGrant()
		}
		s.mu.Unlock()
		if g == nil {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid authorization code or redirect_uri")
			return
		}
		writeToken(w, g)
	case "refresh_token":
		if bad := unknownParams(f, "grant_type", "client_id", "client_secret", "refresh_token"); len(bad) > 0 {
			s.malformed("access_token (refresh_token): unknown fields %v", bad)
			oauthError(w, http.StatusBadRequest, "invalid_request", "unknown field")
			return
		}
		s.mu.Lock()
		old := s.grants[f.Get("refresh_token")]
		var g *grant
		if old != nil && old.refresh == f.Get("refresh_token") && !old.revoked {
			// Rotate: the old refresh token stops working, the old access
			// token lives until it expires.
			delete(s.grants, old.refresh)
			g = s.newGrant()
		}
		s.mu.Unlock()
		if g == nil {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid refresh token")
			return
		}
		writeToken(w, g)
	default:
		s.malformed("access_token: grant_type must be authorization_code or refresh_token, got %q", f.Get("grant_type"))
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "unsupported grant_type")
	}
}

func writeToken(w http.ResponseWriter, g *grant) {
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  g.access,
		"token_type":    "Bearer",
		"expires_in":    int(AccessTokenLifetime / time.Second),
		"refresh_token": g.refresh,
		"scope":         Scope,
	})
}
