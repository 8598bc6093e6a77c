package snapchat

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/snapchat/snapchatfake"
)

// TestFakeRejectsMalformedRequests proves the fake catches what a broken
// client would send: each raw request below is wrong in one way, and the
// fake must record it (RecordOnly keeps this test itself green) and answer
// with Snap's error envelope. The positive control sends the client's own
// requests through a fresh fake of the same kind and expects no record.
func TestFakeRejectsMalformedRequests(t *testing.T) {
	t.Parallel()
	b := setup(t, snapchatfake.RecordOnly())
	acct := b.fake.AddAccount(snapchatfake.Account{Name: "LA", Currency: "USD", TimeZone: "America/Los_Angeles"})
	budget := int64(50_000_000)
	cid, sid := b.fake.AddCampaign(acct.ID, snapchatfake.Campaign{DailyBudgetMicro: &budget}, 2_000_000, 0)
	api := b.fake.APIBase() + "/v1"
	stats := func(mod func(q url.Values)) string {
		q := url.Values{"granularity": {"DAY"}, "breakdown": {"campaign"}, "fields": {statsFields}, "omit_empty": {"false"},
			"start_time": {"2026-11-01T00:00:00.000-07:00"}, "end_time": {"2026-11-03T00:00:00.000-08:00"}}
		mod(q)
		return api + "/adaccounts/" + acct.ID + "/stats?" + q.Encode()
	}
	campaignBody := func(extra string) string {
		return `{"campaigns":[{"id":"` + cid + `","ad_account_id":"` + acct.ID + `","name":"C","status":"PAUSED","start_time":"2026-01-01T00:00:00.000Z"` + extra + `}]}`
	}
	squadBody := func(extra string) string {
		return `{"adsquads":[{"id":"` + sid + `","campaign_id":"` + cid + `","name":"S","status":"ACTIVE","type":"SNAP_ADS","billing_event":"IMPRESSION","optimization_goal":"SWIPES"` + extra + `}]}`
	}
	bearer := "Bearer " + b.tok.AccessToken
	cases := []struct {
		name, method, url, auth, body, want string
		status                              int
	}{
		{"no auth header", "GET", api + "/me/organizations", "", "", "Authorization header", 401},
		{"token without Bearer", "GET", api + "/me/organizations", b.tok.AccessToken, "", "Authorization header", 401},
		{"wrong version", "GET", b.fake.APIBase() + "/v2/me/organizations", bearer, "", "unknown path", 404},
		{"unknown endpoint", "GET", api + "/adaccounts/" + acct.ID + "/campaign", bearer, "", "no such Marketing API endpoint", 404},
		{"limit below 50", "GET", api + "/adaccounts/" + acct.ID + "/campaigns?limit=10", bearer, "", "limit must be", 400},
		{"misspelled paging param", "GET", api + "/adaccounts/" + acct.ID + "/campaigns?page_size=100", bearer, "", "unknown query parameters", 400},
		{"forged cursor", "GET", api + "/adaccounts/" + acct.ID + "/campaigns?cursor=abc", bearer, "", "cursor", 400},
		{"stats start at UTC midnight", "GET", stats(func(q url.Values) { q.Set("start_time", "2026-11-01T00:00:00.000Z") }), bearer, "", "UTC offset", 400},
		{"stats start at local midnight written in UTC", "GET", stats(func(q url.Values) { q.Set("start_time", "2026-11-01T07:00:00.000Z") }), bearer, "", "UTC offset", 400},
		{"stats end ignoring the DST change", "GET", stats(func(q url.Values) { q.Set("end_time", "2026-11-03T00:00:00.000-07:00") }), bearer, "", "UTC offset", 400},
		{"stats start not at midnight", "GET", stats(func(q url.Values) { q.Set("start_time", "2026-10-31T05:00:00.000-07:00") }), bearer, "", "start of day", 400},
		{"stats date without time", "GET", stats(func(q url.Values) { q.Set("start_time", "2026-11-01") }), bearer, "", "ISO 8601", 400},
		{"stats window over 32 days", "GET", stats(func(q url.Values) { q.Set("end_time", "2026-12-10T00:00:00.000-08:00") }), bearer, "", "32 days", 400},
		{"stats misspelled field", "GET", stats(func(q url.Values) { q.Set("fields", "impressions,swipe,spend") }), bearer, "", `unknown stats field "swipe"`, 400},
		{"stats without breakdown", "GET", stats(func(q url.Values) { q.Del("breakdown") }), bearer, "", "breakdown=campaign", 400},
		{"stats unknown param", "GET", stats(func(q url.Values) { q.Set("date_preset", "last_7d") }), bearer, "", "unknown query parameters", 400},
		{"budget as a float", "PUT", api + "/adaccounts/" + acct.ID + "/campaigns", bearer, campaignBody(`,"daily_budget_micro":50.5`), "integer amount of micro-currency", 400},
		{"budget in cents", "PUT", api + "/adaccounts/" + acct.ID + "/campaigns", bearer, campaignBody(`,"daily_budget_micro":5000`), "integer amount of micro-currency", 400},
		{"budget as a string", "PUT", api + "/adaccounts/" + acct.ID + "/campaigns", bearer, campaignBody(`,"daily_budget_micro":"50000000"`), "integer amount of micro-currency", 400},
		{"misspelled attribute", "PUT", api + "/adaccounts/" + acct.ID + "/campaigns", bearer, campaignBody(`,"daily_budget":50000000`), `unknown attribute "daily_budget"`, 400},
		{"partial entity", "PUT", api + "/adaccounts/" + acct.ID + "/campaigns", bearer, `{"campaigns":[{"id":"` + cid + `","status":"PAUSED"}]}`, "full entity", 400},
		{"bare object body", "PUT", api + "/adaccounts/" + acct.ID + "/campaigns", bearer, `{"campaign":{"id":"` + cid + `"}}`, "unknown top-level field", 400},
		{"bid in cents", "PUT", api + "/campaigns/" + cid + "/adsquads", bearer, squadBody(`,"bid_micro":150`), "bid_micro must be an integer", 400},
		{"squad budget below minimum", "PUT", api + "/campaigns/" + cid + "/adsquads", bearer, squadBody(`,"bid_micro":2000000,"daily_budget_micro":4000000`), "daily_budget_micro must be", 400},
		{"bad status word", "PUT", api + "/campaigns/" + cid + "/adsquads", bearer, squadBody(`,"status":"ENABLED"`), "", 400},
		{"authorize with PKCE params", "GET", b.fake.OAuthBase() + "/login/oauth2/authorize?client_id=" + snapchatfake.ClientID + "&redirect_uri=https%3A%2F%2Fx.example%2Fcb&response_type=code&scope=snapchat-marketing-api&code_challenge=abc&code_challenge_method=S256", "", "", "unknown parameters", 400},
		{"authorize wrong scope", "GET", b.fake.OAuthBase() + "/login/oauth2/authorize?client_id=" + snapchatfake.ClientID + "&redirect_uri=https%3A%2F%2Fx.example%2Fcb&response_type=code&scope=ads", "", "", "scope must be", 400},
		{"token request as JSON", "POST", b.fake.OAuthBase() + "/login/oauth2/access_token", "", `{"grant_type":"refresh_token"}`, "x-www-form-urlencoded", 400},
	}
	for _, tc := range cases {
		before := len(b.fake.Errors())
		req, err := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		switch {
		case strings.HasPrefix(tc.body, "{") && tc.method == "PUT":
			req.Header.Set("Content-Type", "application/json")
		case tc.method == "POST":
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := b.fake.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		errs := b.fake.Errors()
		if len(errs) != before+1 {
			t.Errorf("%s: the fake recorded %d errors; want exactly one", tc.name, len(errs)-before)
			continue
		}
		if !strings.Contains(errs[before], tc.want) {
			t.Errorf("%s: recorded %q; want it to mention %q", tc.name, errs[before], tc.want)
		}
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d; want %d", tc.name, resp.StatusCode, tc.status)
		}
		if !strings.Contains(string(body), `"error`) {
			t.Errorf("%s: body %s carries no error envelope", tc.name, body)
		}
	}
	// Nothing malformed was applied.
	if n := len(b.fake.Mutations()); n != 0 {
		t.Fatalf("%d mutations applied by malformed requests", n)
	}

	// Positive control: the client's own requests, same endpoints, no record.
	ctrl := setup(t, snapchatfake.RecordOnly())
	ctrl.c.pageSize = 50
	a := ctrl.fake.Seed(1, 60, 40)[0] // America/Los_Angeles, crossing the DST change
	pa := account(a)
	ctx := context.Background()
	if _, err := ctrl.c.Accounts(ctx, ctrl.tok); err != nil {
		t.Fatal(err)
	}
	if err := ctrl.c.Structure(ctx, ctrl.tok, pa, func(platforms.StructurePage) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := ctrl.c.Insights(ctx, ctrl.tok, pa, "2026-10-20", "2026-11-30", func([]platforms.Insight) error { return nil }); err != nil {
		t.Fatal(err)
	}
	var first string
	_ = ctrl.c.Structure(ctx, ctrl.tok, pa, func(p platforms.StructurePage) error {
		if first == "" && len(p.Campaigns) > 0 {
			first = p.Campaigns[0].ExternalID
		}
		return nil
	})
	rc := platforms.RemoteCampaign{ExternalID: first}
	for _, m := range []platforms.Mutation{
		{Kind: platforms.MutatePause, Campaign: rc}, {Kind: platforms.MutateUpdateBudget, Campaign: rc, BudgetMicros: 75_000_000},
		{Kind: platforms.MutateUpdateBid, Campaign: rc, BidMicros: 3_250_000}, {Kind: platforms.MutateResume, Campaign: rc},
	} {
		if err := ctrl.c.Mutate(ctx, ctrl.tok, pa, m); err != nil {
			t.Fatalf("%s: %v", m.Kind, err)
		}
	}
	if _, err := ctrl.c.Refresh(ctx, ctrl.tok); err != nil {
		t.Fatal(err)
	}
	if errs := ctrl.fake.Errors(); len(errs) != 0 {
		t.Fatalf("the client's own requests were recorded as malformed: %q", errs)
	}
	if len(ctrl.fake.Mutations()) != 4 {
		t.Fatalf("control applied %d mutations; want 4", len(ctrl.fake.Mutations()))
	}
}
