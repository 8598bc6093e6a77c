package snapchat

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/snapchat/snapchatfake"
)

// The issue-12 benchmark pair: the client fetching 1,000 campaigns × 90
// days of daily stats from the fake (parsed into platforms.Insight rows),
// and the fake's raw serving rate for the very same pages (plain GETs, body
// discarded, no parsing). rows/s of the first over the second is the
// client's overhead ratio.

const benchCampaigns, benchDays = 1000, 90

func benchSetup(b *testing.B) (bundle, platforms.Account, string, string) {
	bb := setup(b, snapchatfake.WithLastDay("2026-11-30"))
	a := account(bb.fake.Seed(1, benchCampaigns, benchDays)[0])
	last, _ := time.Parse(time.DateOnly, "2026-11-30")
	return bb, a, last.AddDate(0, 0, 1-benchDays).Format(time.DateOnly), "2026-11-30"
}

func BenchmarkInsights1000x90(b *testing.B) {
	bb, a, from, to := benchSetup(b)
	ctx := context.Background()
	rows := 0
	start := time.Now()
	for b.Loop() {
		n := 0
		err := bb.c.Insights(ctx, bb.tok, a, from, to, func(p []platforms.Insight) error {
			n += len(p)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if n != benchCampaigns*benchDays {
			b.Fatalf("%d rows; want %d", n, benchCampaigns*benchDays)
		}
		rows += n
	}
	b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
}

func BenchmarkFakeServe(b *testing.B) {
	bb, a, from, to := benchSetup(b)
	pages := benchPages(b, bb, a, from, to)
	hc := bb.fake.Client()
	auth := "Bearer " + bb.tok.AccessToken
	rows := 0
	start := time.Now()
	for b.Loop() {
		for _, u := range pages {
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Authorization", auth)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
		rows += benchCampaigns * benchDays
	}
	b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
}

// benchPages lists the URLs the client requests for [from, to]: one first
// page per window as Insights builds it, then each next_link.
func benchPages(b *testing.B, bb bundle, a platforms.Account, from, to string) []string {
	loc, _ := time.LoadLocation(a.TimeZone)
	first, _ := time.Parse(time.DateOnly, from)
	last, _ := time.Parse(time.DateOnly, to)
	var out []string
	for ws := first; !ws.After(last); ws = ws.AddDate(0, 0, windowDays) {
		we := ws.AddDate(0, 0, windowDays-1)
		if we.After(last) {
			we = last
		}
		q := url.Values{"granularity": {"DAY"}, "breakdown": {"campaign"}, "fields": {statsFields}, "omit_empty": {"false"},
			"start_time": {localMidnight(ws, loc).Format(snapTime)}, "end_time": {localMidnight(we.AddDate(0, 0, 1), loc).Format(snapTime)}}
		next := bb.fake.APIBase() + "/v1/adaccounts/" + a.ExternalID + "/stats?" + q.Encode()
		for next != "" {
			out = append(out, next)
			var p struct {
				Paging struct {
					NextLink string `json:"next_link"`
				} `json:"paging"`
			}
			req, _ := http.NewRequest(http.MethodGet, next, nil)
			req.Header.Set("Authorization", "Bearer "+bb.tok.AccessToken)
			resp, err := bb.fake.Client().Do(req)
			if err != nil {
				b.Fatal(err)
			}
			err = json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			next = p.Paging.NextLink
		}
	}
	return out
}
