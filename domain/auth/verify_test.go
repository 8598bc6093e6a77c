package auth_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/auth/authtest"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/internal/apperr"
)

// signUpWithMail signs address up with account e-mail wired, and returns
// the mail, the principal and the token of the verification link.
func signUpWithMail(t *testing.T, b *bundle, address string) (*authtest.Mail, *auth.Principal, string) {
	t.Helper()
	m := authtest.WithMail(b.auth, nil)
	sess, err := (&tenancy.Service{DB: b.tdb.DB, Auth: b.auth, Billing: &billing.Service{DB: b.tdb.DB}}).SignUp(context.Background(), address, authtest.Password, "Verified Co")
	require.NoError(t, err)
	require.Equal(t, 1, m.Queued(), "sign-up queues the verification e-mail")
	m.Deliver(t)
	msgs := m.To(address)
	require.Len(t, msgs, 1)
	require.Equal(t, "Confirm your e-mail address for Stratum", msgs[0].Subject)
	return m, auth.PrincipalOf(sess.Claims), authtest.Token(t, msgs[0], auth.VerifyEmailPath)
}

func verified(t *testing.T, b *bundle, address string) bool {
	t.Helper()
	u, err := b.auth.UserByEmail(context.Background(), address)
	require.NoError(t, err)
	return u.EmailVerifiedAt != nil
}

// TestSignUpVerifiesTheAddressByLink: a new account is unverified until
// its link is followed; the link works once.
func TestSignUpVerifiesTheAddressByLink(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	const address = "new@example.test"
	_, _, token := signUpWithMail(t, b, address)
	require.False(t, verified(t, b, address))

	require.NoError(t, b.auth.VerifyEmail(ctx, token))
	require.True(t, verified(t, b, address))
	requireCode(t, b.auth.VerifyEmail(ctx, token), apperr.BadUserInput, "input", "token")
	requireCode(t, b.auth.VerifyEmail(ctx, "not-a-token"), apperr.BadUserInput, "input", "token")
	require.False(t, verified(t, b, email), "another account is untouched")
}

// TestVerificationLinkExpires: a link is refused after 48 hours; a new one
// (resendVerification) works.
func TestVerificationLinkExpires(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	const address = "late@example.test"
	m, p, token := signUpWithMail(t, b, address)
	b.clock.Advance(auth.VerificationTokenTTL)
	requireCode(t, b.auth.VerifyEmail(ctx, token), apperr.BadUserInput, "input", "token")
	require.False(t, verified(t, b, address))

	require.NoError(t, b.auth.ResendVerification(ctx, p))
	m.Deliver(t)
	fresh := authtest.Token(t, m.To(address)[0], auth.VerifyEmailPath)
	require.NoError(t, b.auth.VerifyEmail(ctx, fresh))
	require.True(t, verified(t, b, address))

	requireCode(t, b.auth.ResendVerification(ctx, p), apperr.Conflict)
	require.Zero(t, m.Queued(), "nothing more is sent to a verified address")
}
