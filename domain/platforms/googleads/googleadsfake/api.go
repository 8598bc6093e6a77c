package googleadsfake

// The API surface and its request checks:
//   https://developers.google.com/google-ads/api/rest/overview (paths /vNN/customers/{customerId}/…)
//   https://developers.google.com/google-ads/api/rest/auth (Authorization: Bearer, developer-token, login-customer-id)
//   https://developers.google.com/google-ads/api/docs/api-policy/developer-token (developer-token optional and ignored since 2026-09-09)
//   https://developers.google.com/google-ads/api/docs/concepts/call-structure#cid (ids without hyphens; login-customer-id for manager access)
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers/listAccessibleCustomers
//   https://developers.google.com/google-ads/api/docs/best-practices/error-types
//   https://developers.google.com/google-ads/api/reference/rpc/latest/AuthenticationErrorEnum.AuthenticationError
//   https://developers.google.com/google-ads/api/reference/rpc/latest/AuthorizationErrorEnum.AuthorizationError

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
)

var versionPath = regexp.MustCompile(`^/v[0-9]+/`)

// api serves /vNN/… after the header and token checks.
func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	prefix := "/" + Version + "/"
	if !strings.HasPrefix(r.URL.Path, prefix) {
		if versionPath.MatchString(r.URL.Path) {
			s.report("API version: %s (the fake serves %s)", r.URL.Path, Version)
		} else {
			s.report("unknown path %s", r.URL.Path)
		}
		writeError(w, http.StatusNotFound, "NOT_FOUND", "The requested URL was not found on this server.")
		return
	}
	g, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	if s.knobs(w) {
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, prefix)
	if rest == "customers:listAccessibleCustomers" {
		if r.Method != http.MethodGet {
			s.report("listAccessibleCustomers is GET, got %s", r.Method)
			writeError(w, http.StatusMethodNotAllowed, "INVALID_ARGUMENT", "Method not allowed.")
			return
		}
		s.listAccessible(w, g)
		return
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] != "customers" {
		s.report("unknown path %s", r.URL.Path)
		writeError(w, http.StatusNotFound, "NOT_FOUND", "The requested URL was not found on this server.")
		return
	}
	cid, method := parts[1], parts[2]
	if r.Method != http.MethodPost {
		s.report("%s is POST, got %s", method, r.Method)
		writeError(w, http.StatusMethodNotAllowed, "INVALID_ARGUMENT", "Method not allowed.")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		s.report("%s needs Content-Type application/json, got %q", method, r.Header.Get("Content-Type"))
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid JSON payload.")
		return
	}
	cs, ok := s.authorizeCustomer(w, r, g, cid)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<20)
	switch method {
	case "googleAds:searchStream":
		s.searchStream(w, r, cs)
	case "campaigns:mutate", "campaignBudgets:mutate", "adGroups:mutate":
		s.mutate(w, r, cs, strings.TrimSuffix(method, ":mutate"))
	default:
		s.report("the fake does not serve %s (the client should use googleAds:searchStream and the *:mutate methods)", method)
		writeError(w, http.StatusNotFound, "NOT_FOUND", "The requested URL was not found on this server.")
	}
}

// authenticate checks the Authorization and developer-token headers and the
// access token.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*grant, bool) {
	unauth := func(code, msg string) {
		writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED",
			"Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
			adsErr{"authenticationError", code, msg, 0})
	}
	h := r.Header.Get("Authorization")
	if h == "" || !strings.HasPrefix(h, "Bearer ") || strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")) == "" {
		s.report("Authorization header must be %q, got %q", "Bearer <access token>", redact(h))
		unauth("OAUTH_TOKEN_HEADER_INVALID", "OAuth token HTTP header is malformed.")
		return nil, false
	}
	// Developer tokens were sunset on 2026-09-09: Google ignores the header.
	// The fake still refuses a token other than the configured one (a
	// misconfiguration) and, with WithDeveloperTokenRequired, a missing one
	// (the behaviour before the sunset).
	dt, hasDT := r.Header.Get("developer-token"), len(r.Header.Values("developer-token")) > 0
	if hasDT && dt != DeveloperToken || !hasDT && s.requireDT {
		s.report("developer-token header is %q, want the configured developer token", redact(dt))
		unauth("DEVELOPER_TOKEN_INVALID", "The developer token is not valid.")
		return nil, false
	}
	s.mu.RLock()
	at, ok := s.access[strings.TrimPrefix(h, "Bearer ")]
	revoked := ok && at.g.revoked
	s.mu.RUnlock()
	switch {
	case !ok:
		unauth("OAUTH_TOKEN_INVALID", "OAuth token in the header is not valid.")
		return nil, false
	case revoked:
		unauth("OAUTH_TOKEN_REVOKED", "OAuth token in the header has been revoked.")
		return nil, false
	case !s.now().Before(at.expires):
		unauth("OAUTH_TOKEN_EXPIRED", "OAuth token in the header has expired.")
		return nil, false
	}
	return at.g, true
}

func redact(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

// knobs applies RateLimitNext and FailNext; true when it answered.
func (s *Server) knobs(w http.ResponseWriter) bool {
	s.mu.Lock()
	rl, retry, fail, code := s.rateLimit > 0, s.retry, s.failN > 0, s.failCode
	if rl {
		s.rateLimit--
	} else if fail {
		s.failN--
	}
	s.mu.Unlock()
	switch {
	case rl:
		writeError(w, http.StatusTooManyRequests, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).",
			adsErr{"quotaError", "RESOURCE_EXHAUSTED", "Too many requests. Retry in " + retry.String() + ".", retry})
		return true
	case fail:
		status := map[int]string{500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}[code]
		if status == "" {
			status = "UNKNOWN"
		}
		writeError(w, code, status, "The service is currently unavailable.", adsErr{"internalError", "TRANSIENT_ERROR", "The service encountered a transient error.", 0})
		return true
	}
	return false
}

// listAccessible answers customers:listAccessibleCustomers.
func (s *Server) listAccessible(w http.ResponseWriter, g *grant) {
	names := make([]string, 0, len(g.customers))
	for _, c := range g.customers {
		names = append(names, "customers/"+c)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"resourceNames": names})
}

// authorizeCustomer checks the customer id and login-customer-id against
// the grant: without login-customer-id the customer must be directly
// accessible; with it, the login customer must be accessible and be the
// customer or one of its managers.
func (s *Server) authorizeCustomer(w http.ResponseWriter, r *http.Request, g *grant, cid string) (*customerState, bool) {
	denied := func() {
		writeError(w, http.StatusForbidden, "PERMISSION_DENIED", "The caller does not have permission",
			adsErr{"authorizationError", "USER_PERMISSION_DENIED", "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header.", 0})
	}
	if !isID(cid) {
		s.report("customer id %q in the path must be digits without hyphens", cid)
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Request contains an invalid argument.",
			adsErr{"authenticationError", "CLIENT_CUSTOMER_ID_INVALID", "Client customer ID is not a number.", 0})
		return nil, false
	}
	lid, hasLogin := r.Header.Get("login-customer-id"), len(r.Header.Values("login-customer-id")) > 0
	if hasLogin && !isID(lid) {
		s.report("login-customer-id %q must be digits without hyphens", lid)
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Request contains an invalid argument.",
			adsErr{"authenticationError", "LOGIN_CUSTOMER_ID_PARAMETER_INVALID", "The login customer ID is not a number.", 0})
		return nil, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cs, ok := s.customers[cid]
	if !ok {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Request contains an invalid argument.",
			adsErr{"authenticationError", "CUSTOMER_NOT_FOUND", "No customer found for the provided customer ID.", 0})
		return nil, false
	}
	direct := contains(g.customers, cid)
	switch {
	case hasLogin && !contains(g.customers, lid):
		s.report("login-customer-id %s is not accessible to this grant", lid)
		denied()
		return nil, false
	case hasLogin && lid != cid && !s.under(cid, lid):
		s.report("login-customer-id %s does not manage customer %s", lid, cid)
		denied()
		return nil, false
	case !hasLogin && !direct:
		for _, m := range g.customers {
			if s.under(cid, m) {
				s.report("customer %s is reached through manager %s but login-customer-id is missing", cid, m)
				break
			}
		}
		denied()
		return nil, false
	}
	return cs, true
}

// under reports whether customer cid is below manager m (mu held).
func (s *Server) under(cid, m string) bool {
	for i := 0; i < 16; i++ {
		cs, ok := s.customers[cid]
		if !ok || cs.ManagerID == "" {
			return false
		}
		if cs.ManagerID == m {
			return true
		}
		cid = cs.ManagerID
	}
	return false
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
