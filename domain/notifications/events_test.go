package notifications_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/notifications"
	"github.com/stratumhq/stratum/internal/relay"
)

func subs(f func(*notifications.Subscriptions)) *notifications.Subscriptions {
	s := notifications.Subscriptions{MinSeverity: incidents.Low}
	f(&s)
	return &s
}

func events(ds []notifications.Delivery) []string {
	var out []string
	for i := len(ds) - 1; i >= 0; i-- { // oldest first
		out = append(out, string(ds[i].Event)+" "+ds[i].Message.Title)
	}
	return out
}

func TestIncidentsNotifyBySeverity(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inc := &incidents.Service{DB: b.svc.DB, Notify: b.svc.IncidentEventTx}
	ctx := context.Background()
	all, _ := b.create(t, notifications.CreateInput{Kind: notifications.Email, Name: "all", Target: "all@example.com",
		Subscriptions: subs(func(s *notifications.Subscriptions) { s.IncidentsOpened, s.IncidentsClosed = true, true })})
	critical, _ := b.create(t, notifications.CreateInput{Kind: notifications.Email, Name: "critical", Target: "crit@example.com",
		Subscriptions: subs(func(s *notifications.Subscriptions) { s.IncidentsOpened, s.MinSeverity = true, incidents.Critical })})
	none, _ := b.create(t, notifications.CreateInput{Kind: notifications.Email, Name: "approvals only", Target: "appr@example.com",
		Subscriptions: subs(func(s *notifications.Subscriptions) { s.Approvals = true })})

	open := func(sev incidents.Severity) *incidents.Incident {
		var got *incidents.Incident
		b.inTx(t, func(ctx context.Context, tx bun.Tx) (err error) {
			got, _, err = inc.OpenTx(ctx, tx, b.tenant, incidents.OpenInput{Cause: incidents.CauseHealth, Key: "HEALTH:", Title: "Overall signal health degraded", Severity: sev})
			return err
		})
		return got
	}
	i := open(incidents.Medium)
	open(incidents.Medium) // the same cause again: no event, no notification
	require.Equal(t, []string{"INCIDENT_OPENED Incident opened (Medium): Overall signal health degraded"}, events(b.deliveries(t, all.ID)))
	require.Empty(t, b.deliveries(t, critical.ID), "below the channel's minimum severity")

	open(incidents.Critical) // escalates: now the critical channel hears of it, once
	open(incidents.Critical)
	require.Equal(t, []string{"INCIDENT_OPENED Incident escalated to Critical: Overall signal health degraded"}, events(b.deliveries(t, critical.ID)))
	require.Len(t, b.deliveries(t, all.ID), 1, "the channel that heard of the opening is not told again")

	_, err := inc.Resolve(ctx, b.tenant, i.ID, "user:1", "fixed the pixel")
	require.NoError(t, err)
	ds := b.deliveries(t, all.ID)
	require.Equal(t, "INCIDENT_CLOSED Incident resolved: Overall signal health degraded", events(ds)[1])
	require.Contains(t, ds[0].Message.Text, "Resolved by a person: fixed the pixel.")
	require.Len(t, b.deliveries(t, critical.ID), 1, "not subscribed to closed incidents")
	require.Empty(t, b.deliveries(t, none.ID))

	link, err := url.Parse(ds[0].Message.URL)
	require.NoError(t, err)
	require.Equal(t, "/incidents", link.Path)
	require.Equal(t, relay.GlobalID(relay.TypeIncident, i.ID), link.Query().Get("id"), "the link opens the incident")
	require.ElementsMatch(t, []uuid.UUID{ds[0].ID, ds[1].ID, b.deliveries(t, critical.ID)[0].ID}, b.enqueued)
}

func TestApprovalsAndAutopilotNotify(t *testing.T) {
	t.Parallel()
	b := setup(t)
	appr, _ := b.create(t, notifications.CreateInput{Kind: notifications.Email, Name: "approvals", Target: "a@example.com",
		Subscriptions: subs(func(s *notifications.Subscriptions) { s.Approvals = true })})
	auto, _ := b.create(t, notifications.CreateInput{Kind: notifications.Email, Name: "autopilot", Target: "b@example.com",
		Subscriptions: subs(func(s *notifications.Subscriptions) { s.Autopilot = true })})
	a := &automation.Action{TenantID: b.tenant, ID: uuid.New(), Type: "increase_budget", Platform: "META", RuleName: "Scale winners",
		Reasons: []string{"autopilot level APPROVAL_REQUIRED: waiting for approval"}}
	for range 2 {
		b.inTx(t, func(ctx context.Context, tx bun.Tx) error { return b.svc.ActionAwaitingApprovalTx(ctx, tx, a) })
	}
	ds := b.deliveries(t, appr.ID)
	require.Equal(t, []string{"ACTION_AWAITING_APPROVAL Waiting for approval: increase budget"}, events(ds), "once per action")
	require.Equal(t, "http://stratum.test/actions", ds[0].Message.URL)
	require.Contains(t, ds[0].Message.Text, "Proposed by the rule “Scale winners” on Meta.")

	b.inTx(t, func(ctx context.Context, tx bun.Tx) error {
		return b.svc.AutopilotModeChangedTx(ctx, tx, b.tenant, automation.Normal, automation.Limited, 61.6)
	})
	b.inTx(t, func(ctx context.Context, tx bun.Tx) error {
		return b.svc.AutopilotModeChangedTx(ctx, tx, b.tenant, automation.Limited, automation.Normal, 80)
	})
	ds = b.deliveries(t, auto.ID)
	require.Equal(t, []string{"AUTOPILOT_MODE_CHANGED Autopilot mode: Normal → Limited", "AUTOPILOT_MODE_CHANGED Autopilot mode: Limited → Normal"}, events(ds))
	require.Equal(t, "Signal health is 62 / 100, so the autopilot now allows conservative actions and reductions only.", ds[1].Message.Text)
	require.Equal(t, "http://stratum.test/automation", ds[0].Message.URL)
	require.Len(t, b.deliveries(t, appr.ID), 1)
}

func TestDailyDigestOncePerDay(t *testing.T) {
	t.Parallel()
	b := setup(t)
	score := 71.4
	var asked [][2]time.Time
	b.svc.Facts = func(ctx context.Context, tenant uuid.UUID, from, to time.Time) (*notifications.DigestFacts, error) {
		asked = append(asked, [2]time.Time{from, to})
		return &notifications.DigestFacts{IncidentsOpened: 1, IncidentsOpen: 2, ActionsApplied: 3, ActionsWaiting: 1, Score: &score, Mode: "CUTS_ONLY"}, nil
	}
	digest, _ := b.create(t, notifications.CreateInput{Kind: notifications.Email, Name: "digest", Target: "d@example.com",
		Subscriptions: subs(func(s *notifications.Subscriptions) { s.DailyDigest = true })})
	other, _ := b.create(t, notifications.CreateInput{Kind: notifications.Email, Name: "other", Target: "o@example.com"})
	day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	require.NoError(t, b.svc.SendDigest(context.Background(), b.tenant, day.Add(13*time.Hour)))
	require.NoError(t, b.svc.SendDigest(context.Background(), b.tenant, day))
	ds := b.deliveries(t, digest.ID)
	require.Len(t, ds, 1)
	require.Equal(t, "Stratum daily digest: 24 November 2026", ds[0].Message.Title)
	require.Equal(t, "On Tuesday 24 November 2026 (UTC): 1 incident opened, 3 actions applied, 0 actions failed.\n"+
		"Now: 2 incidents unresolved, 1 action waiting for approval, signal health 71 / 100, autopilot mode cuts only.", ds[0].Message.Text)
	require.Equal(t, [2]time.Time{day, day.AddDate(0, 0, 1)}, asked[0])
	require.Empty(t, b.deliveries(t, other.ID))
}
