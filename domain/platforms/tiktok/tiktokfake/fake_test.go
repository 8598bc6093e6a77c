package tiktokfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// recorder is a testing.TB that records Errorf instead of failing, to
// prove the fake fails the test it serves on a malformed request.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recorder) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

func get(t *testing.T, s *Server, path, token string) (int, envelopeIn) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.APIBase()+path, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Access-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var env envelopeIn
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
	return resp.StatusCode, env
}

type envelopeIn struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

func TestMalformedRequestFailsTheTest(t *testing.T) {
	t.Parallel()
	rec := &recorder{TB: t}
	s := New(rec)
	adv := s.Seed(1, 2, 1)[0]
	tok := s.IssueToken(adv.ID)

	// Positive control: a well-formed call is served and reports nothing.
	status, env := get(t, s, "/open_api/v1.3/campaign/get/?advertiser_id="+adv.ID+"&page=1&page_size=1", tok)
	require.Equal(t, http.StatusOK, status)
	require.Zero(t, env.Code)
	var page struct {
		List     []map[string]any `json:"list"`
		PageInfo map[string]int   `json:"page_info"`
	}
	require.NoError(t, json.Unmarshal(env.Data, &page))
	require.Len(t, page.List, 1)
	require.Equal(t, map[string]int{"page": 1, "page_size": 1, "total_number": 2, "total_page": 2}, page.PageInfo)
	require.Equal(t, float64(50), page.List[0]["budget"], "budgets are JSON numbers")
	require.Empty(t, rec.errors())

	// The same call with a misspelled parameter fails the test.
	_, env = get(t, s, "/open_api/v1.3/campaign/get/?advertiser_id="+adv.ID+"&pagesize=1", tok)
	require.Equal(t, codeParam, env.Code)
	require.Len(t, rec.errors(), 1)
	require.Contains(t, rec.errors()[0], `unknown query parameter "pagesize"`)

	// A revoked or unknown token is the platform's answer, not a client bug.
	s.Revoke(tok)
	_, env = get(t, s, "/open_api/v1.3/campaign/get/?advertiser_id="+adv.ID, tok)
	require.Equal(t, codeTokenInvalid, env.Code)
	require.Len(t, rec.errors(), 1)
}

func TestReportPagingIsExact(t *testing.T) {
	t.Parallel()
	s := New(t)
	adv := s.Seed(1, 7, 5)[0]
	tok := s.IssueToken(adv.ID)
	seen := map[string]bool{}
	for page := 1; page <= 4; page++ {
		path := fmt.Sprintf(`/open_api/v1.3/report/integrated/get/?advertiser_id=%s&report_type=BASIC&data_level=AUCTION_CAMPAIGN&dimensions=["campaign_id","stat_time_day"]&metrics=["spend"]&start_date=2026-11-01&end_date=2026-11-30&page=%d&page_size=10`, adv.ID, page)
		_, env := get(t, s, path, tok)
		require.Zero(t, env.Code, env.Message)
		var p struct {
			List []struct {
				Dimensions map[string]string `json:"dimensions"`
				Metrics    map[string]string `json:"metrics"`
			} `json:"list"`
			PageInfo map[string]int `json:"page_info"`
		}
		require.NoError(t, json.Unmarshal(env.Data, &p))
		require.Equal(t, 35, p.PageInfo["total_number"], "7 campaigns × the 5 seeded days")
		require.Equal(t, 4, p.PageInfo["total_page"])
		for _, r := range p.List {
			k := r.Dimensions["campaign_id"] + r.Dimensions["stat_time_day"]
			require.False(t, seen[k])
			seen[k] = true
			require.Equal(t, []string{"spend"}, keys(r.Metrics), "only the requested metrics")
		}
	}
	require.Len(t, seen, 35)
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestStandalone(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var logged []string
	s, err := Standalone("127.0.0.1:0", func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, fmt.Sprintf(format, args...))
	})
	require.NoError(t, err)
	defer s.Close()
	adv := s.Seed(1, 1, 1)[0]
	_, env := get(t, s, "/open_api/v1.3/campaign/get/?advertiser_id="+adv.ID, s.IssueToken(adv.ID))
	require.Zero(t, env.Code)
	_, env = get(t, s, "/open_api/v1.3/campaign/get/?advertiser_id="+adv.ID, "")
	require.Equal(t, codeTokenEmpty, env.Code)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, logged, 1)
}
