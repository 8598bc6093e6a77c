package cdp

import (
	"bytes"
	"encoding/json"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// This file is a computed trait's arithmetic, free of the database: which
// events a definition takes (traitMatch), the incremental state they fold
// into (traitState: one bucket for an all-time trait, one per UTC day for
// a windowed one, so that expiry drops whole days) and the value a state
// gives (traitState.value). The batch job, the backfill and the recompute
// after a merge all go through it, so they cannot disagree.

// MaxTraitDistinctValues bounds the per-value count table that
// UNIQUE_COUNT and MOST_FREQUENT keep per profile and trait. Past it the
// state is marked overflowed and its value is recomputed from the
// profile's events on every change (exact, but a query each time).
const MaxTraitDistinctValues = 1000

// allTimeBucket is the key of an all-time trait's single bucket.
const allTimeBucket = "all"

// traitEvent is one event as a trait sees it.
type traitEvent struct {
	Profile   uuid.UUID `bun:"profile_id"`
	Event     string    `bun:"event"`
	At        time.Time `bun:"timestamp"`
	SourceID  uuid.UUID `bun:"source_id"`
	MessageID string    `bun:"message_id"`
	// JSON text of the properties ("" when none).
	Properties string `bun:"properties"`
}

// traitPoint is the value of the first or last event, with the event's
// position: (time, source, messageId) orders events the same in every path.
type traitPoint struct {
	At        time.Time       `json:"t"`
	SourceID  uuid.UUID       `json:"s"`
	MessageID string          `json:"m"`
	Value     json.RawMessage `json:"v"`
}

func (p *traitPoint) before(o *traitPoint) bool {
	if c := p.At.Compare(o.At); c != 0 {
		return c < 0
	}
	if c := bytes.Compare(p.SourceID[:], o.SourceID[:]); c != 0 {
		return c < 0
	}
	return p.MessageID < o.MessageID
}

// traitBucket is what the events of one bucket add up to.
type traitBucket struct {
	// N counts the events taken (with a usable value, for value
	// aggregations).
	N int64 `json:"n"`
	// Sum, Min and Max are exact rationals (big.Rat text), so that the
	// order events arrive in changes no digit.
	Sum   string      `json:"s,omitempty"`
	Min   string      `json:"lo,omitempty"`
	Max   string      `json:"hi,omitempty"`
	First *traitPoint `json:"f,omitempty"`
	Last  *traitPoint `json:"l,omitempty"`
	// Values counts each value (canonical JSON text).
	Values map[string]int64 `json:"v,omitempty"`
}

// traitState is a profile's incremental state of one trait.
type traitState struct {
	Buckets map[string]*traitBucket `json:"b"`
	// Overflow: more than MaxTraitDistinctValues values; Values are not
	// kept and the value comes from a recompute.
	Overflow bool `json:"o,omitempty"`
	// Exact is an overflowed state's value as last recomputed.
	Exact string `json:"x,omitempty"`

	// unbounded: a recompute's state, which counts every value.
	unbounded bool
}

func newTraitState() *traitState { return &traitState{Buckets: map[string]*traitBucket{}} }

// empty reports whether no event is in the state.
func (s *traitState) empty() bool { return len(s.Buckets) == 0 }

// oldestDay is the oldest day bucket of a windowed state (nil when all
// time or empty).
func (s *traitState) oldestDay() *time.Time {
	var out *time.Time
	for k := range s.Buckets {
		if k == allTimeBucket {
			continue
		}
		d, err := time.Parse(time.DateOnly, k)
		if err == nil && (out == nil || d.Before(*out)) {
			out = &d
		}
	}
	return out
}

// windowStart is the first instant a windowed trait counts at now: the
// start of the UTC day windowDays-1 days before today.
func windowStart(windowDays int, now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(windowDays - 1))
}

// inWindow reports whether an event at `at` counts for def at now.
func (def *TraitDefinition) inWindow(at, now time.Time) bool {
	return def.WindowDays == nil || !at.Before(windowStart(*def.WindowDays, now))
}

// bucketKey is the bucket an event at `at` goes to.
func (def *TraitDefinition) bucketKey(at time.Time) string {
	if def.WindowDays == nil {
		return allTimeBucket
	}
	return at.UTC().Format(time.DateOnly)
}

// expire drops the buckets before the window at now; it reports whether
// any was dropped.
func (s *traitState) expire(def *TraitDefinition, now time.Time) bool {
	if def.WindowDays == nil {
		return false
	}
	start := windowStart(*def.WindowDays, now).Format(time.DateOnly)
	dropped := false
	for k := range s.Buckets {
		if k < start { // ISO dates order as text
			delete(s.Buckets, k)
			dropped = true
		}
	}
	return dropped
}

// lookupPath walks a path of keys into a JSON object.
func lookupPath(props map[string]json.RawMessage, path []string) (json.RawMessage, bool) {
	var cur json.RawMessage
	obj := props
	for i, k := range path {
		v, ok := obj[k]
		if !ok {
			return nil, false
		}
		cur = v
		if i < len(path)-1 {
			obj = nil
			if json.Unmarshal(v, &obj) != nil || obj == nil {
				return nil, false
			}
		}
	}
	return cur, cur != nil
}

// scalar is a JSON value that is a number, string or boolean.
type scalar struct {
	num *big.Rat // a number
	str *string  // a string
	b   *bool    // a boolean
}

// parseScalar decodes raw as a scalar (false for null, objects, arrays).
func parseScalar(raw json.RawMessage) (scalar, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return scalar{}, false
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return scalar{}, false
		}
		return scalar{str: &s}, true
	case 't', 'f':
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return scalar{}, false
		}
		return scalar{b: &b}, true
	case '{', '[', 'n':
		return scalar{}, false
	}
	r, ok := new(big.Rat).SetString(string(raw))
	if !ok {
		return scalar{}, false
	}
	return scalar{num: r}, true
}

// text is the scalar as a filter compares it: a string as is, a number as
// its decimal, a boolean as true or false.
func (v scalar) text() string {
	switch {
	case v.str != nil:
		return *v.str
	case v.b != nil:
		return strconv.FormatBool(*v.b)
	}
	return ratJSON(v.num)
}

// canonical is the scalar's canonical JSON text (numbers normalised).
func (v scalar) canonical() string {
	switch {
	case v.str != nil:
		b, _ := json.Marshal(*v.str)
		return string(b)
	case v.b != nil:
		return strconv.FormatBool(*v.b)
	}
	return ratJSON(v.num)
}

// ratJSON is a rational as a JSON number: an integer exactly, otherwise
// the nearest float64 in its shortest form.
func ratJSON(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// matchFilter reports whether props pass def's property filter.
func (def *TraitDefinition) matchFilter(props map[string]json.RawMessage) bool {
	f := def.Filter
	if f == nil {
		return true
	}
	raw, ok := lookupPath(props, f.Path)
	var v scalar
	if ok {
		v, ok = parseScalar(raw)
	}
	switch f.Operator {
	case FilterEquals:
		return ok && v.text() == f.Value
	case FilterNotEquals:
		return !ok || v.text() != f.Value
	case FilterContains:
		return ok && v.str != nil && strings.Contains(*v.str, f.Value)
	case FilterGreaterThan, FilterLessThan:
		want, good := new(big.Rat).SetString(f.Value)
		if !ok || v.num == nil || !good {
			return false
		}
		c := v.num.Cmp(want)
		return (f.Operator == FilterGreaterThan && c > 0) || (f.Operator == FilterLessThan && c < 0)
	}
	return false
}

// take reports whether def counts e and, for a value aggregation, the
// value it takes from it.
func (def *TraitDefinition) take(e *traitEvent) (scalar, bool) {
	if e.Event != def.Event {
		return scalar{}, false
	}
	var props map[string]json.RawMessage
	if e.Properties != "" {
		_ = json.Unmarshal([]byte(e.Properties), &props) // not an object: no properties
	}
	if !def.matchFilter(props) {
		return scalar{}, false
	}
	if !def.Aggregation.takesValue() {
		return scalar{}, true
	}
	raw, ok := lookupPath(props, def.ValuePath)
	if !ok {
		return scalar{}, false
	}
	v, ok := parseScalar(raw)
	if !ok || (def.Aggregation.numeric() && v.num == nil) {
		return scalar{}, false
	}
	return v, true
}

// add folds one event into the state (events outside the window at now are
// ignored). It reports whether the state changed.
func (s *traitState) add(def *TraitDefinition, e *traitEvent, now time.Time) bool {
	if !def.inWindow(e.At, now) {
		return false
	}
	v, ok := def.take(e)
	if !ok {
		return false
	}
	key := def.bucketKey(e.At)
	b := s.Buckets[key]
	if b == nil {
		b = &traitBucket{}
		s.Buckets[key] = b
	}
	b.N++
	switch def.Aggregation {
	case AggSum, AggAverage:
		b.Sum = addRat(b.Sum, v.num)
	case AggMin:
		if b.Min == "" || v.num.Cmp(parseRat(b.Min)) < 0 {
			b.Min = v.num.RatString()
		}
	case AggMax:
		if b.Max == "" || v.num.Cmp(parseRat(b.Max)) > 0 {
			b.Max = v.num.RatString()
		}
	case AggFirst, AggLast:
		p := &traitPoint{At: e.At.UTC(), SourceID: e.SourceID, MessageID: e.MessageID, Value: json.RawMessage(v.canonical())}
		if b.First == nil || p.before(b.First) {
			b.First = p
		}
		if b.Last == nil || b.Last.before(p) {
			b.Last = p
		}
		if def.Aggregation == AggFirst {
			b.Last = nil
		} else {
			b.First = nil
		}
	case AggUniqueCount, AggMostFrequent:
		if !s.Overflow {
			if b.Values == nil {
				b.Values = map[string]int64{}
			}
			b.Values[v.canonical()]++
			if !s.unbounded && s.distinct() > MaxTraitDistinctValues {
				s.Overflow = true
				for _, x := range s.Buckets {
					x.Values = nil
				}
			}
		}
	}
	return true
}

func parseRat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return new(big.Rat)
	}
	return r
}

func addRat(sum string, v *big.Rat) string {
	if sum == "" {
		return v.RatString()
	}
	return new(big.Rat).Add(parseRat(sum), v).RatString()
}

// distinct counts the state's distinct values.
func (s *traitState) distinct() int {
	return len(s.valueCounts())
}

func (s *traitState) valueCounts() map[string]int64 {
	out := map[string]int64{}
	for _, b := range s.Buckets {
		for k, n := range b.Values {
			out[k] += n
		}
	}
	return out
}

// value is the trait's value from the state: JSON text, false when the
// state holds no event. An overflowed state's value is its Exact.
func (s *traitState) value(def *TraitDefinition) (string, bool) {
	if s.Overflow {
		return s.Exact, s.Exact != "" && !s.empty()
	}
	return s.valueOf(def)
}

// valueOf folds the buckets into the value.
func (s *traitState) valueOf(def *TraitDefinition) (string, bool) {
	if s.empty() {
		return "", false
	}
	keys := make([]string, 0, len(s.Buckets))
	for k := range s.Buckets {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a deterministic fold
	var n int64
	sum := new(big.Rat)
	var lo, hi *big.Rat
	var first, last *traitPoint
	for _, k := range keys {
		b := s.Buckets[k]
		n += b.N
		if b.Sum != "" {
			sum.Add(sum, parseRat(b.Sum))
		}
		if b.Min != "" && (lo == nil || parseRat(b.Min).Cmp(lo) < 0) {
			lo = parseRat(b.Min)
		}
		if b.Max != "" && (hi == nil || parseRat(b.Max).Cmp(hi) > 0) {
			hi = parseRat(b.Max)
		}
		if b.First != nil && (first == nil || b.First.before(first)) {
			first = b.First
		}
		if b.Last != nil && (last == nil || last.before(b.Last)) {
			last = b.Last
		}
	}
	if n == 0 {
		return "", false
	}
	switch def.Aggregation {
	case AggCount:
		return strconv.FormatInt(n, 10), true
	case AggExists:
		return "true", true
	case AggSum:
		return ratJSON(sum), true
	case AggAverage:
		return ratJSON(sum.Quo(sum, new(big.Rat).SetInt64(n))), true
	case AggMin:
		return ratJSON(lo), lo != nil
	case AggMax:
		return ratJSON(hi), hi != nil
	case AggFirst:
		return string(first.Value), first != nil
	case AggLast:
		return string(last.Value), last != nil
	case AggUniqueCount:
		return strconv.Itoa(s.distinct()), true
	case AggMostFrequent:
		return mostFrequent(s.valueCounts())
	}
	return "", false
}

// mostFrequent is the value counted most often; a tie goes to the smallest
// canonical text.
func mostFrequent(counts map[string]int64) (string, bool) {
	best, bestN := "", int64(0)
	for k, n := range counts {
		if n > bestN || (n == bestN && k < best) {
			best, bestN = k, n
		}
	}
	return best, bestN > 0
}
