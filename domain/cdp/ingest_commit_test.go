package cdp

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
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

// A group is first written as if all its messageIds were new; one stored
// before sends it through the deduplicating statement instead, and either
// way the batch row counts per source exactly the events stored, with the
// newest received_at.
func TestGroupCommitCountsPerSourceOnBothPaths(t *testing.T) {
	tdb := testdb.New(t)
	s := &Service{DB: tdb.DB, Billing: &billing.Service{DB: tdb.DB}}
	t.Cleanup(func() { s.Close(context.Background()) })
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	ctx := context.Background()
	srcA, _, err := s.CreateSource(ctx, tenant, CreateSourceInput{Name: "A"})
	require.NoError(t, err)
	srcB, _, err := s.CreateSource(ctx, tenant, CreateSourceInput{Name: "B"})
	require.NoError(t, err)
	t0 := tdb.DB.Now(ctx)
	ev := func(src uuid.UUID, id string, sec int) Event {
		at := t0.Add(time.Duration(sec) * time.Second)
		return Event{SourceID: src, MessageID: id, Type: "track", Name: "E", UserID: "u", ReceivedAt: at, Timestamp: at, Size: 10}
	}
	write := func(evs ...Event) {
		p := &pending{tenant: tenant, events: evs, done: make(chan error, 1)}
		s.writeGroup([]*pending{p})
		require.NoError(t, <-p.done)
	}
	type row struct {
		Events  int64           `bun:"events"`
		Sources json.RawMessage `bun:"sources"`
	}
	latest := func() (batchRow row, perSource []batchSource) {
		require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT events, sources FROM cdp_batches ORDER BY created_at DESC, events LIMIT 1").Scan(ctx, &batchRow)
		}))
		require.NoError(t, json.Unmarshal(batchRow.Sources, &perSource))
		return batchRow, perSource
	}
	// All new: two sources, counted apart, the newest time of each.
	write(ev(srcA.ID, "a1", 1), ev(srcB.ID, "b1", 5), ev(srcA.ID, "a2", 3))
	b, per := latest()
	require.EqualValues(t, 3, b.Events)
	got := map[uuid.UUID]batchSource{}
	for _, x := range per {
		got[x.ID] = x
	}
	require.EqualValues(t, 2, got[srcA.ID].Events)
	require.True(t, got[srcA.ID].Last.Equal(t0.Add(3*time.Second)), "%v", got[srcA.ID].Last)
	require.EqualValues(t, 1, got[srcB.ID].Events)
	// a1 again (stored before) beside two new ones: only the new are
	// written and counted.
	write(ev(srcA.ID, "a1", 9), ev(srcA.ID, "a3", 7), ev(srcB.ID, "b2", 8))
	b, per = latest()
	require.EqualValues(t, 2, b.Events)
	got = map[uuid.UUID]batchSource{}
	for _, x := range per {
		got[x.ID] = x
	}
	require.EqualValues(t, 1, got[srcA.ID].Events)
	require.True(t, got[srcA.ID].Last.Equal(t0.Add(7*time.Second)), "%v", got[srcA.ID].Last)
	require.EqualValues(t, 1, got[srcB.ID].Events)
	var n int
	require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM cdp_events").Scan(ctx, &n)
	}))
	require.Equal(t, 5, n)
}
