package metafake

// Facebook Login: the dialog and the token endpoint.
// https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
// https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// knownScopes are permissions the dialog accepts.
var knownScopes = fieldSet("ads_read", "ads_management", "business_management", "public_profile", "email", "read_insights", "openid")

// dialog serves GET /<version>/dialog/oauth: it validates the request and,
// as a user who always consents, redirects to redirect_uri with a code
// and the state.
func (s *Server) dialog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method != http.MethodGet || !s.allowOnly(w, r, q, "client_id", "redirect_uri", "state", "response_type", "scope", "auth_type", "display", "config_id", "code_challenge", "code_challenge_method", "nonce") {
		if r.Method != http.MethodGet {
			s.violation(r, "the login dialog is opened with GET")
			badParam(w, "Unsupported method")
		}
		return
	}
	if q.Get("client_id") != ClientID {
		s.violation(r, "client_id %q is not the app id %s", q.Get("client_id"), ClientID)
		badParam(w, "Invalid App ID")
		return
	}
	red, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !red.IsAbs() || red.Host == "" {
		s.violation(r, "redirect_uri %q must be an absolute URL", q.Get("redirect_uri"))
		badParam(w, "Invalid redirect_uri")
		return
	}
	if q.Get("state") == "" {
		s.violation(r, "no state: Meta's guide requires an unguessable state against CSRF")
	}
	if rt := q.Get("response_type"); rt != "code" {
		s.violation(r, "response_type %q: the server-side flow uses code", rt)
	}
	for _, sc := range strings.Split(q.Get("scope"), ",") {
		if !knownScopes[sc] {
			s.violation(r, "unknown permission %q in scope (comma-separated permission names)", sc)
		}
	}
	s.mu.Lock()
	s.seq++
	code := fmt.Sprintf("AQfakecode%06d", s.seq)
	s.codes[code] = &authCode{redirect: q.Get("redirect_uri"), expires: s.now().Add(10 * time.Minute)}
	s.mu.Unlock()
	rq := red.Query()
	rq.Set("code", code)
	rq.Set("state", q.Get("state"))
	red.RawQuery = rq.Encode()
	http.Redirect(w, r, red.String()+"#_=_", http.StatusFound)
}

// AuthorizeCode issues a code for redirectURI as the dialog would after
// consent (for tests that skip the browser).
func (s *Server) AuthorizeCode(redirectURI string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	code := fmt.Sprintf("AQfakecode%06d", s.seq)
	s.codes[code] = &authCode{redirect: redirectURI, expires: s.now().Add(10 * time.Minute)}
	return code
}

// accessToken serves GET /<version>/oauth/access_token: the code exchange
// (client_id, client_secret, redirect_uri, code) and the long-lived token
// exchange (grant_type=fb_exchange_token, client_id, client_secret,
// fb_exchange_token).
func (s *Server) accessToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method != http.MethodGet {
		s.violation(r, "oauth/access_token is called with GET as documented")
		badParam(w, "Unsupported method")
		return
	}
	if r.Header.Get("Authorization") != "" {
		s.violation(r, "the token endpoint authenticates with client_id/client_secret, not an Authorization header")
	}
	exchange := q.Get("grant_type") == "fb_exchange_token"
	allowed := []string{"client_id", "client_secret", "redirect_uri", "code", "code_verifier"}
	if exchange {
		allowed = []string{"grant_type", "client_id", "client_secret", "fb_exchange_token", "set_token_expires_in_60_days"}
	} else if q.Has("grant_type") {
		s.violation(r, "grant_type %q: Meta knows fb_exchange_token (or none for a code)", q.Get("grant_type"))
		badParam(w, "Unsupported grant_type")
		return
	}
	if !s.allowOnly(w, r, q, allowed...) {
		return
	}
	if q.Get("client_id") != ClientID {
		s.violation(r, "client_id %q is not the app id", q.Get("client_id"))
		writeErr(w, http.StatusBadRequest, graphErr{Message: "Error validating application. Invalid application ID.", Code: 101})
		return
	}
	if q.Get("client_secret") != ClientSecret {
		s.violation(r, "wrong client_secret")
		writeErr(w, http.StatusBadRequest, graphErr{Message: "Error validating client secret.", Code: 1})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if exchange {
		t := s.tokens[q.Get("fb_exchange_token")]
		switch {
		case t == nil:
			writeErr(w, http.StatusBadRequest, graphErr{Message: "Invalid OAuth access token - Cannot parse access token", Code: 190})
		case t.revoked:
			writeErr(w, http.StatusBadRequest, graphErr{Message: "Error validating access token: The user has not authorized application " + ClientID + ".", Code: 190, Subcode: 458})
		case !now.Before(t.expires):
			writeErr(w, http.StatusBadRequest, graphErr{Message: "Error validating access token: Session has expired.", Code: 190, Subcode: 463})
		default:
			tok := s.issue(LongLivedTTL, true)
			writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int64(LongLivedTTL / time.Second)})
		}
		return
	}
	c := s.codes[q.Get("code")]
	switch {
	case c == nil || !now.Before(c.expires):
		writeErr(w, http.StatusBadRequest, graphErr{Message: "Invalid verification code format.", Code: 100})
	case c.used:
		writeErr(w, http.StatusBadRequest, graphErr{Message: "This authorization code has been used.", Code: 100, Subcode: 36009})
	case c.redirect != q.Get("redirect_uri"):
		writeErr(w, http.StatusBadRequest, graphErr{Message: "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request", Code: 100, Subcode: 36008})
	default:
		c.used = true
		tok := s.issue(ShortLivedTTL, false)
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int64(ShortLivedTTL / time.Second)})
	}
}
