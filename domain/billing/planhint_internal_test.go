package billing

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// A hint is used for PlanHintTTL after the read began, not after; a read
// begun before the plan changed (and answering after) is not kept, one
// begun after is; the hints stay bounded however many tenants come.
func TestPlanHints(t *testing.T) {
	var h planHints
	a, b := uuid.New(), uuid.New()
	now := time.Now()
	_, ok := h.get(a, now)
	require.False(t, ok, "nothing read yet")

	h.put(a, Professional, now)
	p, ok := h.get(a, now.Add(PlanHintTTL-time.Millisecond))
	require.True(t, ok)
	require.Equal(t, Professional, p)
	_, ok = h.get(a, now.Add(PlanHintTTL))
	require.False(t, ok, "stale after the TTL")
	_, ok = h.get(b, now)
	require.False(t, ok, "another tenant's read is not this one's")

	h.forget(a, now.Add(2*time.Millisecond))
	_, ok = h.get(a, now.Add(3*time.Millisecond))
	require.False(t, ok, "forgotten at once")
	h.put(a, Starter, now.Add(time.Millisecond)) // began before the change
	_, ok = h.get(a, now.Add(3*time.Millisecond))
	require.False(t, ok, "a read begun before the change is not kept")
	h.put(a, Enterprise, now.Add(4*time.Millisecond))
	p, ok = h.get(a, now.Add(5*time.Millisecond))
	require.True(t, ok, "a read begun after the change is")
	require.Equal(t, Enterprise, p)

	for range maxPlanHints + 10 {
		h.put(uuid.New(), Starter, now)
	}
	require.LessOrEqual(t, len(h.m), maxPlanHints)
}
