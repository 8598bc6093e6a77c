package tenancy_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/auth/authtest"
	"github.com/stratumhq/stratum/internal/apperr"
)

// The name rule of a tenant's settings: 1–200 characters (runes, not
// bytes) after trimming.
func TestUpdateSettingsNameRule(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, in, want string // want "" means refused
	}{
		{"trimmed", "  Acme  ", "Acme"},
		{"one character", "A", "A"},
		{"200 runes of two bytes each", strings.Repeat("é", 200), strings.Repeat("é", 200)},
		{"empty", "", ""},
		{"only spaces", "   ", ""},
		{"201 characters", strings.Repeat("a", 201), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := b.tenancy.Tenant(ctx, b.tenant)
			require.NoError(t, err)
			got, err := b.tenancy.UpdateSettings(ctx, b.owner, &tc.in, nil)
			after, err2 := b.tenancy.Tenant(ctx, b.tenant)
			require.NoError(t, err2)
			if tc.want == "" {
				requireCode(t, err, apperr.BadUserInput, "input", "name")
				require.Nil(t, got)
				require.Equal(t, before.Name, after.Name, "a refused change writes nothing")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got.Name)
			require.Equal(t, tc.want, after.Name)
		})
	}
}

func TestUpdateSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a change is audited; a refused one is not", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.tenancy.UpdateSettings(ctx, b.owner, ptr(""), nil)
		require.Error(t, err)
		require.Empty(t, b.auditActions(t, b.tenant, "tenant.update_settings"))
		_, err = b.tenancy.UpdateSettings(ctx, b.owner, ptr("Renamed"), nil)
		require.NoError(t, err)
		page, err := b.audit.List(ctx, b.tenant, relayAll, auditFilter("tenant.update_settings"))
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		require.Equal(t, map[string]any{"name": "Renamed"}, page.Items[0].Details)
		require.Equal(t, b.tenant, page.Items[0].TargetID)
	})

	t.Run("requiring MFA makes every member's token refresh", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		member, _, _ := b.join(t, "analyst@example.test", auth.RoleAnalyst)
		_, err := b.auth.Authenticate(ctx, member.AccessToken)
		require.NoError(t, err, "positive control: the token works before")
		b.later()

		tn, err := b.tenancy.UpdateSettings(ctx, b.owner, nil, ptr(true))
		require.NoError(t, err)
		require.True(t, tn.RequireMFA)
		require.Equal(t, "Tenant of owner@example.test", tn.Name, "the name is unchanged")
		for _, tok := range []string{member.AccessToken, b.ownerS.AccessToken} {
			_, err = b.auth.Authenticate(ctx, tok)
			require.ErrorIs(t, err, auth.ErrRevoked)
		}
		b.later()
		fresh, err := b.auth.Refresh(ctx, member.RefreshToken)
		require.NoError(t, err)
		require.True(t, fresh.Claims.MFARequired, "the new token carries the requirement")
		p, err := b.auth.Authenticate(ctx, fresh.AccessToken)
		require.NoError(t, err)
		require.True(t, p.MFARequired)
	})

	t.Run("a tenant is visible to itself only", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, other := authtest.SignUp(t, b.auth, "other@example.test")
		got, err := b.tenancy.Tenant(ctx, other.TenantID)
		require.NoError(t, err)
		require.Equal(t, other.TenantID, got.ID)
		// A principal of one tenant changes its own tenant only.
		_, err = b.tenancy.UpdateSettings(ctx, b.owner, ptr("Mine"), nil)
		require.NoError(t, err)
		got, err = b.tenancy.Tenant(ctx, other.TenantID)
		require.NoError(t, err)
		require.Equal(t, "Tenant of other@example.test", got.Name)
	})
}
