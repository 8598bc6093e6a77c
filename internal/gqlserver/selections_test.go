package gqlserver_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/stratumhq/stratum/graph"
	"github.com/stratumhq/stratum/internal/gqlserver"
)

// limits are the server's defaults (internal/config).
var limits = gqlserver.Options{MaxTokens: 15000, MaxComplexity: 1000, MaxDepth: 15,
	MaxWidth: 200, MaxFields: 2000, MaxOverlap: 10000}

// typenames is the probe's query: n repeated __typename fields.
func typenames(n int) string { return "{" + strings.Repeat(" __typename", n) + " }" }

func parse(t testing.TB, q string) *ast.QueryDocument {
	t.Helper()
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, 0)
	require.NoError(t, err)
	return doc
}

func TestCountSelections(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		query string
		want  gqlserver.Counts
	}{
		{"distinct fields", `{ a b { c d } }`, gqlserver.Counts{Width: 2, Fields: 4}},
		{"aliases of one field are distinct names", `{ x: a y: a z: a }`, gqlserver.Counts{Width: 3, Fields: 3}},
		{"repeats pair up", `{ a a a }`, gqlserver.Counts{Width: 3, Fields: 3, Overlap: 3}},
		{"repeats compare what is below them", `{ a { b c } a { b c } }`, gqlserver.Counts{Width: 2, Fields: 6, Overlap: 1 + 4 + 0}},
		{"fragments flatten into the level", `{ a ...F ... on T { a } } fragment F on T { a b }`,
			// Operation: level a,a,b,a (3 pairs of a); fragment definition: a, b.
			gqlserver.Counts{Width: 4, Fields: 4 + 2, Overlap: 3}},
		{"fragment chains are memoised, not expanded exponentially",
			`{ ...F0 } fragment F0 on T { ...F1 ...F1 } fragment F1 on T { ...F2 ...F2 } fragment F2 on T { x }`,
			gqlserver.Counts{Width: 4, Fields: 4 + 4 + 2 + 1, Overlap: 6 + 6 + 1}},
		{"unknown fragments count nothing", `{ a ...Nope }`, gqlserver.Counts{Width: 1, Fields: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, gqlserver.CountSelections(parse(t, c.query), 0))
		})
	}
	t.Run("cycles end (validation refuses them)", func(t *testing.T) {
		n := gqlserver.CountSelections(parse(t, `{ ...A } fragment A on T { x ...B } fragment B on T { y ...A }`), 0)
		require.LessOrEqual(t, n.Fields, 10)
	})
}

// server is the handler with a validation rule set that counts its runs.
func server(t testing.TB) (http.Handler, *atomic.Int64) {
	t.Helper()
	o := limits
	o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	o.Introspection = true
	srv := gqlserver.New(graph.NewExecutableSchema(graph.Config{}), o)
	var validations atomic.Int64
	srv.SetValidationRulesFn(func() *rules.Rules {
		validations.Add(1)
		return rules.NewDefaultRules()
	})
	return srv, &validations
}

type response struct {
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t testing.TB, h http.Handler, query string) response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var res response
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &res), rec.Body.String())
	return res
}

// The probe's 8,000 repeated __typename fields took 8 s of validation; the
// bound refuses them before validation runs.
func TestSelectionLimitRefusesBeforeValidation(t *testing.T) {
	t.Parallel()
	h, validations := server(t)

	res := post(t, h, typenames(8000))
	require.Len(t, res.Errors, 1)
	require.Equal(t, gqlserver.CodeSelectionLimitExceeded, res.Errors[0].Extensions["code"], res.Errors[0].Message)
	require.Equal(t, "width", res.Errors[0].Extensions["measure"])
	require.Zero(t, validations.Load(), "validation must not run")

	t.Run("narrow but repeated", func(t *testing.T) {
		// 150 repeats fit the width; their 11,175 pairs do not fit the overlap.
		res := post(t, h, typenames(150))
		require.Len(t, res.Errors, 1)
		require.Equal(t, "overlap", res.Errors[0].Extensions["measure"])
	})
	t.Run("many fields in all", func(t *testing.T) {
		// 15 × (2 + 150) = 2,280 fields, none wider than 150, no repeats.
		var q strings.Builder
		q.WriteString("{")
		for i := range 15 {
			q.WriteString(" s" + strconv.Itoa(i) + ": __schema { types {")
			for j := range 150 {
				q.WriteString(" n" + strconv.Itoa(j) + ": name")
			}
			q.WriteString(" } }")
		}
		q.WriteString(" }")
		res := post(t, h, q.String())
		require.Len(t, res.Errors, 1)
		require.Equal(t, "fields", res.Errors[0].Extensions["measure"])
	})
	require.Zero(t, validations.Load(), "validation must not run")

	t.Run("positive control: a bounded query is validated and runs", func(t *testing.T) {
		res := post(t, h, typenames(20))
		require.Empty(t, res.Errors)
		require.Equal(t, "Query", res.Data["__typename"])
		require.EqualValues(t, 1, validations.Load())
	})
}

func TestSelectionLimitKeepsRealOperations(t *testing.T) {
	t.Parallel()
	t.Run("GraphiQL's introspection query", func(t *testing.T) {
		h, validations := server(t)
		res := post(t, h, gqlserver.IntrospectionQuery)
		require.Empty(t, res.Errors)
		require.NotNil(t, res.Data["__schema"])
		require.EqualValues(t, 1, validations.Load())
	})
	t.Run("every dashboard operation", func(t *testing.T) {
		docs := dashboardDocuments(t)
		require.Greater(t, len(docs), 20, "the dashboard's generated operations were not found")
		all := parse(t, strings.Join(docs, "\n"))
		// All of them as one document is the worst case of any single one.
		n := gqlserver.CountSelections(all, limits.MaxWidth)
		require.LessOrEqual(t, n.Width, limits.MaxWidth)
		require.LessOrEqual(t, n.Overlap, limits.MaxOverlap)
		for _, op := range all.Operations {
			one := gqlserver.CountSelections(&ast.QueryDocument{Operations: ast.OperationList{op}, Fragments: all.Fragments}, limits.MaxWidth)
			require.LessOrEqual(t, one.Fields, limits.MaxFields, op.Name)
		}
	})
}

// dashboardDocuments reads the dashboard's operations from the code
// generator's output (frontend/src/gql/gql.ts), whose map keys are the
// documents' source text.
func dashboardDocuments(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../frontend/src/gql/gql.ts")
	require.NoError(t, err)
	re := regexp.MustCompile(`(?m)^    ("(?:[^"\\]|\\.)*"): typeof types\.`)
	var docs []string
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		var s string
		require.NoError(t, json.Unmarshal([]byte(m[1]), &s))
		docs = append(docs, s)
	}
	return docs
}

// BenchmarkRepeatedTypename compares the probe's query refused by the bound
// with the same query validated without it (the old behaviour). Each
// request differs by a comment, as an attacker's would, so the executor's
// query cache cannot answer it.
func BenchmarkRepeatedTypename(b *testing.B) {
	for _, n := range []int{150, 1000, 8000} {
		q := typenames(n)
		b.Run("bounded/n="+strconv.Itoa(n), func(b *testing.B) {
			h, _ := server(b)
			i := 0
			for b.Loop() {
				i++
				post(b, h, q+" # "+strconv.Itoa(i))
			}
		})
		b.Run("unbounded/n="+strconv.Itoa(n), func(b *testing.B) {
			o := limits
			o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
			o.MaxWidth, o.MaxFields, o.MaxOverlap, o.MaxTokens = 0, 0, 0, 0
			h := gqlserver.New(graph.NewExecutableSchema(graph.Config{}), o)
			i := 0
			for b.Loop() {
				i++
				post(b, h, q+" # "+strconv.Itoa(i))
			}
		})
	}
}
