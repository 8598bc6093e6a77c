package cdp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// segmentFixture is a database with random profiles and events, and the
// same data in an evaluator.
type segmentFixture struct {
	tdb    *testdb.DB
	tenant uuid.UUID
	ev     *evaluator
	gen    *ruleGen
	clock  *clock.Manual
}

func newSegmentFixture(t *testing.T, seed uint64) *segmentFixture {
	t.Helper()
	ctx := context.Background()
	tdb := testdb.New(t)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	c := clock.NewManual(now)
	tdb.Clock = c
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	s := &Service{DB: tdb.DB}
	_, err := s.EnsurePartitions(ctx)
	require.NoError(t, err)
	f := &segmentFixture{tdb: tdb, tenant: tenant, ev: &evaluator{now: now}, clock: c,
		gen: &ruleGen{r: rand.New(rand.NewPCG(seed, seed^0x5e9)), now: now, defs: []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}}}
	f.insertRandomData(t)
	return f
}

func (f *segmentFixture) insertRandomData(t *testing.T) {
	ctx, g := context.Background(), f.gen
	day := func() time.Time { return f.ev.now.Add(time.Duration(g.r.IntN(120*24)-60*24) * time.Hour) }
	const people = 30
	for i := range people {
		a, b := day(), day()
		if b.Before(a) {
			a, b = b, a
		}
		p := evalProfile{ID: uuid.New(), Stage: g.pick(lifeStages...), FirstSeen: a, LastSeen: b,
			Events: int64(g.r.IntN(12)), Sessions: int64(g.r.IntN(12)), Purchases: int64(g.r.IntN(12)),
			Revenue: int64(g.r.IntN(200))*1_000_000 + int64(g.r.IntN(10))*100_000, TraitsJSON: g.object(genKeys)}
		// Identifiers from a small pool so that conditions on values match.
		p.Identifiers = append(p.Identifiers, Identifier{IdentifierAnonymousID, fmt.Sprintf("a%d", i)})
		if i%2 == 0 {
			p.Identifiers = append(p.Identifiers, Identifier{IdentifierUserID, fmt.Sprintf("u%d", i/2)})
		}
		if i%5 == 0 {
			p.Identifiers = append(p.Identifiers, Identifier{IdentifierEmail, fmt.Sprintf("p%d@example.com", i/5)})
		}
		// Computed traits: each definition has a value for some profiles.
		p.Computed = map[uuid.UUID]string{}
		for _, d := range g.defs {
			if g.r.IntN(3) > 0 {
				v := g.jsonValue()
				if _, obj := v.(map[string]any); obj || v == nil {
					v = json.Number(fmt.Sprint(g.r.IntN(20)))
				}
				b, _ := json.Marshal(v)
				p.Computed[d] = string(b)
			}
		}
		if g.r.IntN(4) > 0 {
			r, fq := 1+g.r.IntN(5), 1+g.r.IntN(5)
			p.RFM = &evalRFM{R: r, F: fq, M: 1 + g.r.IntN(5), Cell: RFMCell(r, fq)}
		}
		f.ev.profiles = append(f.ev.profiles, p)
	}
	// Some profiles were merged into others (they are not live).
	for i := 0; i < people; i += 7 {
		surv := f.ev.profiles[(i+1)%people].ID
		f.ev.profiles[i].MergedInto = &surv
	}
	source := uuid.New()
	ids := func(prefix string, n int) *string {
		if g.r.IntN(3) == 0 {
			return nil
		}
		return ptr(fmt.Sprintf("%s%d", prefix, g.r.IntN(n)))
	}
	for i := range 400 {
		e := evalEvent{Source: source, MessageID: fmt.Sprintf("m%d", i), Type: g.pick("track", "track", "track", "page"),
			Name: g.pick(genEvents...), UserID: ids("u", people/2+2), AnonID: ids("a", people+2), At: day()}
		if g.r.IntN(5) > 0 {
			e.Properties = ptr(g.object(append(genProps, "cart")))
		}
		f.ev.events = append(f.ev.events, e)
	}
	require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		for _, p := range f.ev.profiles { // the live ones first: merged_into references them
			if p.MergedInto != nil {
				continue
			}
			if err := insertEvalProfile(ctx, tx, f.tenant, p); err != nil {
				return err
			}
		}
		for _, p := range f.ev.profiles {
			if p.MergedInto == nil {
				continue
			}
			if err := insertEvalProfile(ctx, tx, f.tenant, p); err != nil {
				return err
			}
		}
		for i, d := range g.defs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_trait_definitions (tenant_id, id, name, aggregation, event, backfill_status,
					created_at, updated_at) VALUES (?, ?, ?, 'COUNT', 'Login', 'DONE', ?, ?)`, f.tenant, d, fmt.Sprint("trait ", i), f.ev.now, f.ev.now); err != nil {
				return err
			}
		}
		for _, p := range f.ev.profiles {
			for d, v := range p.Computed {
				if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_computed_traits (tenant_id, profile_id, definition_id, value, computed_at, state)
					VALUES (?, ?, ?, ?::jsonb, ?, '{}')`, f.tenant, p.ID, d, v, f.ev.now); err != nil {
					return err
				}
			}
			if s := p.RFM; s != nil {
				if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_profile_rfm (tenant_id, profile_id, r, f, m, segment, computed_at)
					VALUES (?, ?, ?, ?, ?, ?, ?)`, f.tenant, p.ID, s.R, s.F, s.M, s.Cell, f.ev.now); err != nil {
					return err
				}
			}
		}
		batch := uuid.New()
		for _, e := range f.ev.events {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
					user_id, anonymous_id, "timestamp", properties, payload_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, 10)`,
				f.tenant, e.Source, e.MessageID, f.ev.now, batch, e.Type, e.Name, e.UserID, e.AnonID, e.At, e.Properties); err != nil {
				return err
			}
		}
		return nil
	}))
}

func insertEvalProfile(ctx context.Context, tx bun.Tx, tenant uuid.UUID, p evalProfile) error {
	var mergedAt *time.Time
	if p.MergedInto != nil {
		mergedAt = &p.LastSeen
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_profiles (tenant_id, id, created_at, updated_at, merged_into, merged_at,
			first_seen_at, last_seen_at, lifecycle_stage, traits, event_count, session_count, purchase_count, revenue_micros)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?)`,
		tenant, p.ID, p.FirstSeen, p.FirstSeen, p.MergedInto, mergedAt, p.FirstSeen, p.LastSeen, p.Stage, p.TraitsJSON,
		p.Events, p.Sessions, p.Purchases, p.Revenue); err != nil {
		return err
	}
	for _, id := range p.Identifiers {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_identifiers (tenant_id, type, value, value_hash, profile_id, priority, created_at)
			VALUES (?, ?, ?, repeat('0', 64), ?, 1, ?)`, tenant, id.Type, id.Value, p.ID, p.FirstSeen); err != nil {
			return err
		}
	}
	return nil
}

// runRules runs the compiled query of r (full, or for scope) and returns
// the ids, sorted.
func runRules(t *testing.T, d *testdb.DB, tenant uuid.UUID, r *Rule, now time.Time, scope []uuid.UUID) []uuid.UUID {
	t.Helper()
	out := []uuid.UUID{}
	q := compileRules(r, tenant, now, scope)
	require.NoError(t, d.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		rows, err := tx.Tx.QueryContext(ctx, q.sql, q.args...)
		if err != nil {
			return fmt.Errorf("%w\n%s", err, q.sql)
		}
		defer rows.Close()
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out = append(out, id)
		}
		return rows.Err()
	}))
	slices.SortFunc(out, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return out
}

// operandsOf lists every value, path key and event name a tree holds.
func operandsOf(r *Rule) []string {
	var out []string
	if r.Value != nil {
		out = append(out, *r.Value)
	}
	out = append(append(out, r.Values...), r.Trait...)
	for i := range r.And {
		out = append(out, operandsOf(&r.And[i])...)
	}
	for i := range r.Or {
		out = append(out, operandsOf(&r.Or[i])...)
	}
	if r.Not != nil {
		out = append(out, operandsOf(r.Not)...)
	}
	if e := r.Event; e != nil {
		out = append(out, e.Name)
		for _, f := range e.Where {
			out = append(append(out, f.Path...), f.Values...)
			if f.Value != nil {
				out = append(out, *f.Value)
			}
		}
	}
	return out
}

// Random rule trees over random profiles and events: the compiled query
// returns exactly the profiles the brute-force evaluator finds.
func TestSegmentSQLMatchesEvaluator(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			f := newSegmentFixture(t, seed)
			nonEmpty, notAll, computed, rfm := 0, 0, 0, 0
			for i := range 150 {
				r := f.gen.rule(1)
				require.NoError(t, ValidateRules(&r, []string{"rules"}), "generated rule %d", i)
				want := f.ev.members(&r)
				got := runRules(t, f.tdb, f.tenant, &r, f.ev.now, nil)
				if !slices.Equal(want, got) {
					q := compileRules(&r, f.tenant, f.ev.now, nil)
					b, _ := jsonMarshalIndent(r)
					t.Fatalf("rule %d: evaluator %d profiles, SQL %d\nrule: %s\nsql: %s", i, len(want), len(got), b, q.sql)
				}
				if len(want) > 0 {
					nonEmpty++
					if ruleUses(&r, func(x *Rule) bool { return x.ComputedTrait != nil }) {
						computed++
					}
					if ruleUses(&r, func(x *Rule) bool { return x.RFM != "" }) {
						rfm++
					}
				}
				if len(want) < 26 {
					notAll++
				}
			}
			// The generated trees discriminate: many select some profiles,
			// many leave some out.
			require.Greater(t, nonEmpty, 30)
			require.Greater(t, notAll, 30)
			// The later kinds were among them.
			require.Greater(t, computed, 5)
			require.Greater(t, rfm, 5)
		})
	}
}

// A scoped query (the incremental refresh's) returns the full query's
// answer restricted to the scope.
func TestSegmentScopedQueryIsTheFullOneRestricted(t *testing.T) {
	t.Parallel()
	f := newSegmentFixture(t, 11)
	var scope []uuid.UUID
	for i, p := range f.ev.profiles {
		if i%3 == 0 {
			scope = append(scope, p.ID)
		}
	}
	for range 60 {
		r := f.gen.rule(1)
		full := runRules(t, f.tdb, f.tenant, &r, f.ev.now, nil)
		want := []uuid.UUID{}
		for _, id := range full {
			if slices.Contains(scope, id) {
				want = append(want, id)
			}
		}
		require.Equal(t, want, runRules(t, f.tdb, f.tenant, &r, f.ev.now, scope))
	}
}

// Injection attempts in values, paths and event names are inert: the
// query runs, finds what the evaluator finds (nothing has such keys), and
// the tables are still there.
func TestSegmentInjectionIsInert(t *testing.T) {
	t.Parallel()
	f := newSegmentFixture(t, 21)
	evil := []string{`'`, `"`, `'); DROP TABLE cdp_profiles; --`, `$1`, `$2::text`, `?`, `{a,b}`, `a'}`, `->>`, `#>`,
		`#>> '{}'`, `\`, `%`, `_`, `' OR '1'='1`, `) OR true --`}
	var rules []Rule
	for _, s := range evil {
		rules = append(rules,
			Rule{Trait: []string{s}, Operator: OpEquals, Value: ptr(s)},
			Rule{Not: &Rule{Trait: []string{"plan", s}, Operator: OpExists}},
			Rule{Trait: []string{"plan"}, Operator: OpContains, Value: ptr(s)},
			Rule{Trait: []string{s}, Operator: OpIn, Values: []string{s, "pro"}},
			Rule{Identifier: IdentifierUserID, Operator: OpEquals, Value: ptr(s)},
			Rule{Field: FieldLifecycleStage, Operator: OpNotEquals, Value: ptr("KNOWN")},
			Rule{Event: &EventCondition{Name: s, Count: &EventCount{Operator: CountAtMost, Value: 0},
				Where: []SegmentPropertyFilter{{Path: []string{s, s}, Operator: OpEquals, Value: ptr(s)}}}},
			Rule{Event: &EventCondition{Name: OrderCompleted, Where: []SegmentPropertyFilter{{Path: []string{s}, Operator: OpNotEquals, Value: ptr(s)}}}},
			Rule{ComputedTrait: &f.gen.defs[0], Operator: OpEquals, Value: ptr(s)},
			Rule{Not: &Rule{ComputedTrait: &f.gen.defs[1], Operator: OpContains, Value: ptr(s)}},
			Rule{ComputedTrait: &f.gen.defs[2], Operator: OpIn, Values: []string{s, "12"}},
		)
	}
	for i := range rules {
		r := &rules[i]
		require.NoError(t, ValidateRules(r, []string{"rules"}))
		q := compileRules(r, f.tenant, f.ev.now, nil)
		for _, s := range operandsOf(r) {
			if len(s) > 3 && s != OrderCompleted {
				require.NotContains(t, q.sql, s, "an operand in the SQL text")
			}
		}
		require.Equal(t, f.ev.members(r), runRules(t, f.tdb, f.tenant, r, f.ev.now, nil), "rule %d", i)
	}
	// Positive control: the data is there and a plain rule finds it.
	all := runRules(t, f.tdb, f.tenant, &Rule{Field: FieldEventCount, Operator: OpGreaterThan, Value: ptr("-1")}, f.ev.now, nil)
	require.NotEmpty(t, all)
	// Numbers, times and days are checked before they reach SQL.
	for _, r := range []Rule{
		{Field: FieldEventCount, Operator: OpGreaterThan, Value: ptr("1; DROP TABLE cdp_profiles")},
		{Trait: []string{"score"}, Operator: OpLessThan, Value: ptr("1)::numeric OR true --")},
		{Field: FieldLastSeenAt, Operator: OpBefore, Value: ptr("now()")},
		{Field: FieldLastSeenAt, Operator: OpWithinLast, Value: ptr("1 day'")},
		{RFM: RFMMeasureRecency, Operator: OpGreaterThan, Value: ptr("1 OR true")},
		{RFM: RFMMeasureCell, Operator: OpEquals, Value: ptr("CHAMPIONS' OR '1'='1")},
		{RFM: RFMMeasureCell, Operator: OpIn, Values: []string{"Champions"}},
		{RFM: "R; DROP TABLE cdp_profile_rfm", Operator: OpEquals, Value: ptr("1")},
	} {
		require.Error(t, ValidateRules(&r, []string{"rules"}))
	}
}

func jsonMarshalIndent(v any) (string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return string(b), err
}
