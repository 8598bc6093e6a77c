package tiktok_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/tiktok"
	"github.com/stratumhq/stratum/domain/platforms/tiktok/tiktokfake"
)

// benchRange is the 90 days ending tiktokfake.SeedEnd.
func benchRange() (string, string) {
	end, _ := time.Parse(time.DateOnly, tiktokfake.SeedEnd)
	return end.AddDate(0, 0, -89).Format(time.DateOnly), tiktokfake.SeedEnd
}

// BenchmarkInsights1000x90 is the client fetching and converting 1,000
// campaigns × 90 days (three 30-day chunks of 30 pages) from the fake.
func BenchmarkInsights1000x90(b *testing.B) {
	bb := benchSetup(b)
	from, to := benchRange()
	ctx := context.Background()
	rows := 0
	b.ResetTimer()
	for b.Loop() {
		err := bb.c.Insights(ctx, bb.tok, bb.accts[0], from, to, func(in []platforms.Insight) error {
			rows += len(in)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkFakeServe is the fake's raw serving rate for the same pages:
// plain HTTP GETs whose bodies are read and discarded, no parsing.
func BenchmarkFakeServe(b *testing.B) {
	bb := benchSetup(b)
	from, to := benchRange()
	chunks, err := tiktok.Chunks(from, to)
	if err != nil {
		b.Fatal(err)
	}
	var urls []string
	for _, ch := range chunks {
		for page := 1; page <= 30; page++ { // 1,000 campaigns × 30 days / 1,000 rows a page
			q := tiktok.ReportQuery(bb.accts[0].ExternalID, ch[0], ch[1], page)
			urls = append(urls, bb.fake.APIBase()+"/open_api/"+tiktok.APIVersion+"/report/integrated/get/?"+q.Encode())
		}
	}
	hc := bb.fake.Endpoints().HTTP
	rows := 0
	b.ResetTimer()
	for b.Loop() {
		for _, u := range urls {
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Access-Token", bb.tok.AccessToken)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			rows += tiktok.PageSize
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

type benchBundle struct {
	fake  *tiktokfake.Server
	c     *tiktok.Client
	tok   platforms.Token
	accts []platforms.Account
}

func benchSetup(b *testing.B) benchBundle {
	f := tiktokfake.New(b)
	advs := f.Seed(1, 1000, 90)
	a := advs[0]
	return benchBundle{
		fake:  f,
		c:     tiktok.New(f.Endpoints()),
		tok:   platforms.Token{AccessToken: f.IssueToken(a.ID)},
		accts: []platforms.Account{{ExternalID: a.ID, Currency: a.Currency, TimeZone: a.TimeZone}},
	}
}
