package app_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// notifyFixture is tenant A's notification data: a webhook channel that
// hears nothing (so the trust cases' events queue no deliveries) pointed at
// a local receiver, and a test delivery to it.
type notifyFixture struct {
	channel, delivery string // global IDs
}

func (f *isoFixture) addNotifications(t *testing.T) {
	rcv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(rcv.Close)
	d := f.b.srv.Query(t, `mutation($u: String!) { createNotificationChannel(input: {kind: WEBHOOK, name: "alpha-hook-secret", target: $u,
		subscriptions: {incidentsOpened: false, incidentsClosed: false, minIncidentSeverity: HIGH, actionsAwaitingApproval: false,
		autopilotModeChanges: false, dailyDigest: false}}) { channel { id } userErrors { message } } }`,
		map[string]any{"u": rcv.URL + "/alpha-receiver"}, f.ownerA.H())
	if len(d.Errors) > 0 {
		t.Fatalf("create channel: %v", d.Errors)
	}
	nf := &notifyFixture{channel: str(field(t, d.Data, "createNotificationChannel", "channel", "id"))}
	d = f.b.srv.Query(t, `mutation($id: ID!) { testNotificationChannel(input: {id: $id}) { delivery { id } userErrors { message } } }`,
		map[string]any{"id": nf.channel}, f.ownerA.H())
	if len(d.Errors) > 0 {
		t.Fatalf("test channel: %v", d.Errors)
	}
	nf.delivery = str(field(t, d.Data, "testNotificationChannel", "delivery", "id"))
	f.notify = nf
	f.markers = append(f.markers, nf.channel, nf.delivery)
}

func init() {
	addIsolationCases(map[string]isolationCase{
		"Query.notificationChannels": {Query: `{ notificationChannels { totalCount edges { node { id name target } } } }`, Viewer: Refused,
			Sees: strs("channel")},
		"Query.notificationDeliveries": {Query: `{ notificationDeliveries { totalCount edges { node { id title channel { id name } } } } }`, Viewer: Refused,
			Sees: strs("delivery", "channel")},
		"Mutation.createNotificationChannel": {Query: `mutation { createNotificationChannel(input: {kind: WEBHOOK, name: "new hook",
			target: "https://hooks.example.com/x"}) { channel { id } signingSecret userErrors { code } } }`, Viewer: Refused, Changes: true,
			ControlHas: []string{`"signingSecret":"whsec_`}},
		"Mutation.updateNotificationChannel": {Query: `mutation($id: ID!) { updateNotificationChannel(input: {id: $id, enabled: false}) { channel { id name enabled } userErrors { code } } }`,
			Vars: vars("id", "channel"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("channel"), Changes: true},
		"Mutation.deleteNotificationChannel": {Query: `mutation($id: ID!) { deleteNotificationChannel(input: {id: $id}) { deletedChannelId userErrors { code } } }`,
			Vars: vars("id", "channel"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("channel"), Changes: true},
		"Mutation.testNotificationChannel": {Query: `mutation($id: ID!) { testNotificationChannel(input: {id: $id}) { delivery { id channel { id name } } userErrors { code } } }`,
			Vars: vars("id", "channel"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("channel"), Changes: true},
	})
}

// TestNotificationNodesAreHiddenFromViewers: node(id:) answers null for a
// channel or a delivery to A's VIEWER (who may not read them) and to
// tenant B, exactly as for an id that does not exist; A's owner gets both.
func TestNotificationNodesAreHiddenFromViewers(t *testing.T) {
	t.Parallel()
	f := newIsoFixture(t, setupIdentity(t, isoEnv))
	q := `query($c: ID!, $d: ID!) { c: node(id: $c) { id ... on NotificationChannel { name target } }
		d: node(id: $d) { id ... on NotificationDelivery { title channel { target } } } }`
	v := map[string]any{"c": f.notify.channel, "d": f.notify.delivery}
	for name, s := range map[string]session{"viewer": f.viewerA, "other tenant": f.ownerB} {
		res := f.b.srv.Query(t, q, v, s.H())
		require.Empty(t, res.Errors, name)
		require.Equal(t, map[string]any{"c": nil, "d": nil}, res.Data, name)
	}
	res := f.b.srv.Query(t, q, v, f.ownerA.H())
	require.Empty(t, res.Errors)
	require.Equal(t, "alpha-hook-secret", field(t, res.Data, "c", "name"))
	require.Contains(t, field(t, res.Data, "d", "channel", "target"), "/alpha-receiver")
}
