package googleadsfake

// GAQL as documented (the subset the fake evaluates; anything else is
// refused with the reason, so a client cannot rely on an untested query):
//   https://developers.google.com/google-ads/api/docs/query/grammar
//   https://developers.google.com/google-ads/api/docs/query/structure
//   https://developers.google.com/google-ads/api/docs/query/date-ranges (BETWEEN with 'YYYY-MM-DD')
//   https://developers.google.com/google-ads/api/fields/latest/overview (resource, attributed resource, segment and metric fields)

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// fields lists, per FROM resource, the fields the fake serves: the
// resource's own, its attributed resources', segments and metrics. A
// field Google has but the fake does not serve is refused too, naming it.
var fields = map[string]map[string]bool{
	"customer": set(
		"customer.id", "customer.resource_name", "customer.descriptive_name", "customer.currency_code",
		"customer.time_zone", "customer.manager", "customer.status", "customer.test_account"),
	"customer_client": set(
		"customer_client.client_customer", "customer_client.id", "customer_client.resource_name",
		"customer_client.descriptive_name", "customer_client.currency_code", "customer_client.time_zone",
		"customer_client.manager", "customer_client.status", "customer_client.level", "customer_client.hidden",
		"customer.id"),
	"campaign": set(
		"campaign.id", "campaign.resource_name", "campaign.name", "campaign.status",
		"campaign.advertising_channel_type", "campaign.campaign_budget",
		"campaign_budget.id", "campaign_budget.resource_name", "campaign_budget.amount_micros",
		"customer.id", "customer.currency_code", "customer.time_zone", "customer.descriptive_name",
		"segments.date",
		"metrics.cost_micros", "metrics.impressions", "metrics.clicks", "metrics.conversions", "metrics.conversions_value"),
	"ad_group": set(
		"ad_group.id", "ad_group.resource_name", "ad_group.name", "ad_group.status", "ad_group.cpc_bid_micros",
		"ad_group.campaign", "campaign.id", "campaign.resource_name", "campaign.status", "customer.id"),
	"ad_group_ad": set(
		"ad_group_ad.resource_name", "ad_group_ad.ad.id", "ad_group_ad.ad.resource_name", "ad_group_ad.ad.name",
		"ad_group_ad.status", "ad_group_ad.ad_group", "ad_group.id", "ad_group.status", "campaign.id", "customer.id"),
}

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// query is a parsed GAQL query.
type query struct {
	Resource string
	Select   []string
	Where    []cond
	Limit    int
	// From, To bound segments.date (set when the query filters on it).
	From, To string
}

// cond is one WHERE condition: Field Op Values.
type cond struct {
	Field  string
	Op     string // =, !=, >, >=, <, <=, BETWEEN, IN, NOT IN
	Values []string
}

// token kinds of the lexer.
type tok struct {
	kind byte // 'w' word, 's' string, 'n' number, 'p' punctuation
	text string
}

func lex(s string) ([]tok, error) {
	var out []tok
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("unterminated string literal at offset %d", i)
			}
			out = append(out, tok{'s', s[i+1 : i+1+j]})
			i += j + 2
		case isWord(c):
			j := i
			for j < len(s) && (isWord(s[j]) || s[j] == '.') {
				j++
			}
			w := s[i:j]
			kind := byte('w')
			if c == '-' || (c >= '0' && c <= '9') {
				kind = 'n'
			}
			out = append(out, tok{kind, w})
			i = j
		case c == '!' || c == '<' || c == '>':
			if i+1 < len(s) && s[i+1] == '=' {
				out = append(out, tok{'p', s[i : i+2]})
				i += 2
			} else if c == '!' {
				return nil, fmt.Errorf("unexpected %q at offset %d", c, i)
			} else {
				out = append(out, tok{'p', string(c)})
				i++
			}
		case c == '=' || c == ',' || c == '(' || c == ')':
			out = append(out, tok{'p', string(c)})
			i++
		default:
			return nil, fmt.Errorf("unexpected character %q at offset %d", c, i)
		}
	}
	return out, nil
}

func isWord(c byte) bool {
	return c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

type parser struct {
	toks []tok
	i    int
}

func (p *parser) peek() tok {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return tok{}
}

func (p *parser) next() tok { t := p.peek(); p.i++; return t }

func (p *parser) keyword(k string) bool {
	if t := p.peek(); t.kind == 'w' && strings.EqualFold(t.text, k) {
		p.i++
		return true
	}
	return false
}

func (p *parser) punct(s string) bool {
	if t := p.peek(); t.kind == 'p' && t.text == s {
		p.i++
		return true
	}
	return false
}

// parseQuery parses and validates q; the error is the message the fake
// returns (and reports as a malformed request).
func parseQuery(q string) (*query, error) {
	ts, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: ts}
	out := &query{}
	if !p.keyword("SELECT") {
		return nil, fmt.Errorf("a query starts with SELECT")
	}
	for {
		t := p.next()
		if t.kind != 'w' || strings.EqualFold(t.text, "FROM") {
			return nil, fmt.Errorf("expected a field name in SELECT, got %q", t.text)
		}
		out.Select = append(out.Select, t.text)
		if !p.punct(",") {
			break
		}
	}
	if !p.keyword("FROM") {
		return nil, fmt.Errorf("expected FROM after the SELECT list, got %q", p.peek().text)
	}
	res := p.next()
	allowed, ok := fields[res.text]
	if res.kind != 'w' || !ok {
		return nil, fmt.Errorf("unrecognized resource name in FROM: %q", res.text)
	}
	out.Resource = res.text
	seen := map[string]bool{}
	for _, f := range out.Select {
		if !allowed[f] {
			return nil, fmt.Errorf("unrecognized field in SELECT for resource %s: %q", res.text, f)
		}
		if seen[f] {
			return nil, fmt.Errorf("field %q is selected twice", f)
		}
		seen[f] = true
	}
	if p.keyword("WHERE") {
		for {
			c, err := p.cond(allowed, res.text)
			if err != nil {
				return nil, err
			}
			out.Where = append(out.Where, c)
			if !p.keyword("AND") {
				break
			}
		}
	}
	if p.keyword("LIMIT") {
		t := p.next()
		n, err := strconv.Atoi(t.text)
		if t.kind != 'n' || err != nil || n <= 0 {
			return nil, fmt.Errorf("LIMIT takes a positive integer, got %q", t.text)
		}
		out.Limit = n
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q after the query (the fake supports SELECT, FROM, WHERE … AND …, LIMIT)", p.peek().text)
	}
	return out, out.dates()
}

func (p *parser) cond(allowed map[string]bool, res string) (cond, error) {
	f := p.next()
	if f.kind != 'w' || !allowed[f.text] {
		return cond{}, fmt.Errorf("unrecognized field in WHERE for resource %s: %q", res, f.text)
	}
	c := cond{Field: f.text}
	not := p.keyword("NOT")
	switch {
	case not && !p.keyword("IN"):
		return cond{}, fmt.Errorf("NOT after %s must be followed by IN", f.text)
	case p.keyword("BETWEEN"):
		a := p.next()
		if !p.keyword("AND") {
			return cond{}, fmt.Errorf("BETWEEN on %s needs AND", f.text)
		}
		b := p.next()
		c.Op, c.Values = "BETWEEN", []string{a.text, b.text}
		if !literal(a) || !literal(b) {
			return cond{}, fmt.Errorf("BETWEEN on %s takes two literals", f.text)
		}
	case not || p.keyword("IN"):
		c.Op = "IN"
		if not {
			c.Op = "NOT IN"
		}
		if !p.punct("(") {
			return cond{}, fmt.Errorf("IN on %s takes a parenthesised list", f.text)
		}
		for {
			v := p.next()
			if !literal(v) {
				return cond{}, fmt.Errorf("IN on %s takes literals, got %q", f.text, v.text)
			}
			c.Values = append(c.Values, v.text)
			if p.punct(")") {
				break
			}
			if !p.punct(",") {
				return cond{}, fmt.Errorf("IN list on %s is not closed", f.text)
			}
		}
	default:
		op := p.next()
		if op.kind != 'p' || !strings.Contains("= != > >= < <=", op.text) || op.text == "," || op.text == "(" || op.text == ")" {
			return cond{}, fmt.Errorf("expected an operator after %s, got %q", f.text, op.text)
		}
		v := p.next()
		if !literal(v) {
			return cond{}, fmt.Errorf("expected a literal after %s %s, got %q", f.text, op.text, v.text)
		}
		c.Op, c.Values = op.text, []string{v.text}
	}
	return c, nil
}

// literal is a string, a number, or TRUE/FALSE/an ENUM word.
func literal(t tok) bool {
	if t.kind == 's' || t.kind == 'n' {
		return true
	}
	return t.kind == 'w' && !strings.Contains(t.text, ".") && strings.ToUpper(t.text) == t.text ||
		t.kind == 'w' && (strings.EqualFold(t.text, "true") || strings.EqualFold(t.text, "false"))
}

// dates checks the segments.date rules: valid YYYY-MM-DD literals, and a
// finite range whenever segments.date is selected.
func (q *query) dates() error {
	selected := false
	for _, f := range q.Select {
		if f == "segments.date" {
			selected = true
		}
	}
	for _, c := range q.Where {
		if c.Field != "segments.date" {
			continue
		}
		for _, v := range c.Values {
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				return fmt.Errorf("segments.date takes 'YYYY-MM-DD' dates, got %q", v)
			}
		}
		switch c.Op {
		case "BETWEEN":
			q.From, q.To = c.Values[0], c.Values[1]
		case "=":
			q.From, q.To = c.Values[0], c.Values[0]
		default:
			return fmt.Errorf("the fake filters segments.date with BETWEEN or = only, got %s", c.Op)
		}
	}
	metrics := false
	for _, f := range q.Select {
		metrics = metrics || strings.HasPrefix(f, "metrics.")
	}
	if selected && q.From == "" {
		return fmt.Errorf("segments.date is selected, so the WHERE clause needs a finite date range on segments.date")
	}
	if metrics && !selected {
		return fmt.Errorf("the fake serves metrics only segmented by segments.date")
	}
	if q.From != "" {
		a, _ := time.Parse(time.DateOnly, q.From)
		b, _ := time.Parse(time.DateOnly, q.To)
		if b.Before(a) {
			return fmt.Errorf("segments.date range ends before it starts")
		}
		if b.Sub(a) > 3*366*24*time.Hour {
			return fmt.Errorf("segments.date range is longer than the fake serves (3 years)")
		}
	}
	return nil
}

// match reports whether value satisfies c (numbers compare as integers when
// both sides are integers, everything else as strings).
func (c cond) match(value string) bool {
	cmp := func(a, b string) int {
		x, e1 := strconv.ParseInt(a, 10, 64)
		y, e2 := strconv.ParseInt(b, 10, 64)
		if e1 == nil && e2 == nil {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
		return strings.Compare(strings.ToLower(a), strings.ToLower(b))
	}
	switch c.Op {
	case "=":
		return cmp(value, c.Values[0]) == 0
	case "!=":
		return cmp(value, c.Values[0]) != 0
	case ">":
		return cmp(value, c.Values[0]) > 0
	case ">=":
		return cmp(value, c.Values[0]) >= 0
	case "<":
		return cmp(value, c.Values[0]) < 0
	case "<=":
		return cmp(value, c.Values[0]) <= 0
	case "BETWEEN":
		return cmp(value, c.Values[0]) >= 0 && cmp(value, c.Values[1]) <= 0
	case "IN", "NOT IN":
		in := false
		for _, v := range c.Values {
			in = in || cmp(value, v) == 0
		}
		return in == (c.Op == "IN")
	}
	return false
}
