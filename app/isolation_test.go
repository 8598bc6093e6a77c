package app_test

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/graph"
	"github.com/stratumhq/stratum/internal/wstest"
)

// The isolation matrix: every Query, Mutation and Subscription field of the
// schema must have a case in isolationCases, or TestIsolationMatrix fails
// (and it fails for cases of fields that no longer exist). Each case runs
// twice against a tenant A holding recognisable data:
//
//   - as an OWNER of another tenant B: the response must contain none of
//     A's data (ids, names, emails, note text, key prefixes), whatever the
//     field answers;
//   - as a VIEWER of tenant A: the field must be refused (FORBIDDEN,
//     UNAUTHENTICATED or NOT_FOUND, as an error or a userError) when the
//     case says Refused, and must not be refused when it says Allowed or
//     Public.
//
// Afterwards A's data must be unchanged. Domains add their fields' cases
// from their own file: func init() { addIsolationCases(map[string]isolationCase{…}) }.

// expect is what a VIEWER of tenant A gets.
type expect int

const (
	// Allowed: a VIEWER may use the field.
	Allowed expect = iota
	// Refused: a VIEWER is refused.
	Refused
	// Public: the field needs no credential at all.
	Public
)

// isolationCase is how one schema field is exercised.
type isolationCase struct {
	// Query is the operation (query, mutation or subscription) using the field.
	Query string
	// Vars gives its variables from the fixture (may be nil).
	Vars func(f *isoFixture) map[string]any
	// Viewer is what a VIEWER of tenant A gets.
	Viewer expect
}

var (
	isolationMu    sync.Mutex
	isolationCases = map[string]isolationCase{}
)

// addIsolationCases registers cases keyed "Type.field" (e.g. "Query.members").
func addIsolationCases(cases map[string]isolationCase) {
	isolationMu.Lock()
	defer isolationMu.Unlock()
	for k, v := range cases {
		if _, dup := isolationCases[k]; dup {
			panic("duplicate isolation case " + k)
		}
		isolationCases[k] = v
	}
}

// isoFixture is tenant A's data, B's owner and A's viewer.
type isoFixture struct {
	b        *idBundle
	ownerA   session
	viewerA  session
	ownerB   session
	noteA    string // global ID
	keyA     string // global ID
	keyPrefA string
	inviteA  string // global ID
	invTokA  string
	memberA  string // global ID of viewerA's membership
	auditA   string // global ID of an audit entry
	markers  []string
	trust    *trustFixture
	// afterSubscribe runs while a subscription case listens, after a note
	// was posted in tenant A: more of A's events the subscription could see.
	afterSubscribe []func(t *testing.T)
}

func schemaFields(t *testing.T) []string {
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	var out []string
	for _, typ := range []string{"Query", "Mutation", "Subscription"} {
		def := s.Types[typ]
		if def == nil {
			continue
		}
		for _, f := range def.Fields {
			if !strings.HasPrefix(f.Name, "__") {
				out = append(out, typ+"."+f.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestIsolationMatrixCoversTheSchema(t *testing.T) {
	t.Parallel()
	fields := schemaFields(t)
	have := map[string]bool{}
	for _, f := range fields {
		have[f] = true
		if _, ok := isolationCases[f]; !ok {
			t.Errorf("schema field %s has no isolation case: add one to isolationCases (app/isolation_*_test.go)", f)
		}
	}
	for k := range isolationCases {
		if !have[k] {
			t.Errorf("isolation case %s names no schema field", k)
		}
	}
}

func newIsoFixture(t *testing.T) *isoFixture {
	b := setupIdentity(t, map[string]string{"STRATUM_RATE_LIMIT_POINTS": "100000", "STRATUM_RATE_LIMIT_RESTORE": "10000",
		"STRATUM_LOGIN_FAILURES_PER_IP": "1000"})
	f := &isoFixture{b: b}
	f.ownerA = b.signUp(t, "owner-a-secret@alpha.test", "Alpha-Secret-Tenant")
	f.ownerB = b.signUp(t, "owner-b@beta.test", "Beta")
	f.viewerA = b.invite(t, f.ownerA, "viewer-a-secret@alpha.test", "VIEWER")
	q := func(query string, vars map[string]any) map[string]any {
		res := b.srv.Query(t, query, vars, f.ownerA.H())
		require.Empty(t, res.Errors, query)
		return res.Data
	}
	f.noteA = str(field(t, q(`mutation { postNote(input: {body: "note-of-alpha-secret"}) { note { id } } }`, nil), "postNote", "note", "id"))
	d := q(`mutation { createApiKey(input: {name: "alpha-key-secret", scopes: [READ]}) { apiKey { id prefix } } }`, nil)
	f.keyA, f.keyPrefA = str(field(t, d, "createApiKey", "apiKey", "id")), str(field(t, d, "createApiKey", "apiKey", "prefix"))
	d = q(`mutation { inviteMember(input: {email: "invitee-a-secret@alpha.test", role: ANALYST}) { invite { id } inviteToken } }`, nil)
	f.inviteA, f.invTokA = str(field(t, d, "inviteMember", "invite", "id")), str(field(t, d, "inviteMember", "inviteToken"))
	for _, e := range field(t, q(`{ members { edges { node { id user { email } } } } }`, nil), "members", "edges").([]any) {
		n := e.(map[string]any)["node"].(map[string]any)
		if field(t, n, "user", "email") == f.viewerA.Email {
			f.memberA = str(n["id"])
		}
	}
	f.auditA = str(field(t, q(`{ auditLog(first: 1) { edges { node { id } } } }`, nil), "auditLog", "edges").([]any)[0].(map[string]any)["node"].(map[string]any)["id"])
	f.markers = []string{"alpha", "Alpha", f.ownerA.TenantID, f.ownerA.UserID, f.viewerA.UserID, f.noteA, f.keyA, f.keyPrefA, f.inviteA, f.memberA, f.auditA}
	f.addTrust(t)
	return f
}

// fresh signs s's user in again (cases may log out or switch tenant).
func (f *isoFixture) fresh(t *testing.T, s session) session {
	_, p := f.b.logIn(t, s.Email, "correct horse battery")
	out := toSession(t, p, s.Email)
	if out.TenantID != s.TenantID {
		res := f.b.srv.Query(t, `mutation($t: ID!) { switchTenant(input: {tenantId: $t}) { `+authFields+` } }`, map[string]any{"t": s.TenantID}, out.H())
		out = toSession(t, res.Data["switchTenant"].(map[string]any), s.Email)
	}
	return out
}

func TestIsolationMatrix(t *testing.T) {
	t.Parallel()
	f := newIsoFixture(t)
	for _, name := range schemaFields(t) {
		c, ok := isolationCases[name]
		if !ok {
			continue // reported by TestIsolationMatrixCoversTheSchema
		}
		t.Run(name, func(t *testing.T) {
			var vars map[string]any
			if c.Vars != nil {
				vars = c.Vars(f)
			}
			sub := strings.HasPrefix(name, "Subscription.")
			// Tenant B's owner sees nothing of tenant A.
			raw := f.run(t, sub, c.Query, vars, f.fresh(t, f.ownerB))
			for _, m := range f.markers {
				require.NotContains(t, raw, m, "tenant B saw tenant A's data through %s: %s", name, raw)
			}
			// A VIEWER of tenant A is refused exactly where the matrix says.
			raw = f.run(t, sub, c.Query, vars, f.fresh(t, f.viewerA))
			refused := isRefused(raw)
			switch c.Viewer {
			case Refused:
				require.True(t, refused, "a VIEWER of tenant A was not refused %s: %s", name, raw)
			default:
				require.False(t, strings.Contains(raw, `"FORBIDDEN"`), "a VIEWER of tenant A was refused %s: %s", name, raw)
			}
		})
	}
	f.requireAUnchanged(t)
}

func isRefused(raw string) bool {
	for _, code := range []string{`"FORBIDDEN"`, `"UNAUTHENTICATED"`, `"NOT_FOUND"`} {
		if strings.Contains(raw, code) {
			return true
		}
	}
	return false
}

// run executes the operation as s and returns the raw response (for a
// subscription: everything received in a short window while tenant A
// writes data the subscription could see).
func (f *isoFixture) run(t *testing.T, sub bool, query string, vars map[string]any, s session) string {
	if !sub {
		res := f.b.srv.Query(t, query, vars, s.H())
		b, _ := json.Marshal(map[string]any{"data": res.Data, "errors": res.Errors})
		return string(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws := wstest.Dial(t, ctx, f.b.srv.URL+"/graphql", wstest.TransportWS, nil)
	ws.Init(map[string]any{"Authorization": "Bearer " + s.Access})
	ws.Subscribe("1", query, vars)
	time.Sleep(300 * time.Millisecond)
	res := f.b.srv.Query(t, `mutation { postNote(input: {body: "alpha live note"}) { note { id } } }`, nil, f.ownerA.H())
	require.Empty(t, res.Errors)
	for _, fn := range f.afterSubscribe {
		fn(t)
	}
	var got []string
	for {
		m, err := ws.Read(700 * time.Millisecond)
		if err != nil {
			break
		}
		got = append(got, m.Type+" "+string(m.Payload))
		if m.Type == "next" && len(got) >= 2 || m.Type == "error" || m.Type == "complete" {
			break
		}
	}
	return strings.Join(got, "\n")
}

// requireAUnchanged checks that no case changed tenant A's data.
func (f *isoFixture) requireAUnchanged(t *testing.T) {
	owner := f.fresh(t, f.ownerA)
	res := f.b.srv.Query(t, `{ viewer { tenant { name requireMfa } }
		members { totalCount edges { node { user { email } role } } }
		apiKeys { edges { node { revokedAt } } }
		invites { edges { node { revokedAt acceptedAt } } } }`, nil, owner.H())
	require.Empty(t, res.Errors)
	raw := mustJSON(res.Data)
	require.Equal(t, "Alpha-Secret-Tenant", field(t, res.Data, "viewer", "tenant", "name"))
	require.Equal(t, false, field(t, res.Data, "viewer", "tenant", "requireMfa"))
	require.EqualValues(t, 2, field(t, res.Data, "members", "totalCount"), raw)
	require.Contains(t, raw, `{"role":"VIEWER","user":{"email":"viewer-a-secret@alpha.test"}}`)
	require.Contains(t, raw, `"revokedAt":null`)
	require.Equal(t, 1, strings.Count(raw, `"acceptedAt":"`), "only the fixture's own invitation was accepted: %s", raw)
	f.requireTrustUnchanged(t, owner)
}

func init() {
	id := func(get func(f *isoFixture) string) func(f *isoFixture) map[string]any {
		return func(f *isoFixture) map[string]any { return map[string]any{"id": get(f)} }
	}
	addIsolationCases(map[string]isolationCase{
		"Query.node": {Query: `query($id: ID!) { node(id: $id) { id ... on ApiKey { name prefix } } }`,
			Vars: id(func(f *isoFixture) string { return f.keyA }), Viewer: Refused},
		"Query.nodes": {Query: `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Note { body } ... on Member { user { email } } ... on Tenant { name } ... on AuditEntry { action } } }`,
			Vars: func(f *isoFixture) map[string]any {
				return map[string]any{"ids": []string{f.noteA, f.memberA, f.ownerA.TenantID, f.auditA}}
			}, Viewer: Refused},
		"Query.serverInfo": {Query: `{ serverInfo { version } }`, Viewer: Public},
		"Query.notes":      {Query: `{ notes { totalCount edges { node { id body } } } }`, Viewer: Allowed},
		"Query.viewer":     {Query: `{ viewer { user { id email } tenant { id name } role memberships { tenant { id name } role } } }`, Viewer: Allowed},
		"Query.members":    {Query: `{ members { totalCount edges { node { id user { id email } role } } } }`, Viewer: Allowed},
		"Query.invites":    {Query: `{ invites { totalCount edges { node { id email } } } }`, Viewer: Refused},
		"Query.apiKeys":    {Query: `{ apiKeys { totalCount edges { node { id name prefix } } } }`, Viewer: Refused},
		"Query.auditLog":   {Query: `{ auditLog { totalCount edges { node { id action actorEmail targetId } } } }`, Viewer: Refused},

		"Mutation.postNote": {Query: `mutation { postNote(input: {body: "from a test"}) { note { id } userErrors { code } } }`, Viewer: Refused},
		"Mutation.signUp": {Query: `mutation { signUp(input: {email: "owner-a-secret@alpha.test", password: "another good password", tenantName: "X"}) { accessToken userErrors { code message } } }`,
			Viewer: Public},
		"Mutation.logIn": {Query: `mutation { logIn(input: {email: "owner-a-secret@alpha.test", password: "wrong password!"}) { accessToken viewer { tenant { id } } userErrors { code message } } }`,
			Viewer: Public},
		"Mutation.verifyMfa": {Query: `mutation { verifyMfa(input: {challengeToken: "x.y.z", code: "123456"}) { accessToken userErrors { code } } }`, Viewer: Public},
		"Mutation.refreshSession": {Query: `mutation { refreshSession(input: {refreshToken: "not-a-token"}) { accessToken userErrors { code } } }`,
			Viewer: Public},
		"Mutation.logOut": {Query: `mutation { logOut { success } }`, Viewer: Allowed},
		"Mutation.switchTenant": {Query: `mutation($t: ID!) { switchTenant(input: {tenantId: $t}) { accessToken viewer { tenant { id name } } userErrors { code } } }`,
			Vars: func(f *isoFixture) map[string]any { return map[string]any{"t": f.ownerA.TenantID} }, Viewer: Allowed},
		"Mutation.enrollMfa":             {Query: `mutation { enrollMfa { otpauthUri userErrors { code } } }`, Viewer: Allowed},
		"Mutation.confirmMfa":            {Query: `mutation { confirmMfa(input: {code: "000000"}) { backupCodes userErrors { code } } }`, Viewer: Allowed},
		"Mutation.disableMfa":            {Query: `mutation { disableMfa(input: {code: "000000"}) { user { id } userErrors { code } } }`, Viewer: Allowed},
		"Mutation.regenerateBackupCodes": {Query: `mutation { regenerateBackupCodes(input: {code: "000000"}) { backupCodes userErrors { code } } }`, Viewer: Allowed},
		"Mutation.inviteMember": {Query: `mutation { inviteMember(input: {email: "someone@else.test", role: OWNER}) { invite { id } userErrors { code } } }`,
			Viewer: Refused},
		"Mutation.revokeInvite": {Query: `mutation($id: ID!) { revokeInvite(input: {id: $id}) { invite { id email } userErrors { code } } }`,
			Vars: id(func(f *isoFixture) string { return f.inviteA }), Viewer: Refused},
		"Mutation.acceptInvite": {Query: `mutation($t: String!) { acceptInvite(input: {token: $t}) { accessToken viewer { tenant { id name } } userErrors { code } } }`,
			Vars: func(f *isoFixture) map[string]any { return map[string]any{"t": f.invTokA} }, Viewer: Refused},
		"Mutation.changeMemberRole": {Query: `mutation($id: ID!) { changeMemberRole(input: {memberId: $id, role: OWNER}) { member { id user { email } } userErrors { code } } }`,
			Vars: func(f *isoFixture) map[string]any { return map[string]any{"id": f.memberA} }, Viewer: Refused},
		"Mutation.removeMember": {Query: `mutation($id: ID!) { removeMember(input: {memberId: $id}) { member { id user { email } } userErrors { code } } }`,
			Vars: func(f *isoFixture) map[string]any { return map[string]any{"id": f.memberA} }, Viewer: Refused},
		"Mutation.createApiKey": {Query: `mutation { createApiKey(input: {name: "k", scopes: [ADMIN]}) { secret userErrors { code } } }`, Viewer: Refused},
		"Mutation.revokeApiKey": {Query: `mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id name } userErrors { code } } }`,
			Vars: id(func(f *isoFixture) string { return f.keyA }), Viewer: Refused},
		"Mutation.updateTenantSettings": {Query: `mutation { updateTenantSettings(input: {requireMfa: true}) { tenant { id name } userErrors { code } } }`,
			Viewer: Refused},

		"Subscription.serverTime": {Query: `subscription { serverTime(intervalSeconds: 1) }`, Viewer: Public},
		"Subscription.notePosted": {Query: `subscription { notePosted { id body } }`, Viewer: Allowed},
	})
}
