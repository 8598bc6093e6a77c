package app_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/mail"
)

// sinkMessages reads the development mail sink of b's server.
func (b *idBundle) sinkMessages(t testing.TB) []mail.Stored {
	t.Helper()
	res, err := http.Get(b.srv.URL + "/dev/mail/messages")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var sink struct {
		Messages []mail.Stored `json:"messages"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&sink))
	return sink.Messages
}

// awaitMail waits for the sink's message to address with subject (a River
// job sends it after the request's commit) and returns it.
func (b *idBundle) awaitMail(t *testing.T, address, subject string) mail.Stored {
	t.Helper()
	var got mail.Stored
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, m := range b.sinkMessages(t) {
			if len(m.To) == 1 && m.To[0] == address && m.Subject == subject {
				got = m
				return
			}
		}
		assert.Fail(c, "no message yet", "to %s: %q", address, subject)
	}, 20*time.Second, 50*time.Millisecond)
	return got
}

var mailedToken = regexp.MustCompile(`#token=([A-Za-z2-7]+)`)

func tokenIn(t testing.TB, m mail.Stored) string {
	t.Helper()
	sub := mailedToken.FindStringSubmatch(m.Text)
	require.NotNil(t, sub, "no link with a token in %q", m.Text)
	return sub[1]
}

// TestPasswordResetThroughTheAPI: through the API and the development
// mail sink, an unknown address gets the same answer as a known one and no
// mail; the known one gets a link that sets a new password once, after
// which the old session is refused and the new password logs in.
func TestPasswordResetThroughTheAPI(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	owner := b.signUp(t, "reset-owner@example.test", "Reset Co")
	const request = `mutation($e: String!) { requestPasswordReset(input: {email: $e}) { success userErrors { field code } } }`

	unknown := b.srv.Query(t, request, map[string]any{"e": "nobody@example.test"}, nil)
	known := b.srv.Query(t, request, map[string]any{"e": owner.Email}, nil)
	require.Empty(t, known.Errors)
	require.Equal(t, mustJSON(unknown.Data), mustJSON(known.Data), "the same answer for an unknown address")
	require.Equal(t, `{"requestPasswordReset":{"success":true,"userErrors":[]}}`, mustJSON(known.Data))

	msg := b.awaitMail(t, owner.Email, "Reset your Stratum password")
	require.Contains(t, msg.Text, "/reset-password#token=")
	for _, m := range b.sinkMessages(t) {
		require.NotContains(t, m.To, "nobody@example.test", "no mail for an address without an account")
	}
	token := tokenIn(t, msg)

	const reset = `mutation($t: String!, $p: String!) { resetPassword(input: {token: $t, newPassword: $p}) { success userErrors { field code } } }`
	weak := b.srv.Query(t, reset, map[string]any{"t": token, "p": "short"}, nil)
	require.Equal(t, `{"resetPassword":{"success":false,"userErrors":[{"code":"BAD_USER_INPUT","field":["input","newPassword"]}]}}`, mustJSON(weak.Data))
	ok := b.srv.Query(t, reset, map[string]any{"t": token, "p": "a fresh passphrase 2026"}, nil)
	require.Equal(t, `{"resetPassword":{"success":true,"userErrors":[]}}`, mustJSON(ok.Data))
	again := b.srv.Query(t, reset, map[string]any{"t": token, "p": "another passphrase 2027"}, nil)
	require.Equal(t, `{"resetPassword":{"success":false,"userErrors":[{"code":"BAD_USER_INPUT","field":["input","token"]}]}}`, mustJSON(again.Data))

	old := b.srv.Query(t, `{ viewer { user { email } } }`, nil, owner.H())
	require.Equal(t, "UNAUTHENTICATED", old.Code(), "the session from before the reset has ended")
	res, p := b.logIn(t, owner.Email, "correct horse battery")
	require.Empty(t, res.Errors)
	require.NotEmpty(t, p["userErrors"], "the old password no longer works")
	_, p = b.logIn(t, owner.Email, "a fresh passphrase 2026")
	s := toSession(t, p, owner.Email)
	v := b.srv.Query(t, `{ viewer { user { emailVerified } } }`, nil, s.H())
	require.Equal(t, `{"viewer":{"user":{"emailVerified":true}}}`, mustJSON(v.Data), "the reset link proved the address")
}

// TestEmailVerificationThroughTheAPI: a sign-up is unverified and gets a
// link by e-mail; following it (with no session) verifies the address.
func TestEmailVerificationThroughTheAPI(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	owner := b.signUp(t, "verify-owner@example.test", "Verify Co")
	const viewer = `{ viewer { user { emailVerified } } }`
	require.Equal(t, `{"viewer":{"user":{"emailVerified":false}}}`, mustJSON(b.srv.Query(t, viewer, nil, owner.H()).Data))

	msg := b.awaitMail(t, owner.Email, "Confirm your e-mail address for Stratum")
	require.Contains(t, msg.Text, "/verify-email#token=")
	const verify = `mutation($t: String!) { verifyEmail(input: {token: $t}) { success userErrors { field code } } }`
	res := b.srv.Query(t, verify, map[string]any{"t": tokenIn(t, msg)}, nil)
	require.Equal(t, `{"verifyEmail":{"success":true,"userErrors":[]}}`, mustJSON(res.Data))
	require.Equal(t, `{"viewer":{"user":{"emailVerified":true}}}`, mustJSON(b.srv.Query(t, viewer, nil, owner.H()).Data))

	resend := b.srv.Query(t, `mutation { resendVerificationEmail { success userErrors { code } } }`, nil, owner.H())
	require.Equal(t, `{"resendVerificationEmail":{"success":false,"userErrors":[{"code":"CONFLICT"}]}}`, mustJSON(resend.Data))
}

// TestInvitationsAreMailedThroughTheAPI: inviteMember says the e-mail was
// queued, and the invitee receives the link the inviter was shown.
func TestInvitationsAreMailedThroughTheAPI(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	owner := b.signUp(t, "inviter@example.test", "Invite Co")
	res := b.srv.Query(t, `mutation { inviteMember(input: {email: "mailed@example.test", role: ANALYST}) { inviteToken emailQueued userErrors { code } } }`,
		nil, owner.H())
	require.Empty(t, res.Errors)
	require.Equal(t, true, field(t, res.Data, "inviteMember", "emailQueued"))
	token := str(field(t, res.Data, "inviteMember", "inviteToken"))

	msg := b.awaitMail(t, "mailed@example.test", "You are invited to Invite Co on Stratum")
	require.True(t, strings.Contains(msg.Text, "/invite#token="+token), "the mailed link carries the inviter's token:\n%s", msg.Text)
}
