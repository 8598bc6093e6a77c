package cdp

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/apperr"
)

func traitDef(t *testing.T, in TraitDefinitionInput) *TraitDefinition {
	t.Helper()
	if in.Name == "" {
		in.Name = "t"
	}
	if in.Event == "" {
		in.Event = "A"
	}
	d, err := in.validate()
	require.NoError(t, err)
	return d
}

// The filter operators, table-driven: what each takes and leaves.
func TestTraitFilterOperators(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		op    FilterOperator
		value string
		props string
		want  bool
	}{
		{FilterEquals, "pro", `{"plan":"pro"}`, true},
		{FilterEquals, "pro", `{"plan":"Pro"}`, false},
		{FilterEquals, "3", `{"plan":3.0}`, true}, // numbers compare by their decimal
		{FilterEquals, "true", `{"plan":true}`, true},
		{FilterEquals, "pro", `{}`, false},
		{FilterNotEquals, "pro", `{"plan":"free"}`, true},
		{FilterNotEquals, "pro", `{}`, true}, // absent counts as different
		{FilterNotEquals, "pro", `{"plan":"pro"}`, false},
		{FilterGreaterThan, "2", `{"plan":2.5}`, true},
		{FilterGreaterThan, "2", `{"plan":2}`, false},
		{FilterGreaterThan, "2", `{"plan":"9"}`, false}, // a string is no number
		{FilterLessThan, "-1", `{"plan":-4}`, true},
		{FilterContains, "ro", `{"plan":"pro"}`, true},
		{FilterContains, "1", `{"plan":10}`, false}, // strings only
		{FilterEquals, "x", `{"plan":{"a":1}}`, false},
	} {
		d := traitDef(t, TraitDefinitionInput{Aggregation: AggCount, Filter: &TraitFilterInput{Property: "plan", Operator: c.op, Value: c.value}})
		_, got := d.take(&traitEvent{Event: "A", Properties: c.props})
		require.Equal(t, c.want, got, "%s %q on %s", c.op, c.value, c.props)
	}
}

// Values: exact sums whatever the order, averages as the nearest float,
// strings quoted, the first and last by time, the most frequent with ties
// to the smallest text.
func TestTraitValues(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	evs := []string{`{"v":0.1}`, `{"v":0.2}`, `{"v":"x"}`, `{"v":0.2}`, `{}`}
	run := func(agg TraitAggregation) string {
		d := traitDef(t, TraitDefinitionInput{Aggregation: agg, ValueProperty: strp("v")})
		st := newTraitState()
		for i, p := range evs {
			st.add(d, &traitEvent{Event: "A", At: now.Add(time.Duration(i) * time.Minute), MessageID: fmt.Sprint(i), Properties: p}, now)
		}
		v, ok := st.value(d)
		require.True(t, ok, agg)
		return v
	}
	require.Equal(t, "0.5", run(AggSum)) // exact: 0.1+0.2+0.2, not 0.5000000000000001
	require.Equal(t, "0.16666666666666666", run(AggAverage))
	require.Equal(t, "0.1", run(AggMin))
	require.Equal(t, "0.2", run(AggMax))
	require.Equal(t, "0.1", run(AggFirst))
	require.Equal(t, "0.2", run(AggLast))
	require.Equal(t, "3", run(AggUniqueCount))
	require.Equal(t, "0.2", run(AggMostFrequent))
	evs = []string{`{"v":"b"}`, `{"v":"a"}`}
	require.Equal(t, `"a"`, run(AggMostFrequent))
	require.Equal(t, `"b"`, run(AggFirst))
}

// Past MaxTraitDistinctValues a folded state stops counting values and
// asks for a recompute; a recompute keeps the exact value.
func TestTraitDistinctValuesAreBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	d := traitDef(t, TraitDefinitionInput{Aggregation: AggUniqueCount, ValueProperty: strp("v")})
	var evs []*traitEvent
	for i := range MaxTraitDistinctValues + 1 {
		evs = append(evs, &traitEvent{Event: "A", At: now, MessageID: fmt.Sprint(i), Properties: fmt.Sprintf(`{"v":%d}`, i)})
	}
	st := newTraitState()
	for _, e := range evs[:MaxTraitDistinctValues] {
		st.add(d, e, now)
	}
	require.False(t, st.Overflow)
	st.add(d, evs[MaxTraitDistinctValues], now)
	require.True(t, st.Overflow)
	require.Nil(t, st.Buckets[allTimeBucket].Values, "an overflowed state keeps no value table")

	exact := evaluate(d, evs, now)
	require.True(t, exact.Overflow)
	v, ok := exact.value(d)
	require.True(t, ok)
	require.Equal(t, fmt.Sprint(MaxTraitDistinctValues+1), v)
}

// A windowed state drops the days that left the window.
func TestTraitWindowExpiry(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	w := 3
	d := traitDef(t, TraitDefinitionInput{Aggregation: AggCount, WindowDays: &w})
	st := newTraitState()
	require.True(t, st.add(d, &traitEvent{Event: "A", At: now.AddDate(0, 0, -2)}, now))  // Nov 30: in
	require.False(t, st.add(d, &traitEvent{Event: "A", At: now.AddDate(0, 0, -3)}, now)) // Nov 29: out
	require.True(t, st.add(d, &traitEvent{Event: "A", At: now}, now))
	v, _ := st.value(d)
	require.Equal(t, "2", v)
	require.False(t, st.expire(d, now.Add(14*time.Hour))) // still Dec 2
	require.True(t, st.expire(d, now.Add(15*time.Hour)))  // Dec 3: Nov 30 left
	v, _ = st.value(d)
	require.Equal(t, "1", v)
	require.Equal(t, "2026-12-02", st.oldestDay().Format(time.DateOnly))
}

// A number filter's value is a plain decimal of at most 200 characters,
// checked before it is parsed: "1e999999" parsed into a 3-million-bit
// integer at every matching event, and a megabyte of digits was parsed
// before its length was checked.
func TestTraitNumberFilterIsAPlainDecimal(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"1e999999", "0x10", "Inf", strings.Repeat("9", 1<<20), " 12 ", "-3.25"} {
		in := TraitDefinitionInput{Name: "t", Event: "A", Aggregation: AggCount,
			Filter: &TraitFilterInput{Property: "amount", Operator: FilterGreaterThan, Value: v}}
		_, err := in.validate()
		if v == " 12 " || v == "-3.25" {
			require.NoError(t, err, "positive control: %q", v)
			continue
		}
		e, ok := apperr.As(err)
		require.True(t, ok, "%.20q: %v", v, err)
		require.Equal(t, []string{"input", "filter", "value"}, e.Field, "%.20q", v)
	}
}
