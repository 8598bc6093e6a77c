package cdp

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/internal/apperr"
)

// The rule language of segments (docs/adr/0020). A Rule is a node of a
// tree: a group (And, Or, Not) or one condition (Field, Trait, Identifier
// or Event, with an Operator and its Value or Values). The same structure
// is the GraphQL input (graph/segments.graphqls) and the JSON stored in
// cdp_segments.rules, so a stored tree reads back exactly as it was given.
// Validate checks a tree against the bounds below and reports the path of
// the first bad node; compile (segment_sql.go) turns a valid tree into one
// parameterised SQL query.

// Operator compares a condition's subject with its value(s).
type Operator string

// The operators. Which apply to which subject is listed in operatorsFor.
const (
	OpEquals      Operator = "EQUALS"
	OpNotEquals   Operator = "NOT_EQUALS"
	OpContains    Operator = "CONTAINS"
	OpGreaterThan Operator = "GREATER_THAN"
	OpLessThan    Operator = "LESS_THAN"
	OpBetween     Operator = "BETWEEN"
	OpIn          Operator = "IN"
	OpExists      Operator = "EXISTS"
	OpWithinLast  Operator = "WITHIN_LAST"
	OpBefore      Operator = "BEFORE"
	OpAfter       Operator = "AFTER"
)

// Operators lists every Operator.
var Operators = []Operator{OpEquals, OpNotEquals, OpContains, OpGreaterThan, OpLessThan, OpBetween, OpIn, OpExists,
	OpWithinLast, OpBefore, OpAfter}

// ProfileField is a built-in field of a profile a condition can test.
type ProfileField string

// The profile fields.
const (
	FieldLifecycleStage ProfileField = "LIFECYCLE_STAGE"
	FieldFirstSeenAt    ProfileField = "FIRST_SEEN_AT"
	FieldLastSeenAt     ProfileField = "LAST_SEEN_AT"
	FieldEventCount     ProfileField = "EVENT_COUNT"
	FieldSessionCount   ProfileField = "SESSION_COUNT"
	FieldPurchaseCount  ProfileField = "PURCHASE_COUNT"
	FieldRevenue        ProfileField = "REVENUE"
)

// ProfileFields lists every ProfileField.
var ProfileFields = []ProfileField{FieldLifecycleStage, FieldFirstSeenAt, FieldLastSeenAt, FieldEventCount,
	FieldSessionCount, FieldPurchaseCount, FieldRevenue}

// RFMMeasure is the part of an RFM score a condition tests.
type RFMMeasure string

// The RFM measures.
const (
	RFMMeasureCell      RFMMeasure = "CELL"
	RFMMeasureRecency   RFMMeasure = "RECENCY"
	RFMMeasureFrequency RFMMeasure = "FREQUENCY"
	RFMMeasureMonetary  RFMMeasure = "MONETARY"
)

// RFMMeasures lists every RFMMeasure.
var RFMMeasures = []RFMMeasure{RFMMeasureCell, RFMMeasureRecency, RFMMeasureFrequency, RFMMeasureMonetary}

// RFMCellCode is a cell's code in rules (the GraphQL RfmSegment value):
// "Can't Lose" → CANT_LOSE.
func RFMCellCode(name string) string {
	return strings.ReplaceAll(strings.ToUpper(strings.ReplaceAll(name, "'", "")), " ", "_")
}

// rfmCellName is the stored cell name of a code ("" when unknown).
func rfmCellName(code string) string {
	for _, c := range RFMCells {
		if RFMCellCode(c) == code {
			return c
		}
	}
	return ""
}

// CountOperator compares how many times a profile performed an event.
type CountOperator string

// The count operators.
const (
	CountAtLeast CountOperator = "AT_LEAST"
	CountAtMost  CountOperator = "AT_MOST"
	CountExactly CountOperator = "EXACTLY"
)

// Bounds of a rule tree.
const (
	MaxRuleDepth       = 6    // nested groups (the root is depth 1)
	MaxRuleConditions  = 50   // conditions (leaves, including property filters) in a tree
	MaxRuleChildren    = 20   // children of one group
	MaxRuleInValues    = 100  // values of an IN list
	MaxRuleValueLength = 200  // characters of one value
	MaxRulePathLength  = 5    // segments of a trait's or property's path
	MaxRuleKeyLength   = 128  // characters of one segment of a path (MaxTraitKeyBytes)
	MaxEventFilters    = 10   // property filters of one event condition
	MaxEventCount      = 1e6  // the largest count an event condition may ask for
	MaxWindowDays      = 3650 // the longest WITHIN_LAST, in days
)

// Rule is a node of a segment's rule tree: exactly one of And, Or, Not, or
// a condition (one of Field, Trait, Identifier, Event, ComputedTrait, RFM).
type Rule struct {
	And []Rule `json:"and,omitempty"`
	Or  []Rule `json:"or,omitempty"`
	Not *Rule  `json:"not,omitempty"`

	// Field is a profile field the condition tests.
	Field ProfileField `json:"field,omitempty"`
	// Trait is the path of a custom trait (identify's traits) the condition
	// tests: ["plan"], or ["address", "city"] for a nested key.
	Trait []string `json:"trait,omitempty"`
	// Identifier is the identifier type the condition tests (EXISTS: the
	// profile has one; EQUALS, IN: one of its values is).
	Identifier IdentifierType `json:"identifier,omitempty"`
	// Event is an event condition (its own operator; Operator is unused).
	Event *EventCondition `json:"event,omitempty"`
	// ComputedTrait is the id of a computed trait's definition the
	// condition tests (its value, with Trait's operators; a profile without
	// a value has none: only NOT_EQUALS holds).
	ComputedTrait *uuid.UUID `json:"computedTrait,omitempty"`
	// RFM is the part of the profile's RFM score the condition tests: its
	// cell (EQUALS, IN over RFMCellCodes) or its R, F or M score (1–5; the
	// number operators but NOT_EQUALS). A profile without a score meets no
	// RFM condition.
	RFM RFMMeasure `json:"rfm,omitempty"`

	Operator Operator `json:"operator,omitempty"`
	// Value is the operand of a one-value operator: a string, a decimal
	// number, an RFC 3339 time (BEFORE, AFTER) or a number of days
	// (WITHIN_LAST).
	Value *string `json:"value,omitempty"`
	// Values are the operands of IN (1–MaxRuleInValues) and BETWEEN (two:
	// low and high, both included).
	Values []string `json:"values,omitempty"`
}

// EventCondition holds when the profile performed the track event Name
// (with properties matching all of Where) a number of times that meets
// Count, within Window.
type EventCondition struct {
	Name  string                  `json:"name"`
	Where []SegmentPropertyFilter `json:"where,omitempty"`
	// Count defaults to at least once.
	Count *EventCount `json:"count,omitempty"`
	// Window limits the events by their time (WITHIN_LAST, BEFORE, AFTER,
	// BETWEEN); none: all time.
	Window *TimeWindow `json:"window,omitempty"`
}

// PropertyFilter is a condition on an event's property at Path.
type SegmentPropertyFilter struct {
	Path     []string `json:"path"`
	Operator Operator `json:"operator"`
	Value    *string  `json:"value,omitempty"`
	Values   []string `json:"values,omitempty"`
}

// EventCount is how many matching events a profile needs.
type EventCount struct {
	Operator CountOperator `json:"operator"`
	Value    int64         `json:"value"`
}

// TimeWindow is an event condition's time range.
type TimeWindow struct {
	Operator Operator `json:"operator"`
	Value    *string  `json:"value,omitempty"`
	Values   []string `json:"values,omitempty"`
}

// count is the condition's count with its default.
func (e *EventCondition) count() EventCount {
	if e.Count == nil {
		return EventCount{Operator: CountAtLeast, Value: 1}
	}
	return *e.Count
}

// ruleKind is what a node of a tree is.
type ruleKind int

const (
	kindNone ruleKind = iota
	kindAnd
	kindOr
	kindNot
	kindField
	kindTrait
	kindIdentifier
	kindEvent
	kindComputedTrait
	kindRFM
)

// kinds lists what r sets (a valid node sets exactly one).
func (r *Rule) kinds() []ruleKind {
	var ks []ruleKind
	if r.And != nil {
		ks = append(ks, kindAnd)
	}
	if r.Or != nil {
		ks = append(ks, kindOr)
	}
	if r.Not != nil {
		ks = append(ks, kindNot)
	}
	if r.Field != "" {
		ks = append(ks, kindField)
	}
	if r.Trait != nil {
		ks = append(ks, kindTrait)
	}
	if r.Identifier != "" {
		ks = append(ks, kindIdentifier)
	}
	if r.Event != nil {
		ks = append(ks, kindEvent)
	}
	if r.ComputedTrait != nil {
		ks = append(ks, kindComputedTrait)
	}
	if r.RFM != "" {
		ks = append(ks, kindRFM)
	}
	return ks
}

func (r *Rule) kind() ruleKind {
	if ks := r.kinds(); len(ks) == 1 {
		return ks[0]
	}
	return kindNone
}

// decimalRe is the form of a number operand: what numeric and big.Rat
// both read exactly.
var decimalRe = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,6})?$`)

// validator walks a tree, counting conditions.
type validator struct {
	conditions int
}

// at extends a path (a fresh slice: paths are kept in errors).
func at(path []string, more ...string) []string {
	return append(slices.Clip(path), more...)
}

// ValidateRules checks a rule tree; errors are BAD_USER_INPUT with the
// path (under root, e.g. ["input", "rules"]) of the bad node or operand.
func ValidateRules(r *Rule, root []string) error {
	if r == nil {
		return apperr.Invalid(root, "rules are required")
	}
	v := &validator{}
	return v.rule(r, root, 1)
}

func (v *validator) rule(r *Rule, path []string, depth int) error {
	if depth > MaxRuleDepth {
		return apperr.Invalid(path, "rules nest at most %d levels deep", MaxRuleDepth)
	}
	switch ks := r.kinds(); {
	case len(ks) == 0:
		return apperr.Invalid(path, "a rule is a group (and, or, not) or a condition (field, trait, identifier, event, computedTrait or rfm)")
	case len(ks) > 1:
		return apperr.Invalid(path, "a rule is exactly one of and, or, not, field, trait, identifier, event, computedTrait or rfm")
	}
	switch r.kind() {
	case kindAnd, kindOr:
		children, name := r.And, "and"
		if r.kind() == kindOr {
			children, name = r.Or, "or"
		}
		if err := v.noOperands(r, path, "a group"); err != nil {
			return err
		}
		if len(children) == 0 || len(children) > MaxRuleChildren {
			return apperr.Invalid(at(path, name), "a group has 1 to %d rules", MaxRuleChildren)
		}
		for i := range children {
			if err := v.rule(&children[i], at(path, name, strconv.Itoa(i)), depth+1); err != nil {
				return err
			}
		}
		return nil
	case kindNot:
		if err := v.noOperands(r, path, "a group"); err != nil {
			return err
		}
		return v.rule(r.Not, at(path, "not"), depth+1)
	case kindEvent:
		if err := v.noOperands(r, path, "an event condition"); err != nil {
			return err
		}
		return v.event(r.Event, at(path, "event"))
	}
	if err := v.count(path); err != nil {
		return err
	}
	switch r.kind() {
	case kindField:
		return v.field(r, path)
	case kindTrait:
		if err := v.jsonPath(r.Trait, at(path, "trait")); err != nil {
			return err
		}
		return v.jsonCondition(r.Operator, r.Value, r.Values, path)
	case kindComputedTrait:
		return v.jsonCondition(r.Operator, r.Value, r.Values, path)
	case kindRFM:
		return v.rfm(r, path)
	default:
		return v.identifier(r, path)
	}
}

func (v *validator) noOperands(r *Rule, path []string, what string) error {
	if r.Operator != "" {
		return apperr.Invalid(at(path, "operator"), "%s has no operator", what)
	}
	if r.Value != nil {
		return apperr.Invalid(at(path, "value"), "%s has no value", what)
	}
	if r.Values != nil {
		return apperr.Invalid(at(path, "values"), "%s has no values", what)
	}
	return nil
}

func (v *validator) count(path []string) error {
	v.conditions++
	if v.conditions > MaxRuleConditions {
		return apperr.Invalid(path, "rules have at most %d conditions", MaxRuleConditions)
	}
	return nil
}

// operands checks which of value and values an operator takes.
func operands(op Operator, value *string, values []string, path []string) error {
	switch op {
	case OpExists:
		if value != nil {
			return apperr.Invalid(at(path, "value"), "EXISTS takes no value")
		}
		if values != nil {
			return apperr.Invalid(at(path, "values"), "EXISTS takes no values")
		}
	case OpIn:
		if value != nil {
			return apperr.Invalid(at(path, "value"), "IN takes values, not a value")
		}
		if len(values) == 0 || len(values) > MaxRuleInValues {
			return apperr.Invalid(at(path, "values"), "IN takes 1 to %d values", MaxRuleInValues)
		}
	case OpBetween:
		if value != nil {
			return apperr.Invalid(at(path, "value"), "BETWEEN takes values (low, high), not a value")
		}
		if len(values) != 2 {
			return apperr.Invalid(at(path, "values"), "BETWEEN takes two values: low and high")
		}
	default:
		if values != nil {
			return apperr.Invalid(at(path, "values"), "%s takes a value, not values", op)
		}
		if value == nil {
			return apperr.Invalid(at(path, "value"), "%s needs a value", op)
		}
	}
	for i, s := range values {
		if err := boundedValue(s, at(path, "values", strconv.Itoa(i))); err != nil {
			return err
		}
	}
	if value != nil {
		return boundedValue(*value, at(path, "value"))
	}
	return nil
}

func boundedValue(s string, path []string) error {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxRuleValueLength {
		return apperr.Invalid(path, "a value is at most %d characters", MaxRuleValueLength)
	}
	return nil
}

// operatorIn refuses an operator a subject does not take.
func operatorIn(op Operator, path []string, subject string, ok ...Operator) error {
	if op == "" {
		return apperr.Invalid(at(path, "operator"), "the condition needs an operator")
	}
	if !slices.Contains(ok, op) {
		return apperr.Invalid(at(path, "operator"), "%s does not apply to %s (use one of %v)", op, subject, ok)
	}
	return nil
}

// Operators by subject.
var (
	timeOps    = []Operator{OpWithinLast, OpBefore, OpAfter, OpBetween}
	numberOps  = []Operator{OpEquals, OpNotEquals, OpGreaterThan, OpLessThan, OpBetween, OpIn}
	stageOps   = []Operator{OpEquals, OpNotEquals, OpIn}
	jsonOps    = []Operator{OpEquals, OpNotEquals, OpContains, OpGreaterThan, OpLessThan, OpBetween, OpIn, OpExists}
	idOps      = []Operator{OpExists, OpEquals, OpIn}
	rfmCellOps = []Operator{OpEquals, OpIn}
	rfmOps     = []Operator{OpEquals, OpGreaterThan, OpLessThan, OpBetween, OpIn}
	windowOps  = []Operator{OpWithinLast, OpBefore, OpAfter, OpBetween}
	countOps   = []CountOperator{CountAtLeast, CountAtMost, CountExactly}
	lifeStages = []string{StageAnonymous, StageKnown, StageCustomer, StageChurned}
)

func (v *validator) field(r *Rule, path []string) error {
	if !slices.Contains(ProfileFields, r.Field) {
		return apperr.Invalid(at(path, "field"), "unknown profile field")
	}
	switch r.Field {
	case FieldLifecycleStage:
		if err := operatorIn(r.Operator, path, "the lifecycle stage", stageOps...); err != nil {
			return err
		}
		return eachOperand(r.Operator, r.Value, r.Values, path, func(s string, p []string) error {
			if !slices.Contains(lifeStages, s) {
				return apperr.Invalid(p, "a lifecycle stage is one of %v", lifeStages)
			}
			return nil
		})
	case FieldFirstSeenAt, FieldLastSeenAt:
		if err := operatorIn(r.Operator, path, "a time", timeOps...); err != nil {
			return err
		}
		return timeOperands(r.Operator, r.Value, r.Values, path)
	default:
		if err := operatorIn(r.Operator, path, "a counter", numberOps...); err != nil {
			return err
		}
		return eachOperand(r.Operator, r.Value, r.Values, path, func(s string, p []string) error {
			if !decimalRe.MatchString(s) {
				return apperr.Invalid(p, "a number (up to 15 digits and 6 decimals) is expected")
			}
			if r.Field != FieldRevenue && !intRe.MatchString(s) {
				return apperr.Invalid(p, "a whole number is expected")
			}
			return nil
		})
	}
}

var intRe = regexp.MustCompile(`^-?[0-9]{1,15}$`)

// eachOperand checks the operands' count, then each with check.
func eachOperand(op Operator, value *string, values []string, path []string, check func(string, []string) error) error {
	if err := operands(op, value, values, path); err != nil {
		return err
	}
	if value != nil {
		if err := check(*value, at(path, "value")); err != nil {
			return err
		}
	}
	for i, s := range values {
		if err := check(s, at(path, "values", strconv.Itoa(i))); err != nil {
			return err
		}
	}
	return nil
}

// timeOperands checks the operands of a time operator: WITHIN_LAST a
// number of days, the others RFC 3339 times (BETWEEN's in order).
func timeOperands(op Operator, value *string, values []string, path []string) error {
	err := eachOperand(op, value, values, path, func(s string, p []string) error {
		if op == OpWithinLast {
			if n, err := strconv.Atoi(s); err != nil || n < 1 || n > MaxWindowDays {
				return apperr.Invalid(p, "WITHIN_LAST takes a number of days from 1 to %d", MaxWindowDays)
			}
			return nil
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return apperr.Invalid(p, "a time in RFC 3339 (2026-01-31T00:00:00Z) is expected")
		}
		return nil
	})
	if err != nil || op != OpBetween {
		return err
	}
	lo, _ := time.Parse(time.RFC3339Nano, values[0])
	hi, _ := time.Parse(time.RFC3339Nano, values[1])
	if hi.Before(lo) {
		return apperr.Invalid(at(path, "values", "1"), "BETWEEN's high end is before its low end")
	}
	return nil
}

func (v *validator) jsonPath(p []string, path []string) error {
	if len(p) == 0 || len(p) > MaxRulePathLength {
		return apperr.Invalid(path, "a path has 1 to %d keys", MaxRulePathLength)
	}
	for i, k := range p {
		if k == "" || !utf8.ValidString(k) || utf8.RuneCountInString(k) > MaxRuleKeyLength {
			return apperr.Invalid(at(path, strconv.Itoa(i)), "a key is 1 to %d characters", MaxRuleKeyLength)
		}
	}
	return nil
}

// jsonCondition checks a condition on a JSON value (a trait, a property):
// numbers for GREATER_THAN, LESS_THAN and BETWEEN.
func (v *validator) jsonCondition(op Operator, value *string, values []string, path []string) error {
	if err := operatorIn(op, path, "a trait or property", jsonOps...); err != nil {
		return err
	}
	numeric := op == OpGreaterThan || op == OpLessThan || op == OpBetween
	err := eachOperand(op, value, values, path, func(s string, p []string) error {
		if numeric && !decimalRe.MatchString(s) {
			return apperr.Invalid(p, "%s compares numbers: a number (up to 15 digits and 6 decimals) is expected", op)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if op == OpBetween && ratOf(values[1]).Cmp(ratOf(values[0])) < 0 {
		return apperr.Invalid(at(path, "values", "1"), "BETWEEN's high end is below its low end")
	}
	return nil
}

var rfmScoreRe = regexp.MustCompile(`^[1-5]$`)

func (v *validator) rfm(r *Rule, path []string) error {
	if !slices.Contains(RFMMeasures, r.RFM) {
		return apperr.Invalid(at(path, "rfm"), "an RFM measure is one of %v", RFMMeasures)
	}
	if r.RFM == RFMMeasureCell {
		if err := operatorIn(r.Operator, path, "an RFM cell", rfmCellOps...); err != nil {
			return err
		}
		return eachOperand(r.Operator, r.Value, r.Values, path, func(s string, p []string) error {
			if rfmCellName(s) == "" {
				codes := make([]string, len(RFMCells))
				for i, c := range RFMCells {
					codes[i] = RFMCellCode(c)
				}
				return apperr.Invalid(p, "an RFM cell is one of %v", codes)
			}
			return nil
		})
	}
	if err := operatorIn(r.Operator, path, "an RFM score", rfmOps...); err != nil {
		return err
	}
	err := eachOperand(r.Operator, r.Value, r.Values, path, func(s string, p []string) error {
		if !rfmScoreRe.MatchString(s) {
			return apperr.Invalid(p, "an RFM score is a whole number from 1 to 5")
		}
		return nil
	})
	if err != nil {
		return err
	}
	if r.Operator == OpBetween && r.Values[1] < r.Values[0] {
		return apperr.Invalid(at(path, "values", "1"), "BETWEEN's high end is below its low end")
	}
	return nil
}

func (v *validator) identifier(r *Rule, path []string) error {
	if !r.Identifier.Valid() {
		return apperr.Invalid(at(path, "identifier"), "unknown identifier type")
	}
	if err := operatorIn(r.Operator, path, "an identifier", idOps...); err != nil {
		return err
	}
	return operands(r.Operator, r.Value, r.Values, path)
}

func (v *validator) event(e *EventCondition, path []string) error {
	if e.Name == "" || !utf8.ValidString(e.Name) || utf8.RuneCountInString(e.Name) > MaxRuleValueLength {
		return apperr.Invalid(at(path, "name"), "an event name is 1 to %d characters", MaxRuleValueLength)
	}
	if len(e.Where) > MaxEventFilters {
		return apperr.Invalid(at(path, "where"), "an event condition has at most %d property filters", MaxEventFilters)
	}
	for i, f := range e.Where {
		p := at(path, "where", strconv.Itoa(i))
		if err := v.count(p); err != nil {
			return err
		}
		if err := v.jsonPath(f.Path, at(p, "path")); err != nil {
			return err
		}
		if err := v.jsonCondition(f.Operator, f.Value, f.Values, p); err != nil {
			return err
		}
	}
	if c := e.Count; c != nil {
		if !slices.Contains(countOps, c.Operator) {
			return apperr.Invalid(at(path, "count", "operator"), "a count operator is one of %v", countOps)
		}
		if c.Value < 0 || c.Value > MaxEventCount {
			return apperr.Invalid(at(path, "count", "value"), "a count is 0 to %d", int64(MaxEventCount))
		}
		if c.Operator == CountAtLeast && c.Value == 0 {
			return apperr.Invalid(at(path, "count", "value"), "at least 0 times always holds: ask for at least 1")
		}
	}
	if w := e.Window; w != nil {
		p := at(path, "window")
		if err := operatorIn(w.Operator, p, "a time window", windowOps...); err != nil {
			return err
		}
		if err := timeOperands(w.Operator, w.Value, w.Values, p); err != nil {
			return err
		}
	}
	return v.count(path)
}

// String names a rule's kind for messages.
func (k ruleKind) String() string {
	return [...]string{"nothing", "and", "or", "not", "field", "trait", "identifier", "event", "computedTrait", "rfm"}[k]
}

var _ fmt.Stringer = ruleKind(0)
