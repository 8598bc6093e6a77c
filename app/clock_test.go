package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// clockAPI is a server whose database clock is a Manual one, with the demo
// tenant seeded at the clock's time.
type clockAPI struct {
	srv   *apptest.Server
	clock *clock.Manual
	email string
	pass  string
}

func setupClockAPI(t *testing.T, start time.Time) *clockAPI {
	t.Helper()
	tdb := testdb.New(t)
	cfg := apptest.Config(t, tdb, identityEnv)
	c := clock.NewManual(start)
	srv := apptest.Start(t, cfg, func(a *app.App) { a.DB.Clock = c })
	require.NoError(t, app.Seed(context.Background(), srv.App, apptest.Logger()))
	return &clockAPI{srv: srv, clock: c, email: cfg.DemoEmail, pass: cfg.DemoPassword}
}

// logIn signs the demo owner in at the clock's time.
func (b *clockAPI) logIn(t *testing.T) session {
	t.Helper()
	_, p := (&idBundle{srv: b.srv}).logIn(t, b.email, b.pass)
	return toSession(t, p, b.email)
}

// do runs query with header and fails on operation errors.
func (b *clockAPI) do(t *testing.T, query string, vars map[string]any, h map[string][]string) map[string]any {
	t.Helper()
	res := b.srv.Query(t, query, vars, h)
	require.Empty(t, res.Errors, query)
	return res.Data
}

func parseTime(t *testing.T, v any) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, str(v))
	require.NoError(t, err, "%v", v)
	return at.UTC()
}

// TestOneClockControlsExpiryWindowsAndAuditTimes is issue 9's one-clock test:
// one Manual clock, set on the server's database handle, controls through the
// GraphQL API (a) expiry — of an access token and of an invitation, each
// valid a second before and refused a second after; (b) the ROAS window of
// the guardrails, which ends on the clock's day; (c) the times of audit
// entries and gate decisions.
func TestOneClockControlsExpiryWindowsAndAuditTimes(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)
	b := setupClockAPI(t, t0)

	info := b.do(t, `{ serverInfo { time } }`, nil, nil)
	require.Equal(t, t0, parseTime(t, field(t, info, "serverInfo", "time")), "the server tells the clock's time")

	// (c) audit times: the log-in is recorded at the clock's time.
	b.clock.Advance(time.Minute)
	owner := b.logIn(t)
	log := b.do(t, `{ auditLog(first: 1, filter: {actions: ["auth.log_in"]}) { edges { node { action createdAt } } } }`, nil, owner.H())
	entry := field(t, log, "auditLog", "edges").([]any)[0].(map[string]any)["node"].(map[string]any)
	require.Equal(t, t0.Add(time.Minute), parseTime(t, entry["createdAt"]))

	// (b) ROAS windows. Every increase is checked against a minimum ROAS no
	// campaign reaches, so the gate states the ROAS of the window.
	d := b.do(t, `mutation { updateEnforcementSettings(input: {minRoas: 1000}) { userErrors { message } } }`, nil, owner.H())
	require.Empty(t, field(t, d, "updateEnforcementSettings", "userErrors"))
	campaigns, err := b.srv.App.Services.Platforms.Campaigns(context.Background(), app.DemoTenantID, platforms.CampaignFilter{})
	require.NoError(t, err)
	require.NotEmpty(t, campaigns)
	campaign := campaigns[0]
	roasReason := func(owner session) (string, time.Time) {
		t.Helper()
		d := b.do(t, `mutation($c: ID!) { simulateAction(input: {type: INCREASE_BUDGET, campaignId: $c, params: {percent: 10}}) {
			simulation { reasons warnings } userErrors { message } } }`, map[string]any{"c": relay.GlobalID(relay.TypeCampaign, campaign.ID)}, owner.H())
		require.Empty(t, field(t, d, "simulateAction", "userErrors"))
		sim := field(t, d, "simulateAction", "simulation").(map[string]any)
		decided := b.do(t, `{ trustAuditLog(dryRun: true, first: 1) { edges { node { at } } } }`, nil, owner.H())
		at := parseTime(t, field(t, decided, "trustAuditLog", "edges").([]any)[0].(map[string]any)["node"].(map[string]any)["at"])
		for _, r := range append(sim["reasons"].([]any), sim["warnings"].([]any)...) {
			if i := strings.Index(str(r), "ROAS over 7 days is "); i >= 0 {
				return str(r)[i:], at
			}
		}
		return "", at
	}
	// want is the reason for the stored days first..last (inclusive).
	want := func(first, last time.Time) string {
		t.Helper()
		var spend, revenue float64
		require.NoError(t, b.srv.App.DB.InTenant(context.Background(), app.DemoTenantID, func(ctx context.Context, tx bun.Tx) error {
			ms, err := platforms.MetricsTx(ctx, tx, []uuid.UUID{campaign.ID}, first, last)
			for _, m := range ms {
				spend, revenue = spend+m.Spend(), revenue+m.Revenue()
			}
			return err
		}))
		require.Positive(t, spend)
		return fmt.Sprintf("ROAS over 7 days is %.2f (min 1000.00)", revenue/spend)
	}
	seeded := t0.Truncate(24 * time.Hour) // the simulator's history ends on the clock's day at seeding

	got, at := roasReason(owner)
	require.Equal(t, want(seeded.AddDate(0, 0, -6), seeded), got, "the seven days up to the clock's day")
	require.Equal(t, b.clock.Now(), at, "the gate decided at the clock's time")

	b.clock.Advance(3 * 24 * time.Hour)
	owner = b.logIn(t) // the earlier token has expired by the clock
	got, at = roasReason(owner)
	require.Equal(t, want(seeded.AddDate(0, 0, -3), seeded), got, "three days later the window holds four stored days")
	require.Equal(t, b.clock.Now(), at)

	b.clock.Advance(7 * 24 * time.Hour)
	owner = b.logIn(t)
	got, _ = roasReason(owner)
	require.Empty(t, got, "ten days later no stored day is in the window (positive control above)")

	// (a) expiry of an access token.
	issued := b.clock.Now()
	_, p := (&idBundle{srv: b.srv}).logIn(t, b.email, b.pass)
	owner = toSession(t, p, b.email)
	expires := parseTime(t, p["expiresAt"])
	require.Equal(t, issued.Add(b.srv.App.Cfg.AccessTokenTTL), expires, "the token's lifetime from the clock's time of issue")
	viewer := func() *apptest.Response {
		return b.srv.Query(t, `{ viewer { role } }`, nil, owner.H())
	}
	b.clock.Set(expires.Add(-time.Second))
	require.Empty(t, viewer().Errors, "positive control: a second before expiry by the clock")
	b.clock.Set(expires.Add(time.Second))
	require.Equal(t, "UNAUTHENTICATED", viewer().Code(), "a second after expiry by the clock")

	// (a) expiry of an invitation.
	owner = b.logIn(t)
	invited := b.clock.Now()
	d = b.do(t, `mutation { inviteMember(input: {email: "late@example.test", role: VIEWER}) { inviteToken invite { expiresAt } userErrors { message } } }`, nil, owner.H())
	token := str(field(t, d, "inviteMember", "inviteToken"))
	inviteExpires := parseTime(t, field(t, d, "inviteMember", "invite", "expiresAt"))
	require.Equal(t, invited.Add(7*24*time.Hour), inviteExpires)
	accept := func() map[string]any {
		d := b.do(t, `mutation($i: AcceptInviteInput!) { acceptInvite(input: $i) { `+authFields+` } }`,
			map[string]any{"i": map[string]any{"token": token, "password": "correct horse battery"}}, nil)
		return d["acceptInvite"].(map[string]any)
	}
	b.clock.Set(inviteExpires.Add(time.Second))
	refused := accept()
	require.NotEmpty(t, refused["userErrors"], "a second after expiry by the clock")
	require.Equal(t, "NOT_FOUND", field(t, refused["userErrors"].([]any)[0].(map[string]any), "code"))
	b.clock.Set(inviteExpires.Add(-time.Second))
	joined := toSession(t, accept(), "late@example.test")
	require.Empty(t, b.srv.Query(t, `{ viewer { role } }`, nil, joined.H()).Errors, "positive control: a second before expiry")

	// (c) audit times again: the acceptance is recorded at the clock's time.
	owner = b.logIn(t)
	log = b.do(t, `{ auditLog(first: 1, filter: {actions: ["invite.accept"]}) { edges { node { action createdAt } } } }`, nil, owner.H())
	entry = field(t, log, "auditLog", "edges").([]any)[0].(map[string]any)["node"].(map[string]any)
	require.Equal(t, inviteExpires.Add(-time.Second), parseTime(t, entry["createdAt"]))
}
