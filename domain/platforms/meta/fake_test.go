package meta_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/meta"
	"github.com/stratumhq/stratum/domain/platforms/meta/metafake"
)

func proof(tok string) string {
	m := hmac.New(sha256.New, []byte(metafake.ClientSecret))
	m.Write([]byte(tok))
	return hex.EncodeToString(m.Sum(nil))
}

// TestFakeRejectsMalformedRequests sends deliberately wrong requests to a
// lenient fake and checks each is reported (and answered with Meta's error
// envelope); the positive control is the client's own traffic on the same
// fake, which reports nothing.
func TestFakeRejectsMalformedRequests(t *testing.T) {
	t.Parallel()
	b := setup(t, metafake.Lenient())
	ids := b.fake.Seed(2, 3, 5)
	usd, jpy := ids[0], ids[1]
	camp := b.fake.CampaignIDs(usd)[0]
	jcamp := b.fake.CampaignIDs(jpy)[0]
	tok := b.tok.AccessToken
	days := b.fake.Days()

	// Positive control: everything the client does passes.
	ua := platforms.Account{ExternalID: usd, Currency: "USD"}
	_, err := b.client.Accounts(b.ctx, b.tok)
	require.NoError(t, err)
	require.NoError(t, b.client.Structure(b.ctx, b.tok, ua, func(platforms.StructurePage) error { return nil }))
	require.NoError(t, b.client.Insights(b.ctx, b.tok, ua, days[0], days[4], func([]platforms.Insight) error { return nil }))
	require.NoError(t, b.client.Mutate(b.ctx, b.tok, ua, platforms.Mutation{Kind: platforms.MutateUpdateBid, Campaign: platforms.RemoteCampaign{ExternalID: camp}, BidMicros: 1_750_000}))
	require.NoError(t, b.client.Mutate(b.ctx, b.tok, ua, platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: platforms.RemoteCampaign{ExternalID: camp}, BudgetMicros: 75_000_000}))
	_, err = b.client.Campaign(b.ctx, b.tok, ua, platforms.RemoteCampaign{ExternalID: camp})
	require.NoError(t, err)
	require.Empty(t, b.fake.Errors(), "the client's requests are well-formed")

	set := b.fake.AddAdSet(metafake.AdSet{CampaignID: camp, BidAmount: 175})
	base := b.fake.APIBase() + "/" + meta.Version + "/"
	goodInsights := url.Values{"fields": {"campaign_id,spend"}, "level": {"campaign"}, "time_increment": {"1"}, "time_range": {`{"since":"` + days[0] + `","until":"` + days[1] + `"}`}, "appsecret_proof": {proof(tok)}}
	with := func(v url.Values, k, val string) url.Values {
		c := url.Values{}
		for kk, vv := range v {
			c[kk] = vv
		}
		if val == "" {
			c.Del(k)
		} else {
			c.Set(k, val)
		}
		return c
	}
	cases := []struct {
		name, method, path string
		q                  url.Values // query (GET) or form (POST)
		auth               string
		want               string // in the violation
	}{
		{"no token", "GET", "me/adaccounts", url.Values{"fields": {"id"}, "appsecret_proof": {proof(tok)}}, "", "no access token"},
		{"not bearer", "GET", "me/adaccounts", url.Values{"fields": {"id"}, "appsecret_proof": {proof(tok)}}, "Token " + tok, "Bearer"},
		{"no appsecret_proof", "GET", "me/adaccounts", url.Values{"fields": {"id"}}, "Bearer " + tok, "missing appsecret_proof"},
		{"wrong appsecret_proof", "GET", "me/adaccounts", url.Values{"fields": {"id"}, "appsecret_proof": {proof("other")}}, "Bearer " + tok, "appsecret_proof is not"},
		{"wrong version", "GET", "/v19.0/me/adaccounts", url.Values{"fields": {"id"}, "appsecret_proof": {proof(tok)}}, "Bearer " + tok, "pinned Graph API version"},
		{"misspelled field", "GET", usd + "/campaigns", url.Values{"fields": {"id,daily_budgett"}, "appsecret_proof": {proof(tok)}}, "Bearer " + tok, `unknown Campaign field "daily_budgett"`},
		{"unknown parameter", "GET", usd + "/campaigns", url.Values{"fields": {"id"}, "page_size": {"10"}, "appsecret_proof": {proof(tok)}}, "Bearer " + tok, `unknown parameter "page_size"`},
		{"bad limit", "GET", usd + "/adsets", url.Values{"fields": {"id"}, "limit": {"-1"}, "appsecret_proof": {proof(tok)}}, "Bearer " + tok, "limit"},
		{"forged cursor", "GET", usd + "/ads", url.Values{"fields": {"id"}, "after": {"bm90LWEtY3Vyc29y"}, "appsecret_proof": {proof(tok)}}, "Bearer " + tok, "not a cursor"},
		{"insights wrong level", "GET", usd + "/insights", with(goodInsights, "level", "ad"), "Bearer " + tok, "level"},
		{"insights not daily", "GET", usd + "/insights", with(goodInsights, "time_increment", "all_days"), "Bearer " + tok, "time_increment"},
		{"insights no range", "GET", usd + "/insights", with(goodInsights, "time_range", ""), "Bearer " + tok, "time_range"},
		{"insights misspelled field", "GET", usd + "/insights", with(goodInsights, "fields", "campaign_id,spent"), "Bearer " + tok, `"spent"`},
		{"budget as decimal", "POST", camp, url.Values{"daily_budget": {"12.34"}, "appsecret_proof": {proof(tok)}}, "Bearer " + tok, "minor unit"},
		{"budget in micros (USD)", "POST", camp, url.Values{"daily_budget": {"75000000"}, "appsecret_proof": {proof(tok)}}, "Bearer " + tok, "micros"},
		{"budget in micros (JPY)", "POST", jcamp, url.Values{"daily_budget": {"8000000000"}, "appsecret_proof": {proof(tok)}}, "Bearer " + tok, "micros"},
		{"bid on a campaign", "POST", camp, url.Values{"bid_amount": {"150"}, "appsecret_proof": {proof(tok)}}, "Bearer " + tok, `unknown parameter "bid_amount"`},
		{"bid as decimal", "POST", set, url.Values{"bid_amount": {"1.5"}, "appsecret_proof": {proof(tok)}}, "Bearer " + tok, "minor unit"},
		{"bid in micros", "POST", set, url.Values{"bid_amount": {"1750000"}, "appsecret_proof": {proof(tok)}}, "Bearer " + tok, "micros"},
		{"unknown status", "POST", camp, url.Values{"status": {"ENABLED"}, "appsecret_proof": {proof(tok)}}, "Bearer " + tok, "status"},
		{"empty update", "POST", camp, url.Values{"appsecret_proof": {proof(tok)}}, "Bearer " + tok, "no field"},
		{"code exchange wrong secret", "GET", "oauth/access_token", url.Values{"client_id": {metafake.ClientID}, "client_secret": {"nope"}, "redirect_uri": {"https://x/cb"}, "code": {"c"}}, "", "client_secret"},
		{"token exchange misspelled", "GET", "oauth/access_token", url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {metafake.ClientID}, "client_secret": {metafake.ClientSecret}, "fb_exchange_tokn": {tok}}, "", `unknown parameter "fb_exchange_tokn"`},
		{"dialog without state", "GET", "dialog/oauth", url.Values{"client_id": {metafake.ClientID}, "redirect_uri": {"https://x/cb"}, "response_type": {"code"}, "scope": {"ads_read"}}, "", "no state"},
	}
	for _, tc := range cases {
		before := len(b.fake.Errors())
		var req *http.Request
		u := base + tc.path
		if strings.HasPrefix(tc.path, "/") {
			u = b.fake.APIBase() + tc.path
		}
		if tc.method == "GET" {
			req, err = http.NewRequest(tc.method, u+"?"+tc.q.Encode(), nil)
		} else {
			req, err = http.NewRequest(tc.method, u, strings.NewReader(tc.q.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		require.NoError(t, err)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Do(req)
		require.NoError(t, err, tc.name)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		errs := b.fake.Errors()
		require.Greater(t, len(errs), before, "%s: the fake must report the malformed request", tc.name)
		require.Contains(t, strings.Join(errs[before:], "\n"), tc.want, tc.name)
		if tc.path != "dialog/oauth" {
			var env struct {
				Error struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
					Type    string `json:"type"`
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal(body, &env), tc.name)
			require.NotZero(t, env.Error.Code, "%s: answered with Meta's error envelope: %s", tc.name, body)
			require.Equal(t, "OAuthException", env.Error.Type, tc.name)
		}
		require.NotContains(t, strings.Join(errs, "\n"), tok, "violations never print tokens")
	}
	c, _ := b.fake.Campaign(camp)
	require.Equal(t, int64(7500), c.DailyBudget, "no malformed update was applied")
	a, _ := b.fake.AdSet(set)
	require.Equal(t, int64(175), a.BidAmount)
}

func TestStandaloneFake(t *testing.T) {
	t.Parallel()
	var logged []string
	var mu sync.Mutex
	fake, err := metafake.NewStandalone("127.0.0.1:0", func(f string, a ...any) { mu.Lock(); logged = append(logged, fmt.Sprintf(f, a...)); mu.Unlock() })
	require.NoError(t, err)
	defer fake.Close()
	fake.Seed(1, 2, 3)
	c := meta.New(fake.Endpoints())
	accts, err := c.Accounts(context.Background(), platforms.Token{AccessToken: fake.IssueToken(time.Hour)})
	require.NoError(t, err)
	require.Len(t, accts, 1)
	resp, err := http.Get(fake.APIBase() + "/v1.0/me")
	require.NoError(t, err)
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, logged, 1, "a violation is logged, not fatal")
}
