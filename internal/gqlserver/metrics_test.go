package gqlserver

import (
	"context"
	"fmt"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stratumhq/stratum/internal/observability"
)

// Operation names are chosen by clients: one new name per request must
// not grow the registry without bound. The first maxOperationLabels names
// keep their own series; later ones share "other".
func TestOperationNameLabelsAreBounded(t *testing.T) {
	m := observability.NewMetrics()
	e := newMetricsExtension(m)
	run := func(name string) {
		ctx := graphql.WithOperationContext(context.Background(), &graphql.OperationContext{
			OperationName: name, Operation: &ast.OperationDefinition{Operation: ast.Query}})
		e.InterceptResponse(ctx, func(context.Context) *graphql.Response { return &graphql.Response{} })
	}
	run("Dashboard")
	require.Equal(t, 1, testutil.CollectAndCount(m.GraphQLDuration), "positive control: a named operation has its series")
	for i := range 3 * maxOperationLabels {
		run(fmt.Sprintf("q%d", i))
	}
	require.Equal(t, maxOperationLabels+1, testutil.CollectAndCount(m.GraphQLDuration), "the first names and \"other\"")
	run("Dashboard")
	count := func(name string) uint64 {
		mfs, err := m.Registry.Gather()
		require.NoError(t, err)
		for _, mf := range mfs {
			if mf.GetName() != "stratum_graphql_operation_duration_seconds" {
				continue
			}
			for _, s := range mf.GetMetric() {
				for _, l := range s.GetLabel() {
					if l.GetName() == "operation" && l.GetValue() == name {
						return s.GetHistogram().GetSampleCount()
					}
				}
			}
		}
		return 0
	}
	require.EqualValues(t, 2, count("Dashboard"), "a known name keeps its series")
	require.EqualValues(t, 2*maxOperationLabels+1, count("other"))
}
