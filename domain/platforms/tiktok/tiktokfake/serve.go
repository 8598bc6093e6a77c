package tiktokfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// apiPrefix is the documented base path of every endpoint.
const apiPrefix = "/open_api/v1.3/"

type envelope struct {
	Code      int    `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	Data      any    `json:"data"`
}

// Return codes the fake answers with (TikTok's "Appendix - Return codes").
const (
	codeNoPermission = 40001
	codeParam        = 40002
	codeRateLimit    = 40100
	codeTokenEmpty   = 40104
	codeTokenInvalid = 40105
	codeSystem       = 50000
)

// call is one request being served.
type call struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	name string // endpoint, e.g. "campaign/get"
	done bool   // an answer was written
}

type endpoint struct {
	method string
	auth   bool // needs Access-Token
	serve  func(*call)
}

func (s *Server) endpoints() map[string]endpoint {
	return map[string]endpoint{
		"oauth2/access_token":    {http.MethodPost, false, (*call).accessToken},
		"oauth2/advertiser/get":  {http.MethodGet, true, (*call).authorizedAdvertisers},
		"advertiser/info":        {http.MethodGet, true, (*call).advertiserInfo},
		"campaign/get":           {http.MethodGet, true, (*call).campaignGet},
		"adgroup/get":            {http.MethodGet, true, (*call).adGroupGet},
		"ad/get":                 {http.MethodGet, true, (*call).adGet},
		"report/integrated/get":  {http.MethodGet, true, (*call).reportGet},
		"campaign/status/update": {http.MethodPost, true, (*call).campaignStatusUpdate},
		"campaign/update":        {http.MethodPost, true, (*call).campaignUpdate},
		"adgroup/update":         {http.MethodPost, true, (*call).adGroupUpdate},
	}
}

func (s *Server) routes() http.Handler {
	eps := s.endpoints()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/portal/auth" {
			s.authorizePage(w, r)
			return
		}
		c := &call{s: s, w: w, r: r}
		s.mu.Lock()
		s.requests++
		s.mu.Unlock()
		rest, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
		if !ok || !strings.HasSuffix(rest, "/") {
			c.malformedStatus(http.StatusNotFound, "path %s is not /open_api/v1.3/<endpoint>/ (wrong version, or the trailing slash is missing)", r.URL.Path)
			return
		}
		c.name = strings.TrimSuffix(rest, "/")
		ep, ok := eps[c.name]
		if !ok {
			c.malformedStatus(http.StatusNotFound, "unknown endpoint %s", r.URL.Path)
			return
		}
		if r.Method != ep.method {
			c.malformedStatus(http.StatusMethodNotAllowed, "%s takes %s, not %s", c.name, ep.method, r.Method)
			return
		}
		if r.Header.Get("Authorization") != "" {
			c.malformed("send the token in the Access-Token header, not Authorization")
			return
		}
		if ep.method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			c.malformed("%s needs Content-Type application/json, got %q", c.name, r.Header.Get("Content-Type"))
			return
		}
		if c.knobs() {
			return
		}
		if ep.auth && !c.authenticate() {
			return
		}
		ep.serve(c)
	})
}

// knobs answers with a queued failure, if any.
func (c *call) knobs() bool {
	s := c.s
	s.mu.Lock()
	var status int
	var env *envelope
	switch {
	case s.failN > 0:
		s.failN--
		status = s.failStatus
	case s.rateLimit > 0:
		s.rateLimit--
		env = &envelope{Code: codeRateLimit, Message: "Requests made too frequently. Please try again later."}
	case len(s.errorNext) > 0:
		e := s.errorNext[0]
		s.errorNext = s.errorNext[1:]
		env = &e
	}
	s.mu.Unlock()
	switch {
	case status != 0:
		c.write(status, envelope{Code: codeSystem, Message: "Internal service error"})
		return true
	case env != nil:
		c.fail(env.Code, env.Message)
		return true
	}
	return false
}

// authenticate checks the Access-Token header; the grant is in c.grant.
func (c *call) authenticate() bool {
	tok := c.r.Header.Get("Access-Token")
	if tok == "" {
		c.malformedCode(codeTokenEmpty, "the Access-Token header is missing (Access token is null)")
		return false
	}
	c.s.mu.Lock()
	g, ok := c.s.tokens[tok]
	valid := ok && !g.revoked
	c.s.mu.Unlock()
	if !valid {
		c.fail(codeTokenInvalid, "Access token is incorrect or has been revoked.")
		return false
	}
	return true
}

// allowed reports whether the token in the request covers advertiser id,
// answering 40001 when it does not.
func (c *call) allowed(id string) bool {
	tok := c.r.Header.Get("Access-Token")
	c.s.mu.Lock()
	g := c.s.tokens[tok]
	_, exists := c.s.advByID[id]
	ok := g != nil && g.advertisers[id] && exists
	c.s.mu.Unlock()
	if !ok {
		c.fail(codeNoPermission, fmt.Sprintf("No permission to operate advertiser %s.", id))
	}
	return ok
}

// write sends an envelope with HTTP status.
func (c *call) write(status int, env envelope) {
	c.done = true
	c.s.mu.Lock()
	c.s.seq++
	env.RequestID = fmt.Sprintf("2026120200000%08d", c.s.seq)
	c.s.mu.Unlock()
	if env.Data == nil {
		env.Data = struct{}{}
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(env); err != nil {
		c.s.t.Errorf("tiktokfake: encode answer: %v", err)
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(buf.Bytes())
}

// ok answers code 0 with data.
func (c *call) ok(data any) { c.write(http.StatusOK, envelope{Code: 0, Message: "OK", Data: data}) }

// fail answers a documented platform error (HTTP 200, non-zero code) that
// is not a client bug: no test failure.
func (c *call) fail(code int, msg string) {
	c.write(http.StatusOK, envelope{Code: code, Message: msg})
}

// malformed records a request that breaks the documented wire format,
// fails the test (unless RecordOnly) and answers TikTok's parameter error.
func (c *call) malformed(format string, args ...any) {
	c.malformedCode(codeParam, format, args...)
}

func (c *call) malformedCode(code int, format string, args ...any) {
	c.report(format, args...)
	c.fail(code, fmt.Sprintf(format, args...))
}

func (c *call) malformedStatus(status int, format string, args ...any) {
	c.report(format, args...)
	c.write(status, envelope{Code: codeParam, Message: fmt.Sprintf(format, args...)})
}

func (c *call) report(format string, args ...any) {
	msg := fmt.Sprintf("tiktokfake: malformed %s %s: %s", c.r.Method, c.r.URL.Path, fmt.Sprintf(format, args...))
	c.s.mu.Lock()
	c.s.errs = append(c.s.errs, msg)
	c.s.mu.Unlock()
	if !c.s.recordOnly {
		c.s.t.Errorf("%s", msg)
	}
}

// query checks the query string against the endpoint's parameters: every
// parameter known and given once, the required ones present.
func (c *call) query(known []string, required ...string) (url.Values, bool) {
	q, err := url.ParseQuery(c.r.URL.RawQuery)
	if err != nil {
		c.malformed("query string does not parse: %v", err)
		return nil, false
	}
	allowed := map[string]bool{}
	for _, k := range known {
		allowed[k] = true
	}
	for k, v := range q {
		if !allowed[k] {
			c.malformed("unknown query parameter %q for %s (known: %s)", k, c.name, strings.Join(known, ", "))
			return nil, false
		}
		if len(v) != 1 {
			c.malformed("query parameter %q given %d times", k, len(v))
			return nil, false
		}
	}
	for _, k := range required {
		if q.Get(k) == "" {
			c.malformed("missing required query parameter %q for %s", k, c.name)
			return nil, false
		}
	}
	return q, true
}

// stringList parses a JSON array-of-strings query parameter (absent: nil).
func (c *call) stringList(q url.Values, name string, allowed map[string]bool, max int) ([]string, bool) {
	raw := q.Get(name)
	if raw == "" {
		return nil, true
	}
	var list []string
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		c.malformed("%s must be a JSON array of strings, got %q", name, raw)
		return nil, false
	}
	if len(list) == 0 || len(list) > max {
		c.malformed("%s must have 1–%d entries, got %d", name, max, len(list))
		return nil, false
	}
	for _, v := range list {
		if allowed != nil && !allowed[v] {
			c.malformed("%s: unknown value %q", name, v)
			return nil, false
		}
	}
	return list, true
}

// paging parses page (≥ 1, default 1) and page_size (1–1000, default 10).
func (c *call) paging(q url.Values) (page, size int, ok bool) {
	page, size = 1, 10
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			c.malformed("page must be an integer ≥ 1, got %q", v)
			return 0, 0, false
		}
		page = n
	}
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			c.malformed("page_size must be an integer in 1–1000, got %q", v)
			return 0, 0, false
		}
		size = n
	}
	return page, size, true
}

// pageInfo is the documented page_info for total rows.
func pageInfo(page, size, total int) map[string]int {
	return map[string]int{"page": page, "page_size": size, "total_number": total, "total_page": (total + size - 1) / size}
}

// bounds is the [lo, hi) slice of a page of total rows.
func bounds(page, size, total int) (int, int) {
	lo := (page - 1) * size
	if lo > total {
		lo = total
	}
	return lo, min(lo+size, total)
}

// body decodes the JSON body into a map of raw fields, refusing unknown
// fields and missing required ones.
func (c *call) body(known []string, required ...string) (map[string]json.RawMessage, bool) {
	b, err := io.ReadAll(io.LimitReader(c.r.Body, 1<<20))
	if err != nil {
		c.malformed("body unreadable: %v", err)
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		c.malformed("body is not a JSON object: %v", err)
		return nil, false
	}
	allowed := map[string]bool{}
	for _, k := range known {
		allowed[k] = true
	}
	for k := range m {
		if !allowed[k] {
			c.malformed("unknown body field %q for %s (known: %s)", k, c.name, strings.Join(known, ", "))
			return nil, false
		}
	}
	for _, k := range required {
		if _, ok := m[k]; !ok {
			c.malformed("missing required body field %q for %s", k, c.name)
			return nil, false
		}
	}
	return m, true
}

// str decodes a string body field.
func (c *call) str(m map[string]json.RawMessage, name string) (string, bool) {
	var s string
	if err := json.Unmarshal(m[name], &s); err != nil {
		c.malformed("body field %q must be a string, got %s", name, m[name])
		return "", false
	}
	return s, true
}
