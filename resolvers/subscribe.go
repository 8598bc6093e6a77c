package resolvers

import (
	"context"
	"log/slog"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/realtime"
)

// subscribe turns realtime events of tenant and topics into a channel of
// models for a GraphQL subscription. load runs once per event with a fresh
// read (no per-request dataloader goes stale inside a long subscription);
// events whose object is gone are skipped. The channel closes when ctx ends
// or the hub drops the subscriber, which ends the GraphQL subscription.
func subscribe[T any](ctx context.Context, hub *realtime.Hub, tenant uuid.UUID, topics []string, load func(context.Context, realtime.Event) (T, error)) (<-chan T, error) {
	sub := hub.Subscribe(tenant, topics...)
	out := make(chan T)
	go func() {
		defer close(out)
		defer sub.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-sub.C():
				if !ok {
					slog.DebugContext(ctx, "subscription ended by hub", "err", sub.Err())
					return
				}
				v, err := load(ctx, ev)
				if err != nil {
					continue
				}
				select {
				case out <- v:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}
