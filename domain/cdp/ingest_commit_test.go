package cdp

import (
	"bytes"
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

// materialiseAll runs the batch job's first step (ADR 0026) for every
// batch of tenant still staged.
func materialiseAll(t *testing.T, s *Service, tenant uuid.UUID) {
	t.Helper()
	require.NoError(t, s.MaterialiseStaged(context.Background(), tenant))
}

// storedIDs is the messageIds in cdp_events of tenant.
func storedIDs(t *testing.T, s *Service, tenant uuid.UUID) []string {
	t.Helper()
	var ids []string
	require.NoError(t, s.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT message_id FROM cdp_events ORDER BY 1").Scan(ctx, &ids)
	}))
	return ids
}

// A staged event holding a value PostgreSQL refuses (here a lone surrogate
// in properties, which the parser would have re-encoded: a safety net) is
// dropped when its batch is materialised; the events staged with it are
// stored, the usage keeps only them, and the batch is not left to fail
// for ever.
func TestMaterialiseDropsOnlyWhatPostgreSQLRefuses(t *testing.T) {
	tdb := testdb.New(t)
	b := &billing.Service{DB: tdb.DB}
	s := &Service{DB: tdb.DB, Billing: b}
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
	good := &pending{tenant: tenant, events: []Event{ev("good", `{"a":"\ud83d\ude00"}`), ev("good2", `{}`)}, done: make(chan error, 1)}
	s.writeGroup([]*pending{bad, good})
	require.NoError(t, <-good.done)
	require.NoError(t, <-bad.done, "acknowledged: PostgreSQL reads the value only when the batch is materialised")
	require.Empty(t, storedIDs(t, s, tenant), "nothing is stored before the batch job")

	materialiseAll(t, s, tenant)
	require.Equal(t, []string{"good", "good2"}, storedIDs(t, s, tenant))
	u, err := b.Usage(context.Background(), tenant)
	require.NoError(t, err)
	require.EqualValues(t, 2, u[1].Used, "the refused event is given back")
	var staged int
	require.NoError(t, tdb.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM cdp_batches WHERE staged IS NOT NULL").Scan(ctx, &staged)
	}))
	require.Zero(t, staged)
}

// A staged record reads back exactly as it was written, nil and empty
// values, times before 1970 and beyond 2262 included; a damaged one is
// refused, never half read.
func TestStagedRecordRoundTrip(t *testing.T) {
	src := uuid.New()
	orig := time.Date(1969, 7, 20, 20, 17, 40, 123456000, time.UTC)
	far := time.Date(2999, 1, 2, 3, 4, 5, 6000, time.UTC)
	evs := []Event{
		{SourceID: src, MessageID: "m1", Type: "track", Name: "Order Completed", UserID: "u1", ReceivedAt: far, Timestamp: orig,
			OriginalTimestamp: &orig, Properties: []byte(`{"a":1}`), Context: []byte(`{}`), Size: 42},
		{SourceID: uuid.New(), MessageID: "m2", Type: "identify", AnonymousID: "a", GroupID: "g", PreviousID: "p",
			ReceivedAt: orig, Timestamp: far, SentAt: &far, Traits: []byte(`{"email":"x@example.com"}`), Integrations: []byte(`{"All":true}`)},
	}
	list := []*Event{&evs[0], &evs[1]}
	rec := encodeStaged(nil, list)
	c, err := decodeStaged(rec)
	require.NoError(t, err)
	want := newColumns(2)
	want.add(&evs[0])
	want.add(&evs[1])
	require.Equal(t, want, c)

	for _, cut := range []int{0, 1, 2, 20, len(rec) - 1} {
		_, err := decodeStaged(rec[:cut])
		require.ErrorIs(t, err, errStaged, "cut at %d", cut)
	}
	_, err = decodeStaged(append(bytes.Clone(rec), 0))
	require.ErrorIs(t, err, errStaged, "trailing bytes")
	_, err = decodeStaged(append([]byte{9}, rec[1:]...))
	require.ErrorIs(t, err, errStaged, "unknown version")
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
	materialiseAll(t, s, tenant)
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

// A group's batch row counts per source the events staged, with the newest
// received_at; once materialised, exactly the events stored: a messageId
// stored by an earlier batch is dropped, not counted, and its monthly
// event is given back.
func TestGroupCommitCountsPerSource(t *testing.T) {
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
	// All new: two sources, counted apart, the newest time of each — as
	// staged, and the same once stored.
	write(ev(srcA.ID, "a1", 1), ev(srcB.ID, "b1", 5), ev(srcA.ID, "a2", 3))
	staged, stagedPer := latest()
	materialiseAll(t, s, tenant)
	b, per := latest()
	require.Equal(t, staged.Events, b.Events)
	require.JSONEq(t, string(staged.Sources), string(b.Sources))
	require.Len(t, stagedPer, 2)
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
	staged, _ = latest()
	require.EqualValues(t, 3, staged.Events, "staged: the commit does not know what was stored before")
	materialiseAll(t, s, tenant)
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
	u, err := s.Billing.Usage(ctx, tenant)
	require.NoError(t, err)
	require.EqualValues(t, 5, u[1].Used, "the duplicate's reservation is given back")
}
