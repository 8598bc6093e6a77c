package gqlserver

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/db"
)

// SharedReads is a gqlgen extension that runs all tenant reads of one
// signed-in query operation in one tenant transaction (db.WithSharedTx):
// one pool connection per query instead of one per resolver and loader, so
// concurrent dashboards queue for the pool once per request. Mutations and
// subscriptions keep a transaction per domain call.
type SharedReads struct{ DB *db.DB }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = SharedReads{}

// ExtensionName implements graphql.HandlerExtension.
func (SharedReads) ExtensionName() string { return "SharedReads" }

// Validate implements graphql.HandlerExtension.
func (SharedReads) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation implements graphql.OperationInterceptor.
func (s SharedReads) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	p, ok := auth.FromContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query || !ok || p.TenantID == uuid.Nil {
		return next(ctx)
	}
	ctx, end := s.DB.WithSharedTx(ctx, p.TenantID)
	h := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		res := h(ctx)
		if res == nil || res.HasNext == nil || !*res.HasNext {
			end()
		}
		return res
	}
}
