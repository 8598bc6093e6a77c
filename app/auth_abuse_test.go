package app_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app/apptest"
)

// auditCount counts s's tenant audit entries of action with outcome.
func (b *idBundle) auditCount(t testing.TB, s session, action, outcome string) int {
	t.Helper()
	res := b.srv.Query(t, `query($a: [String!]) { auditLog(first: 100, filter: {actions: $a}) { edges { node { action outcome } } } }`,
		map[string]any{"a": []string{action}}, s.H())
	require.Empty(t, res.Errors)
	n := 0
	for _, e := range field(t, res.Data, "auditLog", "edges").([]any) {
		node := e.(map[string]any)["node"].(map[string]any)
		if node["action"] == action && node["outcome"] == outcome {
			n++
		}
	}
	return n
}

// inviteToken has owner invite email and returns the invitation token.
func (b *idBundle) inviteToken(t testing.TB, owner session, email, role string) string {
	t.Helper()
	res := b.srv.Query(t, `mutation($i: InviteMemberInput!) { inviteMember(input: $i) { inviteToken userErrors { message } } }`,
		map[string]any{"i": map[string]any{"email": email, "role": role}}, owner.H())
	require.Empty(t, res.Errors)
	token := str(field(t, res.Data, "inviteMember", "inviteToken"))
	require.NotEmpty(t, token, "%v", res.Data)
	return token
}

func (b *idBundle) acceptInvite(t testing.TB, token, password string) *apptest.Response {
	t.Helper()
	return b.srv.Query(t, `mutation($i: AcceptInviteInput!) { acceptInvite(input: $i) { `+authFields+` } }`,
		map[string]any{"i": map[string]any{"token": token, "password": password}}, nil)
}

// enableMFA enrols and confirms MFA for s and returns its TOTP secret.
func (b *idBundle) enableMFA(t testing.TB, s session) string {
	t.Helper()
	res := b.srv.Query(t, `mutation { enrollMfa { secret userErrors { message } } }`, nil, s.H())
	require.Empty(t, res.Errors)
	secret := str(field(t, res.Data, "enrollMfa", "secret"))
	res = b.srv.Query(t, `mutation($c: String!) { confirmMfa(input: {code: $c}) { backupCodes userErrors { message } } }`,
		map[string]any{"c": totp(t, secret, time.Now().Add(-30*time.Second))}, s.H())
	require.Empty(t, res.Errors)
	require.Empty(t, field(t, res.Data, "confirmMfa", "userErrors"))
	return secret
}

// TestAcceptInvitePasswordGuessesAreThrottledAndAudited: an admin who
// invites a stranger's e-mail cannot use acceptInvite to guess that
// account's password: the guesses share the log-in throttle and audit.
func TestAcceptInvitePasswordGuessesAreThrottledAndAudited(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, map[string]string{"STRATUM_LOGIN_FAILURES_PER_ACCOUNT": "3"})
	victim := b.signUp(t, "victim@corp.test", "Corp")
	attacker := b.signUp(t, "attacker@evil.test", "Evil")
	token := b.inviteToken(t, attacker, "victim@corp.test", "VIEWER")

	// Positive control: the right password logs in (and costs no point).
	_, p := b.logIn(t, "victim@corp.test", "correct horse battery")
	toSession(t, p, "victim@corp.test")

	_, wrongLogIn := b.logIn(t, "victim@corp.test", "a wrong guess 0")
	for i := 1; i < 3; i++ {
		res := b.acceptInvite(t, token, "a wrong guess "+string(rune('0'+i)))
		require.Empty(t, res.Errors)
		require.Equal(t, wrongLogIn["userErrors"], res.Data["acceptInvite"].(map[string]any)["userErrors"],
			"acceptInvite answers a wrong password exactly like logIn")
	}
	res := b.acceptInvite(t, token, "correct horse battery")
	require.Equal(t, "THROTTLED", res.Code(), "the account's bucket is spent by logIn and acceptInvite together")
	res, _ = b.logIn(t, "victim@corp.test", "correct horse battery")
	require.Equal(t, "THROTTLED", res.Code())
	require.Equal(t, 3, b.auditCount(t, victim, "auth.log_in", "FAILURE"), "every evaluated guess is audited in the victim's tenant")
}

// TestAcceptInviteIsNoPasswordOracleForMFAAccounts: for an account with
// MFA, acceptInvite without a session answers the same whether the
// password is right or wrong.
func TestAcceptInviteIsNoPasswordOracleForMFAAccounts(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	victim := b.signUp(t, "mfa-victim@corp.test", "Corp")
	b.enableMFA(t, victim)
	attacker := b.signUp(t, "attacker2@evil.test", "Evil")
	token := b.inviteToken(t, attacker, "mfa-victim@corp.test", "VIEWER")

	right := b.acceptInvite(t, token, "correct horse battery")
	wrong := b.acceptInvite(t, token, "not the password at all")
	require.Empty(t, right.Errors)
	require.Nil(t, right.Data["acceptInvite"].(map[string]any)["accessToken"])
	require.NotEmpty(t, right.Data["acceptInvite"].(map[string]any)["userErrors"])
	require.Equal(t, right.Data["acceptInvite"].(map[string]any)["userErrors"], wrong.Data["acceptInvite"].(map[string]any)["userErrors"])
}

// concurrently runs n copies of f at once and waits for them.
func concurrently(n int, f func(i int)) {
	var start, done sync.WaitGroup
	start.Add(1)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			start.Wait()
			f(i)
		}()
	}
	start.Done()
	done.Wait()
}

// TestConcurrentWrongPasswordsAreBoundedByTheLimit fires 40 wrong
// passwords at once; no more than the account's limit may be evaluated.
func TestConcurrentWrongPasswordsAreBoundedByTheLimit(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, map[string]string{"STRATUM_LOGIN_FAILURES_PER_ACCOUNT": "5", "STRATUM_LOGIN_FAILURES_PER_IP": "1000",
		// Every attempt waits for a hashing slot however loaded the machine
		// is: a "server busy" THROTTLED is refunded, which would make the
		// exact counts below depend on timing.
		"STRATUM_PASSWORD_HASH_WAIT": "10m"})
	victim := b.signUp(t, "target@corp.test", "Corp")
	var mu sync.Mutex
	codes := map[string]int{}
	concurrently(40, func(i int) {
		res, p := b.logIn(t, "target@corp.test", "wrong guess number "+string(rune('a'+i)))
		code := res.Code()
		if code == "" && p != nil {
			if ue, _ := p["userErrors"].([]any); len(ue) > 0 {
				code = str(ue[0].(map[string]any)["code"])
			}
		}
		mu.Lock()
		codes[code]++
		mu.Unlock()
	})
	evaluated := b.auditCount(t, victim, "auth.log_in", "FAILURE")
	require.LessOrEqual(t, evaluated, 5, "answers: %v", codes)
	require.Equal(t, 5, codes["UNAUTHENTICATED"], "answers: %v", codes)
	require.Equal(t, 35, codes["THROTTLED"], "answers: %v", codes)
}

// TestConcurrentWrongMFACodesAreBoundedByTheLimit does the same for verifyMfa.
func TestConcurrentWrongMFACodesAreBoundedByTheLimit(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, map[string]string{"STRATUM_LOGIN_FAILURES_PER_ACCOUNT": "5", "STRATUM_LOGIN_FAILURES_PER_IP": "1000",
		// Every attempt waits for a hashing slot however loaded the machine
		// is: a "server busy" THROTTLED is refunded, which would make the
		// exact counts below depend on timing.
		"STRATUM_PASSWORD_HASH_WAIT": "10m"})
	victim := b.signUp(t, "mfa-target@corp.test", "Corp")
	b.enableMFA(t, victim)
	_, p := b.logIn(t, "mfa-target@corp.test", "correct horse battery")
	challenge := str(p["challengeToken"])
	require.NotEmpty(t, challenge)
	var mu sync.Mutex
	codes := map[string]int{}
	concurrently(40, func(i int) {
		res := b.srv.Query(t, `mutation($i: VerifyMfaInput!) { verifyMfa(input: $i) { accessToken userErrors { code } } }`,
			map[string]any{"i": map[string]any{"challengeToken": challenge, "code": "00000" + string(rune('0'+i%10))}}, nil)
		code := res.Code()
		if code == "" {
			if ue, _ := field(t, res.Data, "verifyMfa", "userErrors").([]any); len(ue) > 0 {
				code = str(ue[0].(map[string]any)["code"])
			}
		}
		mu.Lock()
		codes[code]++
		mu.Unlock()
	})
	require.LessOrEqual(t, b.auditCount(t, victim, "auth.mfa_verify", "FAILURE"), 5, "answers: %v", codes)
	require.Equal(t, 35, codes["THROTTLED"], "answers: %v", codes)
}

// TestMFAManagementIsThrottled: a stolen session cannot guess codes
// through confirmMfa, disableMfa or regenerateBackupCodes.
func TestMFAManagementIsThrottled(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, map[string]string{"STRATUM_LOGIN_FAILURES_PER_ACCOUNT": "5"})
	mutations := map[string]string{
		"confirmMfa":            `mutation { confirmMfa(input: {code: "000000"}) { userErrors { code } } }`,
		"disableMfa":            `mutation { disableMfa(input: {code: "000000"}) { userErrors { code } } }`,
		"regenerateBackupCodes": `mutation { regenerateBackupCodes(input: {code: "000000"}) { userErrors { code } } }`,
	}
	for name, m := range mutations {
		t.Run(name, func(t *testing.T) {
			s := b.signUp(t, name+"@corp.test", "Corp "+name)
			if name == "confirmMfa" {
				res := b.srv.Query(t, `mutation { enrollMfa { secret } }`, nil, s.H())
				require.Empty(t, res.Errors)
			} else {
				b.enableMFA(t, s)
			}
			first := -1
			for i := 0; i < 60 && first < 0; i++ {
				res := b.srv.Query(t, m, nil, s.H())
				if res.Code() == "THROTTLED" {
					first = i
					continue
				}
				require.Empty(t, res.Errors)
				require.NotEmpty(t, field(t, res.Data, name, "userErrors"), "a wrong code is refused")
			}
			require.Equal(t, 5, first, "the sixth wrong code is THROTTLED")
		})
	}
}
