// Package subscription turns a hub's realtime events into the channel a
// GraphQL subscription resolver returns: one load per event with a fresh
// read, shared by every subscriber of the same field and arguments
// (Loads), failed loads skipped and logged.
package subscription

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/gqlserver"
)

// ErrSkip is what a load returns for an event the subscription's
// arguments filter out: the event is dropped without a log line.
var ErrSkip = errors.New("event filtered out")

// Subscribe turns realtime events of tenant and topics, from hub, into a
// channel of models for a GraphQL subscription. load runs with a fresh
// read per event (no per-request dataloader goes stale inside a long
// subscription), once per event and field for all subscribers sharing
// loads (one Loads per hub: see Loads); events whose object is gone, or
// that load filters out with ErrSkip, are skipped, and other failed loads
// are skipped and logged to log (slog.Default when nil). The channel
// closes when ctx ends or the hub drops the subscriber, which ends the
// GraphQL subscription.
func Subscribe[T any](ctx context.Context, hub *realtime.Hub, loads *Loads, log *slog.Logger, tenant uuid.UUID, topics []string,
	load func(context.Context, realtime.Event) (T, error)) (<-chan T, error) {
	sub := hub.Subscribe(tenant, topics...)
	out := make(chan T)
	field := fieldKey(ctx)
	go func() {
		defer close(out)
		defer sub.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-sub.C():
				if !ok {
					err := sub.Err()
					slog.DebugContext(ctx, "subscription ended by hub", "err", err)
					if errors.Is(err, realtime.ErrSlowSubscriber) {
						// Events came faster than this subscription ran: its
						// websocket closes with 1013 and is counted, like one
						// whose client stopped reading, rather than seeing a
						// normal complete.
						gqlserver.DropSlowConsumer(ctx, gqlserver.DropHubBuffer)
					}
					return
				}
				v, err := loads.do(ctx, *ev, field, func(ctx context.Context) (any, error) { return load(ctx, *ev) })
				if err != nil {
					logFailedLoad(ctx, log, *ev, field, err)
					continue
				}
				select {
				case out <- v.(T):
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// logFailedLoad logs a load that failed for a reason other than the
// subscription's filter (ErrSkip), the object being gone (NOT_FOUND) or the
// subscriber leaving: the subscriber misses that event.
func logFailedLoad(ctx context.Context, log *slog.Logger, ev realtime.Event, field string, err error) {
	if errors.Is(err, ErrSkip) || apperr.CodeOf(err) == apperr.NotFound || ctx.Err() != nil {
		return
	}
	if log == nil {
		log = slog.Default()
	}
	log.WarnContext(ctx, "subscription event skipped: its load failed", "field", field, "tenant", ev.Tenant, "topic", ev.Topic, "id", ev.ID, "err", err)
}

// fieldKey identifies the subscription field and its arguments: subscribers
// with the same key load an event the same way.
func fieldKey(ctx context.Context) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return ""
	}
	args, err := json.Marshal(fc.Args) // dereferences pointer arguments
	if err != nil {
		return fc.Field.Name
	}
	return fc.Field.Name + string(args)
}

// Loads runs each (event, field) load once for every subscriber sharing it
// (one Loads per hub) that receives it at about the same time: 10,000
// dashboards subscribed to incidentOpened cost one read per incident, not
// 10,000. Results are kept for sharedLoadTTL, then the next subscriber
// reloads. It lives beside its hub (on the Resolver), not in a package
// variable, because
// each hub numbers its events on its own: two hubs in one process (tests,
// tools) dispatch different tenants' events under the same sequence
// number. The key carries the tenant too, so a hit can never hand one
// tenant's object to another's subscriber. The zero value is ready.
type Loads struct {
	mu sync.Mutex
	m  map[loadKey]*loadCall
}

type loadKey struct {
	tenant uuid.UUID
	seq    uint64
	field  string
}

type loadCall struct {
	done chan struct{}
	v    any
	err  error
}

const sharedLoadTTL = 5 * time.Second

func (s *Loads) do(ctx context.Context, ev realtime.Event, field string, fn func(context.Context) (any, error)) (any, error) {
	if ev.Seq == 0 || field == "" { // not from a hub, or outside GraphQL: nothing to share
		return fn(ctx)
	}
	k := loadKey{ev.Tenant, ev.Seq, field}
	s.mu.Lock()
	if s.m == nil {
		s.m = map[loadKey]*loadCall{}
	}
	c, ok := s.m[k]
	if !ok {
		c = &loadCall{done: make(chan struct{})}
		s.m[k] = c
	}
	s.mu.Unlock()
	if ok {
		select {
		case <-c.done:
			return c.v, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	// The first subscriber loads for all, detached from its own
	// cancellation so that its leaving does not fail the others.
	c.v, c.err = fn(context.WithoutCancel(ctx))
	close(c.done)
	time.AfterFunc(sharedLoadTTL, func() {
		s.mu.Lock()
		delete(s.m, k)
		s.mu.Unlock()
	})
	return c.v, c.err
}
