package authtest

import (
	"context"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/internal/mail"
)

// Mail gives services a mailer and a job queue for account e-mail and
// invitations: the development mail sink, and hooks that keep each queued
// job for Deliver to run as the worker would, after the commit.
type Mail struct {
	Sink    *mail.Sink
	auth    *auth.Service
	tenancy *tenancy.Service

	mu      sync.Mutex
	account []auth.AccountMail
	invites []tenancy.InviteMail
}

// WithMail wires a sink and the queue hooks into a (and ten, if given),
// as app.NewServices and app.Services.EnqueueWith do.
func WithMail(a *auth.Service, ten *tenancy.Service) *Mail {
	m := &Mail{Sink: &mail.Sink{From: "Stratum <stratum@localhost>"}, auth: a, tenancy: ten}
	a.Mailer = m.Sink
	a.Cfg.PublicURL = "http://stratum.test"
	a.EnqueueMail = func(_ context.Context, _ bun.Tx, am auth.AccountMail) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.account = append(m.account, am)
		return nil
	}
	if ten != nil {
		ten.Mailer, ten.PublicURL = m.Sink, "http://stratum.test"
		ten.EnqueueInviteMail = func(_ context.Context, _ bun.Tx, im tenancy.InviteMail) error {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.invites = append(m.invites, im)
			return nil
		}
	}
	return m
}

// Queued is how many jobs wait for Deliver.
func (m *Mail) Queued() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.account) + len(m.invites)
}

// Deliver runs the queued jobs (the workers' work) and empties the queue.
func (m *Mail) Deliver(t testing.TB) {
	t.Helper()
	m.mu.Lock()
	account, invites := m.account, m.invites
	m.account, m.invites = nil, nil
	m.mu.Unlock()
	ctx := context.Background()
	for _, am := range account {
		require.NoError(t, m.auth.SendAccountMail(ctx, am))
	}
	for _, im := range invites {
		require.NoError(t, m.tenancy.SendInviteMail(ctx, im))
	}
}

// To lists the sink's messages to address, newest first.
func (m *Mail) To(address string) []mail.Stored {
	var out []mail.Stored
	for _, s := range m.Sink.Messages() {
		for _, to := range s.To {
			if to == address {
				out = append(out, s)
			}
		}
	}
	return out
}

var linkToken = regexp.MustCompile(`(/[a-z-]+)#token=([A-Za-z0-9%]+)`)

// Token returns the token of msg's link to path (e.g. "/reset-password").
func Token(t testing.TB, msg mail.Stored, path string) string {
	t.Helper()
	for _, sub := range linkToken.FindAllStringSubmatch(msg.Text, -1) {
		if sub[1] == path {
			return sub[2]
		}
	}
	t.Fatalf("no %s link in the message %q:\n%s", path, msg.Subject, msg.Text)
	return ""
}
