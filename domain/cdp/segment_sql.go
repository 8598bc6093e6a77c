package cdp

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Compilation of a rule tree to one SQL query (docs/adr/0020, "One
// query"). The query returns the ids of the live profiles that meet the
// rules. Every operand — values, trait and property paths, event names,
// identifier types, times — is a bind parameter ($n with an explicit
// cast); the SQL text holds only the compiler's own fragments and
// constants, so no input can change the statement. Paths go in as text[]
// parameters of #> and #>>, which read them as keys (a key such as
// "a,b}" or "'); DROP TABLE x" is just a key that no object has).
//
// Each condition is made two-valued (coalesce(…, false)) so NOT negates
// exactly: a profile without the trait does not have it EQUAL to a value,
// so it is NOT_EQUAL to it.
//
// The events of a profile are those whose userId or anonymousId is one of
// its USER_ID or ANONYMOUS_ID identifiers (the timeline's rule); each event
// condition is one CTE counting, per profile, the distinct matching events
// (an event carrying two ids of the same profile counts once).

// compiledQuery is a statement and its arguments (run through the driver,
// never interpolated: see runQuery).
type compiledQuery struct {
	sql  string
	args []any
}

// compiler builds one query.
type compiler struct {
	args   []any
	ctes   []string
	now    time.Time
	scoped bool // restricted to the profiles of the scope parameter ($3)
}

// param adds an argument and returns its placeholder with cast.
func (c *compiler) param(v any, cast string) string {
	c.args = append(c.args, v)
	return fmt.Sprintf("$%d::%s", len(c.args), cast)
}

// numericPattern is decimalRe for PostgreSQL (a JSON string holding such a
// number compares as that number).
const numericPattern = `'^-?[0-9]{1,15}(\.[0-9]{1,6})?$'`

// compileRules compiles r (valid) for tenant at now. With a scope (not
// nil), the query considers only those profiles (the batch job's
// incremental refresh): its third parameter.
func compileRules(r *Rule, tenant uuid.UUID, now time.Time, scope []uuid.UUID) compiledQuery {
	scoped := scope != nil
	c := &compiler{now: now, scoped: scoped}
	c.param(tenant.String(), "uuid")  // $1
	c.param(now.UTC(), "timestamptz") // $2
	if scoped {
		c.param(pgUUIDs(scope), "uuid[]") // $3
	}
	where := c.rule(r)
	var b strings.Builder
	if len(c.ctes) > 0 {
		b.WriteString("WITH ")
		b.WriteString(strings.Join(c.ctes, ",\n"))
		b.WriteString("\n")
	}
	b.WriteString("SELECT p.id FROM cdp_profiles p")
	for i := range c.ctes {
		fmt.Fprintf(&b, "\nLEFT JOIN ev%d ON ev%d.pid = p.id", i, i)
	}
	// $2 (now) is named even when no condition needs it: the driver sends
	// the parameters untyped, and the server must see each one's type.
	b.WriteString("\nWHERE p.tenant_id = $1::uuid AND $2::timestamptz IS NOT NULL AND p.merged_into IS NULL")
	if scoped {
		b.WriteString(" AND p.id = ANY($3::uuid[])")
	}
	b.WriteString("\nAND ")
	b.WriteString(where)
	return compiledQuery{sql: b.String(), args: c.args}
}

// pgUUIDs is a uuid[] argument (text form; nil is NULL).
func pgUUIDs(ids []uuid.UUID) []string {
	if ids == nil {
		return nil
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

func (c *compiler) rule(r *Rule) string {
	switch r.kind() {
	case kindAnd, kindOr:
		children, op := r.And, " AND "
		if r.kind() == kindOr {
			children, op = r.Or, " OR "
		}
		parts := make([]string, len(children))
		for i := range children {
			parts[i] = c.rule(&children[i])
		}
		return "(" + strings.Join(parts, op) + ")"
	case kindNot:
		return "(NOT " + c.rule(r.Not) + ")"
	case kindField:
		return "coalesce(" + c.field(r) + ", false)"
	case kindTrait:
		return c.jsonCondition("p.traits", r.Trait, r.Operator, r.Value, r.Values)
	case kindIdentifier:
		return c.identifier(r)
	case kindEvent:
		return c.event(r.Event)
	case kindComputedTrait:
		x := "(SELECT c.value FROM cdp_computed_traits c WHERE c.tenant_id = $1::uuid AND c.profile_id = p.id AND c.definition_id = " +
			c.param(r.ComputedTrait.String(), "uuid") + ")"
		return c.jsonValueCondition(x, "("+x+" #>> ARRAY[]::text[])", r.Operator, r.Value, r.Values)
	case kindRFM:
		return c.rfm(r)
	}
	panic(fmt.Sprintf("compile an invalid rule (%v)", r.kinds()))
}

// cmp renders a one-value comparison of col for op ($v is the operand).
func segCmp(col string, op Operator, v string) string {
	switch op {
	case OpEquals:
		return col + " = " + v
	case OpNotEquals:
		return col + " <> " + v
	case OpGreaterThan, OpAfter:
		return col + " > " + v
	case OpLessThan, OpBefore:
		return col + " < " + v
	}
	panic("cmp: " + string(op))
}

func (c *compiler) field(r *Rule) string {
	switch r.Field {
	case FieldLifecycleStage:
		if r.Operator == OpIn {
			return "p.lifecycle_stage = ANY(" + c.param(r.Values, "text[]") + ")"
		}
		return segCmp("p.lifecycle_stage", r.Operator, c.param(*r.Value, "text"))
	case FieldFirstSeenAt, FieldLastSeenAt:
		col := "p.first_seen_at"
		if r.Field == FieldLastSeenAt {
			col = "p.last_seen_at"
		}
		return c.timeCondition(col, r.Operator, r.Value, r.Values)
	}
	col := map[ProfileField]string{FieldEventCount: "p.event_count", FieldSessionCount: "p.session_count",
		FieldPurchaseCount: "p.purchase_count", FieldRevenue: "p.revenue_micros"}[r.Field]
	num := func(s string) int64 {
		if r.Field == FieldRevenue {
			m, _ := toMicros(s)
			return m
		}
		n, _ := strconv.ParseInt(s, 10, 64)
		return n
	}
	switch r.Operator {
	case OpIn:
		ns := make([]int64, len(r.Values))
		for i, s := range r.Values {
			ns[i] = num(s)
		}
		return col + " = ANY(" + c.param(ns, "bigint[]") + ")"
	case OpBetween:
		return col + " BETWEEN " + c.param(num(r.Values[0]), "bigint") + " AND " + c.param(num(r.Values[1]), "bigint")
	}
	return segCmp(col, r.Operator, c.param(num(*r.Value), "bigint"))
}

// windowStart is WITHIN_LAST's bound: days × 24 h before now.
func segmentWindowStart(now time.Time, days string) time.Time {
	n, _ := strconv.Atoi(days)
	return now.Add(-time.Duration(n) * 24 * time.Hour)
}

func ruleTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t.UTC()
}

// timeCondition compares a timestamptz column (valid operands).
func (c *compiler) timeCondition(col string, op Operator, value *string, values []string) string {
	switch op {
	case OpWithinLast:
		return col + " >= " + c.param(segmentWindowStart(c.now, *value), "timestamptz")
	case OpBetween:
		return col + " BETWEEN " + c.param(ruleTime(values[0]), "timestamptz") + " AND " + c.param(ruleTime(values[1]), "timestamptz")
	}
	return segCmp(col, op, c.param(ruleTime(*value), "timestamptz"))
}

// jsonCondition tests the JSON value at path of the object column doc.
// EQUALS, NOT_EQUALS and IN compare a scalar's text (a string's content,
// a number's or boolean's JSON); CONTAINS a string's content, ignoring
// case; GREATER_THAN, LESS_THAN and BETWEEN a number, or a string holding
// a decimal number; EXISTS holds when the path leads to any value
// (JSON null included).
func (c *compiler) jsonCondition(doc string, path []string, op Operator, value *string, values []string) string {
	p := c.param(path, "text[]")
	return c.jsonValueCondition("("+doc+" #> "+p+")", "("+doc+" #>> "+p+")", op, value, values)
}

// jsonValueCondition is jsonCondition on the jsonb expression x, whose
// text (#>>) is text; x is NULL when there is no value.
func (c *compiler) jsonValueCondition(x, text string, op Operator, value *string, values []string) string {
	scalar := func(test string) string {
		return "coalesce(CASE WHEN jsonb_typeof(" + x + ") IN ('string', 'number', 'boolean') THEN " + test + " END, false)"
	}
	num := "(CASE jsonb_typeof(" + x + ") WHEN 'number' THEN " + x + "::numeric WHEN 'string' THEN CASE WHEN " +
		text + " ~ " + numericPattern + " THEN " + text + "::numeric END END)"
	switch op {
	case OpExists:
		return "(" + x + " IS NOT NULL)"
	case OpEquals:
		return scalar(text + " = " + c.param(*value, "text"))
	case OpNotEquals:
		return "(NOT " + scalar(text+" = "+c.param(*value, "text")) + ")"
	case OpIn:
		return scalar(text + " = ANY(" + c.param(values, "text[]") + ")")
	case OpContains:
		return "coalesce(CASE WHEN jsonb_typeof(" + x + ") = 'string' THEN strpos(lower(" + text + "), lower(" +
			c.param(*value, "text") + ")) > 0 END, false)"
	case OpBetween:
		return "coalesce(" + num + " BETWEEN " + c.param(values[0], "numeric") + " AND " + c.param(values[1], "numeric") + ", false)"
	}
	return "coalesce(" + segCmp(num, op, c.param(*value, "numeric")) + ", false)"
}

// rfm tests the profile's stored RFM score (none: false).
func (c *compiler) rfm(r *Rule) string {
	q := "EXISTS (SELECT 1 FROM cdp_profile_rfm s WHERE s.tenant_id = $1::uuid AND s.profile_id = p.id AND "
	if r.RFM == RFMMeasureCell {
		if r.Operator == OpIn {
			names := make([]string, len(r.Values))
			for i, v := range r.Values {
				names[i] = rfmCellName(v)
			}
			return q + "s.segment = ANY(" + c.param(names, "text[]") + "))"
		}
		return q + "s.segment = " + c.param(rfmCellName(*r.Value), "text") + ")"
	}
	col := map[RFMMeasure]string{RFMMeasureRecency: "s.r", RFMMeasureFrequency: "s.f", RFMMeasureMonetary: "s.m"}[r.RFM]
	num := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	switch r.Operator {
	case OpIn:
		ns := make([]int64, len(r.Values))
		for i, s := range r.Values {
			ns[i] = num(s)
		}
		return q + col + " = ANY(" + c.param(ns, "int[]") + "))"
	case OpBetween:
		return q + col + " BETWEEN " + c.param(num(r.Values[0]), "int") + " AND " + c.param(num(r.Values[1]), "int") + ")"
	}
	return q + segCmp(col, r.Operator, c.param(num(*r.Value), "int")) + ")"
}

func (c *compiler) identifier(r *Rule) string {
	q := "EXISTS (SELECT 1 FROM cdp_identifiers i WHERE i.tenant_id = $1::uuid AND i.profile_id = p.id AND i.type = " +
		c.param(string(r.Identifier), "text")
	switch r.Operator {
	case OpEquals:
		q += " AND i.value = " + c.param(*r.Value, "text")
	case OpIn:
		q += " AND i.value = ANY(" + c.param(r.Values, "text[]") + ")"
	}
	return q + ")"
}

// event adds the CTE counting each profile's matching events and returns
// the count's test.
func (c *compiler) event(e *EventCondition) string {
	var w strings.Builder
	w.WriteString("e.tenant_id = $1::uuid AND e.type = 'track' AND e.event = ")
	w.WriteString(c.param(e.Name, "text"))
	if win := e.Window; win != nil {
		w.WriteString(" AND ")
		w.WriteString(c.timeCondition(`e."timestamp"`, win.Operator, win.Value, win.Values))
	}
	for _, f := range e.Where {
		w.WriteString(" AND ")
		w.WriteString(c.jsonCondition("e.properties", f.Path, f.Operator, f.Value, f.Values))
	}
	if c.scoped {
		w.WriteString(" AND i.profile_id = ANY($3::uuid[])")
	}
	where := w.String()
	by := func(typ, col string) string {
		return "SELECT e.source_id, e.message_id, i.profile_id AS pid FROM cdp_events e JOIN cdp_identifiers i" +
			" ON i.tenant_id = e.tenant_id AND i.type = '" + typ + "' AND i.value = e." + col + " WHERE " + where
	}
	n := len(c.ctes)
	c.ctes = append(c.ctes, fmt.Sprintf("ev%d AS (SELECT pid, count(*) AS n FROM (%s UNION %s) x GROUP BY pid)",
		n, by(string(IdentifierUserID), "user_id"), by(string(IdentifierAnonymousID), "anonymous_id")))
	count := e.count()
	col := fmt.Sprintf("coalesce(ev%d.n, 0)", n)
	v := c.param(count.Value, "bigint")
	switch count.Operator {
	case CountAtMost:
		return "(" + col + " <= " + v + ")"
	case CountExactly:
		return "(" + col + " = " + v + ")"
	}
	return "(" + col + " >= " + v + ")"
}

// ratOf reads a valid decimal operand.
func ratOf(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return new(big.Rat)
	}
	return r
}
