package app_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMembersRolesAndSwitchTenant(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	owner := b.signUp(t, "boss@acme.test", "Acme")
	admin := b.invite(t, owner, "admin@acme.test", "ADMIN")
	analyst := b.invite(t, owner, "analyst@acme.test", "ANALYST")

	memberID := func(email string) string {
		res := b.srv.Query(t, `{ members { edges { node { id user { email } } } } }`, nil, owner.H())
		for _, e := range field(t, res.Data, "members", "edges").([]any) {
			n := e.(map[string]any)["node"].(map[string]any)
			if field(t, n, "user", "email") == email {
				return str(n["id"])
			}
		}
		t.Fatalf("no member %s", email)
		return ""
	}
	change := func(s session, id, role string) *struct{ code string } {
		res := b.srv.Query(t, `mutation($id: ID!, $r: Role!) { changeMemberRole(input: {memberId: $id, role: $r}) { member { role } userErrors { code } } }`,
			map[string]any{"id": id, "r": role}, s.H())
		if res.Code() != "" {
			return &struct{ code string }{res.Code()}
		}
		if ue := field(t, res.Data, "changeMemberRole", "userErrors").([]any); len(ue) > 0 {
			return &struct{ code string }{str(ue[0].(map[string]any)["code"])}
		}
		return &struct{ code string }{""}
	}

	t.Run("an ADMIN cannot grant OWNER", func(t *testing.T) {
		require.Equal(t, "FORBIDDEN", change(admin, memberID("analyst@acme.test"), "OWNER").code)
	})
	t.Run("the last OWNER cannot step down", func(t *testing.T) {
		require.Equal(t, "CONFLICT", change(owner, memberID("boss@acme.test"), "ADMIN").code)
	})
	t.Run("a role change applies to the member's next request", func(t *testing.T) {
		res := b.srv.Query(t, createRule, map[string]any{"n": "by analyst"}, analyst.H())
		require.Empty(t, res.Errors)
		require.Equal(t, "", change(admin, memberID("analyst@acme.test"), "VIEWER").code)
		res = b.srv.Query(t, `{ viewer { role } }`, nil, analyst.H())
		require.Equal(t, http.StatusUnauthorized, res.Status, "tokens issued before the change are revoked")
		// A silent refresh picks up the new role.
		res = b.srv.Query(t, `mutation($r: String) { refreshSession(input: {refreshToken: $r}) { `+authFields+` } }`, map[string]any{"r": analyst.Refresh}, nil)
		fresh := toSession(t, res.Data["refreshSession"].(map[string]any), analyst.Email)
		require.Equal(t, "VIEWER", field(t, res.Data, "refreshSession", "viewer", "role"))
		res = b.srv.Query(t, createRule, map[string]any{"n": "by viewer"}, fresh.H())
		require.Equal(t, "FORBIDDEN", res.Code())
	})
	t.Run("a removed member's sessions end", func(t *testing.T) {
		require.Empty(t, b.srv.Query(t, `mutation($id: ID!) { removeMember(input: {memberId: $id}) { member { id } userErrors { code } } }`,
			map[string]any{"id": memberID("admin@acme.test")}, owner.H()).Errors)
		res := b.srv.Query(t, `{ viewer { role } }`, nil, admin.H())
		require.Equal(t, http.StatusUnauthorized, res.Status)
		res = b.srv.Query(t, `mutation($r: String) { refreshSession(input: {refreshToken: $r}) { accessToken } }`, map[string]any{"r": admin.Refresh}, nil)
		require.Nil(t, field(t, res.Data, "refreshSession", "accessToken"))
	})
	t.Run("a user in two tenants switches between them", func(t *testing.T) {
		other := b.signUp(t, "other-owner@beta.test", "Beta")
		res := b.srv.Query(t, `mutation { inviteMember(input: {email: "boss@acme.test", role: VIEWER}) { inviteToken } }`, nil, other.H())
		token := str(field(t, res.Data, "inviteMember", "inviteToken"))
		res = b.srv.Query(t, `mutation($t: String!) { acceptInvite(input: {token: $t}) { `+authFields+` } }`, map[string]any{"t": token}, owner.H())
		inBeta := toSession(t, res.Data["acceptInvite"].(map[string]any), owner.Email)
		require.Equal(t, other.TenantID, inBeta.TenantID)
		require.Len(t, field(t, res.Data, "acceptInvite", "viewer", "memberships"), 2)
		res = b.srv.Query(t, `mutation($t: ID!) { switchTenant(input: {tenantId: $t}) { `+authFields+` } }`, map[string]any{"t": owner.TenantID}, inBeta.H())
		back := toSession(t, res.Data["switchTenant"].(map[string]any), owner.Email)
		require.Equal(t, owner.TenantID, back.TenantID)
		require.Equal(t, "OWNER", field(t, res.Data, "switchTenant", "viewer", "role"))
	})
}

func TestTenantRequiresMFA(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	owner := b.signUp(t, "strict@acme.test", "Strict")
	analyst := b.invite(t, owner, "member@acme.test", "ANALYST")
	res := b.srv.Query(t, `mutation { updateTenantSettings(input: {requireMfa: true}) { tenant { requireMfa } userErrors { code } } }`, nil, owner.H())
	require.Equal(t, true, field(t, res.Data, "updateTenantSettings", "tenant", "requireMfa"))

	_, p := b.logIn(t, analyst.Email, "correct horse battery")
	s := toSession(t, p, analyst.Email)
	res = b.srv.Query(t, `{ members { totalCount } }`, nil, s.H())
	require.Equal(t, "FORBIDDEN", res.Code())
	require.Equal(t, true, res.Errors[0].Extensions["mfaEnrollmentRequired"])
	res = b.srv.Query(t, `{ viewer { mfaEnrollmentRequired } }`, nil, s.H())
	require.Equal(t, true, field(t, res.Data, "viewer", "mfaEnrollmentRequired"))
	res = b.srv.Query(t, `mutation { enrollMfa { secret } }`, nil, s.H())
	require.Empty(t, res.Errors, "enrolment stays possible")
}

func TestOperatorsOnlyReachRiverUI(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	s := b.signUp(t, "ops@acme.test", "Ops")
	get := func(h http.Header) int {
		req, _ := http.NewRequest(http.MethodGet, b.srv.URL+"/admin/jobs/", nil)
		for k, v := range h {
			req.Header[k] = v
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	require.Equal(t, http.StatusUnauthorized, get(nil))
	require.Equal(t, http.StatusUnauthorized, get(s.H()), "a tenant OWNER is not an operator")
	require.NoError(t, b.srv.App.Services.Auth.SetOperator(context.Background(), "ops@acme.test", true, "test"))
	require.Equal(t, http.StatusOK, get(s.H()))
	var n int
	require.NoError(t, b.srv.App.DB.Bun.NewRaw("SELECT count(*) FROM platform_audit_log WHERE action = 'operator.grant'").Scan(context.Background(), &n))
	require.Equal(t, 1, n)
}
