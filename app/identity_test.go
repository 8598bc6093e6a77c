package app_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/wstest"
)

func TestSignUpLogInAndNoEnumeration(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	owner := b.signUp(t, "Owner@Acme.test", "Acme")

	res := b.srv.Query(t, `{ viewer { user { email mfaEnabled } tenant { name plan } role memberships { tenant { name } role } } }`, nil, owner.H())
	require.Empty(t, res.Errors)
	require.Equal(t, "owner@acme.test", field(t, res.Data, "viewer", "user", "email"))
	require.Equal(t, "OWNER", field(t, res.Data, "viewer", "role"))
	require.Equal(t, "Acme", field(t, res.Data, "viewer", "tenant", "name"))
	require.Len(t, field(t, res.Data, "viewer", "memberships"), 1)

	t.Run("wrong password and unknown email get the same answer", func(t *testing.T) {
		_, wrong := b.logIn(t, "owner@acme.test", "not the password")
		_, unknown := b.logIn(t, "nobody@acme.test", "not the password")
		require.Equal(t, wrong["userErrors"], unknown["userErrors"])
		require.Nil(t, wrong["accessToken"])
		require.Equal(t, "UNAUTHENTICATED", field(t, map[string]any{"e": wrong["userErrors"].([]any)[0]}, "e", "code"))
	})
	t.Run("right password signs in", func(t *testing.T) {
		_, p := b.logIn(t, " OWNER@acme.test", "correct horse battery")
		s := toSession(t, p, "owner@acme.test")
		require.Equal(t, owner.TenantID, s.TenantID)
	})
	t.Run("weak and common passwords are refused", func(t *testing.T) {
		for _, pw := range []string{"short", "password123"} {
			res := b.srv.Query(t, `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken userErrors { field code } } }`,
				map[string]any{"i": map[string]any{"email": "x@y.test", "password": pw, "tenantName": "X"}}, nil)
			require.Equal(t, "BAD_USER_INPUT", field(t, map[string]any{"e": field(t, res.Data, "signUp", "userErrors").([]any)[0]}, "e", "code"), pw)
		}
	})
	t.Run("a malformed bearer token is 401", func(t *testing.T) {
		res := b.srv.Query(t, `{ viewer { role } }`, nil, bearer("eyJhbGciOiJub25lIn0.e30."))
		require.Equal(t, http.StatusUnauthorized, res.Status)
		require.Equal(t, "UNAUTHENTICATED", res.Code())
	})
	t.Run("sign-in events are in the audit log", func(t *testing.T) {
		// Its own failed and successful log-ins: it does not rely on the
		// sub-tests above having run.
		b.logIn(t, "owner@acme.test", "not the password")
		b.logIn(t, "owner@acme.test", "correct horse battery")
		res := b.srv.Query(t, `{ auditLog(first: 50) { edges { node { action outcome actorEmail ip } } } }`, nil, owner.H())
		require.Empty(t, res.Errors)
		var actions []string
		for _, e := range field(t, res.Data, "auditLog", "edges").([]any) {
			n := e.(map[string]any)["node"].(map[string]any)
			actions = append(actions, str(n["action"])+":"+str(n["outcome"]))
		}
		require.Contains(t, actions, "auth.sign_up:SUCCESS")
		require.Contains(t, actions, "auth.log_in:SUCCESS")
		require.Contains(t, actions, "auth.log_in:FAILURE")
	})
}

func TestLogInThrottledPerAccount(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, map[string]string{"STRATUM_LOGIN_FAILURES_PER_ACCOUNT": "3"})
	b.signUp(t, "victim@acme.test", "Acme")
	for i := 0; i < 3; i++ {
		_, p := b.logIn(t, "victim@acme.test", "guess number "+string(rune('a'+i)))
		require.NotEmpty(t, p["userErrors"])
	}
	res, _ := b.logIn(t, "victim@acme.test", "correct horse battery")
	require.Equal(t, "THROTTLED", res.Code())
	require.NotNil(t, res.Errors[0].Extensions["retryAfterSeconds"])
}

func TestMFARoundTrip(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	s := b.signUp(t, "mfa@acme.test", "Acme")

	res := b.srv.Query(t, `mutation { enrollMfa { secret otpauthUri qrCodePng userErrors { message } } }`, nil, s.H())
	require.Empty(t, res.Errors)
	secret := str(field(t, res.Data, "enrollMfa", "secret"))
	require.Contains(t, str(field(t, res.Data, "enrollMfa", "otpauthUri")), "otpauth://totp/")
	require.True(t, strings.HasPrefix(str(field(t, res.Data, "enrollMfa", "qrCodePng")), "iVBORw0KGgo"), "a base64 PNG")

	confirm := func(code string) *struct {
		codes []any
		errs  []any
	} {
		res := b.srv.Query(t, `mutation($c: String!) { confirmMfa(input: {code: $c}) { backupCodes userErrors { code } } }`, map[string]any{"c": code}, s.H())
		require.Empty(t, res.Errors)
		codes, _ := field(t, res.Data, "confirmMfa", "backupCodes").([]any)
		errs, _ := field(t, res.Data, "confirmMfa", "userErrors").([]any)
		return &struct {
			codes []any
			errs  []any
		}{codes, errs}
	}
	require.NotEmpty(t, confirm("000000").errs, "a wrong code is refused")
	// Use the previous step's code (±1 step of skew) so the next log-in can use the current one.
	ok := confirm(totp(t, secret, time.Now().Add(-30*time.Second)))
	require.Empty(t, ok.errs)
	require.Len(t, ok.codes, 10)

	challenge := func() string {
		_, p := b.logIn(t, "mfa@acme.test", "correct horse battery")
		require.Equal(t, true, p["mfaRequired"])
		require.Nil(t, p["accessToken"])
		return str(p["challengeToken"])
	}
	verify := func(ch, code string) map[string]any {
		res := b.srv.Query(t, `mutation($i: VerifyMfaInput!) { verifyMfa(input: $i) { `+authFields+` } }`,
			map[string]any{"i": map[string]any{"challengeToken": ch, "code": code}}, nil)
		require.Empty(t, res.Errors)
		return res.Data["verifyMfa"].(map[string]any)
	}

	code := totp(t, secret, time.Now())
	got := verify(challenge(), code)
	toSession(t, got, "mfa@acme.test")
	require.Equal(t, true, field(t, got, "viewer", "user", "mfaEnabled"))

	t.Run("a TOTP code cannot be used twice", func(t *testing.T) {
		require.NotEmpty(t, verify(challenge(), code)["userErrors"])
	})
	t.Run("a backup code works once", func(t *testing.T) {
		backup := str(ok.codes[0])
		toSession(t, verify(challenge(), backup), "mfa@acme.test")
		require.NotEmpty(t, verify(challenge(), backup)["userErrors"])
	})
	t.Run("a challenge works once", func(t *testing.T) {
		ch := challenge()
		toSession(t, verify(ch, str(ok.codes[1])), "mfa@acme.test")
		require.NotEmpty(t, verify(ch, str(ok.codes[2]))["userErrors"])
	})
	t.Run("disableMfa needs a valid code", func(t *testing.T) {
		res := b.srv.Query(t, `mutation { disableMfa(input: {code: "123"}) { user { mfaEnabled } userErrors { code } } }`, nil, s.H())
		require.NotEmpty(t, field(t, res.Data, "disableMfa", "userErrors"))
		res = b.srv.Query(t, `mutation($c: String!) { disableMfa(input: {code: $c}) { user { mfaEnabled } userErrors { code } } }`,
			map[string]any{"c": str(ok.codes[3])}, s.H())
		require.Empty(t, field(t, res.Data, "disableMfa", "userErrors"))
		require.Equal(t, false, field(t, res.Data, "disableMfa", "user", "mfaEnabled"))
	})
}

func TestRefreshRotationAndReuseDetection(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	s := b.signUp(t, "refresh@acme.test", "Acme")
	refresh := func(token string) map[string]any {
		res := b.srv.Query(t, `mutation($r: String) { refreshSession(input: {refreshToken: $r}) { `+authFields+` } }`, map[string]any{"r": token}, nil)
		require.Empty(t, res.Errors)
		return res.Data["refreshSession"].(map[string]any)
	}
	second := toSession(t, refresh(s.Refresh), s.Email)
	require.NotEqual(t, s.Refresh, second.Refresh)
	third := toSession(t, refresh(second.Refresh), s.Email)

	// A thief replays the first (already used) refresh token: the whole family is revoked.
	replay := refresh(s.Refresh)
	require.Nil(t, replay["accessToken"])
	require.Equal(t, "UNAUTHENTICATED", field(t, map[string]any{"e": replay["userErrors"].([]any)[0]}, "e", "code"))
	// The legitimate holder's latest refresh token no longer works ...
	require.Nil(t, refresh(third.Refresh)["accessToken"])
	// ... nor do access tokens of the family.
	res := b.srv.Query(t, `{ viewer { role } }`, nil, third.H())
	require.Equal(t, http.StatusUnauthorized, res.Status)
	// The reuse is audited (read with a fresh session).
	_, p := b.logIn(t, s.Email, "correct horse battery")
	fresh := toSession(t, p, s.Email)
	res = b.srv.Query(t, `{ auditLog(first: 5, filter: {actions: ["auth.refresh_reuse_detected"]}) { totalCount edges { node { outcome } } } }`, nil, fresh.H())
	require.Empty(t, res.Errors)
	require.EqualValues(t, 1, field(t, res.Data, "auditLog", "totalCount"))
}

func TestRevokedTokenFailsOnHTTPAndEndsSubscription(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	s := b.signUp(t, "sub@acme.test", "Acme")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ws := wstest.Dial(t, ctx, b.srv.URL+"/graphql", wstest.TransportWS, nil)
	ws.Init(map[string]any{"Authorization": "Bearer " + s.Access})
	ws.Subscribe("1", `subscription { autopilotModeChanged { killSwitch } }`, nil)
	require.Eventually(t, func() bool { return b.srv.App.Hub.Subscribers() == 1 }, 5*time.Second, 10*time.Millisecond)

	res := b.srv.Query(t, `mutation { setKillSwitch(input: {enabled: true}) { trustGate { killSwitch } userErrors { message } } }`, nil, s.H())
	require.Empty(t, res.Errors)
	msg := ws.Expect("next", 5*time.Second)
	require.Contains(t, string(msg.Payload), `"killSwitch":true`)

	res = b.srv.Query(t, `mutation { logOut { success } }`, nil, s.H())
	require.Empty(t, res.Errors)
	require.Equal(t, true, field(t, res.Data, "logOut", "success"))

	res = b.srv.Query(t, `{ viewer { role } }`, nil, s.H())
	require.Equal(t, http.StatusUnauthorized, res.Status)
	require.Equal(t, "UNAUTHENTICATED", res.Code())

	code, reason := ws.CloseStatus(5 * time.Second)
	require.Equal(t, websocket.StatusCode(4403), code, reason)

	t.Run("a revoked token cannot open a new socket", func(t *testing.T) {
		ws := wstest.Dial(t, ctx, b.srv.URL+"/graphql", wstest.TransportWS, nil)
		b, _ := jsonMarshal(map[string]any{"Authorization": "Bearer " + s.Access})
		ws.Send(wstest.Message{Type: "connection_init", Payload: b})
		code, _ := ws.CloseStatus(5 * time.Second)
		require.Equal(t, websocket.StatusCode(4401), code)
	})
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	s := b.signUp(t, "keys@acme.test", "Acme")
	res := b.srv.Query(t, `mutation { createApiKey(input: {name: "partner", scopes: [READ]}) { apiKey { id name prefix scopes lastUsedAt } secret userErrors { message } } }`, nil, s.H())
	require.Empty(t, res.Errors)
	secret := str(field(t, res.Data, "createApiKey", "secret"))
	keyID := str(field(t, res.Data, "createApiKey", "apiKey", "id"))
	require.Regexp(t, `^stratum_[a-z2-7]{8}_[a-z2-7]{40}$`, secret)
	require.Equal(t, str(field(t, res.Data, "createApiKey", "apiKey", "prefix")), secret[8:16])

	res = b.srv.Query(t, `{ viewer { user { id } tenant { name } apiKey { name } scopes } }`, nil, bearer(secret))
	require.Empty(t, res.Errors)
	require.Nil(t, field(t, res.Data, "viewer", "user"))
	require.Equal(t, "Acme", field(t, res.Data, "viewer", "tenant", "name"))
	require.Equal(t, []any{"READ"}, field(t, res.Data, "viewer", "scopes"))

	t.Run("a key acts only within its scopes", func(t *testing.T) {
		res := b.srv.Query(t, `{ automationRules { totalCount } }`, nil, bearer(secret))
		require.Empty(t, res.Errors)
		res = b.srv.Query(t, createRule, map[string]any{"n": "by a READ key"}, bearer(secret))
		require.Equal(t, "FORBIDDEN", res.Code())
		res = b.srv.Query(t, createRule, map[string]any{"n": "by the owner"}, s.H())
		require.Empty(t, res.Errors, "positive control: the mutation itself works")
		require.Empty(t, field(t, res.Data, "createAutomationRule", "userErrors"))
		res = b.srv.Query(t, `{ auditLog { totalCount } }`, nil, bearer(secret))
		require.Equal(t, "FORBIDDEN", res.Code())
	})
	t.Run("lastUsedAt is recorded", func(t *testing.T) {
		res := b.srv.Query(t, `{ apiKeys { edges { node { lastUsedAt } } } }`, nil, s.H())
		require.NotNil(t, field(t, res.Data["apiKeys"].(map[string]any)["edges"].([]any)[0].(map[string]any), "node", "lastUsedAt"))
	})
	t.Run("a revoked key stops working at once", func(t *testing.T) {
		res := b.srv.Query(t, `mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { revokedAt } userErrors { message } } }`, map[string]any{"id": keyID}, s.H())
		require.Empty(t, res.Errors)
		require.NotNil(t, field(t, res.Data, "revokeApiKey", "apiKey", "revokedAt"))
		res = b.srv.Query(t, `{ viewer { scopes } }`, nil, bearer(secret))
		require.Equal(t, http.StatusUnauthorized, res.Status)
	})
}

func TestCookieSessionNeedsCSRFHeaderForMutations(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	b.signUp(t, "web@acme.test", "Acme")
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	post := func(q string, hdr http.Header) map[string]any {
		req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/graphql", strings.NewReader(mustJSON(map[string]any{"query": q})))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header[k] = v
		}
		res, err := client.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var out map[string]any
		require.NoError(t, jsonDecode(res.Body, &out))
		return out
	}
	out := post(`mutation { logIn(input: {email: "web@acme.test", password: "correct horse battery"}) { accessToken } }`, nil)
	require.Nil(t, out["errors"])
	var csrf string
	for _, c := range jar.Cookies(mustURL(b.srv.URL + "/graphql")) {
		if c.Name == "stratum_csrf" {
			csrf = c.Value
		}
	}
	require.NotEmpty(t, csrf)

	out = post(`{ viewer { user { email } } }`, nil)
	require.Equal(t, "web@acme.test", field(t, out, "data", "viewer", "user", "email"), "queries work with the cookie alone")

	out = post(`mutation { setKillSwitch(input: {enabled: true}) { trustGate { killSwitch } } }`, nil)
	require.Contains(t, mustJSON(out["errors"]), "X-CSRF-Token", "mutations without the header are refused")

	out = post(`mutation { setKillSwitch(input: {enabled: true}) { trustGate { killSwitch } } }`, http.Header{"X-Csrf-Token": {csrf}})
	require.Nil(t, out["errors"])
	require.Equal(t, true, field(t, out, "data", "setKillSwitch", "trustGate", "killSwitch"))

	out = post(`mutation { refreshSession(input: {}) { accessToken userErrors { message } } }`, http.Header{"X-Csrf-Token": {csrf}})
	require.NotEmpty(t, field(t, out, "data", "refreshSession", "accessToken"), "the refresh cookie refreshes: %v", out)
}

func TestCostIsReportedAndLimited(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, map[string]string{"STRATUM_RATE_LIMIT_POINTS": "1000", "STRATUM_RATE_LIMIT_RESTORE": "1"})
	s := b.signUp(t, "cost@acme.test", "Acme")
	const q = `{ automationRules(first: 100) { edges { node { id name createdAt } } } }`
	// The bucket follows the effective plan, not the token's: the sign-up's
	// Professional trial has twice Starter's; moved to Starter, the same
	// token gets Starter's.
	res := b.srv.Query(t, `{ viewer { role } }`, nil, s.H())
	require.EqualValues(t, 2000, dig(res.Extensions, "cost", "throttleStatus", "maximumAvailable"))
	tid, err := relay.ParseTypedID(s.TenantID, relay.TypeTenant)
	require.NoError(t, err)
	_, err = b.srv.App.Services.Billing.SetPlan(context.Background(), billing.Operator{Email: "ops@test"}, tid, "starter")
	require.NoError(t, err)
	res = b.srv.Query(t, q, nil, s.H())
	require.Empty(t, res.Errors)
	cost := res.Extensions["cost"].(map[string]any)
	c := cost["requestedQueryCost"].(float64)
	require.Greater(t, c, 100.0, "a 100-item page costs per item")
	require.Equal(t, c, cost["actualQueryCost"])
	ts := cost["throttleStatus"].(map[string]any)
	require.EqualValues(t, 1000, ts["maximumAvailable"])
	require.EqualValues(t, 1, ts["restoreRate"])
	require.InDelta(t, 1000-c, ts["currentlyAvailable"], 2)

	for i := 0; ; i++ {
		require.Less(t, i, int(1000/c)+1, "the bucket never ran dry")
		res = b.srv.Query(t, q, nil, s.H())
		if res.Code() == "THROTTLED" {
			break
		}
		require.Empty(t, res.Errors)
	}
	require.NotNil(t, res.Errors[0].Extensions["retryAfterSeconds"])
	require.NotNil(t, res.Extensions["cost"], "a refusal reports the bucket too")
	res = b.srv.Query(t, `{ viewer { role } }`, nil, s.H())
	require.Empty(t, res.Errors, "a cheap query still fits")
}
