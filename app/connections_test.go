package app_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/platformstest"
	"github.com/stratumhq/stratum/internal/clock"
	sess "github.com/stratumhq/stratum/internal/session"
	"github.com/stratumhq/stratum/internal/testdb"
)

// TestOAuthCallbackRoundTrip connects a (fake, in-process) Meta through
// the real GraphQL mutation and the real GET /oauth/meta/callback, as a
// browser does with its session cookie: another member's state, a forged
// state and an expired state are refused with nothing stored; the right
// state connects and lands on the Platforms screen.
func TestOAuthCallbackRoundTrip(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	clk := clock.NewManual(time.Now().UTC().Truncate(time.Second))
	meta := &platformstest.Fake{Name: platforms.Meta, PKCE: true, Now: clk.Now, Subject: "fb-42",
		AccountList: []platforms.Account{{ExternalID: "act_9", Name: "Alpha Shop", Currency: "USD", TimeZone: "UTC"}}}
	cfg := apptest.Config(t, tdb, identityEnv)
	srv := apptest.Start(t, cfg, func(a *app.App) {
		a.DB.Clock = clk
		a.Services.Platforms.APIs[platforms.Meta] = meta
	})
	t.Cleanup(func() { require.Empty(t, meta.Violations()) })
	b := &idBundle{srv: srv, tdb: tdb}
	owner := b.signUp(t, "owner@oauth.test", "OAuth Co")
	admin := b.invite(t, owner, "admin@oauth.test", "ADMIN")
	viewer := b.invite(t, owner, "viewer@oauth.test", "VIEWER")
	tenant := tenantUUID(t, owner)
	redirect := cfg.PublicURL + "/oauth/meta/callback"

	start := func(s session) url.Values {
		t.Helper()
		res := srv.Query(t, `mutation($r: String!) { connectPlatform(input: {platform: META, redirectUri: $r}) { authorizeUrl userErrors { field message } } }`,
			map[string]any{"r": redirect}, s.H())
		require.Empty(t, res.Errors)
		require.Empty(t, field(t, res.Data, "connectPlatform", "userErrors"))
		got, q, err := meta.Consent(str(field(t, res.Data, "connectPlatform", "authorizeUrl")))
		require.NoError(t, err)
		require.Equal(t, redirect, got)
		return q
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// callback is the browser returning from the platform with s's cookie.
	callback := func(s session, q url.Values) *url.URL {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/oauth/meta/callback?"+q.Encode(), nil)
		require.NoError(t, err)
		if s.Access != "" {
			req.AddCookie(&http.Cookie{Name: sess.SessionCookie, Value: s.Access})
		}
		res, err := client.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		loc, err := url.Parse(res.Header.Get("Location"))
		require.NoError(t, err)
		return loc
	}
	connections := func() int {
		var n int
		require.NoError(t, srv.App.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT count(*) FROM platform_connections`).Scan(ctx, &n)
		}))
		return n
	}

	// An authorization older than 10 minutes is refused (checked below).
	old := start(owner)
	clk.Advance(11 * time.Minute)

	q := start(owner)
	// Another member of the workspace cannot complete the owner's authorization.
	loc := callback(admin, q)
	require.Equal(t, "/platforms", loc.Path)
	require.Equal(t, "invalid_state", loc.Query().Get("error"))
	require.Contains(t, loc.Query().Get("message"), "not started by you")
	// A state that was never issued.
	forged := url.Values{"code": {q.Get("code")}, "state": {"forged-" + q.Get("state")}}
	require.Equal(t, "invalid_state", callback(owner, forged).Query().Get("error"))
	// Without a session, or as a member who may not connect platforms.
	require.Equal(t, "session", callback(session{}, q).Query().Get("error"))
	require.Equal(t, "forbidden", callback(viewer, q).Query().Get("error"))
	require.Zero(t, connections())
	exchanges, _ := meta.Calls()
	require.Zero(t, exchanges, "no refused callback reached the platform")

	// (starting q swept it away as expired).
	loc = callback(owner, old)
	require.Equal(t, "invalid_state", loc.Query().Get("error"))
	require.Zero(t, connections())

	// Positive control: the owner's own state, through the same path
	// (the first state has not been used up by the refusals).
	loc = callback(owner, q)
	require.Equal(t, "/platforms", loc.Path)
	require.Equal(t, "meta", loc.Query().Get("connected"))
	require.Empty(t, loc.Query().Get("error"))
	require.Equal(t, 1, connections())
	// Replaying it is refused.
	require.Equal(t, "invalid_state", callback(owner, q).Query().Get("error"))

	res := srv.Query(t, `{ platformConnections { platform status sandbox accounts { externalId name currency selected } } }`, nil, owner.H())
	require.Empty(t, res.Errors)
	require.Equal(t, []any{map[string]any{"platform": "META", "status": "OK", "sandbox": false,
		"accounts": []any{map[string]any{"externalId": "act_9", "name": "Alpha Shop", "currency": "USD", "selected": false}}}},
		res.Data["platformConnections"])

	// The person declining on the consent page comes back with a readable error.
	denied := start(owner)
	loc = callback(owner, url.Values{"state": {denied.Get("state")}, "error": {"access_denied"}, "error_description": {"Permissions error"}})
	require.Equal(t, "access_denied", loc.Query().Get("error"))
	require.Contains(t, loc.Query().Get("message"), "Meta did not grant access: Permissions error")
}
