package googleadsfake

import (
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestParseQuery(t *testing.T) {
	t.Parallel()
	ok := []string{
		"SELECT campaign.id FROM campaign",
		"select campaign.id, campaign.name from campaign where campaign.status != 'REMOVED' and campaign.id IN (1, 2) limit 5",
		"SELECT campaign.id, segments.date, metrics.clicks FROM campaign WHERE segments.date BETWEEN '2026-01-01' AND '2026-01-31'",
		"SELECT campaign.id, segments.date FROM campaign WHERE segments.date = '2026-01-01'",
		"SELECT ad_group.id FROM ad_group WHERE campaign.id = 12 AND ad_group.status NOT IN ('REMOVED')",
		"SELECT customer_client.id FROM customer_client WHERE customer_client.manager = false AND customer_client.level <= 3",
		`SELECT ad_group_ad.ad.id FROM ad_group_ad WHERE ad_group_ad.status = "ENABLED"`,
	}
	for _, q := range ok {
		if _, err := parseQuery(q); err != nil {
			t.Errorf("parseQuery(%q): %v", q, err)
		}
	}
	bad := map[string]string{
		"campaign.id FROM campaign":                                                                  "starts with SELECT",
		"SELECT campaign.idd FROM campaign":                                                          "unrecognized field",
		"SELECT campaign.id FROM campaigns":                                                          "unrecognized resource",
		"SELECT ad_group.id FROM campaign":                                                           "unrecognized field",
		"SELECT campaign.id, campaign.id FROM campaign":                                              "twice",
		"SELECT campaign.id FROM campaign WHERE campaign.nam = 'x'":                                  "unrecognized field in WHERE",
		"SELECT campaign.id FROM campaign WHERE campaign.id = ":                                      "expected a literal",
		"SELECT campaign.id FROM campaign WHERE campaign.name = 'x":                                  "unterminated",
		"SELECT campaign.id FROM campaign ORDER BY campaign.id":                                      "unexpected",
		"SELECT campaign.id FROM campaign LIMIT 0":                                                   "positive integer",
		"SELECT campaign.id, segments.date FROM campaign":                                            "finite date range",
		"SELECT campaign.id, metrics.clicks FROM campaign":                                           "segmented by segments.date",
		"SELECT campaign.id FROM campaign WHERE segments.date > '2026-01-01'":                        "BETWEEN or =",
		"SELECT campaign.id FROM campaign WHERE segments.date BETWEEN '2026-02-01' AND '2026-01-01'": "ends before",
		"SELECT campaign.id FROM campaign WHERE campaign.id NOT = 1":                                 "followed by IN",
		"SELECT campaign.id; DROP TABLE x FROM campaign":                                             "unexpected character",
	}
	for q, want := range bad {
		_, err := parseQuery(q)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseQuery(%q) = %v; want an error containing %q", q, err, want)
		}
	}
}

func TestConditionMatch(t *testing.T) {
	t.Parallel()
	q, err := parseQuery("SELECT campaign.id FROM campaign WHERE campaign.id > 9 AND campaign.status IN ('ENABLED', 'PAUSED') AND campaign.name != 'x'")
	if err != nil {
		t.Fatal(err)
	}
	vals := []string{"10", "PAUSED", "y"}
	for i, c := range q.Where {
		if !c.match(vals[i]) {
			t.Errorf("%+v does not match %q", c, vals[i])
		}
	}
	// numbers compare as numbers, not strings ("10" > "9")
	if q.Where[0].match("8") || q.Where[1].match("REMOVED") || q.Where[2].match("x") {
		t.Error("a non-matching value matched")
	}
}

func TestAppendRowNesting(t *testing.T) {
	t.Parallel()
	q, err := parseQuery("SELECT ad_group_ad.ad.id, ad_group_ad.status, ad_group_ad.ad_group, ad_group_ad.ad.name FROM ad_group_ad")
	if err != nil {
		t.Fatal(err)
	}
	cols, mask := plan(q)
	c := &rowCtx{cust: &customerState{Customer: Customer{ID: "1"}}, group: &AdGroup{ID: "2"}, ad: &Ad{ID: "3", Name: `a "quoted" ad`, Status: "ENABLED"}}
	got := string(appendRow(nil, cols, c))
	want := `{"adGroupAd":{"ad":{"id":"3","name":"a \"quoted\" ad"},"adGroup":"customers/1/adGroups/2","resourceName":"customers/1/adGroupAds/2~3","status":"ENABLED"}}`
	if got != want {
		t.Errorf("row = %s\nwant  %s", got, want)
	}
	if mask != "adGroupAd.ad.id,adGroupAd.status,adGroupAd.adGroup,adGroupAd.ad.name" {
		t.Errorf("fieldMask = %s", mask)
	}
}

func TestDecimal(t *testing.T) {
	t.Parallel()
	for micros, want := range map[int64]string{12_340_000: "12.34", 1_234_000_000: "1234.0", 1: "0.000001", 0: "0.0", -500_000: "-0.5"} {
		if got := decimal(micros); got != want {
			t.Errorf("decimal(%d) = %s; want %s", micros, got, want)
		}
	}
}

func TestStandalone(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var logged []string
	s, err := NewStandalone("127.0.0.1:0", func(f string, a ...any) { mu.Lock(); defer mu.Unlock(); logged = append(logged, f) })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.APIBase(), "http://127.0.0.1:") || s.OAuthBase() != s.APIBase()+"/oauth" {
		t.Fatalf("bases %s %s", s.APIBase(), s.OAuthBase())
	}
	resp, err := http.Get(s.APIBase() + "/v18/customers:listAccessibleCustomers")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if resp.StatusCode != 404 || len(logged) != 1 || len(s.Errors()) != 1 {
		t.Fatalf("status %d, logged %v; want 404 and one logged report", resp.StatusCode, logged)
	}
}
