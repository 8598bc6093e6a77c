package googleads_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/googleads/googleadsfake"
)

// benchRows is 1,000 campaigns × 90 days.
const benchRows = 1000 * 90

// benchRange covers the seeded 90 days in any time zone (the fake has no
// metrics outside them).
func benchRange() (string, string) {
	now := time.Now().UTC()
	return now.AddDate(0, 0, -100).Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly)
}

// BenchmarkInsights1000x90 fetches 1,000 campaigns × 90 days of daily
// metrics through the client (HTTP, JSON decoding, exact money
// conversion) from the fake; compare with BenchmarkFakeServe.
func BenchmarkInsights1000x90(b *testing.B) {
	f := googleadsfake.New(b)
	ids := f.Seed(1, 1000, 90)
	benchFrom, benchTo := benchRange()
	c := newClient(f)
	tok := f.Grant(ids...)
	acct := platforms.Account{ExternalID: ids[0], Currency: "USD", TimeZone: "America/New_York"}
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for i := 0; i < b.N; i++ {
		err := c.Insights(context.Background(), tok, acct, benchFrom, benchTo, func(in []platforms.Insight) error {
			rows += len(in)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if rows != b.N*benchRows {
		b.Fatalf("rows = %d; want %d per run", rows, benchRows)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkFakeServe is the fake's raw serving rate for the same stream:
// plain HTTP requests, the body read and discarded, no parsing.
func BenchmarkFakeServe(b *testing.B) {
	f := googleadsfake.New(b)
	ids := f.Seed(1, 1000, 90)
	benchFrom, benchTo := benchRange()
	tok := f.Grant(ids...)
	body := []byte(`{"query":"SELECT campaign.id, segments.date, metrics.cost_micros, metrics.impressions, metrics.clicks, metrics.conversions, metrics.conversions_value FROM campaign WHERE segments.date BETWEEN '` + benchFrom + `' AND '` + benchTo + `'"}`)
	url := f.APIBase() + "/" + googleadsfake.Version + "/customers/" + ids[0] + "/googleAds:searchStream"
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("developer-token", googleadsfake.DeveloperToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n == 0 {
			b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
		}
	}
	b.ReportMetric(float64(b.N*benchRows)/b.Elapsed().Seconds(), "rows/s")
}
