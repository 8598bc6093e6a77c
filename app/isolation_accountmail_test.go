package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/relay"
)

// plantToken records a fresh account token of purpose for tenant A's owner
// (what the e-mail job would have mailed) and returns it: the controls of
// resetPassword and verifyEmail use it without reading the shared server's
// mail sink, which other cases fill at the same time.
func (f *isoFixture) plantToken(t *testing.T, purpose auth.MailKind) string {
	t.Helper()
	_, uid, err := relay.ParseGlobalID(f.ownerA.UserID)
	require.NoError(t, err)
	token, err := auth.RandomToken(32)
	require.NoError(t, err)
	now := time.Now()
	_, err = f.b.tdb.DB.Bun.ExecContext(context.Background(), `INSERT INTO account_tokens (token_hash, user_id, purpose, email, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, auth.HashSecret(token), uid, string(purpose), f.ownerA.Email, now, now.Add(time.Hour))
	require.NoError(t, err)
	return token
}

func init() {
	bogus := func(*isoFixture) map[string]any { return map[string]any{"t": "not-a-token"} }
	addIsolationCases(map[string]isolationCase{
		// Every caller gets the same answer for A's owner's address: it tells
		// nothing, and changes no tenant's data.
		"Mutation.requestPasswordReset": {Query: `mutation($e: String!) { requestPasswordReset(input: {email: $e}) { success userErrors { code } } }`,
			Vars: vars("e", "ownerEmail"), Viewer: Public, ControlHas: []string{`"success":true`}},
		"Mutation.resetPassword": {Query: `mutation($t: String!) { resetPassword(input: {token: $t, newPassword: "a new alpha passphrase"}) { success userErrors { code } } }`,
			Vars: bogus, Viewer: Public, B: []string{"BAD_USER_INPUT"}, ViewerCodes: []string{"BAD_USER_INPUT"},
			ControlVars: func(t *testing.T, f *isoFixture) map[string]any {
				return map[string]any{"t": f.plantToken(t, auth.MailPasswordReset)}
			}, ControlAnonymous: true, ControlHas: []string{`"success":true`}},
		"Mutation.verifyEmail": {Query: `mutation($t: String!) { verifyEmail(input: {token: $t}) { success userErrors { code } } }`,
			Vars: bogus, Viewer: Public, B: []string{"BAD_USER_INPUT"}, ViewerCodes: []string{"BAD_USER_INPUT"},
			ControlVars: func(t *testing.T, f *isoFixture) map[string]any {
				return map[string]any{"t": f.plantToken(t, auth.MailVerification)}
			}, ControlAnonymous: true, ControlHas: []string{`"success":true`}},
		// Each caller asks for their own address's link (none verified yet).
		"Mutation.resendVerificationEmail": {Query: `mutation { resendVerificationEmail { success userErrors { code } } }`,
			Viewer: Allowed, ControlHas: []string{`"success":true`}},
	})
}
