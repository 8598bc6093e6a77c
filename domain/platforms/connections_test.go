package platforms_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/platformstest"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/secretbox"
	"github.com/stratumhq/stratum/internal/testdb"
)

const publicURL = "https://stratum.test"

// conns is a Connections over its own database with a fake Meta (PKCE) and
// a fake TikTok (no PKCE), a manual clock, and one tenant with two users.
type conns struct {
	c            *platforms.Connections
	clock        *clock.Manual
	meta, tiktok *platformstest.Fake
	tenant       uuid.UUID
	alice, bob   uuid.UUID
	bill         *billing.Service
	incidents    *incidents.Service
	boxSpec      string
	unconfigured *platformstest.Fake
}

func setupConns(t *testing.T) *conns {
	t.Helper()
	tdb := testdb.New(t)
	k := &conns{clock: clock.NewManual(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))}
	tdb.DB.Clock = k.clock
	k.tenant = testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Name: "Acme"})
	k.alice = testdb.MustInsertUser(t, tdb.DB, testdb.User{})
	k.bob = testdb.MustInsertUser(t, tdb.DB, testdb.User{})
	testdb.MustInsertMember(t, tdb.DB, k.tenant, k.alice, "ADMIN")
	testdb.MustInsertMember(t, tdb.DB, k.tenant, k.bob, "ADMIN")
	ps := platforms.NewService(tdb.DB, &signals.Service{DB: tdb.DB})
	accts := []platforms.Account{
		{ExternalID: "act_1", Name: "Shop US", Currency: "USD", TimeZone: "America/New_York"},
		{ExternalID: "act_2", Name: "Shop EU", Currency: "eur", TimeZone: "Europe/Berlin"},
		{ExternalID: "act_3", Name: "Shop JP", Currency: "JPY", TimeZone: "Asia/Tokyo"},
		{ExternalID: "act_bad", Name: "No currency", Currency: "??"},
	}
	k.meta = &platformstest.Fake{Name: platforms.Meta, PKCE: true, AccountList: accts, Now: k.clock.Now, Subject: "fb-user-1"}
	k.tiktok = &platformstest.Fake{Name: platforms.TikTok, AccountList: accts[:1], Now: k.clock.Now, Subject: "tt-1"}
	k.unconfigured = &platformstest.Fake{Name: platforms.Snapchat, NoApp: true}
	ps.APIs[platforms.Meta], ps.APIs[platforms.TikTok], ps.APIs[platforms.Snapchat] = k.meta, k.tiktok, k.unconfigured
	k.boxSpec = "k1:" + testKey(1)
	box, err := secretbox.Parse(k.boxSpec)
	require.NoError(t, err)
	k.bill = &billing.Service{DB: tdb.DB}
	k.incidents = &incidents.Service{DB: tdb.DB}
	k.c = &platforms.Connections{DB: tdb.DB, Platforms: ps, Box: box, Limits: k.bill, Incidents: k.incidents, PublicURL: publicURL}
	ps.Tokens = k.c
	t.Cleanup(func() {
		require.Empty(t, k.meta.Violations())
		require.Empty(t, k.tiktok.Violations())
	})
	return k
}

// testKey is a fixed base64 32-byte key numbered n.
func testKey(n byte) string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = n
	}
	return b64(b)
}

func (k *conns) start(t *testing.T, user uuid.UUID, platform string) string {
	t.Helper()
	u, err := k.c.ConnectPlatform(context.Background(), k.tenant, user, platforms.ConnectInput{Platform: platform, RedirectURI: k.c.CallbackURL(platform)})
	require.NoError(t, err)
	return u
}

func (k *conns) fake(platform string) *platformstest.Fake {
	if platform == platforms.Meta {
		return k.meta
	}
	return k.tiktok
}

func (k *conns) callback(user uuid.UUID, platform string, q url.Values) (*platforms.ConnectionView, string, error) {
	return k.c.Callback(context.Background(), k.tenant, user, platforms.CallbackInput{Platform: platform, Code: q.Get("code"), State: q.Get("state"),
		Error: q.Get("error"), ErrorDescription: q.Get("error_description")})
}

func (k *conns) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	require.NoError(t, k.c.DB.InTenant(context.Background(), k.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM "+table).Scan(ctx, &n)
	}))
	return n
}

func reason(t *testing.T, err error) string {
	t.Helper()
	var ce *platforms.CallbackError
	require.ErrorAs(t, err, &ce)
	return ce.Reason
}

func TestConnectRefusesUnconfiguredAndForeignRedirects(t *testing.T) {
	t.Parallel()
	k := setupConns(t)
	ctx := context.Background()
	_, err := k.c.ConnectPlatform(ctx, k.tenant, k.alice, platforms.ConnectInput{Platform: platforms.Snapchat, RedirectURI: k.c.CallbackURL(platforms.Snapchat)})
	e, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, []string{"input", "platform"}, e.Field)
	require.Contains(t, e.Message, "Snapchat is not configured on this server (STRATUM_SNAPCHAT_CLIENT_ID")
	for _, bad := range []string{"", "https://evil.test/oauth/meta/callback", publicURL + "/oauth/tiktok/callback",
		publicURL + "/oauth/meta/callback?x=1", "http://stratum.test/oauth/meta/callback", "https://u@stratum.test/oauth/meta/callback"} {
		_, err := k.c.ConnectPlatform(ctx, k.tenant, k.alice, platforms.ConnectInput{Platform: platforms.Meta, RedirectURI: bad})
		e, ok := apperr.As(err)
		require.True(t, ok, bad)
		require.Equal(t, []string{"input", "redirectUri"}, e.Field, bad)
	}
	_, err = k.c.ConnectPlatform(ctx, k.tenant, k.alice, platforms.ConnectInput{Platform: platforms.Meta, RedirectURI: k.c.CallbackURL(platforms.Meta), ReturnTo: "//evil.test/"})
	require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err))
	require.Zero(t, k.count(t, "platform_oauth_states"))
	// Positive control: the right redirect URI starts an authorization with
	// a PKCE challenge; only the state's hash is stored.
	u := k.start(t, k.alice, platforms.Meta)
	pu, err := url.Parse(u)
	require.NoError(t, err)
	require.Equal(t, "S256", pu.Query().Get("code_challenge_method"))
	state := pu.Query().Get("state")
	require.GreaterOrEqual(t, len(state), 43)
	require.Equal(t, 1, k.count(t, "platform_oauth_states"))
	var n int
	require.NoError(t, k.c.DB.InTenant(ctx, k.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM platform_oauth_states WHERE position(convert_to(?, 'UTF8') in state_hash) > 0 OR position(convert_to(?, 'UTF8') in verifier_sealed) > 0", state, state).Scan(ctx, &n)
	}))
	require.Zero(t, n)
	// TikTok has no PKCE: no challenge.
	pu, err = url.Parse(k.start(t, k.alice, platforms.TikTok))
	require.NoError(t, err)
	require.Empty(t, pu.Query().Get("code_challenge"))

	av := k.c.Availability()
	require.Len(t, av, 4)
	got := map[string]platforms.Availability{}
	for _, a := range av {
		got[a.Platform] = a
	}
	require.True(t, got[platforms.Meta].Configured)
	require.True(t, got[platforms.Meta].SupportsPKCE)
	require.False(t, got[platforms.Snapchat].Configured)
	require.False(t, got[platforms.Google].Configured, "no client registered at all")
}

func TestPendingStatesBoundedPerUser(t *testing.T) {
	t.Parallel()
	k := setupConns(t)
	first := k.start(t, k.alice, platforms.Meta)
	for range platforms.MaxPendingStates + 5 {
		k.clock.Advance(time.Second)
		k.start(t, k.alice, platforms.Meta)
	}
	require.Equal(t, platforms.MaxPendingStates, k.count(t, "platform_oauth_states"))
	// The oldest was dropped: its state no longer works.
	_, q, err := k.meta.Consent(first)
	require.NoError(t, err)
	_, _, err = k.callback(k.alice, platforms.Meta, q)
	require.Equal(t, platforms.ReasonInvalidState, reason(t, err))
}

func TestOAuthRoundTrip(t *testing.T) {
	t.Parallel()
	k := setupConns(t)
	ctx := context.Background()

	t.Run("state of another user refused", func(t *testing.T) {
		_, q, err := k.meta.Consent(k.start(t, k.alice, platforms.Meta))
		require.NoError(t, err)
		_, _, err = k.callback(k.bob, platforms.Meta, q)
		require.Equal(t, platforms.ReasonInvalidState, reason(t, err))
		require.Zero(t, k.count(t, "platform_connections"))
		// ... and not used up by the refusal: alice's own callback works.
		v, ret, err := k.callback(k.alice, platforms.Meta, q)
		require.NoError(t, err)
		require.Equal(t, "/platforms?connected=meta", ret)
		require.Equal(t, platforms.ConnectionOK, v.Status)
		require.NoError(t, k.c.DisconnectPlatform(ctx, k.tenant, v.ID))
	})
	t.Run("state mismatch refused", func(t *testing.T) {
		_, q, err := k.meta.Consent(k.start(t, k.alice, platforms.Meta))
		require.NoError(t, err)
		bad := url.Values{"code": {q.Get("code")}, "state": {q.Get("state") + "x"}}
		_, _, err = k.callback(k.alice, platforms.Meta, bad)
		require.Equal(t, platforms.ReasonInvalidState, reason(t, err))
		_, _, err = k.callback(k.alice, platforms.Meta, url.Values{"code": {q.Get("code")}})
		require.Equal(t, platforms.ReasonInvalidState, reason(t, err))
		// A Meta state presented at the TikTok callback is refused too.
		_, _, err = k.callback(k.alice, platforms.TikTok, q)
		require.Equal(t, platforms.ReasonInvalidState, reason(t, err))
		ex, _ := k.meta.Calls()
		require.Zero(t, k.count(t, "platform_connections"))
		// Positive control through the same path.
		_, _, err = k.callback(k.alice, platforms.Meta, q)
		require.NoError(t, err)
		ex2, _ := k.meta.Calls()
		require.Equal(t, ex+1, ex2)
		// Replaying the used state is refused without calling the platform.
		_, _, err = k.callback(k.alice, platforms.Meta, q)
		require.Equal(t, platforms.ReasonInvalidState, reason(t, err))
		ex3, _ := k.meta.Calls()
		require.Equal(t, ex2, ex3)
	})
	t.Run("expired state refused", func(t *testing.T) {
		_, q, err := k.tiktok.Consent(k.start(t, k.alice, platforms.TikTok))
		require.NoError(t, err)
		_, qOK, err := k.tiktok.Consent(k.start(t, k.alice, platforms.TikTok))
		require.NoError(t, err)
		k.clock.Advance(9 * time.Minute)
		_, _, err = k.callback(k.alice, platforms.TikTok, qOK) // within 10 minutes
		require.NoError(t, err)
		k.clock.Advance(time.Minute)
		_, _, err = k.callback(k.alice, platforms.TikTok, q)
		require.Equal(t, platforms.ReasonInvalidState, reason(t, err))
	})
	t.Run("the person declines", func(t *testing.T) {
		u := k.start(t, k.alice, platforms.Meta)
		pu, _ := url.Parse(u)
		_, _, err := k.callback(k.alice, platforms.Meta, url.Values{"state": {pu.Query().Get("state")}, "error": {"access_denied"}, "error_description": {"Permissions error"}})
		var ce *platforms.CallbackError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, platforms.ReasonDenied, ce.Reason)
		require.Equal(t, "/platforms?connected=meta", ce.ReturnTo)
		require.Contains(t, ce.Message, "Permissions error")
	})

	// One Meta connection with its valid accounts (the one without a
	// currency is skipped), none selected; the token is stored sealed.
	list, err := k.c.List(ctx, k.tenant)
	require.NoError(t, err)
	var meta *platforms.ConnectionView
	for i := range list {
		if list[i].Platform == platforms.Meta {
			require.Nil(t, meta, "reconnecting the same platform user updates its connection")
			meta = &list[i]
		}
	}
	require.NotNil(t, meta)
	require.Equal(t, "fb-user-1", meta.ExternalUserID)
	require.Len(t, meta.Accounts, 3)
	for _, a := range meta.Accounts {
		require.False(t, a.Selected)
	}
	require.Equal(t, "EUR", meta.Accounts[0].Currency) // Shop EU sorts first
	require.NotContains(t, string(meta.TokenSealed), "access-")
	require.Equal(t, "k1", *meta.TokenKeyID)
	tok, err := k.c.Token(ctx, &meta.Connection)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(tok.AccessToken, "access-"))
}

func connectOAuth(t *testing.T, k *conns, platform string) *platforms.ConnectionView {
	t.Helper()
	_, q, err := k.fake(platform).Consent(k.start(t, k.alice, platform))
	require.NoError(t, err)
	v, _, err := k.callback(k.alice, platform, q)
	require.NoError(t, err)
	return v
}

func TestTokenRefreshBeforeExpiry(t *testing.T) {
	t.Parallel()
	k := setupConns(t)
	ctx := context.Background()
	v := connectOAuth(t, k, platforms.Meta)
	tok, err := k.c.Token(ctx, &v.Connection)
	require.NoError(t, err)
	_, refreshes := k.meta.Calls()
	require.Zero(t, refreshes, "a fresh token is used as it is")

	k.clock.Advance(54 * time.Minute) // 6 minutes left: still used as it is
	same, err := k.c.Token(ctx, &v.Connection)
	require.NoError(t, err)
	require.Equal(t, tok.AccessToken, same.AccessToken)

	k.clock.Advance(2 * time.Minute) // 4 minutes left: refreshed first
	fresh, err := k.c.Token(ctx, &v.Connection)
	require.NoError(t, err)
	require.NotEqual(t, tok.AccessToken, fresh.AccessToken)
	_, refreshes = k.meta.Calls()
	require.Equal(t, 1, refreshes)
	// Stored: a reader of the row gets the new token without refreshing.
	got, err := k.c.Get(ctx, k.tenant, v.ID)
	require.NoError(t, err)
	again, err := k.c.Token(ctx, &got.Connection)
	require.NoError(t, err)
	require.Equal(t, fresh.AccessToken, again.AccessToken)
	require.Equal(t, k.clock.Now().Add(time.Hour), got.TokenExpiresAt.UTC())

	// A reader holding the row from before the refresh (a concurrent
	// worker) does not overwrite it: the compare-and-set loses and the
	// stored token is returned.
	k.clock.Advance(57 * time.Minute)
	stale := got.Connection
	other, err := k.c.Token(ctx, &got.Connection) // refreshes and stores
	require.NoError(t, err)
	mine, err := k.c.Token(ctx, &stale) // refreshes too, then loses the CAS
	require.NoError(t, err)
	require.Equal(t, other.AccessToken, mine.AccessToken)

	// The refresh job refreshes grants expiring within the hour.
	k.clock.Advance(30 * time.Minute)
	n, err := k.c.RefreshExpiring(ctx, k.tenant, time.Hour, 100)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = k.c.RefreshExpiring(ctx, k.tenant, 30*time.Minute, 100)
	require.NoError(t, err)
	require.Zero(t, n, "nothing expires within 30 minutes any more")

	// Another change to the row (a sync finishing) does not make a fresh
	// token lose the compare-and-set: it is stored and returned.
	cur, err := k.c.Get(ctx, k.tenant, v.ID)
	require.NoError(t, err)
	k.clock.Advance(58 * time.Minute)
	require.NoError(t, k.c.DB.InTenant(ctx, k.tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewRaw(`UPDATE platform_connections SET last_sync_at = ?, updated_at = ? WHERE id = ?`, k.clock.Now(), k.clock.Now(), v.ID).Exec(ctx)
		return err
	}))
	before, err := k.c.Token(ctx, &platforms.Connection{TenantID: k.tenant, ID: v.ID, Platform: platforms.Meta, Status: platforms.ConnectionOK,
		TokenSealed: cur.TokenSealed, UpdatedAt: cur.UpdatedAt})
	require.NoError(t, err)
	after, err := k.c.Get(ctx, k.tenant, v.ID)
	require.NoError(t, err)
	stored, err := k.c.Token(ctx, &after.Connection)
	require.NoError(t, err)
	require.Equal(t, before.AccessToken, stored.AccessToken)
	require.Equal(t, k.clock.Now().Add(time.Hour), after.TokenExpiresAt.UTC())
}

func TestRevokedGrantNeedsReauthOnce(t *testing.T) {
	t.Parallel()
	k := setupConns(t)
	ctx := context.Background()
	v := connectOAuth(t, k, platforms.Meta)
	tok, err := k.c.Token(ctx, &v.Connection)
	require.NoError(t, err)
	k.meta.Revoke(tok.RefreshToken)
	k.clock.Advance(58 * time.Minute)

	openIncidents := func() []incidents.Incident {
		var out []incidents.Incident
		require.NoError(t, k.c.DB.InTenant(ctx, k.tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewSelect().Model(&out).Where("state <> 'RESOLVED'").Scan(ctx)
		}))
		return out
	}
	require.Empty(t, openIncidents())

	for range 2 {
		cn, err := k.c.Get(ctx, k.tenant, v.ID)
		require.NoError(t, err)
		_, err = k.c.Token(ctx, &cn.Connection)
		require.Equal(t, platforms.ErrorAuth, platforms.ErrorKindOf(err))
		n, err := k.c.RefreshExpiring(ctx, k.tenant, time.Hour, 10)
		require.NoError(t, err)
		require.Zero(t, n, "a NEEDS_REAUTH grant is not refreshed again")
	}
	cn, err := k.c.Get(ctx, k.tenant, v.ID)
	require.NoError(t, err)
	require.Equal(t, platforms.ConnectionNeedsReauth, cn.Status)
	require.Contains(t, cn.StatusMessage, "The user has revoked access to the app.")
	incs := openIncidents()
	require.Len(t, incs, 1, "one incident per connection")
	require.Equal(t, incidents.CauseConnection, incs[0].Cause)
	require.Equal(t, platforms.Meta, incs[0].Platform)
	_, refreshes := k.meta.Calls()
	require.Equal(t, 1, refreshes, "the platform was asked once")
	status := func() string {
		sts, err := k.c.Platforms.Statuses(ctx, k.tenant)
		require.NoError(t, err)
		for _, st := range sts {
			if st.Platform == platforms.Meta {
				return st.Status
			}
		}
		return ""
	}
	require.Equal(t, platforms.Outage, status())

	// Connecting again (same platform user) restores the connection and
	// resolves the incident.
	again := connectOAuth(t, k, platforms.Meta)
	require.Equal(t, v.ID, again.ID)
	require.Equal(t, platforms.ConnectionOK, again.Status)
	require.Empty(t, openIncidents())
	require.Equal(t, platforms.Operational, status())
}

func selectedUsage(t *testing.T, k *conns) int64 {
	t.Helper()
	us, err := k.bill.Usage(context.Background(), k.tenant)
	require.NoError(t, err)
	for _, u := range us {
		if u.Key == billing.AdAccounts {
			return u.Used
		}
	}
	return -1
}

func TestSelectAdAccountsWithinTheLimit(t *testing.T) {
	t.Parallel()
	k := setupConns(t) // Starter: 2 connected ad accounts
	ctx := context.Background()
	v := connectOAuth(t, k, platforms.Meta)
	ids := []uuid.UUID{v.Accounts[0].ID, v.Accounts[1].ID, v.Accounts[2].ID}

	// Over the limit: refused with the limit's words, nothing written.
	_, err := k.c.SelectAdAccounts(ctx, k.tenant, v.ID, ids)
	e, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, apperr.BadUserInput, e.Code)
	require.Equal(t, []string{"input", "accountIds"}, e.Field)
	require.Contains(t, e.Message, "Starter plan allows 2 accounts")
	require.Zero(t, selectedUsage(t, k))
	cur, err := k.c.Get(ctx, k.tenant, v.ID)
	require.NoError(t, err)
	for _, a := range cur.Accounts {
		require.False(t, a.Selected)
	}
	// Positive control: two fit.
	got, err := k.c.SelectAdAccounts(ctx, k.tenant, v.ID, ids[:2])
	require.NoError(t, err)
	require.True(t, got.Accounts[0].Selected && got.Accounts[1].Selected && !got.Accounts[2].Selected)
	require.Equal(t, int64(2), selectedUsage(t, k))
	// Swapping one for another releases one and reserves one.
	got, err = k.c.SelectAdAccounts(ctx, k.tenant, v.ID, ids[1:])
	require.NoError(t, err)
	require.True(t, !got.Accounts[0].Selected && got.Accounts[1].Selected && got.Accounts[2].Selected)
	require.Equal(t, int64(2), selectedUsage(t, k))

	// Foreign ids and overlong lists are refused.
	_, err = k.c.SelectAdAccounts(ctx, k.tenant, v.ID, []uuid.UUID{uuid.New()})
	require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err))
	_, err = k.c.SelectAdAccounts(ctx, k.tenant, v.ID, make([]uuid.UUID, platforms.MaxSelectedIDs+1))
	require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err))
	_, err = k.c.SelectAdAccounts(ctx, uuid.New(), v.ID, nil)
	require.Error(t, err)

	// The sandbox is outside the limit; disconnecting gives units back.
	sb, err := k.c.ConnectSandbox(ctx, k.tenant, &k.alice)
	require.NoError(t, err)
	require.Equal(t, int64(2), selectedUsage(t, k))
	require.NoError(t, k.c.DisconnectPlatform(ctx, k.tenant, v.ID))
	require.Zero(t, selectedUsage(t, k))
	require.Equal(t, 1, k.count(t, "ad_accounts"), "the Meta accounts went with their connection")
	require.NoError(t, k.c.DisconnectPlatform(ctx, k.tenant, sb.ID))
	require.Zero(t, k.count(t, "platform_connections"))
}

func TestConnectSandbox(t *testing.T) {
	t.Parallel()
	k := setupConns(t)
	ctx := context.Background()
	v, err := k.c.ConnectSandbox(ctx, k.tenant, &k.alice)
	require.NoError(t, err)
	require.True(t, v.Sandbox)
	require.Equal(t, platforms.Simulator, v.Platform)
	require.Len(t, v.Accounts, 1)
	require.Equal(t, platforms.SandboxAccountName, v.Accounts[0].Name)
	require.True(t, v.Accounts[0].Selected && v.Accounts[0].Sandbox)
	again, err := k.c.ConnectSandbox(ctx, k.tenant, &k.alice)
	require.NoError(t, err)
	require.Equal(t, v.ID, again.ID, "one sandbox per tenant")
	require.Equal(t, 1, k.count(t, "platform_connections"))
	tok, err := k.c.Token(ctx, &v.Connection)
	require.NoError(t, err)
	require.Empty(t, tok.AccessToken)
	require.Zero(t, selectedUsage(t, k))
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// Key rotation: grants sealed under the old key still open under the new
// ring, ResealTokens moves them to the new key, and after the old key is
// removed they still open.
func TestResealTokensAfterRotation(t *testing.T) {
	t.Parallel()
	k := setupConns(t)
	ctx := context.Background()
	v := connectOAuth(t, k, platforms.Meta)
	before, err := k.c.Token(ctx, &v.Connection)
	require.NoError(t, err)

	rotated, err := secretbox.Parse("k2:" + testKey(2) + "," + k.boxSpec)
	require.NoError(t, err)
	k.c.Box = rotated
	cur, err := k.c.Get(ctx, k.tenant, v.ID)
	require.NoError(t, err)
	tok, err := k.c.Token(ctx, &cur.Connection)
	require.NoError(t, err)
	require.Equal(t, before.AccessToken, tok.AccessToken, "the old key still opens")

	n, err := k.c.ResealTokens(ctx, k.tenant, 100)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = k.c.ResealTokens(ctx, k.tenant, 100)
	require.NoError(t, err)
	require.Zero(t, n, "nothing left under the old key")

	onlyNew, err := secretbox.Parse("k2:" + testKey(2))
	require.NoError(t, err)
	k.c.Box = onlyNew
	cur, err = k.c.Get(ctx, k.tenant, v.ID)
	require.NoError(t, err)
	require.Equal(t, "k2", *cur.TokenKeyID)
	tok, err = k.c.Token(ctx, &cur.Connection)
	require.NoError(t, err)
	require.Equal(t, before.AccessToken, tok.AccessToken)
}
