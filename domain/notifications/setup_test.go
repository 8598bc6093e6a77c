package notifications_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/notifications"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/mail"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/internal/webhook"
)

// local is the policy of development and tests: a local receiver is allowed.
var local = webhook.Policy{AllowHTTP: true, AllowPrivate: true}

// bundle is one test's service on its own database, a tenant, a manual
// clock and the ids the Enqueue hook was given.
type bundle struct {
	svc    *notifications.Service
	tenant uuid.UUID
	clock  *clock.Manual
	sink   *mail.Sink
	slack  *slackFake

	mu       sync.Mutex
	enqueued []uuid.UUID
}

func setup(t *testing.T) *bundle {
	t.Helper()
	tdb := testdb.New(t)
	box, err := auth.NewBox(config.DevEncryptionKey)
	require.NoError(t, err)
	b := &bundle{clock: clock.NewManual(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)), sink: &mail.Sink{From: "Stratum <alerts@example.com>"}}
	tdb.DB.Clock = b.clock
	b.slack = newSlackFake(t)
	b.svc = &notifications.Service{DB: tdb.DB, Box: box, Mailer: b.sink, Poster: webhook.NewClient(local),
		Config: notifications.Config{PublicURL: "http://stratum.test/", Policy: local, SlackHosts: []string{b.slack.host()}}}
	b.svc.Enqueue = func(ctx context.Context, tx bun.Tx, tenant, id uuid.UUID) error {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.enqueued = append(b.enqueued, id)
		return nil
	}
	b.tenant = testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	return b
}

func (b *bundle) create(t *testing.T, in notifications.CreateInput) (*notifications.Channel, string) {
	t.Helper()
	b.clock.Advance(time.Second) // a channel's own creation time: the list's order
	ch, secret, err := b.svc.Create(context.Background(), b.tenant, in, "user:test")
	require.NoError(t, err)
	return ch, secret
}

func (b *bundle) deliveries(t *testing.T, channel uuid.UUID) []notifications.Delivery {
	t.Helper()
	p, err := b.svc.Deliveries(context.Background(), b.tenant, notifications.DeliveryFilter{Channel: channel}, relay.Args{})
	require.NoError(t, err)
	return p.Items
}

// inTx runs fn in a tenant transaction a second after the last one (so
// the delivery log's newest-first order is the order of the calls).
func (b *bundle) inTx(t *testing.T, fn func(ctx context.Context, tx bun.Tx) error) {
	t.Helper()
	b.clock.Advance(time.Second)
	require.NoError(t, b.svc.DB.InTenant(context.Background(), b.tenant, fn))
}

// receiver is a local webhook endpoint that verifies deliveries as the
// README tells receivers to, written independently of internal/webhook:
// the Stratum-Signature timestamp must be within five minutes of its own
// clock (now) and v1 must be the hex HMAC-SHA256 of "<t>.<body>" keyed with
// the channel's secret. It answers 401 to a delivery that fails the check
// and otherwise the next of its scripted statuses (200 when none is left).
type receiver struct {
	*httptest.Server
	// Path is the receiver's own path: requests elsewhere are answered 404
	// and not recorded. Another test process's server may have had this
	// port before and its deliveries may still arrive (seen in CI: an app
	// test's webhook test message reached a receiver here).
	Path   string
	secret string
	now    func() time.Time

	mu       sync.Mutex
	statuses []int
	got      []received
}

type received struct {
	header   http.Header
	body     notifications.WebhookBody
	verified bool
}

func newReceiver(t *testing.T, now func() time.Time, statuses ...int) *receiver {
	r := &receiver{now: now, statuses: statuses, Path: "/stratum/" + uuid.NewString()}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != r.Path {
		http.NotFound(w, req)
		return
	}
	raw, _ := io.ReadAll(req.Body)
	rec := received{header: req.Header.Clone(), verified: r.verify(req.Header.Get("Stratum-Signature"), raw)}
	_ = json.Unmarshal(raw, &rec.body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rec)
	if !rec.verified || req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	w.WriteHeader(status)
}

func (r *receiver) verify(header string, body []byte) bool {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || r.now().Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, []byte(r.secret))
	m.Write([]byte(ts + "." + string(body)))
	want := hex.EncodeToString(m.Sum(nil))
	return hmac.Equal([]byte(sig), []byte(want))
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// slackFake is a local stand-in for Slack's incoming webhooks that checks
// what Slack documents for them: a POST of application/json to
// /services/<T>/<B>/<token> with a known token (else 404 no_service), a
// JSON body with a non-empty "text" (else 400 invalid_payload / no_text),
// at most 50 blocks, header blocks with plain_text of at most 150
// characters, section blocks with plain_text or mrkdwn text of at most 3000
// (else 400 invalid_blocks). It answers 200 "ok".
type slackFake struct {
	*httptest.Server
	token string

	mu  sync.Mutex
	got []map[string]any
}

func newSlackFake(t *testing.T) *slackFake {
	f := &slackFake{token: "xoxfake" + uuid.NewString()[:8]}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *slackFake) host() string { return strings.TrimPrefix(f.URL, "http://") }

// hookURL is the incoming-webhook URL of the fake's workspace.
func (f *slackFake) hookURL() string { return f.URL + "/services/T0001/B0001/" + f.token }

func (f *slackFake) serve(w http.ResponseWriter, r *http.Request) {
	fail := func(code int, msg string) {
		w.WriteHeader(code)
		io.WriteString(w, msg)
	}
	if r.Method != http.MethodPost {
		fail(http.StatusMethodNotAllowed, "invalid_method")
		return
	}
	if r.URL.Path != "/services/T0001/B0001/"+f.token {
		fail(http.StatusNotFound, "no_service")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		fail(http.StatusBadRequest, "invalid_payload")
		return
	}
	var p map[string]any
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		fail(http.StatusBadRequest, "invalid_payload")
		return
	}
	if text, _ := p["text"].(string); text == "" {
		fail(http.StatusBadRequest, "no_text")
		return
	}
	blocks, _ := p["blocks"].([]any)
	if len(blocks) > 50 || !validBlocks(blocks) {
		fail(http.StatusBadRequest, "invalid_blocks")
		return
	}
	f.mu.Lock()
	f.got = append(f.got, p)
	f.mu.Unlock()
	io.WriteString(w, "ok")
}

func validBlocks(blocks []any) bool {
	for _, raw := range blocks {
		b, _ := raw.(map[string]any)
		text, _ := b["text"].(map[string]any)
		typ, _ := text["type"].(string)
		s, _ := text["text"].(string)
		switch b["type"] {
		case "header":
			if typ != "plain_text" || s == "" || utf8.RuneCountInString(s) > 150 {
				return false
			}
		case "section":
			if (typ != "plain_text" && typ != "mrkdwn") || s == "" || utf8.RuneCountInString(s) > 3000 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func (f *slackFake) messages() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.got...)
}
