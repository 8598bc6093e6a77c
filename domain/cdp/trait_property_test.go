package cdp

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// traitFixture is a tenant with the batch job, the trait definitions and
// every event sent, for comparing stored values with a reference.
type traitFixture struct {
	t      *testing.T
	ctx    context.Context
	tdb    *testdb.DB
	clock  *clock.Manual
	tenant uuid.UUID
	s      *Service
	traits *Traits
	source uuid.UUID
	seq    int
	events []refEvent
}

// refEvent is an event as the reference evaluator sees it.
type refEvent struct {
	Name   string
	User   string
	Anon   string
	At     time.Time
	Source uuid.UUID
	ID     string
	Props  map[string]any
}

func newTraitFixture(t *testing.T) *traitFixture {
	t.Helper()
	ctx := context.Background()
	tdb := testdb.New(t)
	c := clock.NewManual(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	tdb.Clock = c
	f := &traitFixture{t: t, ctx: ctx, tdb: tdb, clock: c, tenant: testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{}),
		s: &Service{DB: tdb.DB, Identity: NewIdentity(tdb.DB)}, traits: &Traits{DB: tdb.DB}, source: uuid.New()}
	_, err := f.s.EnsurePartitions(ctx)
	require.NoError(t, err)
	return f
}

// send stores evs as one batch and runs the batch job on it.
func (f *traitFixture) send(evs []refEvent) {
	f.t.Helper()
	batch, now := uuid.New(), f.clock.Now()
	require.NoError(f.t, f.tdb.DB.InTenant(f.ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at) VALUES (?, ?, ?, '[]', ?)`,
			f.tenant, batch, len(evs), now); err != nil {
			return err
		}
		for i := range evs {
			e := &evs[i]
			f.seq++
			e.Source, e.ID = f.source, fmt.Sprintf("m%05d", f.seq)
			props, err := json.Marshal(e.Props)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
					user_id, anonymous_id, "timestamp", properties, payload_size)
				VALUES (?, ?, ?, ?, ?, 'track', ?, nullif(?, ''), nullif(?, ''), ?, ?::jsonb, 10)`,
				f.tenant, e.Source, e.ID, now, batch, e.Name, e.User, e.Anon, e.At, string(props)); err != nil {
				return err
			}
		}
		return nil
	}))
	done, err := f.s.ProcessBatch(f.ctx, f.tenant, batch)
	require.NoError(f.t, err)
	require.True(f.t, done)
	f.events = append(f.events, evs...)
}

// randomEvents makes n random events of people 0..people-1 within the last
// spanDays days (and up to an hour ahead).
func (f *traitFixture) randomEvents(r *rand.Rand, n, people, spanDays int) []refEvent {
	now := f.clock.Now()
	amounts := []any{1, 2.5, "3", 10, -4, 0.1, 100, json.Number("7.25")}
	plans := []string{"free", "pro", "team"}
	out := make([]refEvent, n)
	for i := range out {
		p := r.IntN(people)
		e := refEvent{Name: []string{"A", "B", "C"}[r.IntN(3)], At: now.Add(-time.Duration(r.Int64N(int64(spanDays) * 24 * int64(time.Hour)))).Add(time.Duration(r.IntN(60)) * time.Minute),
			Props: map[string]any{}}
		switch r.IntN(4) {
		case 0:
			e.Anon = fmt.Sprintf("a%d", p)
		case 1:
			e.User, e.Anon = fmt.Sprintf("u%d", p), fmt.Sprintf("a%d", p) // links (merges) the two
		default:
			e.User = fmt.Sprintf("u%d", p)
		}
		if r.IntN(5) > 0 {
			e.Props["amount"] = amounts[r.IntN(len(amounts))]
		}
		if r.IntN(3) > 0 {
			e.Props["plan"] = plans[r.IntN(len(plans))]
		}
		if r.IntN(2) == 0 {
			e.Props["item"] = map[string]any{"sku": fmt.Sprintf("s%d", r.IntN(5)), "paid": r.IntN(2) == 0}
		}
		out[i] = e
	}
	return out
}

// reference computes d's value over evs at now, independently of the
// incremental code: filter the events, then aggregate the list.
func reference(d *TraitDefinition, evs []refEvent, now time.Time) (string, bool) {
	var vals []refPoint
	for _, e := range evs {
		if e.Name != d.Event {
			continue
		}
		if d.WindowDays != nil {
			y, m, day := now.UTC().Date()
			if e.At.Before(time.Date(y, m, day, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1-*d.WindowDays)) {
				continue
			}
		}
		if d.Filter != nil && !refFilter(d.Filter, refLookup(e.Props, d.Filter.Path)) {
			continue
		}
		p := refPoint{e: e}
		if d.Aggregation != AggCount && d.Aggregation != AggExists {
			v := refLookup(e.Props, d.ValuePath)
			switch x := v.(type) {
			case nil, map[string]any:
				continue
			case string:
				if d.Aggregation == AggSum || d.Aggregation == AggAverage || d.Aggregation == AggMin || d.Aggregation == AggMax {
					continue
				}
				b, _ := json.Marshal(x)
				p.json = string(b)
			case bool:
				if d.Aggregation == AggSum || d.Aggregation == AggAverage || d.Aggregation == AggMin || d.Aggregation == AggMax {
					continue
				}
				p.json = strconv.FormatBool(x)
			default:
				p.num, _ = new(big.Rat).SetString(fmt.Sprint(x))
				p.json = ratJSON(p.num)
			}
		}
		vals = append(vals, p)
	}
	if len(vals) == 0 {
		return "", false
	}
	slices.SortFunc(vals, func(a, b refPoint) int {
		if c := a.e.At.Compare(b.e.At); c != 0 {
			return c
		}
		if c := strings.Compare(a.e.Source.String(), b.e.Source.String()); c != 0 {
			return c
		}
		return strings.Compare(a.e.ID, b.e.ID)
	})
	sum := new(big.Rat)
	for _, v := range vals {
		if v.num != nil {
			sum.Add(sum, v.num)
		}
	}
	counts := map[string]int{}
	for _, v := range vals {
		counts[v.json]++
	}
	switch d.Aggregation {
	case AggCount:
		return strconv.Itoa(len(vals)), true
	case AggExists:
		return "true", true
	case AggSum:
		return ratJSON(sum), true
	case AggAverage:
		return ratJSON(sum.Quo(sum, big.NewRat(int64(len(vals)), 1))), true
	case AggMin, AggMax:
		best := vals[0].num
		for _, v := range vals {
			if (d.Aggregation == AggMin && v.num.Cmp(best) < 0) || (d.Aggregation == AggMax && v.num.Cmp(best) > 0) {
				best = v.num
			}
		}
		return ratJSON(best), true
	case AggFirst:
		return vals[0].json, true
	case AggLast:
		return vals[len(vals)-1].json, true
	case AggUniqueCount:
		return strconv.Itoa(len(counts)), true
	case AggMostFrequent:
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		best := keys[0]
		for _, k := range keys {
			if counts[k] > counts[best] {
				best = k
			}
		}
		return best, true
	}
	return "", false
}

type refPoint struct {
	e    refEvent
	num  *big.Rat
	json string
}

func refLookup(props map[string]any, path []string) any {
	var cur any = props
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func refFilter(f *TraitFilter, v any) bool {
	text, isNum, isStr := "", false, false
	var num *big.Rat
	switch x := v.(type) {
	case nil, map[string]any:
		return f.Operator == FilterNotEquals
	case string:
		text, isStr = x, true
	case bool:
		text = strconv.FormatBool(x)
	default:
		num, _ = new(big.Rat).SetString(fmt.Sprint(x))
		text, isNum = ratJSON(num), true
	}
	switch f.Operator {
	case FilterEquals:
		return text == f.Value
	case FilterNotEquals:
		return text != f.Value
	case FilterContains:
		return isStr && strings.Contains(text, f.Value)
	}
	want, _ := new(big.Rat).SetString(f.Value)
	if !isNum {
		return false
	}
	if f.Operator == FilterGreaterThan {
		return num.Cmp(want) > 0
	}
	return num.Cmp(want) < 0
}

// check compares every stored value with the reference over each live
// profile's events, and finds no value on a merged profile.
func (f *traitFixture) check(label string) {
	f.t.Helper()
	if d := f.diff(label); d != "" {
		f.t.Fatal(d)
	}
}

// diff is check's finding ("" when none).
func (f *traitFixture) diff(label string) string {
	f.t.Helper()
	now := f.clock.Now()
	var defs []*TraitDefinition
	type stored struct {
		Profile    uuid.UUID `bun:"profile_id"`
		Definition uuid.UUID `bun:"definition_id"`
		Value      string    `bun:"value"`
	}
	var rows []stored
	var ids []struct {
		Profile uuid.UUID `bun:"profile_id"`
		Type    string    `bun:"type"`
		Value   string    `bun:"value"`
	}
	var merged []uuid.UUID
	require.NoError(f.t, f.tdb.DB.InTenant(f.ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if defs, err = definitionsTx(ctx, tx, f.tenant); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT profile_id, definition_id, value::text AS value FROM cdp_computed_traits WHERE tenant_id = ?`, f.tenant).Scan(ctx, &rows); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT profile_id, type, value FROM cdp_identifiers WHERE tenant_id = ?`, f.tenant).Scan(ctx, &ids); err != nil {
			return err
		}
		return tx.NewRaw(`SELECT id FROM cdp_profiles WHERE tenant_id = ? AND merged_into IS NOT NULL`, f.tenant).Scan(ctx, &merged)
	}))
	users, anons := map[string]uuid.UUID{}, map[string]uuid.UUID{}
	profiles := map[uuid.UUID]bool{}
	for _, x := range ids {
		profiles[x.Profile] = true
		switch IdentifierType(x.Type) {
		case IdentifierUserID:
			users[x.Value] = x.Profile
		case IdentifierAnonymousID:
			anons[x.Value] = x.Profile
		}
	}
	byProfile := map[uuid.UUID][]refEvent{}
	for _, e := range f.events {
		var owners []uuid.UUID
		if p, ok := users[e.User]; ok && e.User != "" {
			owners = append(owners, p)
		}
		if p, ok := anons[e.Anon]; ok && e.Anon != "" && !slices.Contains(owners, p) {
			owners = append(owners, p)
		}
		for _, p := range owners {
			byProfile[p] = append(byProfile[p], e)
		}
	}
	want, got := map[string]string{}, map[string]string{}
	for p := range profiles {
		for _, d := range defs {
			if v, ok := reference(d, byProfile[p], now); ok {
				want[p.String()+" "+d.Name] = v
			}
		}
	}
	for _, r := range rows {
		if slices.Contains(merged, r.Profile) {
			return fmt.Sprintf("%s: a merged profile keeps a computed trait", label)
		}
		for _, d := range defs {
			if d.ID == r.Definition {
				got[r.Profile.String()+" "+d.Name] = r.Value
			}
		}
	}
	require.NotEmpty(f.t, want, "%s: the reference computed nothing (the test would prove nothing)", label)
	var diff []string
	for k, v := range want {
		if got[k] != v {
			diff = append(diff, fmt.Sprintf("%s: want %s, got %q", k, v, got[k]))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			diff = append(diff, fmt.Sprintf("%s: want none, got %s", k, v))
		}
	}
	if len(diff) > 0 {
		slices.Sort(diff)
		return fmt.Sprintf("%s: %d of %d stored values differ from a full recompute:\n%s", label, len(diff), len(want), strings.Join(diff, "\n"))
	}
	return ""
}

// randomDefinition makes a random valid definition.
func randomDefinition(r *rand.Rand, i int) TraitDefinitionInput {
	agg := TraitAggregations[i%len(TraitAggregations)]
	in := TraitDefinitionInput{Name: fmt.Sprintf("t%02d %s", i, agg), Aggregation: agg, Event: []string{"A", "B", "C"}[r.IntN(3)]}
	if agg.takesValue() {
		p := []string{"amount", "amount", "plan", "item.sku", "item.paid"}[r.IntN(5)]
		if agg.numeric() {
			p = "amount"
		}
		in.ValueProperty = &p
	}
	if r.IntN(2) == 0 {
		w := []int{1, 3, 7}[r.IntN(3)]
		in.WindowDays = &w
	}
	switch r.IntN(5) {
	case 0:
		in.Filter = &TraitFilterInput{Property: "plan", Operator: FilterEquals, Value: "pro"}
	case 1:
		in.Filter = &TraitFilterInput{Property: "amount", Operator: FilterGreaterThan, Value: "2"}
	case 2:
		in.Filter = &TraitFilterInput{Property: "item.sku", Operator: FilterNotEquals, Value: "s1"}
	case 3:
		in.Filter = &TraitFilterInput{Property: "plan", Operator: FilterContains, Value: "e"}
	}
	return in
}

// After random event streams in random batches — people whose anonymous
// and user profiles merge along the way, definitions created before and
// after the events (backfilled) and one changed — every stored value
// equals a full recompute over the profile's events, also after the clock
// moves days on and the maintenance job expires the windows.
func TestComputedTraitsIncrementalEqualsRecompute(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 14))
			f := newTraitFixture(t)
			var defs []*TraitDefinition
			for i := range 12 {
				d, err := f.traits.CreateDefinition(f.ctx, f.tenant, randomDefinition(r, i))
				require.NoError(t, err)
				defs = append(defs, d)
			}
			for range 6 {
				evs := f.randomEvents(r, 5+r.IntN(30), 6, 10)
				f.send(evs)
				f.clock.Advance(time.Duration(r.IntN(20)) * time.Hour)
			}
			// Later definitions backfill from the events so far; one is changed.
			for i := 12; i < 20; i++ {
				d, err := f.traits.CreateDefinition(f.ctx, f.tenant, randomDefinition(r, i))
				require.NoError(t, err)
				require.NoError(t, f.traits.Backfill(f.ctx, f.tenant, d.ID, d.Version))
				defs = append(defs, d)
			}
			changed, err := f.traits.UpdateDefinition(f.ctx, f.tenant, defs[0].ID, randomDefinition(r, 20))
			require.NoError(t, err)
			for range 4 {
				f.send(f.randomEvents(r, 5+r.IntN(30), 8, 10))
			}
			require.NoError(t, f.traits.Backfill(f.ctx, f.tenant, changed.ID, changed.Version))
			_, err = f.traits.Maintain(f.ctx, f.tenant)
			require.NoError(t, err)
			f.check("after the stream")

			// An operator undoes a merge: the profiles' events part again, and
			// the maintenance recomputes both.
			var absorbed []uuid.UUID
			require.NoError(t, f.tdb.DB.InTenant(f.ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
				return tx.NewRaw(`SELECT absorbed_id FROM cdp_profile_merges WHERE tenant_id = ? AND undone_at IS NULL ORDER BY merged_at DESC`,
					f.tenant).Scan(ctx, &absorbed)
			}))
			require.NotEmpty(t, absorbed, "the stream merged no profiles (the test would prove nothing)")
			_, err = f.s.Identity.Unmerge(f.ctx, f.tenant, absorbed[0])
			require.NoError(t, err)
			f.clock.Advance(time.Minute)
			res, err := f.traits.Maintain(f.ctx, f.tenant)
			require.NoError(t, err)
			require.Positive(t, res.Reconciled)
			f.check("after an unmerge")

			// Days pass with no event: the windows lose their old days.
			f.clock.Advance(3*24*time.Hour + time.Duration(r.IntN(24))*time.Hour)
			res, err = f.traits.Maintain(f.ctx, f.tenant)
			require.NoError(t, err)
			require.Positive(t, res.Expired)
			f.check("after expiry")

			// And events go on arriving on top of the expired state.
			for range 3 {
				f.send(f.randomEvents(r, 5+r.IntN(30), 8, 5))
				f.clock.Advance(time.Duration(r.IntN(30)) * time.Hour)
			}
			_, err = f.traits.Maintain(f.ctx, f.tenant)
			require.NoError(t, err)
			f.check("after more events")
		})
	}
}

// Positive control for the property test: a stored value that drifts from
// the events is caught by check.
func TestComputedTraitsCheckCatchesADrift(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(9, 9))
	f := newTraitFixture(t)
	_, err := f.traits.CreateDefinition(f.ctx, f.tenant, TraitDefinitionInput{Name: "count", Aggregation: AggCount, Event: "A"})
	require.NoError(t, err)
	evs := f.randomEvents(r, 20, 3, 5)
	for i := range evs {
		evs[i].Name = "A"
	}
	f.send(evs)
	require.NoError(t, f.tdb.DB.InTenant(f.ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE cdp_computed_traits SET value = '999' WHERE tenant_id = ?`, f.tenant)
		return err
	}))
	require.Contains(t, f.diff("drifted"), "differ from a full recompute", "check accepted a drifted value")
}
