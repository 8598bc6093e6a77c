package cdp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

type membershipFixture struct {
	tdb    *testdb.DB
	tenant uuid.UUID
	svc    *Service
	segs   *Segments
	gen    *ruleGen
	now    time.Time
	n      int
}

func newMembershipFixture(t *testing.T, seed uint64) *membershipFixture {
	t.Helper()
	tdb := testdb.New(t)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	tdb.Clock = clock.NewManual(now) // fixed: time windows do not move during the test
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	svc := &Service{DB: tdb.DB, Identity: NewIdentity(tdb.DB)}
	_, err := svc.EnsurePartitions(context.Background())
	require.NoError(t, err)
	return &membershipFixture{tdb: tdb, tenant: tenant, svc: svc, segs: &Segments{DB: tdb.DB}, now: now,
		gen: &ruleGen{r: rand.New(rand.NewPCG(seed, seed*7+1)), now: now}}
}

// batch stores a random batch of events and processes it as the job does.
func (f *membershipFixture) batch(t *testing.T, size int) {
	t.Helper()
	ctx, g := context.Background(), f.gen
	batch, source := uuid.New(), uuid.New()
	require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at) VALUES (?, ?, ?, '[]', ?)`,
			f.tenant, batch, size, f.now); err != nil {
			return err
		}
		for range size {
			f.n++
			var user, anon *string
			if g.r.IntN(2) == 0 {
				user = ptr(fmt.Sprintf("u%d", g.r.IntN(6)))
			}
			if user == nil || g.r.IntN(4) == 0 {
				anon = ptr(fmt.Sprintf("a%d", g.r.IntN(10)))
			}
			typ, name, traits, props := "track", ptr(g.pick(genEvents...)), (*string)(nil), (*string)(nil)
			if g.r.IntN(4) == 0 {
				typ, name, traits = "identify", nil, ptr(g.object(genKeys))
			} else {
				props = ptr(g.object(append(genProps, "cart")))
			}
			at := f.now.Add(time.Duration(g.r.IntN(90*24)-60*24) * time.Hour)
			if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
					user_id, anonymous_id, "timestamp", traits, properties, payload_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, 10)`,
				f.tenant, source, fmt.Sprint("m", f.n), f.now, batch, typ, name, user, anon, at, traits, props); err != nil {
				return err
			}
		}
		return nil
	}))
	done, err := f.svc.ProcessBatch(ctx, f.tenant, batch)
	require.NoError(t, err)
	require.True(t, done)
}

// defineTraits adds computed traits over the generated events (values:
// numbers and strings) and returns their ids.
func (f *membershipFixture) defineTraits(t *testing.T) []uuid.UUID {
	t.Helper()
	traits := &Traits{DB: f.tdb.DB}
	var out []uuid.UUID
	for _, in := range []TraitDefinitionInput{
		{Name: "orders", Aggregation: AggCount, Event: OrderCompleted},
		{Name: "spent", Aggregation: AggSum, Event: OrderCompleted, ValueProperty: ptr("total")},
		{Name: "plan", Aggregation: AggLast, Event: "Signed Up", ValueProperty: ptr("plan")},
		{Name: "recent logins", Aggregation: AggCount, Event: "Login", WindowDays: func() *int { n := 30; return &n }()},
	} {
		d, err := traits.CreateDefinition(context.Background(), f.tenant, in)
		require.NoError(t, err)
		out = append(out, d.ID)
	}
	return out
}

// changes counts the membership changes recorded for seg.
func (f *membershipFixture) changes(t *testing.T, seg uuid.UUID) (n int) {
	t.Helper()
	require.NoError(t, f.tdb.DB.InTenant(context.Background(), f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM cdp_segment_membership_changes WHERE tenant_id = ? AND segment_id = ?", f.tenant, seg).Scan(ctx, &n)
	}))
	return n
}

// members lists seg's current members, sorted.
func (f *membershipFixture) members(t *testing.T, seg uuid.UUID) (ids []uuid.UUID) {
	t.Helper()
	require.NoError(t, f.tdb.DB.InTenant(context.Background(), f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT profile_id FROM cdp_segment_members WHERE tenant_id = ? AND segment_id = ? AND exited_at IS NULL ORDER BY profile_id",
			f.tenant, seg).Scan(ctx, &ids)
	}))
	if ids == nil {
		ids = []uuid.UUID{}
	}
	return ids
}

// After random event streams processed by the batch job (identities
// resolved and merged, traits and counters applied, each dynamic segment
// refreshed for the touched profiles only), a full recompute changes
// nothing: the incremental membership equals the full one.
func TestSegmentIncrementalMembershipEqualsFullRecompute(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 2; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newMembershipFixture(t, seed)
			// Computed traits the batch job maintains, for the rules to name.
			f.gen.defs = f.defineTraits(t)
			var ids []uuid.UUID
			for i := range 25 {
				r := f.gen.rule(1)
				seg, err := f.segs.CreateSegment(ctx, f.tenant, SegmentInput{Name: fmt.Sprint("s", i), Kind: SegmentDynamic, Rules: &r})
				require.NoError(t, err)
				ids = append(ids, seg.ID)
			}
			control, err := f.segs.CreateSegment(ctx, f.tenant, SegmentInput{Name: "control", Kind: SegmentDynamic,
				Rules: &Rule{Field: FieldEventCount, Operator: OpGreaterThan, Value: ptr("0")}})
			require.NoError(t, err)
			static, err := f.segs.CreateSegment(ctx, f.tenant, SegmentInput{Name: "static", Kind: SegmentStatic,
				Rules: &Rule{Field: FieldEventCount, Operator: OpGreaterThan, Value: ptr("0")}})
			require.NoError(t, err)
			for range 8 {
				f.batch(t, 25)
			}
			incremental, members := 0, 0
			for _, id := range append(ids, control.ID) {
				before := f.changes(t, id)
				incremental += before
				want := f.members(t, id)
				members += len(want)
				_, err := f.segs.RefreshSegment(ctx, f.tenant, id)
				require.NoError(t, err)
				require.Equal(t, before, f.changes(t, id), "segment %s: the full refresh changed the incremental membership", id)
				require.Equal(t, want, f.members(t, id))
			}
			// The streams moved memberships, and the control segment followed.
			require.Greater(t, incremental, 10)
			require.Greater(t, members, 10)
			require.NotEmpty(t, f.members(t, control.ID))
			// A static segment does not follow the events.
			require.Empty(t, f.members(t, static.ID))

			// Positive control: a change behind the batch job's back (no
			// incremental refresh) is what a full refresh finds.
			victim := f.members(t, control.ID)[0]
			require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.ExecContext(ctx, "UPDATE cdp_profiles SET event_count = 0 WHERE tenant_id = ? AND id = ?", f.tenant, victim)
				return err
			}))
			before := f.changes(t, control.ID)
			n, err := f.segs.RefreshTenant(ctx, f.tenant)
			require.NoError(t, err)
			require.Equal(t, len(ids)+1, n)
			require.Equal(t, before+1, f.changes(t, control.ID))
			require.NotContains(t, f.members(t, control.ID), victim)
		})
	}
}

// Saving a segment computes its membership: the members are the
// evaluator's; a rule change moves them, with deltas for both ways.
func TestSegmentLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newSegmentFixture(t, 5)
	segs := &Segments{DB: f.tdb.DB}
	r := Rule{Or: []Rule{
		{Field: FieldLifecycleStage, Operator: OpEquals, Value: ptr(StageCustomer)},
		{Event: &EventCondition{Name: OrderCompleted, Window: &TimeWindow{Operator: OpWithinLast, Value: ptr("30")}}},
	}}
	seg, err := segs.CreateSegment(ctx, f.tenant, SegmentInput{Name: " Buyers ", Kind: SegmentDynamic, Rules: &r})
	require.NoError(t, err)
	require.Equal(t, "Buyers", seg.Name)
	want := f.ev.members(&r)
	require.NotEmpty(t, want)
	require.EqualValues(t, len(want), seg.Size)
	require.NotNil(t, seg.RefreshedAt)
	page, err := segs.Members(ctx, f.tenant, seg.ID, relayFirst(100))
	require.NoError(t, err)
	require.Len(t, page.Items, len(want))

	// The stored rules read back as given.
	got, err := segs.Segment(ctx, f.tenant, seg.ID)
	require.NoError(t, err)
	require.Equal(t, r, got.Rules)

	r2 := Rule{Not: &r}
	seg, err = segs.UpdateSegment(ctx, f.tenant, seg.ID, SegmentPatch{Rules: &r2})
	require.NoError(t, err)
	require.EqualValues(t, len(f.ev.members(&r2)), seg.Size)
	var entered, exited int
	require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT count(*) FILTER (WHERE change = 'ENTERED'), count(*) FILTER (WHERE change = 'EXITED')
			FROM cdp_segment_membership_changes WHERE tenant_id = ? AND segment_id = ?`, f.tenant, seg.ID).Scan(ctx, &entered, &exited)
	}))
	require.Equal(t, len(want)+int(seg.Size), entered)
	require.Equal(t, len(want), exited)

	p, err := segs.PreviewSegment(ctx, f.tenant, &r, []string{"rules"})
	require.NoError(t, err)
	require.EqualValues(t, len(want), p.Size)
	require.Len(t, p.Sample, min(len(want), PreviewSampleSize))

	require.NoError(t, segs.DeleteSegment(ctx, f.tenant, seg.ID))
	_, err = segs.Segment(ctx, f.tenant, seg.ID)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
}

// Bad rules are refused with the path of the bad node; nothing is saved.
func TestSegmentValidationPaths(t *testing.T) {
	t.Parallel()
	root := []string{"input", "rules"}
	cases := []struct {
		rule Rule
		path []string
	}{
		{Rule{And: []Rule{{Field: FieldEventCount, Operator: OpGreaterThan, Value: ptr("1")},
			{Or: []Rule{{Field: FieldEventCount, Operator: OpGreaterThan, Value: ptr("many")}}}}},
			[]string{"input", "rules", "and", "1", "or", "0", "value"}},
		{Rule{}, root},
		{Rule{And: []Rule{}}, []string{"input", "rules", "and"}},
		{Rule{Field: FieldEventCount, Trait: []string{"x"}}, root},
		{Rule{Field: "AGE", Operator: OpEquals, Value: ptr("1")}, []string{"input", "rules", "field"}},
		{Rule{Field: FieldLastSeenAt, Operator: OpContains, Value: ptr("1")}, []string{"input", "rules", "operator"}},
		{Rule{Field: FieldLastSeenAt, Operator: OpWithinLast, Value: ptr("0")}, []string{"input", "rules", "value"}},
		{Rule{Trait: []string{"a", ""}, Operator: OpExists}, []string{"input", "rules", "trait", "1"}},
		{Rule{Trait: []string{"a"}, Operator: OpIn, Values: make([]string, MaxRuleInValues+1)}, []string{"input", "rules", "values"}},
		{Rule{Trait: []string{"a"}, Operator: OpEquals, Value: ptr(string(make([]byte, MaxRuleValueLength+1)))}, []string{"input", "rules", "value"}},
		{Rule{Trait: []string{"a"}, Operator: OpBetween, Values: []string{"5", "1"}}, []string{"input", "rules", "values", "1"}},
		{Rule{Identifier: "SSN", Operator: OpExists}, []string{"input", "rules", "identifier"}},
		{Rule{Not: &Rule{Event: &EventCondition{Name: "x", Where: []SegmentPropertyFilter{{Path: []string{"total"}, Operator: OpGreaterThan, Value: ptr("x")}}}}},
			[]string{"input", "rules", "not", "event", "where", "0", "value"}},
		{Rule{Event: &EventCondition{Name: "x", Count: &EventCount{Operator: "SOME", Value: 1}}}, []string{"input", "rules", "event", "count", "operator"}},
		{Rule{Event: &EventCondition{Name: "x", Window: &TimeWindow{Operator: OpEquals, Value: ptr("1")}}}, []string{"input", "rules", "event", "window", "operator"}},
		{Rule{Event: &EventCondition{Name: ""}}, []string{"input", "rules", "event", "name"}},
	}
	for i, c := range cases {
		err := ValidateRules(&c.rule, root)
		e, ok := apperr.As(err)
		require.True(t, ok, "case %d: %v", i, err)
		require.Equal(t, apperr.BadUserInput, e.Code, "case %d", i)
		require.Equal(t, c.path, e.Field, "case %d: %s", i, e.Message)
	}
	// Depth and size bounds.
	deep := Rule{Field: FieldEventCount, Operator: OpExists}
	for range MaxRuleDepth {
		deep = Rule{Not: &deep}
	}
	require.Error(t, ValidateRules(&deep, root))
	wide := Rule{}
	for range MaxRuleChildren {
		wide.Or = append(wide.Or, Rule{And: []Rule{{Field: FieldEventCount, Operator: OpEquals, Value: ptr("1")},
			{Field: FieldEventCount, Operator: OpEquals, Value: ptr("1")}, {Field: FieldEventCount, Operator: OpEquals, Value: ptr("1")}}})
	}
	e, _ := apperr.As(ValidateRules(&wide, root))
	require.Contains(t, e.Message, "at most 50 conditions")
	// Positive control: a valid tree passes.
	ok := Rule{And: []Rule{{Field: FieldEventCount, Operator: OpGreaterThan, Value: ptr("1")}}}
	require.NoError(t, ValidateRules(&ok, root))
}

// The preview's statement timeout stops a query that runs too long (here:
// one waiting for a lock another transaction holds on the events) with a
// clear error.
func TestSegmentPreviewTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newSegmentFixture(t, 9)
	r := Rule{Event: &EventCondition{Name: OrderCompleted}}
	// Positive control: without the lock the preview answers.
	segs := &Segments{DB: f.tdb.DB, PreviewTimeout: 200 * time.Millisecond}
	_, err := segs.PreviewSegment(ctx, f.tenant, &r, []string{"rules"})
	require.NoError(t, err)

	locked, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "LOCK TABLE cdp_events IN ACCESS EXCLUSIVE MODE"); err != nil {
				close(locked)
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	_, err = segs.PreviewSegment(ctx, f.tenant, &r, []string{"rules"})
	close(release)
	require.NoError(t, <-done)
	e, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, apperr.BadUserInput, e.Code)
	require.Equal(t, []string{"rules"}, e.Field)
	require.Contains(t, e.Message, "took longer than 200ms")
}

func relayFirst(n int) relay.Args { return relay.Args{First: &n} }

// The trait jobs and the RFM refresh move dynamic segments' members: a
// definition's backfill (values computed outside the batch job) and an RFM
// refresh (every score replaced) leave memberships a full recompute does
// not change, and not empty.
func TestSegmentFollowsTraitBackfillAndRFMRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMembershipFixture(t, 5)
	for range 6 {
		f.batch(t, 25)
	}
	traits := &Traits{DB: f.tdb.DB}
	def, err := traits.CreateDefinition(ctx, f.tenant, TraitDefinitionInput{Name: "orders", Aggregation: AggCount, Event: OrderCompleted})
	require.NoError(t, err)
	byTrait, err := f.segs.CreateSegment(ctx, f.tenant, SegmentInput{Name: "buyers", Kind: SegmentDynamic,
		Rules: &Rule{ComputedTrait: &def.ID, Operator: OpGreaterThan, Value: ptr("0")}})
	require.NoError(t, err)
	byRFM, err := f.segs.CreateSegment(ctx, f.tenant, SegmentInput{Name: "scored", Kind: SegmentDynamic,
		Rules: &Rule{RFM: RFMMeasureRecency, Operator: OpBetween, Values: []string{"1", "5"}}})
	require.NoError(t, err)
	require.Empty(t, f.members(t, byTrait.ID), "no values before the backfill")
	require.Empty(t, f.members(t, byRFM.ID), "no scores before the refresh")

	require.NoError(t, traits.Backfill(ctx, f.tenant, def.ID, def.Version))
	_, err = NewRFM(f.tdb.DB).Refresh(ctx, f.tenant)
	require.NoError(t, err)
	for _, seg := range []uuid.UUID{byTrait.ID, byRFM.ID} {
		want, before := f.members(t, seg), f.changes(t, seg)
		require.NotEmpty(t, want)
		_, err := f.segs.RefreshSegment(ctx, f.tenant, seg)
		require.NoError(t, err)
		require.Equal(t, before, f.changes(t, seg), "the full refresh changed the membership")
		require.Equal(t, want, f.members(t, seg))
	}
}

// A computed trait that segments' rules name cannot be deleted (the
// segments would silently match on a trait that no longer exists): the
// refusal names them and changes nothing; once no segment names it, it
// deletes.
func TestUsedComputedTraitIsNotDeleted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMembershipFixture(t, 1)
	traits := &Traits{DB: f.tdb.DB}
	def, err := traits.CreateDefinition(ctx, f.tenant, TraitDefinitionInput{Name: "orders", Aggregation: AggCount, Event: OrderCompleted})
	require.NoError(t, err)
	seg, err := f.segs.CreateSegment(ctx, f.tenant, SegmentInput{Name: "buyers", Kind: SegmentDynamic,
		Rules: &Rule{Not: &Rule{Or: []Rule{{ComputedTrait: &def.ID, Operator: OpGreaterThan, Value: ptr("0")}}}}})
	require.NoError(t, err)

	err = traits.DeleteDefinition(ctx, f.tenant, def.ID)
	e, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, apperr.Conflict, e.Code)
	require.Contains(t, e.Message, "“buyers”")
	_, err = traits.Definition(ctx, f.tenant, def.ID)
	require.NoError(t, err, "the refused delete removed the definition")

	require.NoError(t, f.segs.DeleteSegment(ctx, f.tenant, seg.ID))
	require.NoError(t, traits.DeleteDefinition(ctx, f.tenant, def.ID))
	_, err = traits.Definition(ctx, f.tenant, def.ID)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
}
