package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/auth/authtest"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/testdb"
)

func TestLogIn(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()

	res, err := b.auth.LogIn(ctx, "  USER@example.test ", authtest.Password)
	require.NoError(t, err, "positive control")
	require.NotNil(t, res.Session)
	require.Empty(t, res.ChallengeToken)
	p, err := b.authenticate(res.Session.AccessToken)
	require.NoError(t, err)
	require.Equal(t, b.user.UserID, p.UserID)

	b.later() // audit entries are ordered by the clock's time
	_, err = b.auth.LogIn(ctx, email, "a wrong but long password")
	require.ErrorIs(t, err, auth.ErrBadCredentials)
	_, err = b.auth.LogIn(ctx, "nobody@example.test", authtest.Password)
	require.ErrorIs(t, err, auth.ErrBadCredentials, "the same answer for an unknown e-mail")
	require.Equal(t, []string{"auth.log_in FAILURE", "auth.log_in SUCCESS"}, b.auditLog(t, b.user.TenantID, "auth.log_in"))

	lonely := testdb.MustInsertUser(t, b.tdb.DB, testdb.User{Email: "lonely@example.test", PasswordHash: mustHash(t, b.auth)})
	_, err = b.auth.LogIn(ctx, "lonely@example.test", authtest.Password)
	requireCode(t, err, apperr.Forbidden)
	require.NotEqual(t, uuid.Nil, lonely)
}

func mustHash(t *testing.T, s *auth.Service) string {
	t.Helper()
	h, err := s.HashNewPassword(context.Background(), authtest.Password)
	require.NoError(t, err)
	return h
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("rotation spends the token and issues a new pair in the family", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.later()
		next, err := b.auth.Refresh(ctx, b.sess.RefreshToken)
		require.NoError(t, err)
		require.NotEqual(t, b.sess.RefreshToken, next.RefreshToken)
		require.Equal(t, b.sess.Claims.SessionID, next.Claims.SessionID, "same family")
		require.True(t, next.ExpiresAt.After(b.sess.ExpiresAt))
		_, err = b.authenticate(next.AccessToken)
		require.NoError(t, err)
		b.later()
		_, err = b.auth.Refresh(ctx, next.RefreshToken)
		require.NoError(t, err, "the new token rotates in turn")
	})

	t.Run("reuse of a spent token revokes the whole family", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.later()
		next, err := b.auth.Refresh(ctx, b.sess.RefreshToken)
		require.NoError(t, err)
		_, err = b.authenticate(next.AccessToken)
		require.NoError(t, err, "positive control: the family works before the reuse")
		b.later()

		_, err = b.auth.Refresh(ctx, b.sess.RefreshToken) // the thief's copy
		require.ErrorIs(t, err, auth.ErrSessionEnded)
		_, err = b.auth.Refresh(ctx, next.RefreshToken)
		require.ErrorIs(t, err, auth.ErrSessionEnded, "the legitimate holder's token dies too")
		for _, tok := range []string{b.sess.AccessToken, next.AccessToken} {
			_, err = b.authenticate(tok)
			require.ErrorIs(t, err, auth.ErrRevoked)
		}
		require.Equal(t, []string{"auth.refresh_reuse_detected DENIED"}, b.auditLog(t, b.user.TenantID, "auth.refresh_reuse_detected"))

		// Another session of the same user is untouched.
		other, err := b.auth.LogIn(ctx, email, authtest.Password)
		require.NoError(t, err)
		_, err = b.auth.Refresh(ctx, other.Session.RefreshToken)
		require.NoError(t, err)
	})

	t.Run("unknown and expired tokens end the session", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.auth.Refresh(ctx, "not-a-token")
		require.ErrorIs(t, err, auth.ErrSessionEnded)
		b.clock.Advance(authtest.Config().RefreshTTL + time.Second)
		_, err = b.auth.Refresh(ctx, b.sess.RefreshToken)
		require.ErrorIs(t, err, auth.ErrSessionEnded)
	})
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, err := b.authenticate(b.sess.AccessToken)
	require.NoError(t, err, "positive control")
	require.Equal(t, []any{b.user.UserID, b.user.TenantID, auth.RoleOwner, b.sess.Claims.SessionID},
		[]any{p.UserID, p.TenantID, p.Role, p.SessionID})
	_, err = b.authenticate("garbage")
	requireCode(t, err, apperr.Unauthenticated)
	b.clock.Advance(authtest.Config().AccessTTL + time.Minute)
	_, err = b.authenticate(b.sess.AccessToken)
	requireCode(t, err, apperr.Unauthenticated)
}

func TestLogOut(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	keep, err := b.auth.LogIn(ctx, email, authtest.Password)
	require.NoError(t, err)
	require.NoError(t, b.auth.LogOut(ctx, b.user))
	_, err = b.authenticate(b.sess.AccessToken)
	require.ErrorIs(t, err, auth.ErrRevoked)
	_, err = b.auth.Refresh(ctx, b.sess.RefreshToken)
	require.ErrorIs(t, err, auth.ErrSessionEnded)
	_, err = b.authenticate(keep.Session.AccessToken)
	require.NoError(t, err, "the user's other session goes on")
	require.Equal(t, []string{"auth.log_out SUCCESS"}, b.auditLog(t, b.user.TenantID, "auth.log_out"))

	err = b.auth.LogOut(ctx, &auth.Principal{APIKeyID: uuid.New(), TenantID: b.user.TenantID})
	requireCode(t, err, apperr.Forbidden)
}

func TestSwitchTenant(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	second := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Name: "Second", Plan: "enterprise"})
	testdb.MustInsertMember(t, b.tdb.DB, second, b.user.UserID, "ANALYST")
	stranger := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{})

	_, err := b.auth.SwitchTenant(ctx, b.user, stranger)
	requireCode(t, err, apperr.NotFound, "input", "tenantId")
	_, err = b.authenticate(b.sess.AccessToken)
	require.NoError(t, err, "a refused switch ends nothing")

	b.later()
	sess, err := b.auth.SwitchTenant(ctx, b.user, second)
	require.NoError(t, err)
	p, err := b.authenticate(sess.AccessToken)
	require.NoError(t, err)
	require.Equal(t, []any{second, auth.RoleAnalyst, "enterprise"}, []any{p.TenantID, p.Role, p.Plan})
	_, err = b.auth.Refresh(ctx, b.sess.RefreshToken)
	require.ErrorIs(t, err, auth.ErrSessionEnded, "the session left behind has ended")
	require.Equal(t, []string{"auth.switch_tenant_away SUCCESS"}, b.auditLog(t, b.user.TenantID, "auth.switch_tenant_away"))
	require.Equal(t, []string{"auth.switch_tenant SUCCESS"}, b.auditLog(t, second, "auth.switch_tenant"))

	_, err = b.auth.SwitchTenant(ctx, &auth.Principal{APIKeyID: uuid.New(), TenantID: second}, b.user.TenantID)
	requireCode(t, err, apperr.Forbidden)
}

// A session's times are the database clock's: its rows and tokens are
// stamped with it and its access token expires by it.
func TestSessionFollowsTheClock(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.later()
	signedIn := b.clock.Now()
	res, err := b.auth.LogIn(ctx, email, authtest.Password)
	require.NoError(t, err)
	sess := res.Session
	require.Equal(t, signedIn, sess.Claims.IssuedAt.Time.UTC(), "issued at the clock's time")
	require.Equal(t, signedIn.Add(authtest.Config().AccessTTL), sess.ExpiresAt.UTC())

	var row struct {
		CreatedAt time.Time  `bun:"created_at"`
		ExpiresAt time.Time  `bun:"expires_at"`
		RevokedAt *time.Time `bun:"revoked_at"`
	}
	read := func() {
		t.Helper()
		require.NoError(t, b.tdb.Bun.NewRaw("SELECT created_at, expires_at, revoked_at FROM sessions WHERE id = ?", sess.Claims.SessionID).Scan(ctx, &row))
	}
	read()
	require.Equal(t, []time.Time{signedIn, signedIn.Add(authtest.Config().RefreshTTL)}, []time.Time{row.CreatedAt.UTC(), row.ExpiresAt.UTC()})

	b.clock.Set(sess.ExpiresAt.Add(-time.Second))
	_, err = b.authenticate(sess.AccessToken)
	require.NoError(t, err, "positive control: a second before expiry by the clock")
	b.clock.Set(sess.ExpiresAt.Add(time.Second))
	_, err = b.authenticate(sess.AccessToken)
	requireCode(t, err, apperr.Unauthenticated)

	p := auth.PrincipalOf(sess.Claims)
	require.NoError(t, b.auth.LogOut(ctx, p))
	read()
	require.NotNil(t, row.RevokedAt)
	require.Equal(t, b.clock.Now(), row.RevokedAt.UTC(), "revoked at the clock's time")
}
