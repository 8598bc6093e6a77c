package app_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/relay"
)

// onPlan puts s's tenant on plan (its billing row, ACTIVE), as the
// database owner.
func (b *idBundle) onPlan(t *testing.T, s session, plan string) {
	t.Helper()
	_, tenant, err := relay.ParseGlobalID(s.TenantID)
	require.NoError(t, err)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, b.tdb.OwnerURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `UPDATE tenant_billing SET plan = $2, status = 'ACTIVE' WHERE tenant_id = $1`, tenant, plan)
	require.NoError(t, err)
}

const usageQuery = `{ viewer { tenant { usage { limit description unit used max warning plan raisedBy periodStart } } } }`

// usageOf reads one limit of the caller's tenant { usage }.
func (b *idBundle) usageOf(t *testing.T, s session, limit string) map[string]any {
	t.Helper()
	res := b.srv.Query(t, usageQuery, nil, s.H())
	require.Empty(t, res.Errors)
	for _, u := range field(t, res.Data, "viewer", "tenant", "usage").([]any) {
		if m := u.(map[string]any); m["limit"] == limit {
			return m
		}
	}
	t.Fatalf("no usage of %s", limit)
	return nil
}

// tenant { usage } counts members and pending invitations against the
// plan's limit, warns from 80 %, and inviting past the limit is a
// userError naming the limit, its value and the plan that raises it; each
// tenant sees its own usage.
func TestTenantUsageAndTheMemberLimit(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	owner := b.signUp(t, "boss@acme.test", "Acme")
	other := b.signUp(t, "boss@beta.test", "Beta")
	b.onPlan(t, owner, "starter") // whatever plan a sign-up starts on

	members := b.usageOf(t, owner, "members")
	require.Equal(t, map[string]any{"limit": "members", "description": "Members of the workspace, pending invitations included.",
		"unit": "members", "used": float64(1), "max": float64(3), "warning": false, "plan": "starter", "raisedBy": "professional",
		"periodStart": nil}, members)
	events := b.usageOf(t, owner, "monthly_ingested_events")
	require.NotNil(t, events["periodStart"], "a monthly limit has its period")

	b.invite(t, owner, "analyst@acme.test", "ANALYST")
	invite := func(email string) map[string]any {
		res := b.srv.Query(t, `mutation($i: InviteMemberInput!) { inviteMember(input: $i) { invite { email } userErrors { field message code } } }`,
			map[string]any{"i": map[string]any{"email": email, "role": "VIEWER"}}, owner.H())
		require.Empty(t, res.Errors)
		return res.Data["inviteMember"].(map[string]any)
	}
	require.Empty(t, invite("pending@acme.test")["userErrors"], "the last seat")
	members = b.usageOf(t, owner, "members")
	require.Equal(t, float64(3), members["used"])
	require.Equal(t, true, members["warning"])

	refused := invite("one-too-many@acme.test")
	require.Nil(t, refused["invite"])
	require.Equal(t, []any{map[string]any{"field": []any{"input", "email"}, "code": "BAD_USER_INPUT",
		"message": "Your Starter plan allows 3 members; Professional raises it to 20."}}, refused["userErrors"])
	require.Equal(t, float64(3), b.usageOf(t, owner, "members")["used"], "the refusal took no seat")

	// Beta counts its own owner only; Acme still sees its three.
	require.Equal(t, float64(1), b.usageOf(t, other, "members")["used"])
	require.Equal(t, float64(3), b.usageOf(t, owner, "members")["used"])
}
