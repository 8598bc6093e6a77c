package subscription

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stratumhq/stratum/domain/realtime"
)

func TestSharedLoadsRunOncePerEventAndField(t *testing.T) {
	t.Parallel()
	s := &Loads{}
	var calls atomic.Int32
	load := func(context.Context) (any, error) { calls.Add(1); return "v", nil }
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := s.do(context.Background(), realtime.Event{Seq: 7}, `incidentOpened{}`, load)
			assert.NoError(t, err) // assert, not require: this is not the test goroutine
			assert.Equal(t, "v", v)
		}()
	}
	wg.Wait()
	require.EqualValues(t, 1, calls.Load(), "50 subscribers of one event share one load")

	_, _ = s.do(context.Background(), realtime.Event{Seq: 7}, `signalHealthChanged{"platform":"META"}`, load)
	_, _ = s.do(context.Background(), realtime.Event{Seq: 8}, `incidentOpened{}`, load)
	require.EqualValues(t, 3, calls.Load(), "another field or another event loads again")
	_, _ = s.do(context.Background(), realtime.Event{}, `incidentOpened{}`, load)
	require.EqualValues(t, 4, calls.Load(), "events not dispatched by a hub are never shared")
}

// fieldCtx is a subscription field's context, as gqlgen gives resolvers.
func fieldCtx(ctx context.Context, name string) context.Context {
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Name: name}}, Args: map[string]any{}})
}

// Two hubs in one process number their events independently: an event of
// tenant B with the same sequence number as tenant A's, on the same field,
// must load B's object, never reuse A's.
func TestSharedLoadsNeverCrossTenantsOrHubs(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(fieldCtx(context.Background(), "incidentOpened"))
	defer cancel()
	tenantA, tenantB := uuid.New(), uuid.New()
	load := func(_ context.Context, ev realtime.Event) (string, error) { return ev.Tenant.String(), nil }
	hubA, hubB := realtime.NewHub(nil), realtime.NewHub(nil)
	var loadsA, loadsB Loads

	subA, err := Subscribe(ctx, hubA, &loadsA, nil, tenantA, []string{"t"}, load)
	require.NoError(t, err)
	subB, err := Subscribe(ctx, hubB, &loadsB, nil, tenantB, []string{"t"}, load)
	require.NoError(t, err)

	hubA.Dispatch(realtime.Event{Tenant: tenantA, Topic: "t", ID: "1"})
	require.Equal(t, tenantA.String(), <-subA, "positive control: A's subscriber gets A's object")
	hubB.Dispatch(realtime.Event{Tenant: tenantB, Topic: "t", ID: "1"})
	require.Equal(t, tenantB.String(), <-subB, "B's subscriber gets B's object, not A's cached one")
}

// A load that fails is skipped and logged; an event the subscription
// filters out (ErrSkip) is skipped silently.
func TestFailedSubscriptionLoadsAreLogged(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(fieldCtx(context.Background(), "incidentOpened"))
	defer cancel()
	var logs syncBuffer
	hub := realtime.NewHub(nil)
	log := slog.New(slog.NewTextHandler(&logs, nil))
	tenant := uuid.New()
	sub, err := Subscribe(ctx, hub, &Loads{}, log, tenant, []string{"t"}, func(_ context.Context, ev realtime.Event) (string, error) {
		switch ev.ID {
		case "broken":
			return "", errors.New("connection refused by the database")
		case "filtered":
			return "", ErrSkip
		}
		return ev.ID, nil
	})
	require.NoError(t, err)
	for _, id := range []string{"broken", "filtered", "ok"} {
		hub.Dispatch(realtime.Event{Tenant: tenant, Topic: "t", ID: id})
	}
	require.Equal(t, "ok", <-sub, "the subscription continues after a failed load")
	out := logs.String()
	require.Contains(t, out, "connection refused by the database")
	require.Contains(t, out, "id=broken")
	require.NotContains(t, out, "id=filtered")
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
