package cdp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/apperr"
)

// rfmGrid is the documented R×F map, spelled out (row r-1, column f-1).
var rfmGrid = [5][5]string{
	{"Lost", "Lost", "At Risk", "At Risk", "Can't Lose"},
	{"Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose"},
	{"Need Attention", "Need Attention", "Need Attention", "Loyal", "Loyal"},
	{"Promising", "Potential Loyal", "Potential Loyal", "Loyal", "Loyal"},
	{"New", "Potential Loyal", "Potential Loyal", "Champions", "Champions"},
}

func TestRFMCellMap(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for r := 1; r <= 5; r++ {
		for f := 1; f <= 5; f++ {
			require.Equal(t, rfmGrid[r-1][f-1], cdp.RFMCell(r, f), "r=%d f=%d", r, f)
			seen[cdp.RFMCell(r, f)] = true
		}
	}
	require.Len(t, seen, len(cdp.RFMCells), "every cell is reachable")
	for _, c := range cdp.RFMCells {
		require.True(t, seen[c], c)
	}
}

// rfmRef is the brute-force reference of a refresh.
type rfmRef struct {
	last   time.Time
	n      int
	micros int64
}

var refDecimal = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// refMicros reads a property's JSON as the refresh does (ok false: not a
// usable value).
func refMicros(raw json.RawMessage) (int64, bool) {
	if raw == nil {
		return 0, false
	}
	var s string
	var num json.Number
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return 0, false
	}
	switch x := v.(type) {
	case string:
		s = strings.Trim(x, " ")
	case json.Number:
		num = x
		s = num.String()
	default:
		return 0, false
	}
	if !refDecimal.MatchString(s) {
		return 0, false
	}
	r, _ := new(big.Rat).SetString(s)
	if new(big.Rat).Abs(r).Cmp(big.NewRat(1_000_000_000, 1)) > 0 {
		return 0, false
	}
	r.Mul(r, big.NewRat(1_000_000, 1))
	// round half away from zero
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2)).Cmp(r.Denom()) >= 0 {
		if r.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64(), true
}

// refQuintiles scores items: ntile(5) over (value, id), then the lowest
// score among equal values.
func refQuintiles(ids []uuid.UUID, cmpValue func(a, b uuid.UUID) int) map[uuid.UUID]int {
	order := slices.Clone(ids)
	slices.SortFunc(order, func(a, b uuid.UUID) int {
		if c := cmpValue(a, b); c != 0 {
			return c
		}
		return strings.Compare(a.String(), b.String())
	})
	n := len(order)
	out := map[uuid.UUID]int{}
	q, r := n/5, n%5
	i := 0
	for bucket := 1; bucket <= 5; bucket++ {
		size := q
		if bucket <= r {
			size++
		}
		for j := 0; j < size; j++ {
			out[order[i]] = bucket
			i++
		}
	}
	for i := 1; i < n; i++ { // equal values take the first one's (lowest) score
		if cmpValue(order[i-1], order[i]) == 0 {
			out[order[i]] = out[order[i-1]]
		}
	}
	return out
}

type refScore struct {
	R, F, M int
	Segment string
}

// rfmReference computes the expected scores of evs for settings at now.
func rfmReference(evs []testEvent, users map[string]uuid.UUID, anons map[string]uuid.UUID, st cdp.RFMSettings, now time.Time) (map[uuid.UUID]refScore, map[string][2]int64) {
	start := now.AddDate(0, 0, -st.LookbackDays)
	agg := map[uuid.UUID]*rfmRef{}
	for _, e := range evs {
		rec := e.Received
		if rec.IsZero() {
			rec = e.At
		}
		if (e.Type != "" && e.Type != "track") || !slices.Contains(st.EventNames, e.Name) || !e.At.After(start) || e.At.After(now) ||
			rec.Before(start.Add(-cdp.EventClockSlack)) {
			continue
		}
		p, ok := users[e.User]
		if !ok || e.User == "" {
			p, ok = anons[e.Anon]
			if !ok || e.Anon == "" {
				continue
			}
		}
		var props map[string]json.RawMessage
		_ = json.Unmarshal([]byte(e.Props), &props)
		var micros int64
		if st.ValueProperty != nil {
			micros, _ = refMicros(props[*st.ValueProperty])
		} else if m, ok := refMicros(props["revenue"]); ok {
			micros = m
		} else {
			micros, _ = refMicros(props["total"])
		}
		a := agg[p]
		if a == nil {
			a = &rfmRef{}
			agg[p] = a
		}
		if e.At.After(a.last) {
			a.last = e.At
		}
		a.n++
		a.micros += micros
	}
	ids := make([]uuid.UUID, 0, len(agg))
	for id := range agg {
		ids = append(ids, id)
	}
	r := refQuintiles(ids, func(a, b uuid.UUID) int { return agg[a].last.Compare(agg[b].last) })
	f := refQuintiles(ids, func(a, b uuid.UUID) int { return agg[a].n - agg[b].n })
	m := refQuintiles(ids, func(a, b uuid.UUID) int {
		x, y := agg[a].micros, agg[b].micros
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	out := map[uuid.UUID]refScore{}
	cells := map[string][2]int64{}
	for _, id := range ids {
		s := refScore{R: r[id], F: f[id], M: m[id], Segment: rfmGrid[r[id]-1][f[id]-1]}
		out[id] = s
		c := cells[s.Segment]
		cells[s.Segment] = [2]int64{c[0] + 1, c[1] + agg[id].micros}
	}
	return out, cells
}

// randomPurchases makes a random stream: people with user ids (some
// events sent by their anonymous id), strangers nobody resolved, values
// of every shape, ties in time, count and value.
func randomPurchases(rng *rand.Rand, people int, now time.Time) []testEvent {
	values := []string{`12`, `"12.50"`, `" 7.25 "`, `"abc"`, `10000000000`, `-3.5`, `0.0000005`, `null`, `true`, `{"a":1}`, `99.99`, `"1e3"`, `5`}
	names := []string{"Order Completed", "Order Completed", "Order Completed", "Purchase", "Page Viewed"}
	var evs []testEvent
	for i := range people + 5 {
		user, anon := fmt.Sprintf("u%d", i), fmt.Sprintf("a%d", i)
		if i >= people {
			user, anon = fmt.Sprintf("stranger%d", i), ""
		}
		for range rng.IntN(7) {
			e := testEvent{User: user, Name: names[rng.IntN(len(names))],
				At: now.Add(-time.Duration(rng.IntN(420)) * 24 * time.Hour).Add(time.Duration(rng.IntN(3)) * time.Hour)}
			if rng.IntN(5) == 0 && anon != "" {
				e.User, e.Anon = "", anon
			}
			if rng.IntN(15) == 0 {
				e.At = now.Add(time.Duration(1+rng.IntN(48)) * time.Hour) // after now
			}
			if rng.IntN(12) == 0 {
				e.Received = e.At.Add(-time.Duration(rng.IntN(72)) * time.Hour) // a clock in the future
			}
			var props []string
			if rng.IntN(4) > 0 {
				props = append(props, `"revenue":`+values[rng.IntN(len(values))])
			}
			if rng.IntN(3) == 0 {
				props = append(props, `"total":`+values[rng.IntN(len(values))])
			}
			if rng.IntN(3) == 0 {
				props = append(props, `"amount":`+values[rng.IntN(len(values))])
			}
			e.Props = "{" + strings.Join(props, ",") + "}"
			evs = append(evs, e)
		}
	}
	return evs
}

// RFM scores and cells equal the Go reference's on random data, for the
// default settings and for changed ones (fewer profiles: the refresh
// replaces the scores).
func TestRFMRefreshMatchesReference(t *testing.T) {
	t.Parallel()
	for seed := range uint64(3) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newAnalyticsFixture(t)
			rng := rand.New(rand.NewPCG(seed, 14))
			people := 40 + rng.IntN(40)
			users, anons := map[string]uuid.UUID{}, map[string]uuid.UUID{}
			for i := range people {
				p := f.person(t, fmt.Sprintf("u%d", i), fmt.Sprintf("a%d", i))
				users[fmt.Sprintf("u%d", i)], anons[fmt.Sprintf("a%d", i)] = p, p
			}
			evs := randomPurchases(rng, people, analyticsStart)
			f.store(t, evs)
			s := cdp.NewRFM(f.tdb.DB)

			check := func(st cdp.RFMSettings) {
				t.Helper()
				rep, err := s.Refresh(ctx, f.tenant)
				require.NoError(t, err)
				want, wantCells := rfmReference(evs, users, anons, st, analyticsStart)
				require.NotEmpty(t, want, "the random data has customers")
				scores, err := s.Scores(ctx, f.tenant)
				require.NoError(t, err)
				got := map[uuid.UUID]refScore{}
				for _, sc := range scores {
					got[sc.ProfileID] = refScore{R: sc.R, F: sc.F, M: sc.M, Segment: sc.Segment}
					require.True(t, sc.ComputedAt.Equal(analyticsStart))
				}
				require.Equal(t, want, got, "scores")
				stored, err := s.Report(ctx, f.tenant)
				require.NoError(t, err)
				require.Equal(t, rep.Cells, stored.Cells)
				require.Len(t, stored.Cells, 10)
				total := 0
				for _, c := range stored.Cells {
					w := wantCells[c.Name]
					require.Equal(t, w[0], c.Count, c.Name)
					require.Equal(t, w[1], c.RevenueMicros, c.Name)
					total += int(c.Count)
				}
				require.Equal(t, len(want), total)
				require.Equal(t, st.LookbackDays, stored.LookbackDays)
			}
			check(cdp.DefaultRFMSettings())

			lookback, value := 90, "amount"
			st, err := s.UpdateSettings(ctx, f.tenant, &lookback, []string{"Purchase", "Order Completed"}, &value)
			require.NoError(t, err)
			require.Equal(t, []string{"Order Completed", "Purchase"}, st.EventNames)
			check(st)
		})
	}
}

// The quintile reference itself: 7 distinct values split 2,2,1,1,1;
// equal values share the lowest score.
func TestRFMReferenceQuintiles(t *testing.T) {
	t.Parallel()
	ids := make([]uuid.UUID, 7)
	vals := map[uuid.UUID]int{}
	for i := range ids {
		ids[i] = uuid.New()
		vals[ids[i]] = i
	}
	byVal := func(a, b uuid.UUID) int { return vals[a] - vals[b] }
	got := refQuintiles(ids, byVal)
	want := []int{1, 1, 2, 2, 3, 4, 5}
	for i, id := range ids {
		require.Equal(t, want[i], got[id], i)
	}
	vals[ids[4]], vals[ids[5]], vals[ids[6]] = 3, 3, 3 // ties with ids[3]
	got = refQuintiles(ids, byVal)
	for _, id := range ids[3:] {
		require.Equal(t, 2, got[id])
	}
}

func TestRFMSettingsValidation(t *testing.T) {
	t.Parallel()
	f := newAnalyticsFixture(t)
	s := cdp.NewRFM(f.tdb.DB)
	ctx := context.Background()
	zero, big := 0, cdp.MaxRFMLookbackDays+1
	long := strings.Repeat("x", cdp.MaxRFMValueProperty+1)
	blank := "  "
	for _, c := range []struct {
		lookback *int
		names    []string
		value    *string
		field    []string
	}{
		{lookback: &zero, field: []string{"input", "lookbackDays"}},
		{lookback: &big, field: []string{"input", "lookbackDays"}},
		{names: []string{}, field: []string{"input", "eventNames"}},
		{names: make([]string, cdp.MaxRFMEventNames+1), field: []string{"input", "eventNames"}},
		{names: []string{"ok", " "}, field: []string{"input", "eventNames", "1"}},
		{value: &long, field: []string{"input", "valueProperty"}},
		{value: &blank, field: []string{"input", "valueProperty"}},
	} {
		_, err := s.UpdateSettings(ctx, f.tenant, c.lookback, c.names, c.value)
		e, ok := apperr.As(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, apperr.BadUserInput, e.Code)
		require.Equal(t, c.field, e.Field)
	}
	st, err := s.Settings(ctx, f.tenant)
	require.NoError(t, err)
	require.Equal(t, cdp.DefaultRFMSettings(), st, "nothing was saved")
	days := 30
	_, err = s.UpdateSettings(ctx, f.tenant, &days, nil, nil)
	require.NoError(t, err)
	st, err = s.Settings(ctx, f.tenant)
	require.NoError(t, err)
	require.Equal(t, 30, st.LookbackDays)
	require.Equal(t, []string{cdp.OrderCompleted}, st.EventNames)
}
