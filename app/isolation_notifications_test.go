package app_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
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
