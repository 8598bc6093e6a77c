//go:build unix

package googleads

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms/googleads/googleadsfake"
)

// BenchmarkDecodeBatch is the decoder alone on the batches of one real
// metrics stream of the fake (100 campaigns × 90 days), without HTTP:
// "fast" is decodeBatch, "encoding_json" the reflection decoder of the
// same rows.
func BenchmarkDecodeBatch(b *testing.B) {
	f := googleadsfake.New(b)
	ids := f.Seed(1, 100, 90)
	tok := f.Grant(ids...)
	now := time.Now().UTC()
	q := "SELECT campaign.id, segments.date, metrics.cost_micros, metrics.impressions, metrics.clicks, metrics.conversions, metrics.conversions_value FROM campaign WHERE segments.date BETWEEN '" +
		now.AddDate(0, 0, -100).Format(time.DateOnly) + "' AND '" + now.AddDate(0, 0, 1).Format(time.DateOnly) + "'"
	reqBody, _ := json.Marshal(map[string]string{"query": q})
	req, _ := http.NewRequest(http.MethodPost, f.APIBase()+"/"+APIVersion+"/customers/"+ids[0]+"/googleAds:searchStream", bytes.NewReader(reqBody))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("developer-token", googleadsfake.DeveloperToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	stream, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	var batches []json.RawMessage
	if err := json.Unmarshal(stream, &batches); err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, raw := range batches {
		rows, _, err := decodeBatch(raw)
		if err != nil {
			b.Fatal(err)
		}
		total += len(rows)
	}
	if total != 100*90 {
		b.Fatalf("%d rows; want 9000", total)
	}
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(stream)))
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			for _, raw := range batches {
				if _, _, err := decodeBatch(raw); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*total)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(stream)))
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			for _, raw := range batches {
				var v struct {
					Results []row `json:"results"`
				}
				if err := json.Unmarshal(raw, &v); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*total)/b.Elapsed().Seconds(), "rows/s")
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
