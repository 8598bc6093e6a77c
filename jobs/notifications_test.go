package jobs_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/notifications"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/webhook"
	"github.com/stratumhq/stratum/jobs"
)

// flakyReceiver verifies each delivery's signature and answers 503 to the
// first attempt of every delivery id, 200 afterwards.
type flakyReceiver struct {
	*httptest.Server
	secret string

	mu       sync.Mutex
	attempts map[string]int // delivery id → posts
	events   map[string]string
	bad      int
}

func newFlakyReceiver(t *testing.T) *flakyReceiver {
	r := &flakyReceiver{attempts: map[string]int{}, events: map[string]string{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if webhook.Verify([]byte(r.secret), req.Header.Get(webhook.SignatureHeader), body, time.Now(), webhook.Tolerance) != nil {
			r.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		id := req.Header.Get("Stratum-Delivery")
		r.attempts[id]++
		r.events[id] = req.Header.Get("Stratum-Event")
		if r.attempts[id] == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *flakyReceiver) seen() (map[string]int, map[string]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, e := map[string]int{}, map[string]string{}
	for k, v := range r.attempts {
		a[k], e[k] = v, r.events[k]
	}
	return a, e, r.bad
}

func startWorkers(t *testing.T, b *bundle) *jobs.Client {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	client, err := jobs.NewClient(b.tdb.DB, jobs.Options{Work: true, Services: b.svc.Jobs(), Concurrency: 4, NoRunOnStart: true})
	require.NoError(t, err)
	b.svc.EnqueueWith(client)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() {
		stopCtx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		client.Stop(stopCtx)
	})
	return client
}

// TestIncidentNotificationsRetryThroughRiver runs the real wiring: a
// degradation opens an incident, whose transaction queues a delivery to a
// webhook channel; the River job's first attempt gets 503, River retries
// with backoff, and the second attempt — the same delivery id, signed again —
// is accepted.
func TestIncidentNotificationsRetryThroughRiver(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	r := newFlakyReceiver(t)
	subs := notifications.Subscriptions{IncidentsOpened: true, MinSeverity: incidents.Low}
	ch, secret, err := b.svc.Notifications.Create(ctx, b.tenant, notifications.CreateInput{Kind: notifications.Webhook, Name: "hook",
		Target: r.URL, Subscriptions: &subs}, "user:1")
	require.NoError(t, err)
	r.mu.Lock()
	r.secret = secret
	r.mu.Unlock()
	startWorkers(t, b)

	_, err = b.svc.Signals.Recompute(ctx, b.tenant)
	require.NoError(t, err)
	require.NoError(t, b.svc.Platforms.Degrade(ctx, b.tenant, platforms.Simulator, platforms.ComponentEMQ, platforms.Critical))

	var ds []notifications.Delivery
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		p, err := b.svc.Notifications.Deliveries(ctx, b.tenant, notifications.DeliveryFilter{Channel: ch.ID}, relay.Args{})
		if !assert.NoError(c, err) || !assert.NotEmpty(c, p.Items) {
			return
		}
		for _, d := range p.Items {
			assert.Equal(c, notifications.Sent, d.Status, "delivery %s: %v", d.ID, d.LastError)
		}
		ds = p.Items
	}, 30*time.Second, 100*time.Millisecond)
	attempts, events, bad := r.seen()
	require.Zero(t, bad, "every post carried a valid signature")
	for _, d := range ds {
		require.Equal(t, notifications.IncidentOpened, d.Event)
		require.Equal(t, 2, d.Attempts)
		require.Equal(t, 2, attempts[d.ID.String()], "the retry resent the same delivery id")
		require.Equal(t, "incident.opened", events[d.ID.String()])
	}
}

// TestDailyDigestFanOut: the hourly fan-out queues yesterday's digest for
// tenants with a digest channel, and the digest reaches the channel.
func TestDailyDigestFanOut(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	r := newFlakyReceiver(t)
	subs := notifications.Subscriptions{DailyDigest: true, MinSeverity: incidents.High}
	ch, secret, err := b.svc.Notifications.Create(ctx, b.tenant, notifications.CreateInput{Kind: notifications.Webhook, Name: "digest",
		Target: r.URL, Subscriptions: &subs}, "user:1")
	require.NoError(t, err)
	r.mu.Lock()
	r.secret = secret
	r.mu.Unlock()
	client := startWorkers(t, b)
	_, err = client.Insert(ctx, jobs.NotificationDigestFanOutArgs{}, nil)
	require.NoError(t, err)

	yesterday := notifications.Day(time.Now()).AddDate(0, 0, -1)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		p, err := b.svc.Notifications.Deliveries(ctx, b.tenant, notifications.DeliveryFilter{Channel: ch.ID}, relay.Args{})
		if assert.NoError(c, err) && assert.Len(c, p.Items, 1) {
			d := p.Items[0]
			assert.Equal(c, notifications.DailyDigest, d.Event)
			assert.Equal(c, "DAILY_DIGEST:"+yesterday.Format(time.DateOnly), d.EventKey)
			assert.Equal(c, notifications.Sent, d.Status)
		}
	}, 30*time.Second, 100*time.Millisecond)
}
