package billing

import (
	"sync"
	"time"

	"github.com/google/uuid"
)

// Plan hints (ADR 0028, amending ADR 0014): the
// effective plan each tenant's entitlements last resolved to in this
// process, kept PlanHintTTL. The cost limit sizes its bucket from a fresh
// hint instead of reading the entitlements before every signed-in
// operation; @feature, limits, viewer.features and tenant.plan still read
// them (once per operation). A plan change therefore reaches the cost
// bucket at most PlanHintTTL late (at once for changes this process makes),
// against an access token's 30 minutes before ADR 0014.

// PlanHintTTL is how long a plan hint is used.
const PlanHintTTL = time.Second

// maxPlanHints bounds the hints (one per tenant active in the last
// second); past it, hints older than half the TTL are dropped, and all of
// them if that is not enough.
const maxPlanHints = 50_000

type planHint struct {
	plan Plan
	at   time.Time // wall clock: a test's manual clock must not keep a hint
	// gone: the plan changed at at; a read begun before then is not kept.
	gone bool
}

type planHints struct {
	mu sync.Mutex
	m  map[uuid.UUID]planHint
}

func (h *planHints) get(tenant uuid.UUID, now time.Time) (Plan, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.m[tenant]
	if !ok || e.gone || now.Sub(e.at) >= PlanHintTTL || now.Before(e.at) {
		return "", false
	}
	return e.plan, true
}

func (h *planHints) put(tenant uuid.UUID, p Plan, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[uuid.UUID]planHint{}
	}
	if e, ok := h.m[tenant]; ok && e.at.After(at) {
		return // a later read answered, or the plan changed since this one began
	}
	if len(h.m) >= maxPlanHints {
		for id, e := range h.m {
			if at.Sub(e.at) >= PlanHintTTL/2 {
				delete(h.m, id)
			}
		}
		if len(h.m) >= maxPlanHints {
			clear(h.m)
		}
	}
	h.m[tenant] = planHint{plan: p, at: at}
}

func (h *planHints) forget(tenant uuid.UUID, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m != nil {
		h.m[tenant] = planHint{at: now, gone: true}
	}
}

// PlanHint is tenant's effective plan as this process last read it, if
// that was less than PlanHintTTL ago.
func (s *Service) PlanHint(tenant uuid.UUID) (Plan, bool) {
	return s.hints.get(tenant, time.Now())
}

// ForgetPlan drops tenant's plan hint (its plan or overrides changed).
// A read begun before the call is not kept as a hint either.
func (s *Service) ForgetPlan(tenant uuid.UUID) { s.hints.forget(tenant, time.Now()) }
