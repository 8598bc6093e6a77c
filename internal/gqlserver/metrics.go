package gqlserver

import (
	"context"
	"regexp"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stratumhq/stratum/internal/observability"
)

// metricsExtension times operations by name and type. Clients choose the
// names, so the label is bounded: names that are not plain GraphQL names
// are reported as "invalid", and past the first maxOperationLabels distinct
// names a process has seen, new ones as "other" (a client sending a new
// name with every request would otherwise add a series each time, for the
// life of the process).
type metricsExtension struct {
	m     *observability.Metrics
	names *labelSet
}

// maxOperationLabels bounds the operation names with a series of their own.
const maxOperationLabels = 256

func newMetricsExtension(m *observability.Metrics) metricsExtension {
	return metricsExtension{m: m, names: &labelSet{max: maxOperationLabels, seen: map[string]struct{}{}}}
}

// labelSet admits up to max distinct label values.
type labelSet struct {
	max  int
	mu   sync.Mutex
	seen map[string]struct{}
}

// label is v if v is one of the first max values seen, else "other".
func (l *labelSet) label(v string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.seen[v]; ok {
		return v
	}
	if len(l.seen) >= l.max {
		return "other"
	}
	l.seen[v] = struct{}{}
	return v
}

var operationName = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]{0,63}$`)

func (metricsExtension) ExtensionName() string                   { return "Metrics" }
func (metricsExtension) Validate(graphql.ExecutableSchema) error { return nil }

func (e metricsExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if e.m == nil || !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	rc := graphql.GetOperationContext(ctx)
	start := time.Now()
	resp := next(ctx)
	if rc.Operation == nil {
		return resp
	}
	name := rc.OperationName
	if name == "" {
		name = rc.Operation.Name
	}
	switch {
	case name == "":
		name = "anonymous"
	case !operationName.MatchString(name):
		name = "invalid"
	default:
		name = e.names.label(name)
	}
	typ := string(rc.Operation.Operation)
	if typ != "subscription" || resp != nil {
		e.m.GraphQLDuration.WithLabelValues(name, typ).Observe(time.Since(start).Seconds())
	}
	return resp
}

// InterceptOperation counts running subscriptions by root field
// (stratum_graphql_subscriptions): up when the operation starts, down when
// its context ends (the websocket operation or the SSE request is over).
// The label is a field of the validated schema, so its values are bounded.
func (e metricsExtension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if e.m == nil || !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	rc := graphql.GetOperationContext(ctx)
	if rc.Operation == nil || rc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	field := "other"
	if fs := graphql.CollectFields(rc, rc.Operation.SelectionSet, []string{"Subscription"}); len(fs) > 0 {
		field = fs[0].Name
	}
	g := e.m.GraphQLSubscriptions.WithLabelValues(field)
	g.Inc()
	context.AfterFunc(ctx, g.Dec)
	return next(ctx)
}
