package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// connFixture is tenant A's platform connection: its sandbox, with its
// one (selected) ad account.
type connFixture struct {
	connection, account string // global IDs
}

func (f *isoFixture) addConnections(t *testing.T) {
	res := f.b.srv.Query(t, `mutation { connectSandbox { connection { id accounts { id } } userErrors { code message } } }`, nil, f.ownerA.H())
	require.Empty(t, res.Errors)
	require.Empty(t, field(t, res.Data, "connectSandbox", "userErrors"))
	accts := field(t, res.Data, "connectSandbox", "connection", "accounts").([]any)
	require.Len(t, accts, 1)
	f.conns = &connFixture{connection: str(field(t, res.Data, "connectSandbox", "connection", "id")), account: str(accts[0].(map[string]any)["id"])}
	f.markers = append(f.markers, f.conns.connection, f.conns.account)
}

func init() {
	addIsolationCases(map[string]isolationCase{
		"Query.platformConnections": {Query: `{ platformConnections { id platform sandbox status accounts { id name selected sandbox } } }`,
			Viewer: Allowed, Sees: strs("connection", "adAccount")},
		// No tenant data: every real platform, not configured on the test server.
		"Query.platformAvailability": {Query: `{ platformAvailability { platform configured supportsPkce } }`, Viewer: Allowed,
			ControlHas: []string{`"configured":false,"platform":"META"`}},
		// No platform is configured on the test server: A's owner and B's
		// are refused alike, naming the missing settings (the OAuth round
		// trip with a configured platform is TestOAuthCallbackRoundTrip).
		"Mutation.connectPlatform": {Query: `mutation { connectPlatform(input: {platform: META, redirectUri: "http://localhost:8080/oauth/meta/callback"}) { authorizeUrl userErrors { code message } } }`,
			Viewer: Refused, B: []string{"BAD_USER_INPUT"}, ControlCodes: []string{"BAD_USER_INPUT"},
			ControlHas: []string{"Meta is not configured on this server (STRATUM_META_CLIENT_ID"}},
		// A has its sandbox: connecting again returns it (B gets its own).
		"Mutation.connectSandbox": {Query: `mutation { connectSandbox { connection { id sandbox accounts { id } } userErrors { code } } }`,
			Viewer: Refused, Sees: strs("connection", "adAccount")},
		"Mutation.selectAdAccounts": {Query: `mutation($c: ID!) { selectAdAccounts(input: {connectionId: $c, accountIds: []}) { connection { id accounts { id selected } } userErrors { code } } }`,
			Vars: vars("c", "connection"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("connection", "adAccount"), Changes: true,
			ControlHas: []string{`"selected":false`}},
		"Mutation.disconnectPlatform": {Query: `mutation($c: ID!) { disconnectPlatform(input: {connectionId: $c}) { disconnectedConnectionId userErrors { code } } }`,
			Vars: vars("c", "connection"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("connection"), Changes: true},
		"Subscription.platformConnectionChanged": {Query: `subscription { platformConnectionChanged { connectionId connection { id sandbox accounts { id selected } } } }`,
			Viewer: Allowed, Sees: strs("connection"),
			Trigger: func(t *testing.T, f *isoFixture) {
				f.query(t, `mutation($c: ID!) { selectAdAccounts(input: {connectionId: $c, accountIds: []}) { userErrors { code } } }`,
					vars("c", "connection")(f), f.ownerA)
			}},
	})
}
