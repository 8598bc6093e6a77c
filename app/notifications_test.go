package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/mail"
	"github.com/stratumhq/stratum/internal/webhook"
)

// hookReceiver is a local webhook endpoint that accepts only deliveries
// whose Stratum-Signature verifies with the channel's secret within five
// minutes of its own clock.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	secret string
	bodies []map[string]any
	forged int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if webhook.Verify([]byte(h.secret), r.Header.Get("Stratum-Signature"), raw, time.Now(), 5*time.Minute) != nil {
			h.forged++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		h.bodies = append(h.bodies, body)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) received(typ string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, b := range h.bodies {
		if b["type"] == typ {
			out = append(out, b)
		}
	}
	return out
}

const noSubscriptions = `{incidentsOpened: false, incidentsClosed: false, minIncidentSeverity: HIGH, actionsAwaitingApproval: false,
	autopilotModeChanges: false, dailyDigest: false}`

// TestWebhookNotificationsEndToEnd: through the API, an owner creates a
// webhook channel (its signing secret shown once), sends a test, and then
// receives a signed incident notification that links to the incident
// when the simulated platform degrades; the delivery log shows both.
func TestWebhookNotificationsEndToEnd(t *testing.T) {
	t.Parallel()
	b := setupTrustAPI(t)
	h := newHookReceiver(t)
	d := b.do(t, `mutation($u: String!) { createNotificationChannel(input: {kind: WEBHOOK, name: "Ops", target: $u,
		subscriptions: {incidentsOpened: true, incidentsClosed: false, minIncidentSeverity: LOW, actionsAwaitingApproval: false,
		autopilotModeChanges: false, dailyDigest: false}}) { channel { id target } signingSecret userErrors { code } } }`,
		map[string]any{"u": h.URL + "/hook"})
	require.Nil(t, userError(t, d, "createNotificationChannel"))
	secret := str(field(t, d, "createNotificationChannel", "signingSecret"))
	require.True(t, strings.HasPrefix(secret, "whsec_"), secret)
	channel := str(field(t, d, "createNotificationChannel", "channel", "id"))
	h.mu.Lock()
	h.secret = secret
	h.mu.Unlock()

	d = b.do(t, `{ notificationChannels { edges { node { id name } } } }`, nil)
	require.NotContains(t, mustJSON(d), "whsec_", "the secret is never shown again")

	b.do(t, `mutation($id: ID!) { testNotificationChannel(input: {id: $id}) { delivery { id status } userErrors { code } } }`, map[string]any{"id": channel})
	require.EventuallyWithT(t, func(c *assert.CollectT) { assert.Len(c, h.received("test"), 1) }, 20*time.Second, 50*time.Millisecond)

	b.do(t, `mutation { simulateSignalDegradation(input: {platform: SIMULATOR, component: EMQ, severity: CRITICAL}) { userErrors { code } } }`, nil)
	require.EventuallyWithT(t, func(c *assert.CollectT) { assert.NotEmpty(c, h.received("incident.opened")) }, 30*time.Second, 50*time.Millisecond)
	h.mu.Lock()
	require.Zero(t, h.forged, "every delivery was signed with the channel's secret")
	h.mu.Unlock()
	opened := h.received("incident.opened")[0]
	incident := opened["data"].(map[string]any)["incidentId"].(string)
	link, err := url.Parse(opened["url"].(string))
	require.NoError(t, err)
	require.Equal(t, "/incidents", link.Path)
	require.Equal(t, incident, link.Query().Get("id"))
	n := b.do(t, `query($id: ID!) { node(id: $id) { ... on Incident { id title } } }`, map[string]any{"id": incident})
	require.Equal(t, incident, field(t, n, "node", "id"), "the link names a real incident")

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		res := b.srv.Query(t, `query($c: ID!) { notificationDeliveries(channelId: $c, first: 5) { totalCount edges { node { event status attempts responseCode channel { id } } } } }`,
			map[string]any{"c": channel}, b.owner.H())
		if !assert.Empty(c, res.Errors) {
			return
		}
		s := mustJSON(res.Data)
		assert.Contains(c, s, `"event":"TEST","responseCode":200,"status":"SENT"`)
		assert.Contains(c, s, `"event":"INCIDENT_OPENED","responseCode":200,"status":"SENT"`)
		assert.NotContains(c, s, `"status":"PENDING"`)
	}, 20*time.Second, 500*time.Millisecond) // a query costs rate-limit points: poll slowly
}

// TestEmailChannelsUseTheDevelopmentMailSink: without STRATUM_SMTP_URL a
// test server keeps e-mail in the development mail sink, which it shows at
// /dev/mail/messages under that name.
func TestEmailChannelsUseTheDevelopmentMailSink(t *testing.T) {
	t.Parallel()
	b := setupTrustAPI(t)
	d := b.do(t, `mutation { createNotificationChannel(input: {kind: EMAIL, name: "On-call", target: "oncall@example.com"}) { channel { id } userErrors { code } } }`, nil)
	require.Nil(t, userError(t, d, "createNotificationChannel"))
	channel := str(field(t, d, "createNotificationChannel", "channel", "id"))
	b.do(t, `mutation($id: ID!) { testNotificationChannel(input: {id: $id}) { delivery { id } userErrors { code } } }`, map[string]any{"id": channel})

	var sink struct {
		Name     string        `json:"name"`
		Messages []mail.Stored `json:"messages"`
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		res, err := http.Get(b.srv.URL + "/dev/mail/messages")
		if !assert.NoError(c, err) {
			return
		}
		defer res.Body.Close()
		assert.Equal(c, http.StatusOK, res.StatusCode)
		assert.NoError(c, json.NewDecoder(res.Body).Decode(&sink))
		// (The sink also holds the sign-up's verification e-mail.)
		sink.Messages = slices.DeleteFunc(sink.Messages, func(m mail.Stored) bool { return !slices.Equal(m.To, []string{"oncall@example.com"}) })
		assert.Len(c, sink.Messages, 1)
	}, 20*time.Second, 50*time.Millisecond)
	require.Equal(t, "Development mail sink", sink.Name)
	require.Equal(t, "Test notification from Stratum", sink.Messages[0].Subject)
	require.Contains(t, sink.Messages[0].Text, "/settings/notifications")
}

// TestNotificationInputErrorsNameTheirField: bad input comes back as
// BAD_USER_INPUT userErrors with the input path; an ANALYST may not manage
// channels.
func TestNotificationInputErrorsNameTheirField(t *testing.T) {
	t.Parallel()
	b := setupTrustAPI(t)
	for target, fieldPath := range map[string]string{"ftp://example.com/x": `["input","target"]`, "https://user:pw@example.com/x": `["input","target"]`} {
		d := b.do(t, `mutation($u: String!) { createNotificationChannel(input: {kind: WEBHOOK, name: "x", target: $u}) { channel { id } userErrors { field code } } }`,
			map[string]any{"u": target})
		require.Contains(t, mustJSON(d), `{"code":"BAD_USER_INPUT","field":`+fieldPath+`}`, target)
	}
	d := b.do(t, `mutation { createNotificationChannel(input: {kind: SLACK, name: "x", target: "https://hooks.slack.com/services/T0/B0"}) { channel { id } userErrors { field code } } }`, nil)
	require.Contains(t, mustJSON(d), `"field":["input","target"]`)
	d = b.do(t, `mutation { createNotificationChannel(input: {kind: EMAIL, name: "", target: "a@example.com", subscriptions: `+noSubscriptions+`}) { channel { id } userErrors { field code } } }`, nil)
	require.Contains(t, mustJSON(d), `"field":["input","name"]`)
	// Positive control: the same call with a name succeeds.
	d = b.do(t, `mutation { createNotificationChannel(input: {kind: EMAIL, name: "ok", target: "a@example.com", subscriptions: `+noSubscriptions+`}) { channel { id } userErrors { field code } } }`, nil)
	require.Nil(t, userError(t, d, "createNotificationChannel"))
}
