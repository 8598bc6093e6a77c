package gqlserver

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// subscriptionCtx is a member's operation context for query.
func subscriptionCtx(t *testing.T, query string) (context.Context, context.CancelFunc) {
	t.Helper()
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { a: Int } type Subscription { tick: Int }`})
	doc, errs := gqlparser.LoadQuery(schema, query)
	require.Empty(t, errs)
	oc := &graphql.OperationContext{RawQuery: query, Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{}}
	return context.WithCancel(graphql.WithOperationContext(context.Background(), oc))
}

// TestGroupResponsesOutliveTheExecutorsBuffer: gqlgen marshals each event
// of a subscription into one buffer it reuses; members that read behind
// the group's execution still get each event's own bytes, in order.
func TestGroupResponsesOutliveTheExecutorsBuffer(t *testing.T) {
	const events = 10 // within the members' buffers: the execution runs ahead of both
	s := &SubscriptionGroups{Principal: func(context.Context) (string, bool) { return "tenant|VIEWER", true }}
	executions := 0
	var mu sync.Mutex
	begin := make(chan struct{})
	next := func(ctx context.Context) graphql.ResponseHandler {
		mu.Lock()
		executions++
		mu.Unlock()
		var buf bytes.Buffer
		i := 0
		return func(ctx context.Context) *graphql.Response {
			<-begin // both members are in
			if i == events {
				<-ctx.Done()
				return nil
			}
			buf.Reset() // as gqlgen's generated subscription code does
			fmt.Fprintf(&buf, `{"tick":%d}`, i)
			i++
			return &graphql.Response{Data: buf.Bytes()}
		}
	}
	var handlers []graphql.ResponseHandler
	var cancels []context.CancelFunc
	for range 2 {
		ctx, cancel := subscriptionCtx(t, `subscription { tick }`)
		cancels = append(cancels, cancel)
		handlers = append(handlers, s.InterceptOperation(ctx, next))
	}
	// The first member's handler started the execution; the second joined.
	require.Equal(t, 1, executions)
	require.Equal(t, 1, s.Groups())
	require.Equal(t, 2, s.Members())
	close(begin)
	for m, h := range handlers {
		for i := range events {
			r := h(context.Background())
			require.NotNil(t, r)
			require.JSONEq(t, fmt.Sprintf(`{"tick":%d}`, i), string(r.Data), "member %d, event %d", m, i)
		}
	}
	for _, c := range cancels {
		c()
	}
	require.Eventually(t, func() bool { return s.Groups() == 0 && s.Members() == 0 }, 5*time.Second, time.Millisecond)
}

// TestLateJoinerOfARefusedSubscriptionGetsItsOwnAnswer: a subscriber that
// joins a group whose execution answered with a one-shot error (refused at
// subscribe) and then ends gets an answer of its own, not a bare end.
func TestLateJoinerOfARefusedSubscriptionGetsItsOwnAnswer(t *testing.T) {
	s := &SubscriptionGroups{Principal: func(context.Context) (string, bool) { return "tenant|VIEWER", true }}
	release := make(chan struct{})
	var mu sync.Mutex
	executions := 0
	next := func(ctx context.Context) graphql.ResponseHandler {
		mu.Lock()
		executions++
		first := executions == 1
		mu.Unlock()
		sent := false
		return func(ctx context.Context) *graphql.Response {
			if sent {
				if first {
					<-release // the first execution ends only when the test says
				}
				return nil
			}
			sent = true
			return &graphql.Response{Errors: gqlerror.List{{Message: "refused"}}}
		}
	}
	ctx1, cancel1 := subscriptionCtx(t, `subscription { tick }`)
	defer cancel1()
	h1 := s.InterceptOperation(ctx1, next)
	r := h1(context.Background())
	require.NotNil(t, r)
	require.Equal(t, "refused", r.Errors[0].Message)

	ctx2, cancel2 := subscriptionCtx(t, `subscription { tick }`)
	defer cancel2()
	h2 := s.InterceptOperation(ctx2, next) // joins the group, after its only response
	require.Equal(t, 1, s.Groups())
	require.Equal(t, 2, s.Members())
	close(release)
	require.Nil(t, h1(context.Background()), "the first member's stream ends")
	r = h2(context.Background())
	require.NotNil(t, r, "the late joiner gets an answer")
	require.Equal(t, "refused", r.Errors[0].Message)
	require.Nil(t, h2(context.Background()))
	require.Equal(t, 2, executions, "the late joiner ran its own execution")
}

// TestMemberEndsWithItsOwnContext: a member's stream ends when its own
// operation ends, whatever context the transport passes its handler
// (gqlgen passes the group's to the member that started it), while the
// group goes on for the others.
func TestMemberEndsWithItsOwnContext(t *testing.T) {
	s := &SubscriptionGroups{Principal: func(context.Context) (string, bool) { return "tenant|VIEWER", true }}
	events := make(chan int)
	next := func(ctx context.Context) graphql.ResponseHandler {
		return func(ctx context.Context) *graphql.Response {
			select {
			case i := <-events:
				return &graphql.Response{Data: []byte(fmt.Sprintf(`{"tick":%d}`, i))}
			case <-ctx.Done():
				return nil
			}
		}
	}
	ctx1, cancel1 := subscriptionCtx(t, `subscription { tick }`)
	ctx2, cancel2 := subscriptionCtx(t, `subscription { tick }`)
	defer cancel2()
	h1 := s.InterceptOperation(ctx1, next)
	h2 := s.InterceptOperation(ctx2, next)
	ended := make(chan *graphql.Response, 1)
	go func() { ended <- h1(context.Background()) }() // the transport's context never ends
	cancel1()
	select {
	case r := <-ended:
		require.Nil(t, r, "the first member's stream ends with its operation")
	case <-time.After(10 * time.Second):
		t.Fatal("the first member's handler still waits after its operation ended")
	}
	require.Eventually(t, func() bool { return s.Members() == 1 }, 5*time.Second, time.Millisecond)
	events <- 7
	r := h2(context.Background())
	require.NotNil(t, r)
	require.JSONEq(t, `{"tick":7}`, string(r.Data), "the group goes on for the other member")
}
