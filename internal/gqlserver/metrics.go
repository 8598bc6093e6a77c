package gqlserver

import (
	"context"
	"regexp"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/stratumhq/stratum/internal/observability"
)

// metricsExtension times operations by name and type. Names that are not
// plain GraphQL names are reported as "invalid" to bound label cardinality.
type metricsExtension struct{ m *observability.Metrics }

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
	}
	typ := string(rc.Operation.Operation)
	if typ != "subscription" || resp != nil {
		e.m.GraphQLDuration.WithLabelValues(name, typ).Observe(time.Since(start).Seconds())
	}
	return resp
}
