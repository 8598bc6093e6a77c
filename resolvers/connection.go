package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/stratumhq/stratum/internal/relay"
)

// lister reads one page of a tenant's items; domain services' list methods
// have this shape once their filter is bound.
type lister[T any] func(ctx context.Context, tenant uuid.UUID, args relay.Args) (*relay.Page[T], error)

// selects reports whether the field being resolved selects a child field
// named name (through fragments and aliases, honouring @include/@skip);
// true outside a field's resolution, where nothing is known.
func selects(ctx context.Context, name string) bool {
	if graphql.GetFieldContext(ctx) == nil || graphql.GetOperationContext(ctx) == nil {
		return true
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// connection answers a connection field: it reads the caller's tenant
// (UNAUTHENTICATED without one), asks list for the page args select (paging
// errors are list's, from relay.Paginate), wraps each item and its cursor
// with edge, and assembles the generated connection type with conn;
// totalCount is counted only when the query selects it. Every
// connection resolver goes through it, so edges, pageInfo and totalCount
// are built the same way on every list.
func connection[T, E, C any](ctx context.Context, args relay.Args, list lister[T],
	edge func(item *T, cursor string) E, conn func(edges []E, info *relay.PageInfo, total int) C) (C, error) {
	var zero C
	tenant, err := tenantOf(ctx)
	if err != nil {
		return zero, err
	}
	args.SkipCount = !selects(ctx, "totalCount")
	page, err := list(ctx, tenant, args)
	if err != nil {
		return zero, err
	}
	return conn(relay.Edges(page, edge), &page.Info, page.TotalCount), nil
}
