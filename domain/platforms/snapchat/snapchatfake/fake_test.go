package snapchatfake

import (
	"net/http"
	"strings"
	"testing"
)

func TestSeedIsCheapAndStatsDeterministic(t *testing.T) {
	t.Parallel()
	s := New(t, WithLastDay("2026-11-30"))
	accts := s.Seed(3, 1000, 90)
	if len(accts) != 3 || accts[1].Currency != "JPY" || accts[1].TimeZone != "Asia/Tokyo" {
		t.Fatalf("%+v", accts)
	}
	if len(s.st.seeded) != 3000 {
		t.Fatalf("%d seeded campaigns", len(s.st.seeded))
	}
	cid := s.st.campaigns[accts[0].ID][0].ID
	a, b := s.Stat(cid, "2026-11-30"), s.Stat(cid, "2026-11-30")
	if a != b || a.Impressions == 0 || a.Spend == 0 {
		t.Fatalf("%+v vs %+v", a, b)
	}
	if s.Stat(cid, "2026-09-01") != (Stats{}) || s.Stat(cid, "2026-12-01") != (Stats{}) {
		t.Fatal("stats outside the seeded 90 days")
	}
	if s.Stat(cid, "2026-09-02") == (Stats{}) {
		t.Fatal("no stats on the first seeded day")
	}
}

func TestKnobsAndAuth(t *testing.T) {
	t.Parallel()
	s := New(t)
	access, _ := s.IssueToken()
	get := func(tok string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, s.APIBase()+"/v1/me/organizations", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := get(access); r.StatusCode != http.StatusOK {
		t.Fatalf("valid token: %d", r.StatusCode)
	}
	s.SetRetryAfter(3e9)
	s.RateLimitNext(2)
	for range 2 {
		if r := get(access); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "3" {
			t.Fatalf("rate limited: %d %q", r.StatusCode, r.Header.Get("Retry-After"))
		}
	}
	s.FailNext(1, http.StatusServiceUnavailable)
	if r := get(access); r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("fail: %d", r.StatusCode)
	}
	if r := get(access); r.StatusCode != http.StatusOK {
		t.Fatalf("after the knobs: %d", r.StatusCode)
	}
	if r := get("0.unknown"); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unknown token: %d", r.StatusCode)
	}
	s.Revoke(access)
	if r := get(access); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", r.StatusCode)
	}
	if len(s.Errors()) != 0 {
		t.Fatalf("well-formed requests recorded as malformed: %q", s.Errors())
	}
	if !strings.HasPrefix(s.OAuthBase(), "http://127.0.0.1") {
		t.Fatal(s.OAuthBase())
	}
}
