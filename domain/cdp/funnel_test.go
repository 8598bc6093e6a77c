package cdp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

// The brute-force funnel evaluator: every profile's events in Go, the
// semantics of funnel_report.go's comment spelled out plainly.

// refText is the text of props at path as the report reads it (ok false:
// absent or null).
func refText(props string, path []string) (string, bool) {
	var cur json.RawMessage = json.RawMessage(props)
	for _, p := range path {
		var m map[string]json.RawMessage
		if json.Unmarshal(cur, &m) != nil {
			return "", false
		}
		v, ok := m[p]
		if !ok {
			return "", false
		}
		cur = v
	}
	d := json.NewDecoder(strings.NewReader(string(cur)))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return "", false
	}
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return fmt.Sprint(x), true
	}
	return string(cur), true // not generated at filtered paths
}

func refMatches(e testEvent, st cdp.FunnelStep) bool {
	if e.Name != st.Event {
		return false
	}
	if st.Filter == nil {
		return true
	}
	text, ok := refText(e.Props, st.Filter.Path)
	switch st.Filter.Operator {
	case cdp.FilterEquals:
		return ok && text == st.Filter.Value
	case cdp.FilterNotEquals:
		return !(ok && text == st.Filter.Value)
	case cdp.FilterContains:
		return ok && strings.Contains(text, st.Filter.Value)
	case cdp.FilterGreaterThan, cdp.FilterLessThan:
		if !ok || !refDecimal.MatchString(text) {
			return false
		}
		a, _ := new(big.Rat).SetString(text)
		b, _ := new(big.Rat).SetString(st.Filter.Value)
		if st.Filter.Operator == cdp.FilterGreaterThan {
			return a.Cmp(b) > 0
		}
		return a.Cmp(b) < 0
	}
	panic("operator")
}

func refMedian(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	sort.Float64s(xs)
	n := len(xs)
	m := xs[n/2]
	if n%2 == 0 {
		m = xs[n/2-1] + (xs[n/2]-xs[n/2-1])*0.5
	}
	return &m
}

type refPath struct {
	depth int
	ts    []time.Time
	g     *string
}

// funnelReference computes the report of f over [from, to) with
// breakdown b (traits: each profile's traits JSON).
func funnelReference(evs []testEvent, users, anons map[string]uuid.UUID, traits map[uuid.UUID]string,
	f *cdp.Funnel, from, to time.Time, b *cdp.Breakdown) ([]cdp.FunnelStepResult, []cdp.FunnelGroup) {
	n := len(f.Steps)
	window := time.Duration(f.WindowSeconds) * time.Second
	byProfile := map[uuid.UUID][]testEvent{}
	for _, e := range evs {
		rec := e.Received
		if rec.IsZero() {
			rec = e.At
		}
		if (e.Type != "" && e.Type != "track") || e.At.Before(from) || e.At.After(to.Add(window)) || rec.Before(from.Add(-cdp.EventClockSlack)) {
			continue
		}
		p, ok := users[e.User]
		if !ok || e.User == "" {
			if p, ok = anons[e.Anon]; !ok || e.Anon == "" {
				continue
			}
		}
		byProfile[p] = append(byProfile[p], e)
	}
	best := map[uuid.UUID]refPath{}
	for p, pe := range byProfile {
		var chosen *refPath
		for _, entry := range pe {
			if !refMatches(entry, f.Steps[0]) || entry.At.Before(from) || !entry.At.Before(to) {
				continue
			}
			path := refPath{depth: 1, ts: []time.Time{entry.At}}
			if b != nil && b.Source == cdp.BreakdownEventProperty {
				if v, ok := refText(entry.Props, b.Path); ok {
					path.g = &v
				}
			}
			for k := 1; k < n; k++ {
				var next *time.Time
				for _, e := range pe {
					if refMatches(e, f.Steps[k]) && e.At.After(path.ts[k-1]) && !e.At.After(entry.At.Add(window)) && (next == nil || e.At.Before(*next)) {
						at := e.At
						next = &at
					}
				}
				if next == nil {
					break
				}
				path.ts = append(path.ts, *next)
				path.depth++
			}
			better := chosen == nil || path.depth > chosen.depth ||
				(path.depth == chosen.depth && (path.ts[0].Before(chosen.ts[0]) ||
					(path.ts[0].Equal(chosen.ts[0]) && cdp.CompareGroupValues(path.g, chosen.g) < 0)))
			if better {
				c := path
				chosen = &c
			}
		}
		if chosen != nil {
			if b != nil && b.Source == cdp.BreakdownProfileTrait {
				chosen.g = nil
				if v, ok := refText(traits[p], b.Path); ok {
					chosen.g = &v
				}
			}
			best[p] = *chosen
		}
	}
	steps := func(paths []refPath) []cdp.FunnelStepResult {
		out := make([]cdp.FunnelStepResult, n)
		for k := range n {
			var fromPrev, fromStart []float64
			for _, p := range paths {
				if p.depth > k {
					out[k].Entered++
					if k > 0 {
						fromPrev = append(fromPrev, p.ts[k].Sub(p.ts[k-1]).Seconds())
						fromStart = append(fromStart, p.ts[k].Sub(p.ts[0]).Seconds())
					}
				}
			}
			out[k].MedianFromPrevious, out[k].MedianFromStart = refMedian(fromPrev), refMedian(fromStart)
		}
		return out
	}
	all := make([]refPath, 0, len(best))
	for _, p := range best {
		all = append(all, p)
	}
	total := steps(all)
	if b == nil {
		return total, nil
	}
	byValue := map[string][]refPath{}
	values := map[string]*string{}
	for _, p := range all {
		key := "\x00absent"
		if p.g != nil {
			key = "=" + *p.g
		}
		byValue[key] = append(byValue[key], p)
		values[key] = p.g
	}
	keys := make([]string, 0, len(byValue))
	for k := range byValue {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := len(byValue[b]) - len(byValue[a]); c != 0 {
			return c
		}
		return cdp.CompareGroupValues(values[a], values[b])
	})
	groups := []cdp.FunnelGroup{}
	var other []refPath
	for i, k := range keys {
		if i < cdp.MaxBreakdownGroups {
			groups = append(groups, cdp.FunnelGroup{Value: values[k], Steps: steps(byValue[k])})
		} else {
			other = append(other, byValue[k]...)
		}
	}
	if len(other) > 0 {
		groups = append(groups, cdp.FunnelGroup{Other: true, Steps: steps(other)})
	}
	cdp.SortFunnelGroups(groups)
	return total, groups
}

var funnelNames = []string{"Signed Up", "Viewed", "Added", "Ordered", "Other"}

// randomFunnelEvents makes people's event streams around [start, end].
func randomFunnelEvents(rng *rand.Rand, people int, start, end time.Time) []testEvent {
	plans := []string{`"p0"`, `"p1"`, `"p2"`, `"p3"`, `"p4"`, `"p5"`, `"p6"`, `"p7"`, `"p8"`, `"p9"`, `"p10"`, `"p11"`, `"Pro plan"`, `12`, `null`}
	amounts := []string{`5`, `12.50`, `"12.5"`, `"abc"`, `-3`, `100`, `"  7"`, `0.5`, `true`}
	span := int(end.Sub(start) / (10 * time.Minute))
	var evs []testEvent
	for i := range people + 4 {
		user, anon := fmt.Sprintf("u%d", i), fmt.Sprintf("a%d", i)
		if i >= people {
			user = fmt.Sprintf("stranger%d", i)
		}
		for range rng.IntN(15) {
			e := testEvent{User: user, Name: funnelNames[rng.IntN(len(funnelNames))],
				At: start.Add(time.Duration(rng.IntN(span)) * 10 * time.Minute)}
			if rng.IntN(4) == 0 {
				e.User, e.Anon = "", anon
			}
			if rng.IntN(20) == 0 {
				e.Type = "page"
			}
			if rng.IntN(15) == 0 {
				e.Received = e.At.Add(-time.Duration(rng.IntN(4)) * 24 * time.Hour)
			}
			var props []string
			if rng.IntN(5) > 0 {
				props = append(props, `"plan":`+plans[rng.IntN(len(plans))])
			}
			if rng.IntN(2) == 0 {
				props = append(props, `"amount":`+amounts[rng.IntN(len(amounts))])
			}
			if rng.IntN(3) == 0 {
				props = append(props, fmt.Sprintf(`"nested":{"k":"v%d"}`, rng.IntN(3)))
			}
			e.Props = "{" + strings.Join(props, ",") + "}"
			evs = append(evs, e)
		}
	}
	return evs
}

func randomFilter(rng *rand.Rand) *cdp.PropertyFilter {
	if rng.IntN(2) == 0 {
		return nil
	}
	paths := [][]string{{"plan"}, {"amount"}, {"nested", "k"}, {"missing"}}
	ops := []cdp.FilterOperator{cdp.FilterEquals, cdp.FilterNotEquals, cdp.FilterGreaterThan, cdp.FilterLessThan, cdp.FilterContains}
	f := &cdp.PropertyFilter{Path: paths[rng.IntN(len(paths))], Operator: ops[rng.IntN(len(ops))]}
	switch f.Operator {
	case cdp.FilterGreaterThan, cdp.FilterLessThan:
		f.Value = []string{"5", "12.5", "0", "-1", "7"}[rng.IntN(5)]
	case cdp.FilterContains:
		f.Value = []string{"p1", "Pro", "v", "2", "."}[rng.IntN(5)]
	default:
		f.Value = []string{"p1", "12", "12.50", "v1", "Pro plan", "5"}[rng.IntN(6)]
	}
	return f
}

func randomFunnelInput(rng *rand.Rand) cdp.FunnelInput {
	in := cdp.FunnelInput{Name: "random", Window: []time.Duration{10 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour}[rng.IntN(5)]}
	for range 2 + rng.IntN(3) {
		in.Steps = append(in.Steps, cdp.FunnelStep{Event: funnelNames[rng.IntN(4)], Filter: randomFilter(rng)})
	}
	return in
}

// Funnel reports equal the brute-force evaluator's on random event
// streams: step order, the window, property filters, breakdowns (with
// more values than groups), events outside the range, unresolved ids,
// non-track events and clocks in the future.
func TestFunnelReportMatchesBruteForce(t *testing.T) {
	t.Parallel()
	for seed := range uint64(3) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			fx := newAnalyticsFixture(t)
			rng := rand.New(rand.NewPCG(seed, 41))
			people := 30 + rng.IntN(20)
			users, anons, traits := map[string]uuid.UUID{}, map[string]uuid.UUID{}, map[uuid.UUID]string{}
			for i := range people {
				p := fx.person(t, fmt.Sprintf("u%d", i), fmt.Sprintf("a%d", i))
				users[fmt.Sprintf("u%d", i)], anons[fmt.Sprintf("a%d", i)] = p, p
				if rng.IntN(4) > 0 {
					traits[p] = fmt.Sprintf(`{"tier": "t%d"}`, rng.IntN(13))
				} else {
					traits[p] = `{}`
				}
			}
			require.NoError(t, fx.tdb.DB.InTenant(ctx, fx.tenant, func(ctx context.Context, tx bun.Tx) error {
				for p, tr := range traits {
					if _, err := tx.ExecContext(ctx, "UPDATE cdp_profiles SET traits = ?::jsonb WHERE tenant_id = ? AND id = ?", tr, fx.tenant, p); err != nil {
						return err
					}
				}
				return nil
			}))
			dataStart := analyticsStart.AddDate(0, 0, -30)
			evs := randomFunnelEvents(rng, people, dataStart, analyticsStart)
			fx.store(t, evs)
			s := &cdp.Funnels{DB: fx.tdb.DB}
			breakdowns := []*cdp.Breakdown{nil, {Source: cdp.BreakdownEventProperty, Path: []string{"plan"}},
				{Source: cdp.BreakdownProfileTrait, Path: []string{"tier"}}, {Source: cdp.BreakdownEventProperty, Path: []string{"nested", "k"}}}
			entered := 0
			for q := range 20 {
				fn, err := s.Create(ctx, fx.tenant, randomFunnelInput(rng))
				require.NoError(t, err)
				from := dataStart.Add(time.Duration(rng.IntN(20*24)) * time.Hour)
				to := from.Add(time.Duration(1+rng.IntN(10*24)) * time.Hour)
				b := breakdowns[rng.IntN(len(breakdowns))]
				got, err := s.Report(ctx, fx.tenant, fn.ID, from, to, b)
				require.NoError(t, err)
				wantSteps, wantGroups := funnelReference(evs, users, anons, traits, fn, from, to, b)
				msg := fmt.Sprintf("query %d: %+v from %s to %s breakdown %+v", q, fn.Steps, from, to, b)
				requireSteps(t, wantSteps, got.Steps, msg)
				require.Len(t, got.Groups, len(wantGroups), msg)
				for i := range wantGroups {
					require.Equal(t, wantGroups[i].Other, got.Groups[i].Other, msg)
					require.Equal(t, wantGroups[i].Value, got.Groups[i].Value, msg)
					requireSteps(t, wantGroups[i].Steps, got.Groups[i].Steps, msg)
				}
				entered += int(got.Steps[0].Entered)
			}
			require.Positive(t, entered, "the random funnels have entrants")
		})
	}
}

func requireSteps(t *testing.T, want, got []cdp.FunnelStepResult, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	for k := range want {
		require.Equal(t, want[k].Entered, got[k].Entered, "step %d entered: %s", k, msg)
		for _, m := range [][2]*float64{{want[k].MedianFromPrevious, got[k].MedianFromPrevious}, {want[k].MedianFromStart, got[k].MedianFromStart}} {
			if m[0] == nil {
				require.Nil(t, m[1], "step %d median: %s", k, msg)
				continue
			}
			require.NotNil(t, m[1], "step %d median: %s", k, msg)
			require.InDelta(t, *m[0], *m[1], 1e-6, "step %d median: %s", k, msg)
		}
	}
}

// A hand-checked funnel: order, window and the entry that gets furthest.
func TestFunnelReportByHand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newAnalyticsFixture(t)
	users := map[string]uuid.UUID{}
	for _, u := range []string{"ann", "bob", "cid", "dee"} {
		users[u] = fx.person(t, u, "")
	}
	t0 := analyticsStart.AddDate(0, 0, -5)
	min := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	fx.store(t, []testEvent{
		{User: "ann", Name: "Viewed", At: min(0)}, {User: "ann", Name: "Added", At: min(10)}, {User: "ann", Name: "Ordered", At: min(30)},
		// bob orders before adding: only two steps.
		{User: "bob", Name: "Viewed", At: min(0)}, {User: "bob", Name: "Ordered", At: min(5)}, {User: "bob", Name: "Added", At: min(20)},
		// cid adds too late for his first view, in time for his second.
		{User: "cid", Name: "Viewed", At: min(0)}, {User: "cid", Name: "Viewed", At: min(100)}, {User: "cid", Name: "Added", At: min(110)},
		// dee views before the range: not entered.
		{User: "dee", Name: "Viewed", At: min(-100)}, {User: "dee", Name: "Added", At: min(-90)},
	})
	s := &cdp.Funnels{DB: fx.tdb.DB}
	fn, err := s.Create(ctx, fx.tenant, cdp.FunnelInput{Name: "checkout", Window: time.Hour,
		Steps: []cdp.FunnelStep{{Event: "Viewed"}, {Event: "Added"}, {Event: "Ordered"}}})
	require.NoError(t, err)
	rep, err := s.Report(ctx, fx.tenant, fn.ID, min(-1), min(200), nil)
	require.NoError(t, err)
	require.Equal(t, []int64{3, 3, 1}, []int64{rep.Steps[0].Entered, rep.Steps[1].Entered, rep.Steps[2].Entered})
	require.Nil(t, rep.Steps[0].MedianFromPrevious)
	require.InDelta(t, 600, *rep.Steps[1].MedianFromPrevious, 1e-9) // 10, 20, 10 minutes
	require.InDelta(t, 1200, *rep.Steps[2].MedianFromPrevious, 1e-9)
	require.InDelta(t, 1800, *rep.Steps[2].MedianFromStart, 1e-9)
}

// Property paths and values are data: quotes, SQL and JSON syntax in
// them match events that have exactly those keys and values and break
// nothing.
func TestFunnelInjectionIsInert(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newAnalyticsFixture(t)
	fx.person(t, "eve", "")
	evil := `a'); DROP TABLE cdp_funnels; --`
	value := `' OR 1=1 --`
	props, err := json.Marshal(map[string]string{evil: value})
	require.NoError(t, err)
	t0 := analyticsStart.AddDate(0, 0, -1)
	fx.store(t, []testEvent{{User: "eve", Name: `Step "1"`, At: t0}, {User: "eve", Name: `x'y`, At: t0.Add(time.Minute), Props: string(props)},
		{User: "eve", Name: `x'y`, At: t0.Add(2 * time.Minute), Props: `{"other": 1}`}})
	s := &cdp.Funnels{DB: fx.tdb.DB}
	for _, c := range []struct {
		op    cdp.FilterOperator
		value string
		want  int64
	}{{cdp.FilterEquals, value, 1}, {cdp.FilterEquals, `x' OR '1'='1`, 0}, {cdp.FilterContains, `%`, 0}, {cdp.FilterContains, `'`, 1},
		{cdp.FilterNotEquals, value, 1}, {cdp.FilterGreaterThan, "0", 0}} {
		fn, err := s.Create(ctx, fx.tenant, cdp.FunnelInput{Name: evil, Window: time.Hour,
			Steps: []cdp.FunnelStep{{Event: `Step "1"`}, {Event: `x'y`, Filter: &cdp.PropertyFilter{Path: []string{evil}, Operator: c.op, Value: c.value}}}})
		require.NoError(t, err)
		rep, err := s.Report(ctx, fx.tenant, fn.ID, t0.Add(-time.Hour), t0.Add(time.Hour),
			&cdp.Breakdown{Source: cdp.BreakdownEventProperty, Path: []string{`"}`, `'; SELECT 1; --`}})
		require.NoError(t, err)
		require.EqualValues(t, 1, rep.Steps[0].Entered)
		require.Equal(t, c.want, rep.Steps[1].Entered, "%s %q", c.op, c.value)
		require.Len(t, rep.Groups, 1)
		require.Nil(t, rep.Groups[0].Value)
	}
	page, err := s.List(ctx, fx.tenant, relay.Args{})
	require.NoError(t, err)
	require.Len(t, page.Items, 6, "cdp_funnels is still there")
	require.Equal(t, evil, page.Items[0].Name)
}

func TestFunnelValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newAnalyticsFixture(t)
	s := &cdp.Funnels{DB: fx.tdb.DB}
	ok := func() cdp.FunnelInput {
		return cdp.FunnelInput{Name: "ok", Window: time.Hour, Steps: []cdp.FunnelStep{{Event: "a"}, {Event: "b"}}}
	}
	steps := func(n int) []cdp.FunnelStep {
		out := make([]cdp.FunnelStep, n)
		for i := range out {
			out[i].Event = "e"
		}
		return out
	}
	for _, c := range []struct {
		edit  func(*cdp.FunnelInput)
		field string
	}{
		{func(in *cdp.FunnelInput) { in.Name = " " }, "input.name"},
		{func(in *cdp.FunnelInput) { in.Name = strings.Repeat("n", 101) }, "input.name"},
		{func(in *cdp.FunnelInput) { in.Window = 59 * time.Second }, "input.windowSeconds"},
		{func(in *cdp.FunnelInput) { in.Window = 91 * 24 * time.Hour }, "input.windowSeconds"},
		{func(in *cdp.FunnelInput) { in.Steps = steps(1) }, "input.steps"},
		{func(in *cdp.FunnelInput) { in.Steps = steps(11) }, "input.steps"},
		{func(in *cdp.FunnelInput) { in.Steps[1].Event = strings.Repeat("e", 201) }, "input.steps.1.event"},
		{func(in *cdp.FunnelInput) {
			in.Steps[0].Filter = &cdp.PropertyFilter{Path: []string{}, Operator: cdp.FilterEquals}
		}, "input.steps.0.filter.path"},
		{func(in *cdp.FunnelInput) {
			in.Steps[0].Filter = &cdp.PropertyFilter{Path: []string{"a", "", "c"}, Operator: cdp.FilterEquals}
		}, "input.steps.0.filter.path.1"},
		{func(in *cdp.FunnelInput) {
			in.Steps[0].Filter = &cdp.PropertyFilter{Path: make([]string, 6), Operator: cdp.FilterEquals}
		}, "input.steps.0.filter.path"},
		{func(in *cdp.FunnelInput) {
			in.Steps[1].Filter = &cdp.PropertyFilter{Path: []string{"a"}, Operator: "LIKE"}
		}, "input.steps.1.filter.operator"},
		{func(in *cdp.FunnelInput) {
			in.Steps[1].Filter = &cdp.PropertyFilter{Path: []string{"a"}, Operator: cdp.FilterGreaterThan, Value: "1; DROP"}
		}, "input.steps.1.filter.value"},
		{func(in *cdp.FunnelInput) {
			in.Steps[1].Filter = &cdp.PropertyFilter{Path: []string{"a"}, Operator: cdp.FilterEquals, Value: strings.Repeat("v", 501)}
		}, "input.steps.1.filter.value"},
	} {
		in := ok()
		c.edit(&in)
		_, err := s.Create(ctx, fx.tenant, in)
		e, isApp := apperr.As(err)
		require.True(t, isApp, "%v", err)
		require.Equal(t, apperr.BadUserInput, e.Code)
		require.Equal(t, c.field, strings.Join(e.Field, "."))
	}
	page, err := s.List(ctx, fx.tenant, relay.Args{})
	require.NoError(t, err)
	require.Empty(t, page.Items, "nothing was stored")
	fn, err := s.Create(ctx, fx.tenant, ok()) // positive control
	require.NoError(t, err)
	for _, c := range []struct {
		from, to time.Time
		b        *cdp.Breakdown
		field    string
	}{
		{analyticsStart, analyticsStart, nil, "to"},
		{analyticsStart, analyticsStart.AddDate(0, 0, 367), nil, "to"},
		{analyticsStart, analyticsStart.Add(time.Hour), &cdp.Breakdown{Source: "X", Path: []string{"a"}}, "breakdownBy.source"},
		{analyticsStart, analyticsStart.Add(time.Hour), &cdp.Breakdown{Source: cdp.BreakdownProfileTrait}, "breakdownBy.path"},
	} {
		_, err := s.Report(ctx, fx.tenant, fn.ID, c.from, c.to, c.b)
		e, isApp := apperr.As(err)
		require.True(t, isApp, "%v", err)
		require.Equal(t, c.field, strings.Join(e.Field, "."))
	}
	_, err = s.Report(ctx, fx.tenant, uuid.New(), analyticsStart, analyticsStart.Add(time.Hour), nil)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
}
