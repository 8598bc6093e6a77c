package resolvers

import (
	"context"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/internal/relay"
)

// lister reads one page of a tenant's items; domain services' list methods
// have this shape once their filter is bound.
type lister[T any] func(ctx context.Context, tenant uuid.UUID, args relay.Args) (*relay.Page[T], error)

// connection answers a connection field: it reads the caller's tenant
// (UNAUTHENTICATED without one), asks list for the page args select (paging
// errors are list's, from relay.Paginate), wraps each item and its cursor
// with edge, and assembles the generated connection type with conn. Every
// connection resolver goes through it, so edges, pageInfo and totalCount
// are built the same way on every list.
func connection[T, E, C any](ctx context.Context, args relay.Args, list lister[T],
	edge func(item *T, cursor string) E, conn func(edges []E, info *relay.PageInfo, total int) C) (C, error) {
	var zero C
	tenant, err := tenantOf(ctx)
	if err != nil {
		return zero, err
	}
	page, err := list(ctx, tenant, args)
	if err != nil {
		return zero, err
	}
	return conn(relay.Edges(page, edge), &page.Info, page.TotalCount), nil
}
