package audit_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

type bundle struct {
	tdb    *testdb.DB
	audit  *audit.Service
	tenant uuid.UUID
}

func setup(t *testing.T) *bundle {
	t.Helper()
	tdb := testdb.New(t)
	return &bundle{tdb: tdb, audit: &audit.Service{DB: tdb.DB}, tenant: testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})}
}

// record writes e in its tenant's transaction with ctx.
func (b *bundle) record(t *testing.T, ctx context.Context, e audit.Entry) {
	t.Helper()
	if e.TenantID == uuid.Nil {
		e.TenantID = b.tenant
	}
	require.NoError(t, b.tdb.InTenant(ctx, e.TenantID, func(ctx context.Context, tx bun.Tx) error {
		return audit.Record(ctx, tx, e)
	}))
}

func (b *bundle) list(t *testing.T, tenant uuid.UUID, args relay.Args, f audit.Filter) *relay.Page[audit.Entry] {
	t.Helper()
	page, err := b.audit.List(context.Background(), tenant, args, f)
	require.NoError(t, err)
	return page
}

func actions(p *relay.Page[audit.Entry]) []string {
	var out []string
	for _, e := range p.Items {
		out = append(out, e.Action)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// Record fills the actor from the request's principal, the client from
// the request, and SUCCESS; what the caller gives wins.
func TestRecordDefaults(t *testing.T) {
	t.Parallel()
	b := setup(t)
	user, key := uuid.New(), uuid.New()
	client := auth.WithClient(context.Background(), auth.Client{IP: "203.0.113.7", UserAgent: strings.Repeat("u", 600)})
	for _, tc := range []struct {
		name  string
		ctx   context.Context
		given audit.Entry
		want  audit.Entry // ActorType, ActorID, Outcome, IP, UserAgent compared
	}{
		{"anonymous", context.Background(), audit.Entry{}, audit.Entry{ActorType: audit.ActorAnonymous, Outcome: audit.Success}},
		{"a user", auth.WithPrincipal(context.Background(), &auth.Principal{UserID: user, TenantID: b.tenant}), audit.Entry{},
			audit.Entry{ActorType: audit.ActorUser, ActorID: user, Outcome: audit.Success}},
		{"an API key", auth.WithPrincipal(context.Background(), &auth.Principal{APIKeyID: key, TenantID: b.tenant}), audit.Entry{},
			audit.Entry{ActorType: audit.ActorAPIKey, ActorID: key, Outcome: audit.Success}},
		{"the client, its user agent cut to 500 bytes", client, audit.Entry{},
			audit.Entry{ActorType: audit.ActorAnonymous, Outcome: audit.Success, IP: "203.0.113.7", UserAgent: strings.Repeat("u", 500)}},
		{"given values win", auth.WithPrincipal(client, &auth.Principal{UserID: user, TenantID: b.tenant}),
			audit.Entry{ActorType: audit.ActorSystem, Outcome: audit.Denied, IP: "198.51.100.1", UserAgent: "job"},
			audit.Entry{ActorType: audit.ActorSystem, Outcome: audit.Denied, IP: "198.51.100.1", UserAgent: "job"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			action := "test." + uuid.NewString()
			e := tc.given
			e.Action = action
			b.record(t, tc.ctx, e)
			page := b.list(t, b.tenant, relay.Args{}, audit.Filter{Actions: []string{action}})
			require.Len(t, page.Items, 1)
			got := page.Items[0]
			require.Equal(t, tc.want, audit.Entry{ActorType: got.ActorType, ActorID: got.ActorID, Outcome: got.Outcome, IP: got.IP, UserAgent: got.UserAgent})
			require.NotEqual(t, uuid.Nil, got.ID)
			require.False(t, got.CreatedAt.IsZero())
		})
	}
}

// An entry commits or rolls back with the change it records.
func TestRecordJoinsTheTransaction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := b.tdb.InTenant(ctx, b.tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := audit.Record(ctx, tx, audit.Entry{TenantID: b.tenant, Action: "rolled.back"}); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	b.record(t, ctx, audit.Entry{Action: "committed"})
	require.Equal(t, []string{"committed"}, actions(b.list(t, b.tenant, relay.Args{}, audit.Filter{})))
}

func TestList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	alice := testdb.MustInsertUser(t, b.tdb.DB, testdb.User{Email: "alice@example.test"})
	asAlice := auth.WithPrincipal(ctx, &auth.Principal{UserID: alice, TenantID: b.tenant})
	b.record(t, ctx, audit.Entry{Action: "a.one"})
	b.record(t, asAlice, audit.Entry{Action: "a.two"})
	b.record(t, asAlice, audit.Entry{Action: "b.three", Outcome: audit.Failure})
	b.record(t, ctx, audit.Entry{Action: "b.four", ActorType: audit.ActorOperator, ActorEmail: "op@example.test"})
	all := b.list(t, b.tenant, relay.Args{}, audit.Filter{})
	require.Equal(t, []string{"b.four", "b.three", "a.two", "a.one"}, actions(all), "newest first")

	t.Run("pages", func(t *testing.T) {
		t.Parallel()
		p1 := b.list(t, b.tenant, relay.Args{First: ptr(3)}, audit.Filter{})
		require.Equal(t, []string{"b.four", "b.three", "a.two"}, actions(p1))
		require.Equal(t, 4, p1.TotalCount)
		require.True(t, p1.Info.HasNextPage)
		p2 := b.list(t, b.tenant, relay.Args{First: ptr(3), After: p1.Info.EndCursor}, audit.Filter{})
		require.Equal(t, []string{"a.one"}, actions(p2))
		require.False(t, p2.Info.HasNextPage)
		back := b.list(t, b.tenant, relay.Args{Last: ptr(2), Before: p2.Info.StartCursor}, audit.Filter{})
		require.Equal(t, []string{"b.three", "a.two"}, actions(back))
	})

	t.Run("filters", func(t *testing.T) {
		t.Parallel()
		since := all.Items[2].CreatedAt // a.two
		until := all.Items[0].CreatedAt // b.four, excluded
		for _, tc := range []struct {
			name string
			f    audit.Filter
			want []string
		}{
			{"none", audit.Filter{}, []string{"b.four", "b.three", "a.two", "a.one"}},
			{"actions", audit.Filter{Actions: []string{"a.one", "b.four"}}, []string{"b.four", "a.one"}},
			{"actor", audit.Filter{ActorID: alice}, []string{"b.three", "a.two"}},
			{"outcome", audit.Filter{Outcome: audit.Failure}, []string{"b.three"}},
			{"since is inclusive, until exclusive", audit.Filter{Since: &since, Until: &until}, []string{"b.three", "a.two"}},
			{"no match", audit.Filter{Actions: []string{"c.none"}}, nil},
		} {
			require.Equal(t, tc.want, actions(b.list(t, b.tenant, relay.Args{}, tc.f)), tc.name)
		}
	})

	t.Run("user actors get their e-mail, others keep theirs", func(t *testing.T) {
		t.Parallel()
		emails := map[string]string{}
		for _, e := range all.Items {
			emails[e.Action] = e.ActorEmail
		}
		require.Equal(t, map[string]string{"a.one": "", "a.two": "alice@example.test", "b.three": "alice@example.test", "b.four": "op@example.test"}, emails)
		got, err := b.audit.Get(ctx, b.tenant, all.Items[2].ID)
		require.NoError(t, err)
		require.Equal(t, "a.two", got.Action)
		require.Equal(t, "alice@example.test", got.ActorEmail)
	})
}

// A tenant's entries are invisible to every other tenant.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	other := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{})
	b.record(t, ctx, audit.Entry{Action: "mine"})
	b.record(t, ctx, audit.Entry{TenantID: other, Action: "theirs"})
	mine := b.list(t, b.tenant, relay.Args{}, audit.Filter{})
	require.Equal(t, []string{"mine"}, actions(mine), "positive control: the tenant sees its entry")
	require.Equal(t, []string{"theirs"}, actions(b.list(t, other, relay.Args{}, audit.Filter{})))

	_, err := b.audit.Get(ctx, other, mine.Items[0].ID)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	got, err := b.audit.Get(ctx, b.tenant, mine.Items[0].ID)
	require.NoError(t, err)
	require.Equal(t, "mine", got.Action)

	err = b.tdb.InTenant(ctx, b.tenant, func(ctx context.Context, tx bun.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{TenantID: other, Action: "forged"})
	})
	require.ErrorContains(t, err, "row-level security", "an entry cannot be written into another tenant's log")
}

// ForAuth records domain/auth's entries field for field.
func TestForAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	actor, target := uuid.New(), uuid.New()
	require.NoError(t, b.tdb.InTenant(ctx, b.tenant, func(ctx context.Context, tx bun.Tx) error {
		return audit.ForAuth(ctx, tx, auth.AuditRecord{TenantID: b.tenant, ActorType: audit.ActorUser, ActorID: actor, ActorEmail: "a@example.test",
			Action: "auth.log_in", TargetType: "Session", TargetID: target, Outcome: audit.Failure, Details: map[string]any{"reason": "x"}})
	}))
	page := b.list(t, b.tenant, relay.Args{}, audit.Filter{})
	require.Len(t, page.Items, 1)
	e := page.Items[0]
	require.Equal(t, []any{audit.ActorUser, actor, "a@example.test", "auth.log_in", "Session", target, audit.Failure, map[string]any{"reason": "x"}},
		[]any{e.ActorType, e.ActorID, e.ActorEmail, e.Action, e.TargetType, e.TargetID, e.Outcome, e.Details})
}

// An entry's time is its transaction's, from the database handle's clock:
// a test that sets the clock controls it (and what Since and Until select).
func TestRecordTakesTheClocksTime(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)
	c := clock.NewManual(start)
	b.tdb.Clock = c

	b.record(t, ctx, audit.Entry{Action: "first"})
	c.Advance(time.Hour)
	require.NoError(t, b.tdb.InTenant(ctx, b.tenant, func(ctx context.Context, tx bun.Tx) error {
		c.Advance(time.Minute) // the transaction's time was fixed when it began
		if err := audit.Record(ctx, tx, audit.Entry{TenantID: b.tenant, Action: "second"}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: b.tenant, Action: "third"})
	}))

	all := b.list(t, b.tenant, relay.Args{}, audit.Filter{})
	at := map[string]time.Time{}
	for _, e := range all.Items {
		at[e.Action] = e.CreatedAt.UTC()
	}
	require.Equal(t, map[string]time.Time{"first": start, "second": start.Add(time.Hour), "third": start.Add(time.Hour)}, at)
	since := start.Add(30 * time.Minute)
	require.ElementsMatch(t, []string{"second", "third"}, actions(b.list(t, b.tenant, relay.Args{}, audit.Filter{Since: &since})))
	require.Equal(t, []string{"first"}, actions(b.list(t, b.tenant, relay.Args{}, audit.Filter{Until: &since})))
}

// The actions filter takes at most 100 actions of at most 100 characters
// (each goes into the statement), refused at its path.
func TestActionsFilterIsBounded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	many := make([]string, 101)
	for i := range many {
		many[i] = "auth.log_in"
	}
	for _, c := range []struct {
		actions []string
		path    []string
	}{
		{many, []string{"filter", "actions"}},
		{[]string{"auth.log_in", strings.Repeat("a", 101)}, []string{"filter", "actions", "1"}},
	} {
		_, err := b.audit.List(ctx, b.tenant, relay.Args{}, audit.Filter{Actions: c.actions})
		e, ok := apperr.As(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, apperr.BadUserInput, e.Code)
		require.Equal(t, c.path, e.Field)
	}
	_, err := b.audit.List(ctx, b.tenant, relay.Args{}, audit.Filter{Actions: many[:100]})
	require.NoError(t, err, "positive control")
}
