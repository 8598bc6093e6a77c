package meta_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/meta"
	"github.com/stratumhq/stratum/domain/platforms/meta/metafake"
)

// benchFixture is 1,000 campaigns × 90 days in one USD account.
func benchFixture(b *testing.B) (*metafake.Server, *meta.Client, platforms.Token, platforms.Account, []string) {
	b.Helper()
	fake := metafake.New(b)
	ids := fake.Seed(1, 1000, 90)
	c := meta.New(fake.Endpoints())
	tok := platforms.Token{AccessToken: fake.IssueToken(time.Hour)}
	return fake, c, tok, platforms.Account{ExternalID: ids[0], Currency: "USD", TimeZone: "America/New_York"}, fake.Days()
}

// BenchmarkInsights1000x90 is the client fetching and converting 90,000
// daily campaign rows from the fake (rows/s).
func BenchmarkInsights1000x90(b *testing.B) {
	fake, c, tok, acct, days := benchFixture(b)
	ctx := context.Background()
	rows := 0
	for b.Loop() {
		n := 0
		if err := c.Insights(ctx, tok, acct, days[0], days[len(days)-1], func(in []platforms.Insight) error {
			n += len(in)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if n != 90_000 {
			b.Fatalf("fetched %d rows, want 90000", n)
		}
		rows += n
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	if errs := fake.Errors(); len(errs) > 0 {
		b.Fatal(errs)
	}
}

// BenchmarkFakeServe is the fake's raw serving rate for the same pages:
// plain GETs with the body read and discarded, no JSON parsing (rows/s).
func BenchmarkFakeServe(b *testing.B) {
	fake, _, tok, acct, days := benchFixture(b)
	urls := fake.InsightPageURLs(acct.ExternalID, "campaign_id,spend,impressions,clicks,actions,action_values", days[0], days[len(days)-1], 500, tok.AccessToken)
	hc := fake.Endpoints().HTTP
	rows := 0
	for b.Loop() {
		for _, u := range urls {
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d for %s", resp.StatusCode, u)
			}
		}
		rows += 90_000
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	if errs := fake.Errors(); len(errs) > 0 {
		b.Fatal(errs)
	}
}
