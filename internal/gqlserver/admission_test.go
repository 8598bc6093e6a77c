package gqlserver

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/observability"
)

// operationCtx is an operation context for query (a query, mutation or
// subscription document).
func operationCtx(t *testing.T, query string) (context.Context, context.CancelFunc) {
	t.Helper()
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { a: Int } type Mutation { m: Int } type Subscription { tick: Int }`})
	doc, errs := gqlparser.LoadQuery(schema, query)
	require.Empty(t, errs)
	oc := &graphql.OperationContext{RawQuery: query, Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{}}
	return context.WithCancel(graphql.WithOperationContext(context.Background(), oc))
}

// heldOp is an operation whose execution runs until release is closed.
type heldOp struct {
	started chan struct{}
	release chan struct{}
	ran     atomic.Int32
}

func newHeldOp() *heldOp {
	return &heldOp{started: make(chan struct{}, 10), release: make(chan struct{})}
}

func (h *heldOp) next(ctx context.Context) graphql.ResponseHandler {
	return func(ctx context.Context) *graphql.Response {
		h.ran.Add(1)
		h.started <- struct{}{}
		<-h.release
		return &graphql.Response{Data: []byte(`{"a":1}`)}
	}
}

// start runs op as query through a on a goroutine of its own; the channel
// gets its response.
func start(t *testing.T, a *Admission, op *heldOp, query string) <-chan *graphql.Response {
	t.Helper()
	ctx, cancel := operationCtx(t, query)
	t.Cleanup(cancel)
	done := make(chan *graphql.Response, 1)
	go func() { done <- a.InterceptOperation(ctx, op.next)(ctx) }()
	return done
}

// TestAdmissionQueuesQueriesBeyondTheLimit: with room for one query, a
// second waits (it has not started while the first runs) and runs as soon
// as the first is answered; the gauges count one running and one waiting
// meanwhile, and nothing once both are done.
func TestAdmissionQueuesQueriesBeyondTheLimit(t *testing.T) {
	m := observability.NewMetrics()
	a := NewAdmission(1, time.Hour, m)
	queued := make(chan struct{}, 1)
	a.queued = func() { queued <- struct{}{} }

	first, second := newHeldOp(), newHeldOp()
	done1 := start(t, a, first, `{ a }`)
	<-first.started
	done2 := start(t, a, second, `{ a }`)
	select { // the second query waits for its turn
	case <-queued:
	case <-second.started:
		t.Fatal("a query beyond the limit started")
	}
	require.EqualValues(t, 1, testutil.ToFloat64(m.GraphQLQueriesRunning))
	require.EqualValues(t, 1, testutil.ToFloat64(m.GraphQLQueriesWaiting))

	close(first.release)
	require.JSONEq(t, `{"a":1}`, string((<-done1).Data))
	<-second.started // admitted once the first was answered
	close(second.release)
	resp := <-done2
	require.Empty(t, resp.Errors)
	require.EqualValues(t, 0, testutil.ToFloat64(m.GraphQLQueriesRunning))
	require.EqualValues(t, 0, testutil.ToFloat64(m.GraphQLQueriesWaiting))
}

// TestAdmissionAnswersThrottledAfterTheQueueTimeout: a query that waits
// past the queue timeout is answered THROTTLED and never runs; the query
// holding the slot is unaffected, and the slot is free again afterwards
// (positive control: a third query runs at once).
func TestAdmissionAnswersThrottledAfterTheQueueTimeout(t *testing.T) {
	a := NewAdmission(1, time.Millisecond, nil)
	holder, late := newHeldOp(), newHeldOp()
	done1 := start(t, a, holder, `{ a }`)
	<-holder.started

	ctx2, cancel2 := operationCtx(t, `{ a }`)
	defer cancel2()
	resp := a.InterceptOperation(ctx2, late.next)(ctx2)
	require.Len(t, resp.Errors, 1)
	require.Equal(t, string(apperr.Throttled), resp.Errors[0].Extensions["code"])
	require.Contains(t, resp.Errors[0].Message, "busy")
	require.EqualValues(t, 0, late.ran.Load(), "a query refused in the queue must not run")

	close(holder.release)
	require.Empty(t, (<-done1).Errors)

	third := newHeldOp()
	close(third.release)
	ctx3, cancel3 := operationCtx(t, `{ a }`)
	defer cancel3()
	require.Empty(t, a.InterceptOperation(ctx3, third.next)(ctx3).Errors)
	require.EqualValues(t, 1, third.ran.Load())
}

// TestAdmissionLimitsQueriesOnly: with the one slot held by a query,
// mutations and subscriptions still run (they may wait on other services,
// or live for hours); a query does not (the control).
func TestAdmissionLimitsQueriesOnly(t *testing.T) {
	a := NewAdmission(1, time.Millisecond, nil)
	holder := newHeldOp()
	done1 := start(t, a, holder, `{ a }`)
	<-holder.started
	defer func() { close(holder.release); <-done1 }()

	for _, doc := range []string{`mutation { m }`, `subscription { tick }`} {
		op := newHeldOp()
		close(op.release)
		ctx, cancel := operationCtx(t, doc)
		resp := a.InterceptOperation(ctx, op.next)(ctx)
		cancel()
		require.Empty(t, resp.Errors, doc)
		require.EqualValues(t, 1, op.ran.Load(), doc)
	}
	op := newHeldOp()
	ctx, cancel := operationCtx(t, `{ a }`)
	defer cancel()
	require.NotEmpty(t, a.InterceptOperation(ctx, op.next)(ctx).Errors)
	require.EqualValues(t, 0, op.ran.Load())
}

// TestAdmissionFreesTheSlotWhenTheRequestEnds: an admitted operation whose
// response is never asked for (its transport gave up) gives its slot back
// when its context ends; until then the next query waits.
func TestAdmissionFreesTheSlotWhenTheRequestEnds(t *testing.T) {
	m := observability.NewMetrics()
	a := NewAdmission(1, time.Hour, m)
	queued := make(chan struct{}, 1)
	a.queued = func() { queued <- struct{}{} }

	ctx1, cancel1 := operationCtx(t, `{ a }`)
	_ = a.InterceptOperation(ctx1, newHeldOp().next) // admitted, never executed
	require.EqualValues(t, 1, testutil.ToFloat64(m.GraphQLQueriesRunning))

	next := newHeldOp()
	close(next.release)
	done := start(t, a, next, `{ a }`)
	<-queued
	require.EqualValues(t, 0, next.ran.Load())
	cancel1() // the first request ends
	require.Empty(t, (<-done).Errors)
	require.EqualValues(t, 1, next.ran.Load())
	require.EqualValues(t, 0, testutil.ToFloat64(m.GraphQLQueriesRunning))
}

// TestAdmissionDisabled: a limit below one admits everything.
func TestAdmissionDisabled(t *testing.T) {
	require.Nil(t, NewAdmission(0, time.Second, nil))
	var a *Admission
	op := newHeldOp()
	close(op.release)
	ctx, cancel := operationCtx(t, `{ a }`)
	defer cancel()
	require.Empty(t, a.InterceptOperation(ctx, op.next)(ctx).Errors)
}
