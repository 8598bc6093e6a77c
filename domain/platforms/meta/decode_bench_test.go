//go:build unix

package meta

import (
	"encoding/json"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms/meta/metafake"
)

// BenchmarkDecodeInsightsPage is the decoder alone on one real page of the
// fake (pageLimit rows), without HTTP: "fast" is decodeInsightsPage as the
// client runs it, "encoding_json" the reflection decoder it falls back to.
func BenchmarkDecodeInsightsPage(b *testing.B) {
	fake := metafake.New(b)
	act := fake.Seed(1, 1000, 90)[0]
	tok := fake.IssueToken(time.Hour)
	days := fake.Days()
	urls := fake.InsightPageURLs(act, "campaign_id,spend,impressions,clicks,actions,action_values", days[0], days[len(days)-1], pageLimit, tok)
	req, _ := http.NewRequest(http.MethodGet, urls[0], nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := fake.Endpoints().HTTP.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	if _, ok := fastInsightsPage(raw); !ok {
		b.Fatal("the fake's page does not take the fast path")
	}
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		cpu0 := cpuTime()
		rows := 0
		for b.Loop() {
			p, err := decodeInsightsPage(raw)
			if err != nil {
				b.Fatal(err)
			}
			rows += len(p.Data)
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		cpu0 := cpuTime()
		rows := 0
		for b.Loop() {
			var p insightsPage
			if err := json.Unmarshal(raw, &p); err != nil {
				b.Fatal(err)
			}
			rows += len(p.Data)
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	})
}

// cpuTime is the CPU time the process has used. The decode benchmarks
// report it per operation (cpu-ns/op) beside wall time: on a machine
// shared with other work, waiting for a core inflates ns/op but not
// cpu-ns/op, so before/after comparisons read cpu-ns/op.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
