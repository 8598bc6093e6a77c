package tenancy_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/auth/authtest"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

// Which invitations may be made: a valid e-mail, a known role, the OWNER
// role by an OWNER only, and nobody who is already a member.
func TestInviteMemberRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.onPlan(t, "professional") // room for the six members and invitations (seats_test.go tests the limit)
	_, admin, _ := b.join(t, "admin@example.test", auth.RoleAdmin)
	authtest.SignUp(t, b.auth, "elsewhere@example.test") // an account, member of another tenant only
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		by        *auth.Principal
		email     string
		role      auth.Role
		wantCode  apperr.Code // "" means made
		wantField []string
	}{
		{"owner invites an analyst", b.owner, "  New.Person@Example.TEST ", auth.RoleAnalyst, "", nil},
		{"owner invites an owner", b.owner, "co-owner@example.test", auth.RoleOwner, "", nil},
		{"admin invites an admin", admin, "admin2@example.test", auth.RoleAdmin, "", nil},
		{"admin cannot invite an owner", admin, "would-be@example.test", auth.RoleOwner, apperr.Forbidden, nil},
		{"bad e-mail", b.owner, "not-an-email", auth.RoleViewer, apperr.BadUserInput, []string{"input", "email"}},
		{"unknown role", b.owner, "x@example.test", auth.Role("ROOT"), apperr.BadUserInput, []string{"input", "role"}},
		{"already a member", b.owner, "ADMIN@example.test", auth.RoleViewer, apperr.Conflict, []string{"input", "email"}},
		{"a member of another tenant", b.owner, "elsewhere@example.test", auth.RoleViewer, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv, token, err := b.tenancy.InviteMember(ctx, tc.by, tc.email, tc.role)
			if tc.wantCode != "" {
				requireCode(t, err, tc.wantCode, tc.wantField...)
				require.Nil(t, inv)
				require.Empty(t, token)
				return
			}
			require.NoError(t, err)
			require.NotEmpty(t, token)
			got, err := b.tenancy.GetInvite(ctx, b.tenant, inv.ID)
			require.NoError(t, err)
			require.Equal(t, tc.role, got.Role)
			require.Equal(t, tc.by.UserID, got.InvitedBy)
			require.NotContains(t, string(got.TokenHash), token, "only the token's hash is stored")
		})
	}
	page, err := b.tenancy.Invites(ctx, b.tenant, relay.Args{})
	require.NoError(t, err)
	var emails []string
	for _, i := range page.Items {
		emails = append(emails, i.Email)
	}
	// admin@ was invited by join; the refused ones left nothing.
	require.ElementsMatch(t, []string{"admin@example.test", "new.person@example.test", "co-owner@example.test", "admin2@example.test",
		"elsewhere@example.test"}, emails)
	require.Len(t, b.auditActions(t, b.tenant, "invite.create"), 5)
}

func TestAcceptInvite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a new person gets an account, the role and a session; the token works once", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, token, err := b.tenancy.InviteMember(ctx, b.owner, "new@example.test", auth.RoleAnalyst)
		require.NoError(t, err)
		sess, err := b.tenancy.AcceptInvite(ctx, nil, token, authtest.Password)
		require.NoError(t, err)
		p, err := b.auth.Authenticate(ctx, sess.AccessToken)
		require.NoError(t, err)
		require.Equal(t, b.tenant, p.TenantID)
		require.Equal(t, auth.RoleAnalyst, p.Role)
		res, err := b.auth.LogIn(ctx, "new@example.test", authtest.Password)
		require.NoError(t, err, "the account logs in with the password it chose")
		require.Equal(t, b.tenant, res.Session.Claims.TenantID)

		_, err = b.tenancy.AcceptInvite(ctx, nil, token, authtest.Password)
		requireCode(t, err, apperr.NotFound, "input", "token")
		require.Equal(t, []string{"invite.accept"}, b.auditActions(t, b.tenant, "invite.accept"))
	})

	t.Run("a weak password is refused before anything else", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, token, err := b.tenancy.InviteMember(ctx, b.owner, "new@example.test", auth.RoleViewer)
		require.NoError(t, err)
		_, err = b.tenancy.AcceptInvite(ctx, nil, token, "short")
		requireCode(t, err, apperr.BadUserInput, "input", "password")
		_, err = b.tenancy.AcceptInvite(ctx, nil, token, authtest.Password)
		require.NoError(t, err, "the invitation is still open")
	})

	t.Run("revoked, expired and unknown invitations are refused alike", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		revoked, rtoken, err := b.tenancy.InviteMember(ctx, b.owner, "revoked@example.test", auth.RoleViewer)
		require.NoError(t, err)
		_, err = b.tenancy.RevokeInvite(ctx, b.owner, revoked.ID)
		require.NoError(t, err)
		expired, etoken, err := b.tenancy.InviteMember(ctx, b.owner, "expired@example.test", auth.RoleViewer)
		require.NoError(t, err)
		require.NoError(t, b.tdb.InTenant(ctx, b.tenant, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE invites SET expires_at = ? WHERE id = ?", b.clock.Now().Add(-time.Minute), expired.ID)
			return err
		}))
		for _, token := range []string{rtoken, etoken, "no-such-token"} {
			_, err = b.tenancy.AcceptInvite(ctx, nil, token, authtest.Password)
			requireCode(t, err, apperr.NotFound, "input", "token")
		}
		_, err = b.auth.UserByEmail(ctx, "revoked@example.test")
		requireCode(t, err, apperr.NotFound)
	})

	t.Run("an invitation's times and expiry are the database clock's", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		invited := b.clock.Advance(time.Hour)
		inv, token, err := b.tenancy.InviteMember(ctx, b.owner, "new@example.test", auth.RoleViewer)
		require.NoError(t, err)
		require.Equal(t, []time.Time{invited, invited.Add(tenancy.InviteTTL)}, []time.Time{inv.CreatedAt, inv.ExpiresAt})

		b.clock.Set(inv.ExpiresAt.Add(time.Second))
		_, err = b.tenancy.AcceptInvite(ctx, nil, token, authtest.Password)
		requireCode(t, err, apperr.NotFound, "input", "token")
		accepted := b.clock.Advance(-2 * time.Second)
		sess, err := b.tenancy.AcceptInvite(ctx, nil, token, authtest.Password)
		require.NoError(t, err, "positive control: a second before expiry by the clock")

		got, err := b.tenancy.GetInvite(ctx, b.tenant, inv.ID)
		require.NoError(t, err)
		require.NotNil(t, got.AcceptedAt)
		require.Equal(t, []time.Time{invited, accepted}, []time.Time{got.CreatedAt.UTC(), got.AcceptedAt.UTC()})
		m, err := b.tenancy.MemberByUser(ctx, b.tenant, sess.Claims.UserID())
		require.NoError(t, err)
		require.Equal(t, accepted, m.CreatedAt.UTC(), "joined at the clock's time")
	})

	t.Run("an existing account joins with its own password only", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, other := authtest.SignUp(t, b.auth, "elsewhere@example.test")
		_, token, err := b.tenancy.InviteMember(ctx, b.owner, "elsewhere@example.test", auth.RoleViewer)
		require.NoError(t, err)
		_, err = b.tenancy.AcceptInvite(ctx, nil, token, "a wrong but long password")
		require.ErrorIs(t, err, auth.ErrBadCredentials)
		sess, err := b.tenancy.AcceptInvite(ctx, nil, token, authtest.Password)
		require.NoError(t, err)
		require.Equal(t, other.UserID, sess.Claims.UserID(), "the same account, not a new one")
		ms, err := b.auth.Memberships(ctx, other.UserID)
		require.NoError(t, err)
		require.Len(t, ms, 2)
	})

	t.Run("a signed-in user accepts an invitation for their own e-mail only", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, me := authtest.SignUp(t, b.auth, "me@example.test")
		_, token, err := b.tenancy.InviteMember(ctx, b.owner, "someone-else@example.test", auth.RoleViewer)
		require.NoError(t, err)
		_, err = b.tenancy.AcceptInvite(ctx, me, token, "")
		requireCode(t, err, apperr.Forbidden)
		_, token, err = b.tenancy.InviteMember(ctx, b.owner, "me@example.test", auth.RoleAdmin)
		require.NoError(t, err)
		sess, err := b.tenancy.AcceptInvite(ctx, me, token, "")
		require.NoError(t, err)
		require.Equal(t, b.tenant, sess.Claims.TenantID)
		require.Equal(t, auth.RoleAdmin, sess.Claims.Role)
	})

	t.Run("an account with MFA cannot join anonymously, whatever the password", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, mfaUser := authtest.SignUp(t, b.auth, "mfa@example.test")
		require.NoError(t, b.tdb.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE users SET mfa_enabled = true WHERE id = ?", mfaUser.UserID)
			return err
		}))
		_, token, err := b.tenancy.InviteMember(ctx, b.owner, "mfa@example.test", auth.RoleViewer)
		require.NoError(t, err)
		_, errRight := b.tenancy.AcceptInvite(ctx, nil, token, authtest.Password)
		_, errWrong := b.tenancy.AcceptInvite(ctx, nil, token, "a wrong but long password")
		requireCode(t, errRight, apperr.Forbidden)
		require.Equal(t, errRight, errWrong, "the answer tells nothing about the password")
	})

	t.Run("an accepted invitation cannot be revoked", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		inv, token, err := b.tenancy.InviteMember(ctx, b.owner, "new@example.test", auth.RoleViewer)
		require.NoError(t, err)
		_, err = b.tenancy.AcceptInvite(ctx, nil, token, authtest.Password)
		require.NoError(t, err)
		_, err = b.tenancy.RevokeInvite(ctx, b.owner, inv.ID)
		requireCode(t, err, apperr.Conflict)
		_, err = b.tenancy.RevokeInvite(ctx, b.owner, uuid.New())
		requireCode(t, err, apperr.NotFound)
	})

	t.Run("another tenant's invitation is not found", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		inv, _, err := b.tenancy.InviteMember(ctx, b.owner, "new@example.test", auth.RoleViewer)
		require.NoError(t, err)
		_, other := authtest.SignUp(t, b.auth, "other@example.test")
		_, err = b.tenancy.GetInvite(ctx, other.TenantID, inv.ID)
		requireCode(t, err, apperr.NotFound)
		_, err = b.tenancy.RevokeInvite(ctx, other, inv.ID)
		requireCode(t, err, apperr.NotFound)
		got, err := b.tenancy.GetInvite(ctx, b.tenant, inv.ID)
		require.NoError(t, err, "positive control")
		require.Nil(t, got.RevokedAt)
	})
}
