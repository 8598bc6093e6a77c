package gqlserver

import (
	"context"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/sync/semaphore"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/observability"
)

// Admission caps how many query operations execute at once on this
// process and admits the others in arrival order (a FIFO semaphore).
//
// Why: a query is CPU work (parsing done, resolvers, marshalling) and a few
// database round trips. Run all at once, 64 concurrent dashboards on two
// cores share the CPU evenly, so each takes as long as all of them
// together and the unlucky ones longer: p99 was twice the p50
// (docs/benchmarks.md, "Trust reads under load"). Admitted a few at a time
// in order, each runs nearly undisturbed and waits only for those ahead of
// it: the same throughput, the tail close to the median. The pool was not
// the cause: queueing transactions in order in front of it (database/sql
// hands a freed connection to a random waiter) moved the wait out of the
// pool and left the p99 where it was.
//
// Only queries are admitted here. Mutations may wait on other services
// (Stripe, the ad platforms) and must not hold a slot meanwhile;
// subscriptions are long-lived (their events run in groups, ADR 0025). A
// query that waits longer than MaxWait is answered THROTTLED without
// running; one whose request ends while it waits leaves the queue.
type Admission struct {
	sem     *semaphore.Weighted
	maxWait time.Duration
	m       *observability.Metrics
	// queued, when set (tests), is called when an operation starts waiting.
	queued func()
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = (*Admission)(nil)

// NewAdmission admits at most limit queries at once, each waiting at most
// maxWait for its turn. limit < 1 admits every query at once (nil).
func NewAdmission(limit int, maxWait time.Duration, m *observability.Metrics) *Admission {
	if limit < 1 {
		return nil
	}
	return &Admission{sem: semaphore.NewWeighted(int64(limit)), maxWait: maxWait, m: m}
}

// ExtensionName implements graphql.HandlerExtension.
func (*Admission) ExtensionName() string { return "Admission" }

// Validate implements graphql.HandlerExtension.
func (*Admission) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation implements graphql.OperationInterceptor: the slot is
// held from here until the operation's last response is produced, or its
// context ends, whichever comes first.
func (a *Admission) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if a == nil || oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return next(ctx)
	}
	if !a.sem.TryAcquire(1) { // false also while others wait: no overtaking
		if !a.wait(ctx) {
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
				Message:    "the server is busy: this query waited " + a.maxWait.String() + " for its turn without starting; retry shortly",
				Extensions: map[string]any{"code": string(apperr.Throttled), "retryAfterSeconds": 1}}}})
		}
	} else if a.m != nil {
		a.m.GraphQLAdmissionWait.Observe(0)
	}
	if a.m != nil {
		a.m.GraphQLQueriesRunning.Inc()
	}
	var once sync.Once
	release := func() {
		once.Do(func() {
			if a.m != nil {
				a.m.GraphQLQueriesRunning.Dec()
			}
			a.sem.Release(1)
		})
	}
	// A transport that never asks for the response (or a panic) must not
	// keep the slot: the operation's context ends with its request.
	stop := context.AfterFunc(ctx, release)
	h := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		if resp == nil || resp.HasNext == nil || !*resp.HasNext {
			stop()
			release()
		}
		return resp
	}
}

// wait queues for a slot for at most maxWait and reports whether it got one.
func (a *Admission) wait(ctx context.Context) bool {
	if a.m != nil {
		a.m.GraphQLQueriesWaiting.Inc()
		defer a.m.GraphQLQueriesWaiting.Dec()
	}
	if a.queued != nil {
		a.queued()
	}
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, a.maxWait)
	defer cancel()
	err := a.sem.Acquire(wctx, 1)
	if a.m != nil {
		a.m.GraphQLAdmissionWait.Observe(time.Since(start).Seconds())
	}
	return err == nil
}
