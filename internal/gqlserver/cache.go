package gqlserver

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// maxCachedQueryBytes bounds the query texts the server's caches keep: the
// parsed-and-validated documents (keyed by the text) and the automatic
// persisted queries (the text under its hash). Both caches hold 1,000
// entries, and a client chooses the text — up to the 1 MiB body limit — so
// unbounded they could hold about a gigabyte each. A longer query is parsed
// and validated every time it is sent (its tokens are still limited), and
// cannot be persisted.
const maxCachedQueryBytes = 16 << 10

// boundedCache is a graphql.Cache that adds nothing whose size (size(key,
// value)) exceeds maxCachedQueryBytes.
type boundedCache[T any] struct {
	graphql.Cache[T]
	size func(key string, value T) int
}

func (c boundedCache[T]) Add(ctx context.Context, key string, value T) {
	if c.size(key, value) <= maxCachedQueryBytes {
		c.Cache.Add(ctx, key, value)
	}
}
