package auth_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/apperr"
)

// Granting and taking away the operator flag applies at once and is
// written to the platform audit log.
func TestSetOperator(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	on, err := b.auth.IsOperator(ctx, b.user.UserID)
	require.NoError(t, err)
	require.False(t, on, "positive control: not an operator at first")
	require.NoError(t, b.auth.SetOperator(ctx, " USER@example.test", true, "cli"))
	on, err = b.auth.IsOperator(ctx, b.user.UserID)
	require.NoError(t, err)
	require.True(t, on)
	b.later() // the log is ordered by the clock's time
	require.NoError(t, b.auth.SetOperator(ctx, email, false, "cli"))
	on, err = b.auth.IsOperator(ctx, b.user.UserID)
	require.NoError(t, err)
	require.False(t, on)
	requireCode(t, b.auth.SetOperator(ctx, "nobody@example.test", true, "cli"), apperr.NotFound)

	var log []string
	require.NoError(t, b.tdb.Bun.NewRaw("SELECT action || ' ' || target || ' ' || actor_email FROM platform_audit_log ORDER BY created_at").Scan(ctx, &log))
	require.Equal(t, []string{"operator.grant user@example.test cli", "operator.revoke user@example.test cli"}, log)
}

func TestRolesAndScopes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		role, min auth.Role
		want      bool
	}{
		{auth.RoleOwner, auth.RoleAdmin, true},
		{auth.RoleAdmin, auth.RoleAdmin, true},
		{auth.RoleAnalyst, auth.RoleAdmin, false},
		{auth.RoleViewer, auth.RoleViewer, true},
		{auth.Role("GOD"), auth.RoleViewer, false},
		{auth.Role(""), auth.Role(""), false},
	} {
		require.Equal(t, tc.want, tc.role.AtLeast(tc.min), "%s at least %s", tc.role, tc.min)
	}
	for _, tc := range []struct {
		have []string
		want auth.Scope
		ok   bool
	}{
		{[]string{"READ"}, auth.ScopeRead, true},
		{[]string{"READ"}, auth.ScopeWrite, false},
		{[]string{"ADMIN"}, auth.ScopeRead, true},
		{[]string{"ADMIN"}, auth.ScopeWrite, true},
		{[]string{"ADMIN"}, auth.ScopeIngest, false},
		{[]string{"INGEST"}, auth.ScopeIngest, true},
		{nil, auth.ScopeRead, false},
	} {
		p := &auth.Principal{Scopes: tc.have}
		require.Equal(t, tc.ok, p.HasScope(tc.want), "%v has %s", tc.have, tc.want)
	}
}
