package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/internal/wstest"
)

// BenchmarkSubscriptionFanOut measures one `stratum serve` process (a
// separate OS process, so its memory is its own) holding N graphql-ws
// connections with one autopilotModeChanged subscription each: its memory
// (resident set growth) per subscription and, per event, the latency from the writer's commit
// (a kill-switch change made through the domain service in this process,
// whose NOTIFY reaches the server through PostgreSQL) to delivery at every
// subscriber, as p50/p99 over all deliveries. N=1 is the baseline of the
// same run.
//
// Run: go test -run '^$' -bench SubscriptionFanOut -benchtime 20x ./app/
// (STRATUM_FANOUT_SUBSCRIBERS=1,10000,50000 for other counts).
func BenchmarkSubscriptionFanOut(b *testing.B) {
	bin := buildServer(b)
	counts := []int{1, 10_000}
	if v := os.Getenv("STRATUM_FANOUT_SUBSCRIBERS"); v != "" { // e.g. 1,10000,50000
		counts = counts[:0]
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				b.Fatalf("STRATUM_FANOUT_SUBSCRIBERS: %q is not a count", f)
			}
			counts = append(counts, n)
		}
	}
	// Subscriptions per socket (STRATUM_FANOUT_PER_SOCKET, default 1): one
	// process may hold at most ≈ 20,000 open files on this machine, so
	// 50,000 subscriptions are 10,000 sockets with 5 each.
	perSocket := 1
	if v := os.Getenv("STRATUM_FANOUT_PER_SOCKET"); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil || k < 1 || k > 50 {
			b.Fatalf("STRATUM_FANOUT_PER_SOCKET: %q is not 1–50", v)
		}
		perSocket = k
	}
	for _, n := range counts {
		k := min(perSocket, n) // the single-subscriber baseline stays one socket
		if n%k != 0 {
			n += k - n%k
		}
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			// A fresh database and server per run, so the memory growth is
			// this run's alone.
			tdb := testdb.New(b)
			srv := startServerProcess(b, bin, tdb)
			s := (&idBundle{srv: srv.Server, tdb: tdb}).signUp(b, "fanout@bench.test", "Fanout")
			_, tenant, err := relay.ParseGlobalID(s.TenantID)
			if err != nil {
				b.Fatal(err)
			}
			auto := &automation.Service{DB: tdb.DB}
			on := false
			toggle := func() time.Time {
				on = !on
				if _, err := auto.SetKillSwitch(context.Background(), tenant, on, "bench"); err != nil {
					b.Fatal(err)
				}
				return time.Now() // committed
			}

			rssBefore, goBefore := srv.rss(b), srv.goStats(b)
			arrivals := newArrivals(n)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			dialAll(b, ctx, srv.URL, s.Access, n/k, k, arrivals)
			srv.awaitSubscribers(b, n)
			rssAfter, goAfter := srv.rss(b), srv.goStats(b)
			// The dial's garbage is collected in this process (the
			// subscribers' side) before the first event, as testing does
			// before a benchmark: otherwise its collections ran during the
			// first event (5–6 of them, read from runtime.MemStats), on the
			// cores the server's fan-out uses. The server is left as it is.
			runtime.GC()

			var lat []time.Duration
			srvCPU0, cliCPU0 := pidCPU(uint32(srv.cmd.Process.Pid)), processCPU()
			goTimed := srv.goStats(b)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := toggle()
				late := time.NewTimer(30 * time.Second)
				select {
				case <-arrivals.all:
				case <-late.C:
					b.Fatalf("event %d: %d of %d subscribers received it", i, arrivals.count.Load(), n)
				}
				late.Stop()
				for j := range arrivals.at {
					lat = append(lat, time.Duration(arrivals.at[j].Load()-t0.UnixNano()))
				}
				arrivals.count.Store(0)
			}
			b.StopTimer()
			// What the server allocated per delivery, and how many times it
			// collected meanwhile (a collection during an event slows it).
			goEnd := srv.goStats(b)
			b.ReportMetric((goEnd.allocated-goTimed.allocated)/float64(b.N*n), "server-alloc-B/delivery")
			b.ReportMetric(goEnd.collections-goTimed.collections, "server-gcs")
			// CPU per delivery: the server process's and this one's (the
			// subscribers' client and the writer), which share the cores.
			deliveries := float64(b.N * n)
			b.ReportMetric(float64((pidCPU(uint32(srv.cmd.Process.Pid))-srvCPU0).Microseconds())/deliveries, "server-cpu-us/delivery")
			b.ReportMetric(float64((processCPU()-cliCPU0).Microseconds())/deliveries, "client-cpu-us/delivery")
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(rssAfter-rssBefore)/float64(n), "rss-B/sub")
			// Where the memory is, from the server's Go runtime metrics at the same two moments.
			b.ReportMetric((goAfter.goroutines-goBefore.goroutines)/float64(n/k), "goroutines/socket")
			b.ReportMetric((goAfter.stack-goBefore.stack)/float64(n), "stack-B/sub")
			b.ReportMetric((goAfter.heap-goBefore.heap)/float64(n), "heap-B/sub")
		})
	}
}

// arrivals records when each delivery of the current event arrived: a
// slot per delivery, taken by an atomic counter (10,000 reader goroutines
// sending on one channel contended on its lock), and all signalled when
// the last one arrives.
type arrivals struct {
	at    []atomic.Int64 // unix nanoseconds
	count atomic.Int64
	all   chan struct{}
}

func newArrivals(n int) *arrivals {
	return &arrivals{at: make([]atomic.Int64, n), all: make(chan struct{}, 1)}
}

func (a *arrivals) record(at time.Time) {
	i := a.count.Add(1) - 1
	if i >= int64(len(a.at)) {
		return // a delivery beyond the subscribers: the count check fails the run
	}
	a.at[i].Store(at.UnixNano())
	if i == int64(len(a.at))-1 {
		a.all <- struct{}{}
	}
}

// dialAll opens n graphql-ws connections (50 at a time), each with
// perSocket autopilotModeChanged subscriptions, and sends each event's
// arrival time to arrivals.
func dialAll(b *testing.B, ctx context.Context, url, token string, n, perSocket int, arrivals *arrivals) {
	sem := make(chan struct{}, 50)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Released on a failed dial too (Fatalf ends this goroutine).
			defer func() { <-sem }()
			ws := wstest.Dial(b, ctx, url+"/graphql", wstest.TransportWS, nil)
			ws.Init(map[string]any{"Authorization": "Bearer " + token})
			for k := range perSocket {
				ws.Subscribe(strconv.Itoa(k+1), `subscription { autopilotModeChanged { autopilotMode killSwitch } }`, nil)
			}
			// The subscribers' side shares the cores with the server, so it
			// does as little as a client can: no per-read timer (the
			// benchmark's loop has one per event), no JSON decoding — an
			// event is a text message of type "next".
			go func() {
				for {
					_, data, err := ws.C.Read(context.Background())
					if err != nil {
						return
					}
					if bytes.Contains(data, []byte(`"type":"next"`)) {
						arrivals.record(time.Now())
					}
				}
			}()
		}()
	}
	wg.Wait()
}

// serverProcess is `stratum serve` running as a child process.
type serverProcess struct {
	*apptest.Server
	cmd *exec.Cmd
}

// buildServer builds the stratum binary for the benchmark.
func buildServer(b *testing.B) string {
	bin := filepath.Join(b.TempDir(), "stratum")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/stratum").CombinedOutput(); err != nil {
		b.Fatalf("build stratum: %v\n%s", err, out)
	}
	return bin
}

func startServerProcess(b *testing.B, bin string, tdb *testdb.DB) *serverProcess {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "STRATUM_ENV=test", "DATABASE_URL="+tdb.OwnerURL, "STRATUM_APP_DATABASE_URL="+tdb.AppURL,
		"STRATUM_HTTP_ADDR="+addr, "STRATUM_LOG_LEVEL=error", "STRATUM_SEED_DEMO=false",
		// Every subscriber connects from 127.0.0.1: lift the per-address
		// stream cap (100 by default), which would stop the dial at 100.
		"STRATUM_RATE_LIMIT_POINTS=100000000", "STRATUM_MAX_STREAMS_PER_IP=1000000", "STRATUM_RATE_LIMIT_RESTORE=1000000",
		"STRATUM_ARGON2_TIME=1", "STRATUM_ARGON2_MEMORY_KIB=8192", "STRATUM_ARGON2_THREADS=1")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	p := &serverProcess{Server: &apptest.Server{URL: "http://" + addr}, cmd: cmd}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get(p.URL + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			b.Fatal("stratum serve did not become ready")
		}
	}
}

// awaitSubscribers waits until the server runs n autopilotModeChanged
// subscriptions (its stratum_graphql_subscriptions gauge, which counts
// every subscriber; the hub holds one subscription per group).
func (p *serverProcess) awaitSubscribers(b *testing.B, n int) {
	want := `stratum_graphql_subscriptions{field="autopilotModeChanged"} ` + strconv.Itoa(n)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, line := range p.metrics(b) {
			if line == want {
				return
			}
		}
	}
	b.Fatalf("the server never held %d subscriptions", n)
}

// metrics returns the lines of the server's /metrics.
func (p *serverProcess) metrics(b *testing.B) []string {
	res, err := http.Get(p.URL + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	return strings.Split(string(body), "\n")
}

// goRuntime is what the server's /metrics says of its Go runtime.
type goRuntime struct{ goroutines, stack, heap, allocated, collections float64 }

// goStats reads the server's goroutine count, stack in use, heap in use,
// bytes allocated so far and collections so far from its /metrics.
func (p *serverProcess) goStats(b *testing.B) goRuntime {
	var g goRuntime
	for _, line := range p.metrics(b) {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "go_goroutines":
			g.goroutines = v
		case "go_memstats_stack_inuse_bytes":
			g.stack = v
		case "go_memstats_heap_inuse_bytes":
			g.heap = v
		case "go_memstats_alloc_bytes_total":
			g.allocated = v
		case "go_gc_duration_seconds_count":
			g.collections = v
		}
	}
	if g.goroutines == 0 || g.heap == 0 {
		b.Fatal("the server's /metrics has no Go runtime figures")
	}
	return g
}

// rss returns the server's resident set size.
func (p *serverProcess) rss(b *testing.B) int64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
