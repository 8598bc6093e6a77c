package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/relay"
)

// TestTokenClaimsAreCheckedAgainstMemberships: a token signed with the
// server's own secret is refused when its tenant, role or operator claim
// is not the account's (as if the secret had leaked), while a genuine
// token works.
func TestTokenClaimsAreCheckedAgainstMemberships(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	owner := b.signUp(t, "owner@a.test", "A")
	other := b.signUp(t, "owner@b.test", "B")
	viewer := b.invite(t, owner, "viewer@a.test", "VIEWER")
	secret := []byte(b.srv.App.Cfg.JWTSecret)

	claims, err := auth.ParseAccessToken(secret, viewer.Access, time.Now())
	require.NoError(t, err)
	forge := func(change func(c *auth.Claims)) string {
		c := *claims
		c.ID = uuid.NewString()
		change(&c)
		tok, err := auth.SignToken(secret, &c)
		require.NoError(t, err)
		return tok
	}
	_, otherTenant, err := relay.ParseGlobalID(other.TenantID)
	require.NoError(t, err)

	t.Run("a genuine token and a re-signed copy of its claims work", func(t *testing.T) {
		for _, tok := range []string{viewer.Access, forge(func(*auth.Claims) {})} {
			res := b.srv.Query(t, `{ viewer { role tenant { name } } }`, nil, bearer(tok))
			require.Empty(t, res.Errors)
			require.Equal(t, "VIEWER", field(t, res.Data, "viewer", "role"))
			require.Equal(t, "A", field(t, res.Data, "viewer", "tenant", "name"))
		}
	})
	for name, change := range map[string]func(c *auth.Claims){
		"another tenant":  func(c *auth.Claims) { c.TenantID = otherTenant },
		"a higher role":   func(c *auth.Claims) { c.Role = auth.RoleOwner },
		"operator rights": func(c *auth.Claims) { c.Operator = true },
	} {
		t.Run("a token claiming "+name+" is refused", func(t *testing.T) {
			res := b.srv.Query(t, `{ viewer { role tenant { name } } }`, nil, bearer(forge(change)))
			require.Equal(t, http.StatusUnauthorized, res.Status)
			require.Equal(t, "UNAUTHENTICATED", res.Code())
		})
	}
	t.Run("a role change applies to new tokens at once", func(t *testing.T) {
		member := b.invite(t, owner, "member@a.test", "VIEWER")
		claims, err := auth.ParseAccessToken(secret, member.Access, time.Now())
		require.NoError(t, err)
		forge := func(role auth.Role) string {
			c := *claims
			c.ID, c.Role, c.IssuedAt = uuid.NewString(), role, jwt.NewNumericDate(time.Now())
			tok, err := auth.SignToken(secret, &c)
			require.NoError(t, err)
			return tok
		}
		res := b.srv.Query(t, `{ members(first: 10) { edges { node { id user { email } } } } }`, nil, owner.H())
		require.Empty(t, res.Errors)
		var mid string
		for _, e := range field(t, res.Data, "members", "edges").([]any) {
			n := e.(map[string]any)["node"].(map[string]any)
			if field(t, n, "user", "email") == "member@a.test" {
				mid = str(n["id"])
			}
		}
		res = b.srv.Query(t, `mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { userErrors { message } } }`,
			map[string]any{"i": map[string]any{"memberId": mid, "role": "ANALYST"}}, owner.H())
		require.Empty(t, res.Errors)
		res = b.srv.Query(t, `{ viewer { role } }`, nil, bearer(forge(auth.RoleAnalyst)))
		require.Empty(t, res.Errors)
		require.Equal(t, "ANALYST", field(t, res.Data, "viewer", "role"))
		require.Equal(t, "UNAUTHENTICATED", b.srv.Query(t, `{ viewer { role } }`, nil, bearer(forge(auth.RoleViewer))).Code(),
			"a new token with the old role")
	})
}
