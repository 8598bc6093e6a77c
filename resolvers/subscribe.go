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
// event's load among r's subscribers (subscription.Subscribe).
func subscribe[T any](ctx context.Context, r *Resolver, tenant uuid.UUID, topics []string, load func(context.Context, realtime.Event) (T, error)) (<-chan T, error) {
	return subscription.Subscribe(ctx, r.Hub, &r.loads, r.Log, tenant, topics, load)
}
