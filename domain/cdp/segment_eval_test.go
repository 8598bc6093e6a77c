package cdp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// A brute-force evaluator of rule trees over profiles and events held in
// memory: the specification the compiled SQL is tested against
// (segment_property_test.go). It walks every profile and every event.

type evalProfile struct {
	ID          uuid.UUID
	MergedInto  *uuid.UUID
	Stage       string
	FirstSeen   time.Time
	LastSeen    time.Time
	Events      int64
	Sessions    int64
	Purchases   int64
	Revenue     int64 // micros
	TraitsJSON  string
	Identifiers []Identifier
	// Computed are its computed traits' values (JSON), by definition.
	Computed map[uuid.UUID]string
	// RFM is its stored score (nil: none).
	RFM *evalRFM
}

type evalRFM struct {
	R, F, M int
	Cell    string
}

type evalEvent struct {
	Source     uuid.UUID
	MessageID  string
	Type       string
	Name       string
	UserID     *string
	AnonID     *string
	At         time.Time
	Properties *string // JSON object text
}

type evaluator struct {
	now      time.Time
	profiles []evalProfile
	events   []evalEvent
}

// members lists the live profiles r holds for, sorted.
func (ev *evaluator) members(r *Rule) []uuid.UUID {
	out := []uuid.UUID{}
	for i := range ev.profiles {
		p := &ev.profiles[i]
		if p.MergedInto == nil && ev.rule(r, p) {
			out = append(out, p.ID)
		}
	}
	slices.SortFunc(out, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return out
}

func (ev *evaluator) rule(r *Rule, p *evalProfile) bool {
	switch r.kind() {
	case kindAnd:
		for i := range r.And {
			if !ev.rule(&r.And[i], p) {
				return false
			}
		}
		return true
	case kindOr:
		for i := range r.Or {
			if ev.rule(&r.Or[i], p) {
				return true
			}
		}
		return false
	case kindNot:
		return !ev.rule(r.Not, p)
	case kindField:
		return ev.field(r, p)
	case kindTrait:
		return jsonHolds(decodeJSON(p.TraitsJSON), r.Trait, r.Operator, r.Value, r.Values)
	case kindIdentifier:
		for _, id := range p.Identifiers {
			if id.Type != r.Identifier {
				continue
			}
			switch r.Operator {
			case OpExists:
				return true
			case OpEquals:
				if id.Value == *r.Value {
					return true
				}
			case OpIn:
				if slices.Contains(r.Values, id.Value) {
					return true
				}
			}
		}
		return false
	case kindEvent:
		return ev.event(r.Event, p)
	case kindComputedTrait:
		v, ok := p.Computed[*r.ComputedTrait]
		if !ok {
			return r.Operator == OpNotEquals
		}
		return jsonHolds(decodeJSON(v), nil, r.Operator, r.Value, r.Values)
	case kindRFM:
		return rfmHolds(p.RFM, r)
	}
	panic("invalid rule")
}

func (ev *evaluator) field(r *Rule, p *evalProfile) bool {
	switch r.Field {
	case FieldLifecycleStage:
		switch r.Operator {
		case OpEquals:
			return p.Stage == *r.Value
		case OpNotEquals:
			return p.Stage != *r.Value
		default:
			return slices.Contains(r.Values, p.Stage)
		}
	case FieldFirstSeenAt:
		return timeHolds(ev.now, p.FirstSeen, r.Operator, r.Value, r.Values)
	case FieldLastSeenAt:
		return timeHolds(ev.now, p.LastSeen, r.Operator, r.Value, r.Values)
	}
	v := map[ProfileField]int64{FieldEventCount: p.Events, FieldSessionCount: p.Sessions, FieldPurchaseCount: p.Purchases,
		FieldRevenue: p.Revenue}[r.Field]
	num := func(s string) int64 {
		if r.Field == FieldRevenue {
			m, _ := toMicros(s)
			return m
		}
		var n int64
		fmt.Sscan(s, &n)
		return n
	}
	switch r.Operator {
	case OpEquals:
		return v == num(*r.Value)
	case OpNotEquals:
		return v != num(*r.Value)
	case OpGreaterThan:
		return v > num(*r.Value)
	case OpLessThan:
		return v < num(*r.Value)
	case OpBetween:
		return v >= num(r.Values[0]) && v <= num(r.Values[1])
	default:
		for _, s := range r.Values {
			if v == num(s) {
				return true
			}
		}
		return false
	}
}

func rfmHolds(s *evalRFM, r *Rule) bool {
	if s == nil {
		return false
	}
	if r.RFM == RFMMeasureCell {
		if r.Operator == OpEquals {
			return RFMCellCode(s.Cell) == *r.Value
		}
		return slices.Contains(r.Values, RFMCellCode(s.Cell))
	}
	v := map[RFMMeasure]int{RFMMeasureRecency: s.R, RFMMeasureFrequency: s.F, RFMMeasureMonetary: s.M}[r.RFM]
	num := func(x string) int { return int(x[0] - '0') }
	switch r.Operator {
	case OpEquals:
		return v == num(*r.Value)
	case OpGreaterThan:
		return v > num(*r.Value)
	case OpLessThan:
		return v < num(*r.Value)
	case OpBetween:
		return v >= num(r.Values[0]) && v <= num(r.Values[1])
	}
	for _, x := range r.Values {
		if v == num(x) {
			return true
		}
	}
	return false
}

func timeHolds(now, t time.Time, op Operator, value *string, values []string) bool {
	switch op {
	case OpWithinLast:
		return !t.Before(segmentWindowStart(now, *value))
	case OpBefore:
		return t.Before(ruleTime(*value))
	case OpAfter:
		return t.After(ruleTime(*value))
	default:
		return !t.Before(ruleTime(values[0])) && !t.After(ruleTime(values[1]))
	}
}

func decodeJSON(s string) any {
	if s == "" {
		return nil
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		panic(err)
	}
	return v
}

// lookup follows path through objects.
func lookup(doc any, path []string) (any, bool) {
	cur := doc
	for _, k := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// scalarText is the text #>> gives a string, number or boolean.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return fmt.Sprint(x), true
	}
	return "", false
}

func numberOf(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case json.Number:
		return new(big.Rat).SetString(x.String())
	case string:
		if decimalRe.MatchString(x) {
			return new(big.Rat).SetString(x)
		}
	}
	return nil, false
}

func jsonHolds(doc any, path []string, op Operator, value *string, values []string) bool {
	v, ok := lookup(doc, path)
	if op == OpExists {
		return ok
	}
	if !ok {
		return op == OpNotEquals
	}
	text, isScalar := scalarText(v)
	switch op {
	case OpEquals:
		return isScalar && text == *value
	case OpNotEquals:
		return !(isScalar && text == *value)
	case OpIn:
		return isScalar && slices.Contains(values, text)
	case OpContains:
		s, isString := v.(string)
		return isString && strings.Contains(strings.ToLower(s), strings.ToLower(*value))
	}
	n, isNum := numberOf(v)
	if !isNum {
		return false
	}
	switch op {
	case OpGreaterThan:
		return n.Cmp(ratOf(*value)) > 0
	case OpLessThan:
		return n.Cmp(ratOf(*value)) < 0
	default:
		return n.Cmp(ratOf(values[0])) >= 0 && n.Cmp(ratOf(values[1])) <= 0
	}
}

func (ev *evaluator) event(c *EventCondition, p *evalProfile) bool {
	seen := map[string]bool{}
	for _, e := range ev.events {
		if e.Type != "track" || e.Name != c.Name || !ev.owns(p, e) {
			continue
		}
		if w := c.Window; w != nil && !timeHolds(ev.now, e.At, w.Operator, w.Value, w.Values) {
			continue
		}
		var props any
		if e.Properties != nil {
			props = decodeJSON(*e.Properties)
		}
		ok := true
		for _, f := range c.Where {
			if !jsonHolds(props, f.Path, f.Operator, f.Value, f.Values) {
				ok = false
				break
			}
		}
		if ok {
			seen[e.Source.String()+"/"+e.MessageID] = true
		}
	}
	n, count := int64(len(seen)), c.count()
	switch count.Operator {
	case CountAtMost:
		return n <= count.Value
	case CountExactly:
		return n == count.Value
	}
	return n >= count.Value
}

func (ev *evaluator) owns(p *evalProfile, e evalEvent) bool {
	for _, id := range p.Identifiers {
		if id.Type == IdentifierUserID && e.UserID != nil && *e.UserID == id.Value {
			return true
		}
		if id.Type == IdentifierAnonymousID && e.AnonID != nil && *e.AnonID == id.Value {
			return true
		}
	}
	return false
}

// ruleGen makes random valid rule trees over the generated data's domains.
type ruleGen struct {
	r   *rand.Rand
	now time.Time
	// defs are the computed traits' definitions rules may name (none: no
	// computed-trait conditions).
	defs []uuid.UUID
}

func (g *ruleGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func ptr(s string) *string { return &s }

func (g *ruleGen) rule(depth int) Rule {
	if depth < 3 && g.r.IntN(3) == 0 {
		n := 1 + g.r.IntN(3)
		children := make([]Rule, n)
		for i := range children {
			children[i] = g.rule(depth + 1)
		}
		switch g.r.IntN(3) {
		case 0:
			return Rule{And: children}
		case 1:
			return Rule{Or: children}
		default:
			c := g.rule(depth + 1)
			return Rule{Not: &c}
		}
	}
	kinds := 5
	if len(g.defs) > 0 {
		kinds = 6
	}
	switch g.r.IntN(kinds) {
	case 4:
		return g.rfmRule()
	case 5:
		op, v, vs := g.jsonOperands()
		id := g.defs[g.r.IntN(len(g.defs))]
		return Rule{ComputedTrait: &id, Operator: op, Value: v, Values: vs}
	case 0:
		return g.fieldRule()
	case 1:
		op, v, vs := g.jsonOperands()
		return Rule{Trait: g.path(), Operator: op, Value: v, Values: vs}
	case 2:
		return g.identifierRule()
	default:
		return Rule{Event: g.eventCondition()}
	}
}

func (g *ruleGen) day() string {
	return g.now.Add(time.Duration(g.r.IntN(120)-60) * 24 * time.Hour).Format(time.RFC3339)
}

func (g *ruleGen) fieldRule() Rule {
	f := ProfileFields[g.r.IntN(len(ProfileFields))]
	switch f {
	case FieldLifecycleStage:
		switch g.r.IntN(3) {
		case 0:
			return Rule{Field: f, Operator: OpEquals, Value: ptr(g.pick(lifeStages...))}
		case 1:
			return Rule{Field: f, Operator: OpNotEquals, Value: ptr(g.pick(lifeStages...))}
		}
		return Rule{Field: f, Operator: OpIn, Values: []string{g.pick(lifeStages...), g.pick(lifeStages...)}}
	case FieldFirstSeenAt, FieldLastSeenAt:
		op, v, vs := g.timeOperands()
		return Rule{Field: f, Operator: op, Value: v, Values: vs}
	}
	n := func() string {
		if f == FieldRevenue {
			return fmt.Sprintf("%d.%d", g.r.IntN(200), g.r.IntN(10))
		}
		return fmt.Sprint(g.r.IntN(12))
	}
	switch op := numberOps[g.r.IntN(len(numberOps))]; op {
	case OpBetween:
		a, b := n(), n()
		if ratOf(b).Cmp(ratOf(a)) < 0 {
			a, b = b, a
		}
		return Rule{Field: f, Operator: op, Values: []string{a, b}}
	case OpIn:
		return Rule{Field: f, Operator: op, Values: []string{n(), n(), n()}}
	default:
		return Rule{Field: f, Operator: op, Value: ptr(n())}
	}
}

func (g *ruleGen) rfmRule() Rule {
	m := RFMMeasures[g.r.IntN(len(RFMMeasures))]
	if m == RFMMeasureCell {
		cell := func() string { return RFMCellCode(g.pick(RFMCells...)) }
		if g.r.IntN(2) == 0 {
			return Rule{RFM: m, Operator: OpEquals, Value: ptr(cell())}
		}
		return Rule{RFM: m, Operator: OpIn, Values: []string{cell(), cell(), cell()}}
	}
	n := func() string { return fmt.Sprint(1 + g.r.IntN(5)) }
	switch op := rfmOps[g.r.IntN(len(rfmOps))]; op {
	case OpBetween:
		a, b := n(), n()
		if b < a {
			a, b = b, a
		}
		return Rule{RFM: m, Operator: op, Values: []string{a, b}}
	case OpIn:
		return Rule{RFM: m, Operator: op, Values: []string{n(), n()}}
	default:
		return Rule{RFM: m, Operator: op, Value: ptr(n())}
	}
}

func (g *ruleGen) timeOperands() (Operator, *string, []string) {
	switch op := timeOps[g.r.IntN(len(timeOps))]; op {
	case OpWithinLast:
		return op, ptr(fmt.Sprint(1 + g.r.IntN(60))), nil
	case OpBetween:
		a, b := g.day(), g.day()
		if b < a {
			a, b = b, a
		}
		return op, nil, []string{a, b}
	default:
		return op, ptr(g.day()), nil
	}
}

// traitKeys and the values below are the generated data's domains.
var (
	genKeys    = []string{"plan", "score", "city", "vip", "address"}
	genStrings = []string{"pro", "free", "Paris", "paris", "12", "7.5", "x'y", ""}
)

func (g *ruleGen) path() []string {
	if g.r.IntN(4) == 0 {
		return []string{"address", g.pick("city", "zip")}
	}
	return []string{g.pick(genKeys...)}
}

func (g *ruleGen) scalarString() string {
	switch g.r.IntN(3) {
	case 0:
		return fmt.Sprint(g.r.IntN(20))
	case 1:
		return g.pick("true", "false")
	}
	return g.pick(genStrings...)
}

func (g *ruleGen) jsonOperands() (Operator, *string, []string) {
	num := func() string { return g.pick(fmt.Sprint(g.r.IntN(20)), fmt.Sprintf("%d.5", g.r.IntN(20))) }
	switch op := jsonOps[g.r.IntN(len(jsonOps))]; op {
	case OpExists:
		return op, nil, nil
	case OpIn:
		return op, nil, []string{g.scalarString(), g.scalarString()}
	case OpBetween:
		a, b := num(), num()
		if ratOf(b).Cmp(ratOf(a)) < 0 {
			a, b = b, a
		}
		return op, nil, []string{a, b}
	case OpGreaterThan, OpLessThan:
		return op, ptr(num()), nil
	case OpContains:
		return op, ptr(g.pick("ar", "PRO", "x'", "")), nil
	default:
		return op, ptr(g.scalarString()), nil
	}
}

func (g *ruleGen) identifierRule() Rule {
	t := g.pick(string(IdentifierUserID), string(IdentifierAnonymousID), string(IdentifierEmail))
	switch g.r.IntN(3) {
	case 0:
		return Rule{Identifier: IdentifierType(t), Operator: OpExists}
	case 1:
		return Rule{Identifier: IdentifierType(t), Operator: OpEquals, Value: ptr(g.pick(genUserIDs...))}
	}
	return Rule{Identifier: IdentifierType(t), Operator: OpIn, Values: []string{g.pick(genUserIDs...), g.pick(genUserIDs...)}}
}

var (
	genUserIDs = []string{"u0", "u1", "u2", "u3", "u4", "u5", "a0", "a1", "a2", "a3", "p0@example.com", "p1@example.com"}
	genEvents  = []string{OrderCompleted, "Login", "Signed Up"}
	genProps   = []string{"total", "plan", "coupon"}
)

func (g *ruleGen) eventCondition() *EventCondition {
	c := &EventCondition{Name: g.pick(genEvents...)}
	for range g.r.IntN(3) {
		op, v, vs := g.jsonOperands()
		p := []string{g.pick(genProps...)}
		if g.r.IntN(5) == 0 {
			p = []string{"cart", "size"}
		}
		c.Where = append(c.Where, SegmentPropertyFilter{Path: p, Operator: op, Value: v, Values: vs})
	}
	if g.r.IntN(3) > 0 {
		op := countOps[g.r.IntN(len(countOps))]
		n := int64(g.r.IntN(4))
		if op == CountAtLeast && n == 0 {
			n = 1
		}
		c.Count = &EventCount{Operator: op, Value: n}
	}
	if g.r.IntN(3) > 0 {
		op, v, vs := g.timeOperands()
		c.Window = &TimeWindow{Operator: op, Value: v, Values: vs}
	}
	return c
}

// jsonValue makes a random JSON value of the data's domains.
func (g *ruleGen) jsonValue() any {
	switch g.r.IntN(7) {
	case 0:
		return json.Number(fmt.Sprint(g.r.IntN(20)))
	case 1:
		return json.Number(fmt.Sprintf("%d.5", g.r.IntN(20)))
	case 2:
		return g.r.IntN(2) == 0
	case 3:
		return nil
	case 4:
		return map[string]any{"city": g.pick(genStrings...), "zip": json.Number(fmt.Sprint(g.r.IntN(20))), "size": json.Number(fmt.Sprint(g.r.IntN(5)))}
	}
	return g.pick(genStrings...)
}

// object makes a random object over keys.
func (g *ruleGen) object(keys []string) string {
	m := map[string]any{}
	for _, k := range keys {
		if g.r.IntN(2) == 0 {
			m[k] = g.jsonValue()
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}
