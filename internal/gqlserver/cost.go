package gqlserver

import (
	"context"
	"encoding/json"
	"math"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/apperr"
)

// CostLimit is the cost-based rate limit: each operation's cost is its
// computed complexity (at least 1), taken from the caller's bucket before
// execution — the tenant's for users, the key's for API keys, the client
// IP's for anonymous callers — and refused with THROTTLED when the bucket
// is short. Every response reports extensions.cost. Register it after the
// complexity limit (whose statistics it reads).
type CostLimit struct {
	Limiter *auth.Limiter
	// Buckets by plan; "" is the fallback, "anonymous" is per client IP.
	Buckets map[string]auth.Bucket
}

// Cost is extensions.cost.
type Cost struct {
	RequestedQueryCost int            `json:"requestedQueryCost"`
	ActualQueryCost    int            `json:"actualQueryCost"`
	ThrottleStatus     ThrottleStatus `json:"throttleStatus"`
}

// ThrottleStatus is the bucket's state after the operation.
type ThrottleStatus struct {
	MaximumAvailable   float64 `json:"maximumAvailable"`
	CurrentlyAvailable float64 `json:"currentlyAvailable"`
	RestoreRate        float64 `json:"restoreRate"`
}

// ExtensionName implements graphql.HandlerExtension.
func (CostLimit) ExtensionName() string { return "CostLimit" }

// Validate implements graphql.HandlerExtension.
func (CostLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (c CostLimit) bucket(ctx context.Context) (string, auth.Bucket) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return "ip:" + auth.LimitKeyIP(auth.ClientFrom(ctx).IP), c.plan("anonymous")
	}
	if p.APIKeyID != uuid.Nil {
		return "key:" + p.APIKeyID.String(), c.plan(p.Plan)
	}
	return "tenant:" + p.TenantID.String(), c.plan(p.Plan)
}

func (c CostLimit) plan(name string) auth.Bucket {
	if b, ok := c.Buckets[name]; ok {
		return b
	}
	return c.Buckets[""]
}

// InterceptOperation implements graphql.OperationInterceptor.
func (c CostLimit) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	cost := 1
	if st := extension.GetComplexityStats(ctx); st != nil && st.Complexity > 1 {
		cost = st.Complexity
	}
	key, b := c.bucket(ctx)
	ok, left, err := c.Limiter.Take(ctx, key, b, float64(cost))
	if err != nil {
		// No response context exists yet: answer directly, never with details.
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{Message: "internal error",
			Extensions: map[string]any{"code": string(apperr.Internal)}}}})
	}
	report := Cost{RequestedQueryCost: cost, ThrottleStatus: ThrottleStatus{MaximumAvailable: b.Max,
		CurrentlyAvailable: math.Floor(left), RestoreRate: b.Rate}}
	if !ok {
		wait := math.Ceil((float64(cost) - left) / b.Rate)
		return graphql.OneShot(&graphql.Response{
			Errors: gqlerror.List{{Message: "query cost exceeds the points available; retry later or ask for less",
				Extensions: map[string]any{"code": string(apperr.Throttled), "retryAfterSeconds": wait}}},
			Extensions: map[string]any{"cost": report}})
	}
	report.ActualQueryCost = cost
	// Marshalled here, once: a subscription's first event is then written
	// without formatting floats (strconv's deep frames grew every new
	// subscriber's goroutine stack on its first event).
	reported, err := json.Marshal(report)
	if err != nil {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{Message: "internal error",
			Extensions: map[string]any{"code": string(apperr.Internal)}}}})
	}
	note := &costNote{report: reported}
	h := next(context.WithValue(ctx, costNoteKey{}, note))
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		if resp != nil && note.sent.CompareAndSwap(false, true) {
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["cost"] = json.RawMessage(reported)
		}
		return resp
	}
}

// costNote is an operation's extensions.cost, reported once: with the
// first response that passes CostLimit, or — for a subscriber whose
// events SubscriptionGroups writes to its socket itself — with the first
// event written there.
type costNote struct {
	report json.RawMessage
	sent   atomic.Bool
}

type costNoteKey struct{}

// takeCostReport returns the operation's cost report if it has not been
// reported yet (and marks it reported).
func takeCostReport(ctx context.Context) (json.RawMessage, bool) {
	note, ok := ctx.Value(costNoteKey{}).(*costNote)
	if !ok || !note.sent.CompareAndSwap(false, true) {
		return nil, false
	}
	return note.report, true
}
