package gqlserver

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// CodeSelectionLimitExceeded is extensions.code for documents with too many
// fields in one selection set or in all.
const CodeSelectionLimitExceeded = "SELECTION_LIMIT_EXCEEDED"

// SelectionLimit refuses documents whose selection sets are too wide or
// that select too many fields in all, BEFORE gqlgen validates them.
// Validation is the expensive step: its OverlappingFieldsCanBeMerged rule
// compares every pair of fields that share a response name, so 8,000
// repeated `__typename` took seconds of CPU while costing one point. Parsing
// is linear (and capped by the token limit), so this extension parses the
// query itself, counts, and only lets bounded documents on to validation.
//
// Fragments are expanded where they are spread (memoised, so a chain of
// fragments spreading each other twice cannot blow up the count), because
// validation compares the fields a spread brings in as if they were
// written in place.
//
// Register it after the persisted-query extension (which fills in the
// query text of hash-only requests).
type SelectionLimit struct {
	// MaxWidth bounds the fields of one selection set, counted with its
	// fragments and inline fragments flattened in (aliases included).
	MaxWidth int
	// MaxFields bounds the fields of the whole document, fragments
	// expanded at each spread.
	MaxFields int
	// MaxOverlap bounds Counts.Overlap: the field pairs validation may
	// compare because they share a response name.
	MaxOverlap int
	// TokenLimit is the parser's token limit (the server's MaxTokens).
	TokenLimit int
	// Validated, if set, is the executor's query cache: documents found in it
	// passed this check before and are not parsed again.
	Validated graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = SelectionLimit{}

// ExtensionName implements graphql.HandlerExtension.
func (SelectionLimit) ExtensionName() string { return "SelectionLimit" }

// Validate implements graphql.HandlerExtension.
func (SelectionLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters implements graphql.OperationParameterMutator: it
// runs before gqlgen parses and validates the query.
func (l SelectionLimit) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if params.Query == "" || (l.MaxWidth <= 0 && l.MaxFields <= 0 && l.MaxOverlap <= 0) {
		return nil
	}
	if l.Validated != nil {
		if _, ok := l.Validated.Get(ctx, params.Query); ok {
			return nil
		}
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, l.TokenLimit)
	if err != nil {
		return nil // gqlgen parses again and reports the syntax error itself
	}
	n := CountSelections(doc, l.MaxWidth)
	switch {
	case l.MaxWidth > 0 && n.Width > l.MaxWidth:
		return selectionError("a selection set has %d fields (fragments included), which exceeds the limit of %d; "+
			"select fewer fields or aliases per object", "width", n.Width, l.MaxWidth)
	case l.MaxFields > 0 && n.Fields > l.MaxFields:
		return selectionError("the document selects %d fields (fragments expanded), which exceeds the limit of %d; "+
			"split it into several operations", "fields", n.Fields, l.MaxFields)
	case l.MaxOverlap > 0 && n.Overlap > l.MaxOverlap:
		return selectionError("the document repeats fields under one response name about %d times over (limit %d); "+
			"select each field once per object", "overlap", n.Overlap, l.MaxOverlap)
	}
	return nil
}

// selectionError reports measure (its value n) over its limit max.
func selectionError(format, measure string, n, max int) *gqlerror.Error {
	err := gqlerror.Errorf(format, n, max)
	err.Extensions = map[string]any{"code": CodeSelectionLimitExceeded, "measure": measure, "value": n, "limit": max}
	return err
}

// Counts are what SelectionLimit measures in a document.
type Counts struct {
	// Width is the widest selection set: fields at one level, inline
	// fragments and fragment spreads flattened in.
	Width int
	// Fields is the number of fields of all operations and fragment
	// definitions, fragments expanded at each spread.
	Fields int
	// Overlap bounds the field pairs validation's OverlappingFieldsCanBeMerged
	// rule compares: in every selection set, each pair of fields sharing a
	// response name, times the fields below the two (which it compares
	// pairwise too). It is what makes validation quadratic.
	Overlap int
}

// CountSelections measures doc. Counts saturate instead of overflowing;
// fragment cycles and unknown fragments count nothing (validation refuses
// both). Overlap is only computed when the width is at most maxWidth
// (pass 0 for no bound), so that flattening stays cheap.
func CountSelections(doc *ast.QueryDocument, maxWidth int) Counts {
	c := counter{frags: doc.Fragments, memo: map[string]*fragCounts{}, visiting: map[string]bool{}}
	var out Counts
	sets := make([]ast.SelectionSet, 0, len(doc.Operations)+len(doc.Fragments))
	for _, op := range doc.Operations {
		sets = append(sets, op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		sets = append(sets, f.SelectionSet)
	}
	for _, set := range sets {
		out.Fields = sat(out.Fields, c.total(set))
		out.Width = max(out.Width, c.widest(set))
	}
	if maxWidth > 0 && out.Width > maxWidth {
		return out
	}
	for _, set := range sets {
		out.Overlap = sat(out.Overlap, c.overlap(set))
	}
	return out
}

type counter struct {
	frags    ast.FragmentDefinitionList
	memo     map[string]*fragCounts
	visiting map[string]bool
}

// fragCounts memoise one fragment definition's measures.
type fragCounts struct {
	width, total, inner                       int
	flat                                      []flatField
	haveWidth, haveTotal, haveInner, haveFlat bool
}

// flatField is a field at a flattened level: its response name and the
// number of fields below it.
type flatField struct {
	name  string
	below int
}

// sat adds saturating at a billion: far over any limit, far from overflow.
func sat(a, b int) int {
	const ceiling = 1 << 30
	if a+b > ceiling {
		return ceiling
	}
	return a + b
}

func mul(a, b int) int {
	const ceiling = 1 << 30
	if a != 0 && b > ceiling/a {
		return ceiling
	}
	return a * b
}

// fragment runs measure over the fragment called name with cycle
// protection; it returns nil for unknown fragments and cycles.
func (c *counter) fragment(name string) (*ast.FragmentDefinition, *fragCounts) {
	f := c.frags.ForName(name)
	if f == nil || c.visiting[name] {
		return nil, nil
	}
	m := c.memo[name]
	if m == nil {
		m = &fragCounts{}
		c.memo[name] = m
	}
	return f, m
}

func (c *counter) enter(name string) func() {
	c.visiting[name] = true
	return func() { delete(c.visiting, name) }
}

// width is the number of fields set contributes at its own level.
func (c *counter) width(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n = sat(n, 1)
		case *ast.InlineFragment:
			n = sat(n, c.width(s.SelectionSet))
		case *ast.FragmentSpread:
			f, m := c.fragment(s.Name)
			if f == nil {
				continue
			}
			if !m.haveWidth {
				leave := c.enter(s.Name)
				m.width, m.haveWidth = c.width(f.SelectionSet), true
				leave()
			}
			n = sat(n, m.width)
		}
	}
	return n
}

// widest is the largest width of set and of every selection set written
// below it (fragment definitions are measured on their own).
func (c *counter) widest(set ast.SelectionSet) int {
	w := c.width(set)
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			w = max(w, c.widest(s.SelectionSet))
		case *ast.InlineFragment:
			w = max(w, c.widest(s.SelectionSet))
		}
	}
	return w
}

// total is the number of fields in set and below it, fragments expanded.
func (c *counter) total(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n = sat(n, sat(1, c.total(s.SelectionSet)))
		case *ast.InlineFragment:
			n = sat(n, c.total(s.SelectionSet))
		case *ast.FragmentSpread:
			f, m := c.fragment(s.Name)
			if f == nil {
				continue
			}
			if !m.haveTotal {
				leave := c.enter(s.Name)
				m.total, m.haveTotal = c.total(f.SelectionSet), true
				leave()
			}
			n = sat(n, m.total)
		}
	}
	return n
}

// flat lists the fields of set's level (the caller has bounded its width).
func (c *counter) flat(set ast.SelectionSet, out []flatField) []flatField {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			name := s.Alias
			if name == "" {
				name = s.Name
			}
			out = append(out, flatField{name: name, below: c.total(s.SelectionSet)})
		case *ast.InlineFragment:
			out = c.flat(s.SelectionSet, out)
		case *ast.FragmentSpread:
			f, m := c.fragment(s.Name)
			if f == nil {
				continue
			}
			if !m.haveFlat {
				leave := c.enter(s.Name)
				m.flat, m.haveFlat = c.flat(f.SelectionSet, nil), true
				leave()
			}
			out = append(out, m.flat...)
		}
	}
	return out
}

// overlap bounds the comparisons of set's own level plus those of every
// selection set below it.
func (c *counter) overlap(set ast.SelectionSet) int {
	return sat(levelPairs(c.flat(set, nil)), c.inner(set))
}

// levelPairs bounds the comparisons among one level's fields: each pair
// sharing a response name is compared, and comparing two fields compares
// at most every pair of the fields below them.
func levelPairs(fields []flatField) int {
	type group struct{ n, sum, sumSq int }
	groups := map[string]*group{}
	for _, f := range fields {
		g := groups[f.name]
		if g == nil {
			g = &group{}
			groups[f.name] = g
		}
		g.n++
		g.sum = sat(g.sum, f.below)
		g.sumSq = sat(g.sumSq, mul(f.below, f.below))
	}
	n := 0
	for _, g := range groups {
		if g.n < 2 {
			continue
		}
		pairs := g.n * (g.n - 1) / 2
		below := (mul(g.sum, g.sum) - g.sumSq) / 2
		n = sat(n, sat(pairs, max(below, 0)))
	}
	return n
}

// inner is the overlap of every selection set below set's level.
func (c *counter) inner(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) > 0 {
				n = sat(n, c.overlap(s.SelectionSet))
			}
		case *ast.InlineFragment:
			n = sat(n, c.inner(s.SelectionSet))
		case *ast.FragmentSpread:
			f, m := c.fragment(s.Name)
			if f == nil {
				continue
			}
			if !m.haveInner {
				leave := c.enter(s.Name)
				m.inner, m.haveInner = c.inner(f.SelectionSet), true
				leave()
			}
			n = sat(n, m.inner)
		}
	}
	return n
}
