//go:build unix

package tiktok

import (
	"encoding/json"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms/tiktok/tiktokfake"
)

// BenchmarkDecodeReportPage is the decoder alone on one real report page
// of the fake (PageSize rows), without HTTP: "fast" is fastReport,
// "encoding_json" the reflection decoder decodePage falls back to.
func BenchmarkDecodeReportPage(b *testing.B) {
	f := tiktokfake.New(b)
	adv := f.Seed(1, 1000, 90)[0]
	tok := f.IssueToken(adv.ID)
	end, _ := time.Parse(time.DateOnly, tiktokfake.SeedEnd)
	q := ReportQuery(adv.ID, end.AddDate(0, 0, -29).Format(time.DateOnly), tiktokfake.SeedEnd, 1)
	req, _ := http.NewRequest(http.MethodGet, f.APIBase()+"/open_api/"+APIVersion+"/report/integrated/get/?"+q.Encode(), nil)
	req.Header.Set("Access-Token", tok)
	resp, err := f.Endpoints().HTTP.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	var probe listPage[reportRow]
	if !fastReport(body, &probe) || len(probe.List) != PageSize {
		b.Fatalf("the fake's page does not take the fast path (%d rows)", len(probe.List))
	}
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		cpu0 := cpuTime()
		rows := 0
		for b.Loop() {
			var p listPage[reportRow]
			if !fastReport(body, &p) {
				b.Fatal("declined")
			}
			rows += len(p.List)
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		cpu0 := cpuTime()
		rows := 0
		for b.Loop() {
			var p listPage[reportRow]
			env := envelope{Data: &p}
			if err := json.Unmarshal(body, &env); err != nil {
				b.Fatal(err)
			}
			rows += len(p.List)
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
