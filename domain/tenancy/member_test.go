package tenancy_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/auth/authtest"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

// Who may set which role: only an OWNER grants, changes or removes the
// OWNER role; anyone else's role is the ADMIN's to change too.
func TestChangeRoleRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		actor      auth.Role // the one changing (the tenant's owner when OWNER)
		from, to   auth.Role
		wantCode   apperr.Code // "" means allowed
		wantFields []string
	}{
		{"owner promotes to owner", auth.RoleOwner, auth.RoleViewer, auth.RoleOwner, "", nil},
		{"owner demotes an admin", auth.RoleOwner, auth.RoleAdmin, auth.RoleViewer, "", nil},
		{"admin promotes a viewer to analyst", auth.RoleAdmin, auth.RoleViewer, auth.RoleAnalyst, "", nil},
		{"admin promotes a viewer to admin", auth.RoleAdmin, auth.RoleViewer, auth.RoleAdmin, "", nil},
		{"admin cannot grant owner", auth.RoleAdmin, auth.RoleViewer, auth.RoleOwner, apperr.Forbidden, nil},
		{"admin cannot demote an owner", auth.RoleAdmin, auth.RoleOwner, auth.RoleViewer, apperr.Forbidden, nil},
		{"unknown role", auth.RoleOwner, auth.RoleViewer, auth.Role("GOD"), apperr.BadUserInput, []string{"input", "role"}},
		{"empty role", auth.RoleOwner, auth.RoleViewer, auth.Role(""), apperr.BadUserInput, []string{"input", "role"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			actor := b.owner
			if tc.actor != auth.RoleOwner {
				_, actor, _ = b.join(t, "actor@example.test", tc.actor)
			}
			_, target, mid := b.join(t, "target@example.test", tc.from)
			m, err := b.tenancy.ChangeRole(ctx, actor, mid, tc.to)
			got, err2 := b.tenancy.MemberByUser(ctx, b.tenant, target.UserID)
			require.NoError(t, err2)
			if tc.wantCode != "" {
				requireCode(t, err, tc.wantCode, tc.wantFields...)
				require.Nil(t, m)
				require.Equal(t, tc.from, got.Role, "a refused change writes nothing")
				require.Empty(t, b.auditActions(t, b.tenant, "member.change_role"))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.to, m.Role)
			require.Equal(t, tc.to, got.Role)
			require.Equal(t, []string{"member.change_role"}, b.auditActions(t, b.tenant, "member.change_role"))
		})
	}
}

func TestMembers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("the last owner can neither be demoted nor removed; with a second owner they can", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		self, err := b.tenancy.MemberByUser(ctx, b.tenant, b.owner.UserID)
		require.NoError(t, err)
		_, err = b.tenancy.ChangeRole(ctx, b.owner, self.ID, auth.RoleAdmin)
		requireCode(t, err, apperr.Conflict)
		_, err = b.tenancy.Remove(ctx, b.owner, self.ID)
		requireCode(t, err, apperr.Conflict)

		_, second, mid := b.join(t, "second@example.test", auth.RoleAdmin)
		_, err = b.tenancy.ChangeRole(ctx, b.owner, mid, auth.RoleOwner)
		require.NoError(t, err)
		second.Role = auth.RoleOwner
		m, err := b.tenancy.ChangeRole(ctx, second, self.ID, auth.RoleAdmin)
		require.NoError(t, err)
		require.Equal(t, auth.RoleAdmin, m.Role)
		_, err = b.tenancy.Remove(ctx, second, self.ID)
		require.NoError(t, err)
	})

	t.Run("a role change refuses the member's earlier tokens; a refresh carries the new role", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		sess, _, mid := b.join(t, "viewer@example.test", auth.RoleViewer)
		_, err := b.auth.Authenticate(ctx, sess.AccessToken)
		require.NoError(t, err, "positive control")
		b.later()
		_, err = b.tenancy.ChangeRole(ctx, b.owner, mid, auth.RoleAnalyst)
		require.NoError(t, err)
		_, err = b.auth.Authenticate(ctx, sess.AccessToken)
		require.ErrorIs(t, err, auth.ErrRevoked)
		_, err = b.auth.Authenticate(ctx, b.ownerS.AccessToken)
		require.NoError(t, err, "other members' tokens still work")
		b.later()
		fresh, err := b.auth.Refresh(ctx, sess.RefreshToken)
		require.NoError(t, err, "the session goes on")
		p, err := b.auth.Authenticate(ctx, fresh.AccessToken)
		require.NoError(t, err)
		require.Equal(t, auth.RoleAnalyst, p.Role)
	})

	t.Run("removal ends the member's sessions in the tenant", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		sess, p, mid := b.join(t, "leaver@example.test", auth.RoleAnalyst)
		b.later()
		m, err := b.tenancy.Remove(ctx, b.owner, mid)
		require.NoError(t, err)
		require.Equal(t, "leaver@example.test", m.Email)
		_, err = b.auth.Authenticate(ctx, sess.AccessToken)
		require.Error(t, err)
		_, err = b.auth.Refresh(ctx, sess.RefreshToken)
		require.ErrorIs(t, err, auth.ErrSessionEnded)
		_, err = b.tenancy.MemberByUser(ctx, b.tenant, p.UserID)
		requireCode(t, err, apperr.NotFound)
		require.Equal(t, []string{"member.remove"}, b.auditActions(t, b.tenant, "member.remove"))
	})

	t.Run("an admin cannot remove an owner", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, admin, _ := b.join(t, "admin@example.test", auth.RoleAdmin)
		self, err := b.tenancy.MemberByUser(ctx, b.tenant, b.owner.UserID)
		require.NoError(t, err)
		_, err = b.tenancy.Remove(ctx, admin, self.ID)
		requireCode(t, err, apperr.Forbidden)
		_, _, viewer := b.join(t, "viewer@example.test", auth.RoleViewer)
		_, err = b.tenancy.Remove(ctx, admin, viewer)
		require.NoError(t, err, "positive control: an admin removes a viewer")
	})

	t.Run("members page newest first", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.later() // members are ordered by the clock's time of joining
		b.join(t, "a@example.test", auth.RoleViewer)
		b.later()
		b.join(t, "b@example.test", auth.RoleViewer)
		page, err := b.tenancy.Members(ctx, b.tenant, relay.Args{First: ptr(2)})
		require.NoError(t, err)
		require.Equal(t, 3, page.TotalCount)
		require.True(t, page.Info.HasNextPage)
		rest, err := b.tenancy.Members(ctx, b.tenant, relay.Args{First: ptr(2), After: page.Info.EndCursor})
		require.NoError(t, err)
		var emails []string
		for _, m := range append(page.Items, rest.Items...) {
			emails = append(emails, m.Email)
		}
		require.Equal(t, []string{"b@example.test", "a@example.test", "owner@example.test"}, emails)
	})

	t.Run("another tenant's member is not found and cannot be changed", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, _, mid := b.join(t, "mine@example.test", auth.RoleViewer)
		_, other := authtest.SignUp(t, b.auth, "other@example.test")
		_, err := b.tenancy.Member(ctx, other.TenantID, mid)
		requireCode(t, err, apperr.NotFound)
		_, err = b.tenancy.ChangeRole(ctx, other, mid, auth.RoleAdmin)
		requireCode(t, err, apperr.NotFound)
		_, err = b.tenancy.Remove(ctx, other, mid)
		requireCode(t, err, apperr.NotFound)
		m, err := b.tenancy.Member(ctx, b.tenant, mid)
		require.NoError(t, err, "positive control: visible in its own tenant")
		require.Equal(t, auth.RoleViewer, m.Role, "unchanged")
		_, err = b.tenancy.Member(ctx, b.tenant, uuid.New())
		requireCode(t, err, apperr.NotFound)
	})

	t.Run("a member's e-mail and MFA flag are their account's", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, p, mid := b.join(t, "secure@example.test", auth.RoleViewer)
		_, err := b.tdb.DB.Bun.ExecContext(ctx, "UPDATE users SET mfa_enabled = true WHERE id = ?", p.UserID)
		require.NoError(t, err)
		page, err := b.tenancy.Members(ctx, b.tenant, relay.Args{})
		require.NoError(t, err)
		got := map[string]bool{}
		for _, m := range page.Items {
			got[m.Email] = m.MFAEnabled
		}
		require.Equal(t, map[string]bool{"secure@example.test": true, "owner@example.test": false}, got)
		m, err := b.tenancy.Member(ctx, b.tenant, mid)
		require.NoError(t, err)
		require.Equal(t, []any{"secure@example.test", true}, []any{m.Email, m.MFAEnabled})
		m, err = b.tenancy.MemberByUser(ctx, b.tenant, b.owner.UserID)
		require.NoError(t, err)
		require.Equal(t, []any{"owner@example.test", false}, []any{m.Email, m.MFAEnabled})
		m, err = b.tenancy.ChangeRole(ctx, b.owner, mid, auth.RoleAnalyst)
		require.NoError(t, err)
		require.Equal(t, []any{"secure@example.test", true}, []any{m.Email, m.MFAEnabled}, "the locked member too")
	})
}
