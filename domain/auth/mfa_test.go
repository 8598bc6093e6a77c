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
)

// enable enrols the bundle's user and confirms MFA, returning the TOTP
// secret and the backup codes; the clock is moved past the confirming
// code's step.
func (b *bundle) enable(t *testing.T) (string, []string) {
	t.Helper()
	ctx := context.Background()
	en, err := b.auth.EnrollMfa(ctx, b.user)
	require.NoError(t, err)
	require.NotEmpty(t, en.QRCodePNG)
	require.Contains(t, en.OTPAuthURI, en.Secret)
	codes, err := b.auth.ConfirmMfa(ctx, b.user, b.code(t, en.Secret))
	require.NoError(t, err)
	b.clock.Advance(30 * time.Second)
	return en.Secret, codes
}

// challenge logs in with the password and returns the MFA challenge.
func (b *bundle) challenge(t *testing.T) string {
	t.Helper()
	res, err := b.auth.LogIn(context.Background(), email, authtest.Password)
	require.NoError(t, err)
	require.Nil(t, res.Session, "no session before the second factor")
	require.NotEmpty(t, res.ChallengeToken)
	return res.ChallengeToken
}

func TestMfa(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("enrolment is confirmed by a current code only", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.auth.ConfirmMfa(ctx, b.user, "123456")
		requireCode(t, err, apperr.BadUserInput) // enrol first
		en, err := b.auth.EnrollMfa(ctx, b.user)
		require.NoError(t, err)
		_, err = b.auth.ConfirmMfa(ctx, b.user, "000000")
		require.ErrorIs(t, err, auth.ErrBadCode)
		u, err := b.auth.UserByID(ctx, b.user.UserID)
		require.NoError(t, err)
		require.False(t, u.MFAEnabled)

		b.later() // audit entries are ordered by the clock's time
		codes, err := b.auth.ConfirmMfa(ctx, b.user, b.code(t, en.Secret))
		require.NoError(t, err)
		require.Len(t, codes, auth.BackupCodeCount)
		u, err = b.auth.UserByID(ctx, b.user.UserID)
		require.NoError(t, err)
		require.True(t, u.MFAEnabled)
		require.NotContains(t, string(u.MFASecret), en.Secret, "the secret is sealed at rest")
		_, err = b.auth.EnrollMfa(ctx, b.user)
		requireCode(t, err, apperr.Conflict)
		require.Equal(t, []string{"mfa.enable SUCCESS", "mfa.enroll SUCCESS"}, b.auditLog(t, b.user.TenantID, "mfa.enroll", "mfa.enable"))
	})

	t.Run("log-in needs the second factor; each code and each challenge work once", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		secret, _ := b.enable(t)
		ch := b.challenge(t)
		_, err := b.auth.VerifyMfa(ctx, ch, "000000")
		require.ErrorIs(t, err, auth.ErrBadCode)
		code := b.code(t, secret)
		sess, err := b.auth.VerifyMfa(ctx, ch, code)
		require.NoError(t, err)
		require.True(t, sess.Claims.MFA)
		p, err := b.authenticate(sess.AccessToken)
		require.NoError(t, err)
		require.True(t, p.MFA)

		_, err = b.auth.VerifyMfa(ctx, ch, b.code(t, secret))
		requireCode(t, err, apperr.Unauthenticated) // the challenge was used
		_, err = b.auth.VerifyMfa(ctx, b.challenge(t), code)
		require.ErrorIs(t, err, auth.ErrBadCode, "the same code twice")
		b.clock.Advance(30 * time.Second)
		_, err = b.auth.VerifyMfa(ctx, b.challenge(t), b.code(t, secret))
		require.NoError(t, err, "the next step's code works")
		require.Equal(t, []string{"auth.mfa_verify FAILURE", "auth.mfa_verify FAILURE"}, b.auditLog(t, b.user.TenantID, "auth.mfa_verify"))
	})

	t.Run("an expired challenge is refused", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		secret, _ := b.enable(t)
		ch := b.challenge(t)
		b.clock.Advance(authtest.Config().ChallengeTTL + time.Minute)
		_, err := b.auth.VerifyMfa(ctx, ch, b.code(t, secret))
		requireCode(t, err, apperr.Unauthenticated, "input", "challengeToken")
	})

	t.Run("a backup code works once; regenerating replaces them all", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		secret, codes := b.enable(t)
		_, err := b.auth.VerifyMfa(ctx, b.challenge(t), codes[0])
		require.NoError(t, err)
		_, err = b.auth.VerifyMfa(ctx, b.challenge(t), codes[0])
		require.ErrorIs(t, err, auth.ErrBadCode)

		_, err = b.auth.RegenerateBackupCodes(ctx, b.user, codes[1])
		require.ErrorIs(t, err, auth.ErrBadCode, "regenerating needs a TOTP code, not a backup code")
		fresh, err := b.auth.RegenerateBackupCodes(ctx, b.user, b.code(t, secret))
		require.NoError(t, err)
		require.Len(t, fresh, auth.BackupCodeCount)
		_, err = b.auth.VerifyMfa(ctx, b.challenge(t), codes[1])
		require.ErrorIs(t, err, auth.ErrBadCode, "old codes are gone")
		_, err = b.auth.VerifyMfa(ctx, b.challenge(t), fresh[1])
		require.NoError(t, err)
	})

	t.Run("disabling needs a code and is refused where the tenant requires MFA", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		secret, codes := b.enable(t)
		required := *b.user
		required.MFARequired = true
		err := b.auth.DisableMfa(ctx, &required, b.code(t, secret))
		requireCode(t, err, apperr.Forbidden)
		err = b.auth.DisableMfa(ctx, b.user, "000000")
		require.ErrorIs(t, err, auth.ErrBadCode)
		require.NoError(t, b.auth.DisableMfa(ctx, b.user, codes[0]), "a backup code disables too")
		res, err := b.auth.LogIn(ctx, email, authtest.Password)
		require.NoError(t, err)
		require.NotNil(t, res.Session, "no challenge any more")
		err = b.auth.DisableMfa(ctx, b.user, b.code(t, secret))
		requireCode(t, err, apperr.Conflict)
	})

	t.Run("API keys have no MFA", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		key := &auth.Principal{APIKeyID: uuid.New(), TenantID: b.user.TenantID}
		_, err := b.auth.EnrollMfa(ctx, key)
		requireCode(t, err, apperr.Forbidden)
		_, err = b.auth.ConfirmMfa(ctx, key, "123456")
		requireCode(t, err, apperr.Forbidden)
		requireCode(t, b.auth.DisableMfa(ctx, key, "123456"), apperr.Forbidden)
		_, err = b.auth.RegenerateBackupCodes(ctx, key, "123456")
		requireCode(t, err, apperr.Forbidden)
	})
}
