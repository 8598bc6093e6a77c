package cdp

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/testdb"
)

// A request holding a value PostgreSQL refuses (here a lone surrogate in
// properties, which the parser would have re-encoded) fails alone: the
// request grouped with it commits.
func TestGroupCommitIsolatesARequestPostgreSQLRefuses(t *testing.T) {
	tdb := testdb.New(t)
	s := &Service{DB: tdb.DB, Billing: &billing.Service{DB: tdb.DB}}
	t.Cleanup(func() { s.Close(context.Background()) })
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	src, _, err := s.CreateSource(context.Background(), tenant, CreateSourceInput{Name: "S"})
	require.NoError(t, err)
	ev := func(id, props string) Event {
		now := tdb.DB.Now(context.Background())
		return Event{SourceID: src.ID, MessageID: id, Type: "track", Name: "E", UserID: "u", ReceivedAt: now, Timestamp: now,
			Properties: []byte(props), Size: 10}
	}
	bad := &pending{tenant: tenant, events: []Event{ev("bad", `{"a":"\ud800"}`)}, done: make(chan error, 1)}
	good := &pending{tenant: tenant, events: []Event{ev("good", `{"a":"\ud83d\ude00"}`)}, done: make(chan error, 1)}
	s.writeGroup([]*pending{bad, good})
	require.NoError(t, <-good.done)
	err = <-bad.done
	e, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, apperr.BadUserInput, e.Code)

	var ids []string
	require.NoError(t, tdb.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT message_id FROM cdp_events ORDER BY 1").Scan(ctx, &ids)
	}))
	require.Equal(t, []string{"good"}, ids)
}

// A group that would pass the monthly events limit is written request by
// request: the ones that fit commit, the one over the limit is refused
// naming it, and the usage counts exactly what was stored.
func TestGroupCommitOverTheLimitRefusesOnlyWhatDoesNotFit(t *testing.T) {
	tdb := testdb.New(t)
	b := &billing.Service{DB: tdb.DB}
	s := &Service{DB: tdb.DB, Billing: b}
	t.Cleanup(func() { s.Close(context.Background()) })
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	src, _, err := s.CreateSource(context.Background(), tenant, CreateSourceInput{Name: "S"})
	require.NoError(t, err)
	max := billing.Limits()[1].Of(billing.Professional)
	require.NoError(t, tdb.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return b.ReserveTx(ctx, tx, tenant, billing.MonthlyEvents, max-3)
	}))
	now := tdb.DB.Now(context.Background())
	req := func(ids ...string) *pending {
		p := &pending{tenant: tenant, done: make(chan error, 1)}
		for _, id := range ids {
			p.events = append(p.events, Event{SourceID: src.ID, MessageID: id, Type: "track", Name: "E", UserID: "u", ReceivedAt: now, Timestamp: now, Size: 10})
		}
		return p
	}
	a, big, c := req("a1", "a2"), req("b1", "b2"), req("c1")
	s.writeGroup([]*pending{a, big, c})
	require.NoError(t, <-a.done)
	err = <-big.done
	e, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, apperr.Throttled, e.Code)
	require.Equal(t, string(billing.MonthlyEvents), e.Extensions["limit"])
	require.NoError(t, <-c.done)

	var ids []string
	require.NoError(t, tdb.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT message_id FROM cdp_events ORDER BY 1").Scan(ctx, &ids)
	}))
	require.Equal(t, []string{"a1", "a2", "c1"}, ids)
	u, err := b.Usage(context.Background(), tenant)
	require.NoError(t, err)
	require.Equal(t, billing.MonthlyEvents, u[1].Key)
	require.Equal(t, max, u[1].Used)
}
