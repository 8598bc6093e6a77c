package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/auth/authtest"
	"github.com/stratumhq/stratum/internal/apperr"
)

const newPassword = "a brand new passphrase 77"

// resetLink asks for a reset of address, runs the queued job and returns
// the token of the link mailed to address.
func resetLink(t *testing.T, b *bundle, m *authtest.Mail, address string) string {
	t.Helper()
	require.NoError(t, b.auth.RequestPasswordReset(context.Background(), address))
	m.Deliver(t)
	msgs := m.To(address)
	require.NotEmpty(t, msgs, "a reset link was mailed to %s", address)
	return authtest.Token(t, msgs[0], auth.ResetPasswordPath)
}

// TestPasswordResetTellsNothingAboutTheAccount: an unknown address gets the
// same answer as a known one and queues the same job; the job mails a link
// only to the known one.
func TestPasswordResetTellsNothingAboutTheAccount(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := authtest.WithMail(b.auth, nil)
	ctx := context.Background()

	unknownErr := b.auth.RequestPasswordReset(ctx, "nobody@example.test")
	require.Equal(t, 1, m.Queued(), "an unknown address queues a job like a known one")
	knownErr := b.auth.RequestPasswordReset(ctx, " USER@example.test ")
	require.Equal(t, 2, m.Queued())
	require.NoError(t, unknownErr)
	require.Equal(t, unknownErr, knownErr, "the same answer for both")

	m.Deliver(t)
	require.Empty(t, m.To("nobody@example.test"), "nothing is sent to an address without an account")
	msgs := m.To(email)
	require.Len(t, msgs, 1, "the account's owner gets one message")
	require.Equal(t, "Reset your Stratum password", msgs[0].Subject)
	require.Contains(t, msgs[0].Text, "http://stratum.test/reset-password#token=")
	require.Contains(t, msgs[0].Text, "within 30 minutes")
	require.Len(t, m.Sink.Messages(), 1)

	// A malformed address is a field error, whatever the accounts.
	requireCode(t, b.auth.RequestPasswordReset(ctx, "not an address"), apperr.BadUserInput, "input", "email")
}

// TestPasswordResetRequestsAreThrottledAlikeForEveryAddress: the address's
// bucket empties after the same number of requests whether it has an
// account or not; another address still gets through.
func TestPasswordResetRequestsAreThrottledAlikeForEveryAddress(t *testing.T) {
	t.Parallel()
	b := setup(t)
	authtest.WithMail(b.auth, nil)
	b.auth.Limiter = &auth.Limiter{DB: b.tdb.DB, SyncInterval: time.Hour}
	b.auth.Cfg.ResetEmail = auth.Bucket{Max: 2, Rate: 1.0 / 600}
	ctx := context.Background()
	for _, address := range []string{email, "nobody@example.test"} {
		require.NoError(t, b.auth.RequestPasswordReset(ctx, address))
		require.NoError(t, b.auth.RequestPasswordReset(ctx, address))
		requireCode(t, b.auth.RequestPasswordReset(ctx, address), apperr.Throttled)
	}
	require.NoError(t, b.auth.RequestPasswordReset(ctx, "someone-else@example.test"))
}

// TestPasswordResetEndsEverySession: the new password works, the old one
// does not, and the sessions open before the reset are over: their access
// tokens are refused and their refresh tokens rotate no more.
func TestPasswordResetEndsEverySession(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := authtest.WithMail(b.auth, nil)
	ctx := context.Background()
	other, err := b.auth.LogIn(ctx, email, authtest.Password) // a second session
	require.NoError(t, err)
	_, err = b.authenticate(b.sess.AccessToken)
	require.NoError(t, err, "the session works before the reset")

	token := resetLink(t, b, m, email)
	b.later()
	require.NoError(t, b.auth.ResetPassword(ctx, token, newPassword))

	for _, s := range []*auth.Session{b.sess, other.Session} {
		_, err := b.authenticate(s.AccessToken)
		requireCode(t, err, apperr.Unauthenticated)
		_, err = b.auth.Refresh(ctx, s.RefreshToken)
		requireCode(t, err, apperr.Unauthenticated)
	}
	_, err = b.auth.LogIn(ctx, email, authtest.Password)
	requireCode(t, err, apperr.Unauthenticated)
	res, err := b.auth.LogIn(ctx, email, newPassword)
	require.NoError(t, err)
	_, err = b.authenticate(res.Session.AccessToken)
	require.NoError(t, err, "a session after the reset works")
	require.Equal(t, []string{"auth.password_reset SUCCESS"}, b.auditLog(t, b.user.TenantID, "auth.password_reset"))

	u, err := b.auth.UserByEmail(ctx, email)
	require.NoError(t, err)
	require.NotNil(t, u.EmailVerifiedAt, "following the link proves the address")
}

// TestPasswordResetLinkWorksOnce: a spent link, and the account's other
// links, are refused afterwards.
func TestPasswordResetLinkWorksOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := authtest.WithMail(b.auth, nil)
	ctx := context.Background()
	older := resetLink(t, b, m, email)
	token := resetLink(t, b, m, email)
	require.NotEqual(t, older, token)

	require.NoError(t, b.auth.ResetPassword(ctx, token, newPassword))
	requireCode(t, b.auth.ResetPassword(ctx, token, "yet another passphrase 9"), apperr.BadUserInput, "input", "token")
	requireCode(t, b.auth.ResetPassword(ctx, older, "yet another passphrase 9"), apperr.BadUserInput, "input", "token")
	_, err := b.auth.LogIn(ctx, email, newPassword)
	require.NoError(t, err, "the refused uses changed nothing")
}

// TestPasswordResetLinkIsSpentOnceUnderConcurrency: of two resets racing
// with one link, exactly one sets its password.
func TestPasswordResetLinkIsSpentOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := authtest.WithMail(b.auth, nil)
	ctx := context.Background()
	token := resetLink(t, b, m, email)
	passwords := []string{"first racing passphrase", "second racing passphrase"}
	errs := make([]error, len(passwords))
	var wg sync.WaitGroup
	for i, pw := range passwords {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = b.auth.ResetPassword(ctx, token, pw)
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, won, "both resets succeeded")
			won = i
			continue
		}
		requireCode(t, err, apperr.BadUserInput, "input", "token")
	}
	require.NotEqual(t, -1, won, "neither reset succeeded")
	_, err := b.auth.LogIn(ctx, email, passwords[won])
	require.NoError(t, err)
	_, err = b.auth.LogIn(ctx, email, passwords[1-won])
	requireCode(t, err, apperr.Unauthenticated)
}

// TestPasswordResetLinkExpires: a link is refused 30 minutes after it was
// mailed; one used a little before that works.
func TestPasswordResetLinkExpires(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := authtest.WithMail(b.auth, nil)
	ctx := context.Background()

	expired := resetLink(t, b, m, email)
	b.clock.Advance(auth.ResetTokenTTL)
	requireCode(t, b.auth.ResetPassword(ctx, expired, newPassword), apperr.BadUserInput, "input", "token")

	fresh := resetLink(t, b, m, email)
	b.clock.Advance(auth.ResetTokenTTL - time.Second)
	require.NoError(t, b.auth.ResetPassword(ctx, fresh, newPassword))
	_, err := b.auth.LogIn(ctx, email, newPassword)
	require.NoError(t, err)
}

// TestPasswordResetChecksThePasswordRuleBeforeSpendingTheLink: a weak
// password is a field error and the link still works for a good one.
func TestPasswordResetChecksThePasswordRuleBeforeSpendingTheLink(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := authtest.WithMail(b.auth, nil)
	ctx := context.Background()
	token := resetLink(t, b, m, email)
	requireCode(t, b.auth.ResetPassword(ctx, token, "short"), apperr.BadUserInput, "input", "newPassword")
	requireCode(t, b.auth.ResetPassword(ctx, token, "user-password-123"), apperr.BadUserInput, "input", "newPassword")
	requireCode(t, b.auth.ResetPassword(ctx, "", newPassword), apperr.BadUserInput, "input", "token")
	requireCode(t, b.auth.ResetPassword(ctx, string(make([]byte, 4096)), newPassword), apperr.BadUserInput, "input", "token")
	require.NoError(t, b.auth.ResetPassword(ctx, token, newPassword))
}

// TestPasswordResetWithoutEmail: a server without e-mail says so, for every
// address alike, and queues nothing.
func TestPasswordResetWithoutEmail(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := authtest.WithMail(b.auth, nil)
	b.auth.Mailer = nil
	ctx := context.Background()
	requireCode(t, b.auth.RequestPasswordReset(ctx, email), apperr.FeatureDisabled)
	requireCode(t, b.auth.RequestPasswordReset(ctx, "nobody@example.test"), apperr.FeatureDisabled)
	require.Zero(t, m.Queued())
}
