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

// selectedUnder returns the names of the fields selected at path below the
// field being resolved (path empty: its own children), merged over every
// occurrence of each step (aliases, fragments, @include/@skip honoured).
// It is nil outside a field's resolution, where nothing is known and the
// caller loads everything.
func selectedUnder(ctx context.Context, path ...string) map[string]bool {
	if graphql.GetFieldContext(ctx) == nil || !graphql.HasOperationContext(ctx) {
		return nil
	}
	oc := graphql.GetOperationContext(ctx)
	level := graphql.CollectFieldsCtx(ctx, nil)
	for _, step := range path {
		var next []graphql.CollectedField
		for _, f := range level {
			if f.Name == step {
				next = append(next, graphql.CollectFields(oc, f.Selections, nil)...)
			}
		}
		level = next
	}
	names := make(map[string]bool, len(level))
	for _, f := range level {
		names[f.Name] = true
	}
	return names
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
