package notifications_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/notifications"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/webhook"
)

func TestCreateChannels(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()

	t.Run("a webhook gets a signing secret, shown once and sealed at rest", func(t *testing.T) {
		ch, secret := b.create(t, notifications.CreateInput{Kind: notifications.Webhook, Name: "Ops hook", Target: "https://hooks.example.com/stratum"})
		require.Regexp(t, `^whsec_[A-Za-z0-9_-]{43}$`, secret)
		require.Equal(t, "https://hooks.example.com/stratum", ch.Target)
		require.NotContains(t, string(ch.Secret), secret, "the secret is stored sealed")
		opened, err := b.svc.Box.Open(ch.Secret)
		require.NoError(t, err)
		require.Equal(t, secret, string(opened))
		require.Equal(t, notifications.DefaultSubscriptions(), ch.Subscriptions)
	})
	t.Run("a Slack URL is sealed whole and shown without its token", func(t *testing.T) {
		ch, secret := b.create(t, notifications.CreateInput{Kind: notifications.Slack, Name: "Slack #ads", Target: b.slack.hookURL()})
		require.Empty(t, secret)
		require.Equal(t, b.slack.URL+"/services/T0001/B0001/…", ch.Target)
		require.NotContains(t, ch.Target, b.slack.token)
		opened, err := b.svc.Box.Open(ch.Secret)
		require.NoError(t, err)
		require.Equal(t, b.slack.hookURL(), string(opened))
	})
	t.Run("an e-mail channel keeps its address and no secret", func(t *testing.T) {
		subs := notifications.Subscriptions{DailyDigest: true, MinSeverity: incidents.Critical}
		ch, _ := b.create(t, notifications.CreateInput{Kind: notifications.Email, Name: "On-call", Target: "oncall@example.com", Subscriptions: &subs})
		require.Equal(t, "oncall@example.com", ch.Target)
		require.Nil(t, ch.Secret)
		require.Equal(t, subs, ch.Subscriptions)
	})
	t.Run("the list shows them newest first", func(t *testing.T) {
		p, err := b.svc.List(ctx, b.tenant, relay.Args{})
		require.NoError(t, err)
		var names []string
		for _, c := range p.Items {
			names = append(names, c.Name)
		}
		require.Equal(t, []string{"On-call", "Slack #ads", "Ops hook"}, names)
	})
}

func TestCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	prod := *b.svc
	prod.Config.Policy = webhook.Production
	noMail := *b.svc
	noMail.Mailer = nil
	okSlack := "https://hooks.slack.com/services/T000/B000/XXXX"
	for _, tc := range []struct {
		name  string
		svc   *notifications.Service
		in    notifications.CreateInput
		field string
	}{
		{"unknown kind", b.svc, notifications.CreateInput{Kind: "SMS", Name: "x", Target: "x"}, "kind"},
		{"empty name", b.svc, notifications.CreateInput{Kind: notifications.Email, Name: "  ", Target: "a@example.com"}, "name"},
		{"long name", b.svc, notifications.CreateInput{Kind: notifications.Email, Name: strings.Repeat("n", 101), Target: "a@example.com"}, "name"},
		{"two-line name", b.svc, notifications.CreateInput{Kind: notifications.Email, Name: "a\nb", Target: "a@example.com"}, "name"},
		{"not an address", b.svc, notifications.CreateInput{Kind: notifications.Email, Name: "x", Target: "Ops <a@example.com>"}, "target"},
		{"no e-mail on this server", &noMail, notifications.CreateInput{Kind: notifications.Email, Name: "x", Target: "a@example.com"}, "kind"},
		{"plain http in production", &prod, notifications.CreateInput{Kind: notifications.Webhook, Name: "x", Target: "http://hooks.example.com/x"}, "target"},
		{"a private address in production", &prod, notifications.CreateInput{Kind: notifications.Webhook, Name: "x", Target: "https://192.168.0.10/x"}, "target"},
		{"metadata address in production", &prod, notifications.CreateInput{Kind: notifications.Webhook, Name: "x", Target: "https://169.254.169.254/latest"}, "target"},
		{"a long URL", b.svc, notifications.CreateInput{Kind: notifications.Webhook, Name: "x", Target: "https://example.com/" + strings.Repeat("a", 2100)}, "target"},
		{"Slack on another host", &prod, notifications.CreateInput{Kind: notifications.Slack, Name: "x", Target: "https://hooks.example.com/services/T/B/X"}, "target"},
		{"Slack over http", &prod, notifications.CreateInput{Kind: notifications.Slack, Name: "x", Target: "http://hooks.slack.com/services/T/B/X"}, "target"},
		{"Slack without its token", &prod, notifications.CreateInput{Kind: notifications.Slack, Name: "x", Target: "https://hooks.slack.com/services/T/B"}, "target"},
		{"a test Slack host in production", &prod, notifications.CreateInput{Kind: notifications.Slack, Name: "x", Target: b.slack.hookURL()}, "target"},
		{"unknown severity", b.svc, notifications.CreateInput{Kind: notifications.Email, Name: "x", Target: "a@example.com",
			Subscriptions: &notifications.Subscriptions{MinSeverity: "SEVERE"}}, "subscriptions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.svc.Create(ctx, b.tenant, tc.in, "user:test")
			e, ok := apperr.As(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, apperr.BadUserInput, e.Code)
			require.Equal(t, []string{"input", tc.field}, e.Field[:2])
		})
	}
	t.Run("positive controls: the same services accept good input", func(t *testing.T) {
		_, _, err := prod.Create(ctx, b.tenant, notifications.CreateInput{Kind: notifications.Slack, Name: "slack", Target: okSlack}, "user:test")
		require.NoError(t, err)
		_, _, err = prod.Create(ctx, b.tenant, notifications.CreateInput{Kind: notifications.Webhook, Name: "hook", Target: "https://hooks.example.com/x"}, "user:test")
		require.NoError(t, err)
		_, _, err = b.svc.Create(ctx, b.tenant, notifications.CreateInput{Kind: notifications.Email, Name: "mail", Target: "a@example.com"}, "user:test")
		require.NoError(t, err)
	})
	p, err := b.svc.List(ctx, b.tenant, relay.Args{})
	require.NoError(t, err)
	require.Len(t, p.Items, 3, "only the positive controls were created")
}

func TestChannelLimitsAndNames(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.svc.Config.MaxChannels = 2
	b.create(t, notifications.CreateInput{Kind: notifications.Email, Name: "One", Target: "a@example.com"})
	_, _, err := b.svc.Create(ctx, b.tenant, notifications.CreateInput{Kind: notifications.Email, Name: "one", Target: "b@example.com"}, "user:test")
	e, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, []string{"input", "name"}, e.Field, "names are unique, ignoring case")
	two, _ := b.create(t, notifications.CreateInput{Kind: notifications.Email, Name: "Two", Target: "b@example.com"})
	_, _, err = b.svc.Create(ctx, b.tenant, notifications.CreateInput{Kind: notifications.Email, Name: "Three", Target: "c@example.com"}, "user:test")
	e, ok = apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, apperr.BadUserInput, e.Code)
	require.Contains(t, e.Message, "at most 2")

	require.NoError(t, b.svc.Delete(ctx, b.tenant, two.ID))
	b.create(t, notifications.CreateInput{Kind: notifications.Email, Name: "Three", Target: "c@example.com"})
	err = b.svc.Delete(ctx, b.tenant, two.ID)
	e, ok = apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, apperr.NotFound, e.Code)
}

func TestUpdateChannel(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	ch, _ := b.create(t, notifications.CreateInput{Kind: notifications.Webhook, Name: "Hook", Target: "https://hooks.example.com/x"})
	b.create(t, notifications.CreateInput{Kind: notifications.Email, Name: "Mail", Target: "a@example.com"})
	off, name := false, "Renamed"
	subs := notifications.Subscriptions{Approvals: true, MinSeverity: incidents.Low}
	got, err := b.svc.Update(ctx, b.tenant, ch.ID, notifications.UpdateInput{Name: &name, Enabled: &off, Subscriptions: &subs})
	require.NoError(t, err)
	require.Equal(t, "Renamed", got.Name)
	require.False(t, got.Enabled)
	require.Equal(t, subs, got.Subscriptions)
	require.Equal(t, ch.Secret, got.Secret, "the secret is kept")

	taken := "mail"
	_, err = b.svc.Update(ctx, b.tenant, ch.ID, notifications.UpdateInput{Name: &taken})
	e, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, []string{"input", "name"}, e.Field)
}
