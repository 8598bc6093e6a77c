package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/testdb"
)

// BenchmarkTrackingBatch posts /v1/batch requests of 100 track events with
// ≈ 300 bytes of properties each at concurrency 8 and 64 through the
// whole server (HTTP, key lookup, validation, group commit, River job per
// batch), and, as the baseline in the same run, raw COPY of the same rows
// into cdp_events as the table owner. It reports events/s and the p99 of
// the acknowledgement.
//
//	go test -run '^$' -bench TrackingBatch -benchtime 200x ./app/
func BenchmarkTrackingBatch(b *testing.B) {
	tdb := testdb.New(b)
	srv := apptest.Start(b, apptest.Config(b, tdb, map[string]string{"STRATUM_LOG_LEVEL": "error"}))
	tenant := testdb.MustInsertTenant(b, tdb.DB, testdb.Tenant{Plan: "enterprise"})
	ctx := context.Background()
	limit := cdp.MaxRateLimit
	src, key, err := srv.App.Services.CDP.CreateSource(ctx, tenant, cdp.CreateSourceInput{Name: "bench", RateLimit: &limit})
	if err != nil {
		b.Fatal(err)
	}
	props := map[string]any{"product_id": "sku-12345", "category": "shoes", "price": 129.99, "currency": "EUR",
		"coupon": "WINTER", "url": "https://shop.example.test/products/sku-12345?utm_source=newsletter", "note": strings.Repeat("x", 120)}
	var seq atomic.Int64
	body := func() []byte {
		evs := make([]any, 100)
		for i := range evs {
			evs[i] = map[string]any{"type": "track", "event": "Product Viewed", "userId": "user-42", "messageId": fmt.Sprintf("m-%d", seq.Add(1)),
				"timestamp": "2026-12-02T10:00:00.000Z", "properties": props}
		}
		raw, _ := json.Marshal(map[string]any{"batch": evs, "sentAt": "2026-12-02T10:00:01.000Z"})
		return raw
	}

	for _, conc := range []int{8, 32, 64} {
		b.Run(fmt.Sprintf("server_c%d", conc), func(b *testing.B) {
			bodies := make([][]byte, b.N)
			for i := range bodies {
				bodies[i] = body()
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range conc {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/batch", bytes.NewReader(bodies[i]))
						req.SetBasicAuth(key, "")
						t0 := time.Now()
						res, err := client.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						lat[i] = time.Since(t0)
						if res.StatusCode != http.StatusOK {
							b.Errorf("status %d", res.StatusCode)
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(b.N*100)/elapsed.Seconds(), "events/s")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
		})
	}

	b.Run("raw_copy", func(b *testing.B) {
		conn, err := pgx.Connect(ctx, tdb.OwnerURL)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(ctx)
		propsJSON, _ := json.Marshal(props)
		now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
		if _, err := srv.App.Services.CDP.EnsurePartitions(ctx); err != nil {
			b.Fatal(err)
		}
		batch := uuid.New() // also keeps message ids unique across b.N rounds
		rows := make([][]any, 0, b.N*100)
		for n := range b.N * 100 {
			rows = append(rows, []any{tenant, src.ID, fmt.Sprintf("raw-%s-%d", batch, n), now, batch, "track", "Product Viewed", "user-42",
				now, now, now, string(propsJSON), int32(len(propsJSON) + 150)})
		}
		b.ResetTimer()
		start := time.Now()
		// One stream: every row in one COPY (one transaction).
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{"cdp_events"}, []string{"tenant_id", "source_id", "message_id", "received_at",
			"batch_id", "type", "event", "user_id", "original_timestamp", "sent_at", "timestamp", "properties", "payload_size"},
			pgx.CopyFromRows(rows)); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N*100)/time.Since(start).Seconds(), "events/s")
	})
}
