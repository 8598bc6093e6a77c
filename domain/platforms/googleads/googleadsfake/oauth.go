package googleadsfake

// Google's OAuth 2.0 for web server applications, as the fake serves it:
//   https://developers.google.com/identity/protocols/oauth2/web-server
//     (authorization request parameters; token request with
//      grant_type=authorization_code and code_verifier; refresh with
//      grant_type=refresh_token; JSON error {"error": "invalid_grant", ...})
//   https://datatracker.ietf.org/doc/html/rfc7636 (PKCE S256)

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// grant is one user's consent: the customers directly accessible to it.
type grant struct {
	customers []string
	refresh   string
	revoked   bool
}

type accessToken struct {
	g       *grant
	expires time.Time
}

type authCode struct {
	g                      *grant
	redirectURI, challenge string
	used                   bool
}

func randToken(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Grant issues a token as if a user with direct access to customers had
// consented (tests that skip the OAuth round trip).
func (s *Server) Grant(customers ...string) platforms.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := &grant{customers: customers, refresh: randToken("1//fake-refresh-")}
	s.grants[g.refresh] = g
	at := s.issue(g)
	return platforms.Token{AccessToken: at, RefreshToken: g.refresh, ExpiresAt: s.now().Add(AccessTokenLifetime)}
}

// issue creates an access token for g (mu held).
func (s *Server) issue(g *grant) string {
	at := randToken("ya29.fake-")
	s.access[at] = &accessToken{g: g, expires: s.now().Add(AccessTokenLifetime)}
	return at
}

// AuthorizeCode returns an authorization code as the consent page would
// after the user approved access to customers for redirectURI and the PKCE
// challenge (S256).
func (s *Server) AuthorizeCode(redirectURI, challenge string, customers ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := randToken("4/fake-code-")
	s.codes[code] = &authCode{g: &grant{customers: customers}, redirectURI: redirectURI, challenge: challenge}
	return code
}

// Revoke revokes the grant behind token (access or refresh): later API
// calls answer 401 UNAUTHENTICATED and refreshes invalid_grant, as Google's
// revoke endpoint does.
func (s *Server) Revoke(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.access[token]; ok {
		a.g.revoked = true
	}
	if g, ok := s.grants[token]; ok {
		g.revoked = true
	}
}

// authorize is the consent page: it checks the documented parameters and
// approves at once for every customer of the fake (browser journeys).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	known := map[string]bool{"client_id": true, "redirect_uri": true, "response_type": true, "scope": true, "access_type": true,
		"prompt": true, "state": true, "code_challenge": true, "code_challenge_method": true, "include_granted_scopes": true, "login_hint": true}
	for k := range q {
		if !known[k] {
			s.report("authorize: unknown parameter %q", k)
			http.Error(w, "Error 400: invalid_request, unknown parameter "+k, http.StatusBadRequest)
			return
		}
	}
	problem := ""
	switch {
	case q.Get("client_id") != ClientID:
		problem = "client_id is missing or unknown"
	case q.Get("response_type") != "code":
		problem = "response_type must be code"
	case !strings.Contains(" "+q.Get("scope")+" ", " https://www.googleapis.com/auth/adwords "):
		problem = "scope must include https://www.googleapis.com/auth/adwords"
	case q.Get("redirect_uri") == "":
		problem = "redirect_uri is missing"
	case q.Get("access_type") != "offline":
		problem = "access_type must be offline to get a refresh token"
	case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256":
		problem = "code_challenge_method must be S256"
	}
	if problem != "" {
		s.report("authorize: %s", problem)
		http.Error(w, "Error 400: invalid_request, "+problem, http.StatusBadRequest)
		return
	}
	s.mu.RLock()
	all := append([]string(nil), s.order...)
	s.mu.RUnlock()
	code := s.AuthorizeCode(q.Get("redirect_uri"), q.Get("code_challenge"), all...)
	u, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		s.report("authorize: redirect_uri is not a URL")
		http.Error(w, "Error 400: redirect_uri_mismatch", http.StatusBadRequest)
		return
	}
	rq := u.Query()
	rq.Set("code", code)
	rq.Set("state", q.Get("state"))
	rq.Set("scope", "https://www.googleapis.com/auth/adwords")
	u.RawQuery = rq.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// tokenErr writes an RFC 6749 error response.
func tokenErr(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// token is the token endpoint (authorization_code and refresh_token grants).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		s.report("token: want POST application/x-www-form-urlencoded, got %s %q", r.Method, r.Header.Get("Content-Type"))
		tokenErr(w, http.StatusBadRequest, "invalid_request", "Invalid request.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		s.report("token: unreadable form: %v", err)
		tokenErr(w, http.StatusBadRequest, "invalid_request", "Invalid request.")
		return
	}
	f := r.PostForm
	known := map[string]bool{"grant_type": true, "code": true, "redirect_uri": true, "client_id": true, "client_secret": true, "code_verifier": true, "refresh_token": true}
	for k := range f {
		if !known[k] {
			s.report("token: unknown form field %q", k)
			tokenErr(w, http.StatusBadRequest, "invalid_request", "Unknown parameter "+k)
			return
		}
	}
	if len(r.URL.Query()) > 0 {
		s.report("token: parameters belong in the form body, not the URL")
		tokenErr(w, http.StatusBadRequest, "invalid_request", "Invalid request.")
		return
	}
	if f.Get("client_id") != ClientID || f.Get("client_secret") != ClientSecret {
		s.report("token: wrong client_id or client_secret")
		tokenErr(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		s.exchange(w, f)
	case "refresh_token":
		s.refresh(w, f)
	default:
		s.report("token: grant_type %q", f.Get("grant_type"))
		tokenErr(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+f.Get("grant_type"))
	}
}

func (s *Server) exchange(w http.ResponseWriter, f url.Values) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[f.Get("code")]
	switch {
	case !ok || c.used:
		tokenErr(w, http.StatusBadRequest, "invalid_grant", "Malformed auth code.")
		return
	case f.Get("redirect_uri") != c.redirectURI:
		s.report("token: redirect_uri %q differs from the authorization request's %q", f.Get("redirect_uri"), c.redirectURI)
		tokenErr(w, http.StatusBadRequest, "redirect_uri_mismatch", "Bad Request")
		return
	case c.challenge != "" && f.Get("code_verifier") == "":
		s.report("token: code_verifier missing for a PKCE code")
		tokenErr(w, http.StatusBadRequest, "invalid_grant", "Missing code verifier.")
		return
	case c.challenge != "" && challenge(f.Get("code_verifier")) != c.challenge:
		tokenErr(w, http.StatusBadRequest, "invalid_grant", "Invalid code verifier.")
		return
	}
	c.used = true
	c.g.refresh = randToken("1//fake-refresh-")
	s.grants[c.g.refresh] = c.g
	writeToken(w, s.issue(c.g), c.g.refresh)
}

func (s *Server) refresh(w http.ResponseWriter, f url.Values) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.grants[f.Get("refresh_token")]
	if !ok || g.revoked {
		tokenErr(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
		return
	}
	newRefresh := ""
	if s.rotate {
		delete(s.grants, g.refresh)
		g.refresh = randToken("1//fake-refresh-")
		s.grants[g.refresh] = g
		newRefresh = g.refresh
	}
	writeToken(w, s.issue(g), newRefresh)
}

func writeToken(w http.ResponseWriter, access, refresh string) {
	body := map[string]any{
		"access_token": access, "expires_in": int(AccessTokenLifetime / time.Second),
		"scope": "https://www.googleapis.com/auth/adwords", "token_type": "Bearer",
	}
	if refresh != "" {
		body["refresh_token"] = refresh
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(body)
}

// challenge is the PKCE S256 challenge of verifier.
func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
