package resolvers

import (
	"context"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/subscription"
)

// errSkip makes subscribe drop an event the subscription's arguments filter out.
var errSkip = subscription.ErrSkip

// subscribe answers a subscription field from r's hub, sharing each
// event's load among r's subscribers (subscription.Subscribe). Each load
// is one shared read of the tenant's (db.ShareTenant, ADR 0028): its reads
// share one pooled connection, each query one round trip, as a query's do.
func subscribe[T any](ctx context.Context, r *Resolver, tenant uuid.UUID, topics []string, load func(context.Context, realtime.Event) (T, error)) (<-chan T, error) {
	if r.DB != nil {
		read := load
		load = func(ctx context.Context, ev realtime.Event) (v T, err error) {
			err = r.DB.ShareTenant(ctx, tenant, func(ctx context.Context) error {
				v, err = read(ctx, ev)
				return err
			})
			return v, err
		}
	}
	return subscription.Subscribe(ctx, r.Hub, &r.loads, r.Log, tenant, topics, load)
}
