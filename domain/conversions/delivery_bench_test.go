package conversions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/capifake"
	"github.com/stratumhq/stratum/domain/conversions/senders"
	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/testdb"
)

// benchBatch is the events of one committed CDP batch in the benchmark,
// benchBacklog the batches committed and processed before forwarding
// drains them (one flush's worth: PipelineGroups requests).
const (
	benchBatch   = 1000
	benchBacklog = conversions.PipelineGroups
)

// BenchmarkForwarding measures forwarding to the fake Meta Conversions API
// server (capifake, validating every request as Meta documents it) through
// the real Meta sender over loopback HTTP, from committed CDP events until
// every event is SENT and recorded. Each iteration commits a backlog of
// benchBacklog batches of 1,000 Order Completed events (email, IP, user
// agent and page URL, as a browser SDK sends them), then measures:
//
//   - e2e: the batch jobs (identity resolution, consent, and the hook
//     queueing each batch for the destination in the batch's transaction)
//     plus the flushes that claim, rebuild, normalise, hash, send and
//     record;
//   - forwarding: the hook's share of the batch jobs plus the flushes, the
//     work forwarding adds to a CDP that resolves identities anyway;
//   - the baseline, interleaved in the same loop: the fake server's raw
//     acceptance rate, the same request bodies as the sender built them
//     (one captured, fresh event ids each time) POSTed to the same server
//     through the same client, one after another.
//
// Both sides keep one request in flight: the flush claims, reads and
// decides the next request's events and records the last one's while a
// request is in flight (PipelineGroups), the baseline has nothing to do
// between its requests.
//
// ratio is forwarding ÷ baseline (the target ≥ 0.5); e2e_ratio is
// e2e ÷ baseline.
func BenchmarkForwarding(b *testing.B) {
	ctx := context.Background()
	tdb := testdb.New(b)
	box, err := auth.NewBox(config.DevEncryptionKey)
	require.NoError(b, err)
	tenant := testdb.MustInsertTenant(b, tdb.DB, testdb.Tenant{})
	fake := capifake.NewMeta(b)
	capture := &captureTransport{next: fake.Client().Transport}
	client := &http.Client{Transport: capture}
	sender := senders.NewMeta(senders.Config{HTTP: client})
	del := &conversions.Deliveries{DB: tdb.DB, Box: box, Senders: map[string]conversions.Sender{"META": sender}}
	hook := &timedHook{next: del}
	svc := &cdp.Service{DB: tdb.DB, Identity: cdp.NewIdentity(tdb.DB), BatchHook: hook}
	_, err = svc.EnsurePartitions(ctx)
	require.NoError(b, err)
	now := tdb.DB.Now(ctx)
	dest := uuid.New()
	d := fake.Destination()
	credJSON, err := json.Marshal(d.Credentials)
	require.NoError(b, err)
	creds, err := box.Seal(credJSON)
	require.NoError(b, err)
	require.NoError(b, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys,
				base_url, legitimate_interest, created_at, updated_at) VALUES (?, ?, 'META', 'Bench', ?, ARRAY['accessToken', 'pixelId'], ?, true, ?, ?)`,
			tenant, dest, creds, d.BaseURL, now, now)
		return err
	}))
	source := uuid.New()
	var e2e, forward, rawTime time.Duration
	events, rawEvents := 0, 0
	// round forwards one backlog and posts the baseline's bodies; measured
	// or not (the warm-up: the pool's first dials, the statement caches,
	// the template's cold pages — paid by neither side's figures).
	accepted := 0
	round := func(i int, measure bool) {
		batches := make([]uuid.UUID, benchBacklog)
		for k := range batches {
			batches[k] = uuid.New()
			require.NoError(b, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at) VALUES (?, ?, ?, '[]', ?)`,
					tenant, batches[k], benchBatch, now); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
						user_id, "timestamp", properties, traits, context, payload_size)
					SELECT ?0, ?1, 'm' || ?2 || '-' || g, ?3, ?4, 'track', 'Order Completed', 'u-' || (g % 100), ?3,
						jsonb_build_object('revenue', 10 + g % 7, 'currency', 'EUR', 'order_id', 'o-' || ?2 || '-' || g),
						jsonb_build_object('email', ' Buyer' || (g % 100) || '@Example.com '),
						jsonb_build_object('ip', '203.0.113.' || (g % 200), 'userAgent', 'Mozilla/5.0 (X11; Linux x86_64) Bench',
							'page', jsonb_build_object('url', 'https://shop.example/checkout/done')), 300
					FROM generate_series(1, ?5) g`, tenant, source, fmt.Sprintf("%d.%d", i, k), now, batches[k], benchBatch)
				return err
			}))
		}
		hook.spent = 0
		if measure {
			b.StartTimer()
		}
		began := time.Now()
		for _, batch := range batches {
			_, err := svc.ProcessBatch(ctx, tenant, batch)
			require.NoError(b, err)
		}
		processed := time.Now()
		for { // as the flush job does: again while something is left
			res, err := del.Flush(ctx, tenant, dest, nil)
			require.NoError(b, err)
			if res.Next.IsZero() {
				break
			}
		}
		flushed := time.Since(processed)
		if measure {
			e2e += time.Since(began)
			forward += hook.spent + flushed
			events += benchBatch * benchBacklog
		}
		accepted += benchBatch * benchBacklog

		// The baseline: the fake accepting the same request bodies one
		// after another, event ids fresh.
		body := capture.body()
		require.NotEmpty(b, body, "the sender's request was not captured")
		for k := range benchBacklog {
			body := bytes.ReplaceAll(body, []byte(`"event_id":"m`), []byte(fmt.Sprintf(`"event_id":"raw%d.%d-m`, i, k)))
			began = time.Now()
			n, err := postRaw(ctx, fake.Client(), capture.url, body)
			require.NoError(b, err)
			if measure {
				rawTime += time.Since(began)
				rawEvents += n
			}
			accepted += n
		}
	}
	round(-1, false)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		round(i, true)
	}
	b.StopTimer()
	require.Empty(b, fake.Errors(), "the fake Meta server refused a request")
	require.Equal(b, accepted, fake.Count(), "every event is accepted once")
	base := float64(rawEvents) / rawTime.Seconds()
	fwd := float64(events) / forward.Seconds()
	all := float64(events) / e2e.Seconds()
	b.ReportMetric(all, "e2e_events/s")
	b.ReportMetric(fwd, "forward_events/s")
	b.ReportMetric(base, "baseline_events/s")
	b.ReportMetric(fwd/base, "ratio")
	b.ReportMetric(all/base, "e2e_ratio")
}

// timedHook adds up the time the delivery hook takes in the batch job.
type timedHook struct {
	next  cdp.BatchHook
	spent time.Duration
}

func (h *timedHook) BatchProcessedTx(ctx context.Context, tx bun.Tx, raw db.PgxConn, tenant, batch uuid.UUID, events []cdp.BatchEventRef) error {
	began := time.Now()
	err := h.next.BatchProcessedTx(ctx, tx, raw, tenant, batch, events)
	h.spent += time.Since(began)
	return err
}

// captureTransport keeps the first request body of 100 kB or more (a full
// batch) and its URL; the requests after it pass through untouched (it read
// and copied every request's body before, which the forwarding side paid
// and the baseline did not).
type captureTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	last []byte
	url  string
}

func (c *captureTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	captured := c.last != nil
	c.mu.Unlock()
	if !captured && r.Body != nil && r.ContentLength >= 100_000 {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.last, c.url = body, r.URL.String()
		c.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return c.next.RoundTrip(r)
}

func (c *captureTransport) body() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.last...)
}

// postRaw POSTs a ready Meta request body and returns events_received.
func postRaw(ctx context.Context, client *http.Client, url string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var out struct {
		EventsReceived int `json:"events_received"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("raw post: status %d: %v", res.StatusCode, err)
	}
	return out.EventsReceived, nil
}

// BenchmarkBatchHookWithoutDestinations measures what the hook costs the
// batch job of a tenant with no destinations: batches of 500 events
// processed alternately without the hook (the baseline) and with it, in
// the same run.
func BenchmarkBatchHookWithoutDestinations(b *testing.B) {
	ctx := context.Background()
	tdb := testdb.New(b)
	tenant := testdb.MustInsertTenant(b, tdb.DB, testdb.Tenant{})
	del := &conversions.Deliveries{DB: tdb.DB, Senders: map[string]conversions.Sender{"META": newFakeSender()}}
	plain := &cdp.Service{DB: tdb.DB, Identity: cdp.NewIdentity(tdb.DB)}
	hooked := &cdp.Service{DB: tdb.DB, Identity: plain.Identity, BatchHook: del}
	_, err := plain.EnsurePartitions(ctx)
	require.NoError(b, err)
	source := uuid.New()
	var with, without time.Duration
	n := 0
	for i := 0; b.Loop(); i++ {
		order := []*cdp.Service{plain, hooked}
		if i%2 == 1 {
			order = []*cdp.Service{hooked, plain} // neither always runs on the other's warm caches
		}
		for _, svc := range order {
			b.StopTimer()
			batch, now := uuid.New(), tdb.DB.Now(ctx)
			require.NoError(b, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at) VALUES (?, ?, 500, '[]', ?)`,
					tenant, batch, now); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
						user_id, "timestamp", payload_size)
					SELECT ?, ?, ? || '-' || g, ?, ?, 'track', 'Order Completed', 'u-' || (g % 250), ?, 10 FROM generate_series(1, 500) g`,
					tenant, source, fmt.Sprintf("%d-%p", i, svc), now, batch, now)
				return err
			}))
			b.StartTimer()
			began := time.Now()
			_, err := svc.ProcessBatch(ctx, tenant, batch)
			require.NoError(b, err)
			if svc == hooked {
				with += time.Since(began)
			} else {
				without += time.Since(began)
			}
		}
		n += 500
	}
	// The hook's own call, alone, in a transaction of the tenant.
	var hook time.Duration
	const calls = 200
	for range calls {
		require.NoError(b, tdb.DB.InTenantConn(ctx, tenant, func(ctx context.Context, tx bun.Tx, raw db.PgxConn) error {
			began := time.Now()
			err := del.BatchProcessedTx(ctx, tx, raw, tenant, uuid.New(), nil)
			hook += time.Since(began)
			return err
		}))
	}
	b.ReportMetric(float64(hook.Microseconds())/calls, "hook_µs/batch")
	b.ReportMetric(float64(n)/without.Seconds(), "baseline_events/s")
	b.ReportMetric(float64(n)/with.Seconds(), "hooked_events/s")
	b.ReportMetric(with.Seconds()/without.Seconds(), "time_ratio")
}
