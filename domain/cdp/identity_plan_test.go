package cdp

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// TestPlanIgnoresTheCallersOrder: a call's decisions follow the
// identifiers' strength, never the order the caller listed them in.
func TestPlanIgnoresTheCallersOrder(t *testing.T) {
	t.Parallel()
	st := identitySettings{region: "US", junk: DefaultJunkValues}
	u1 := &planProfile{id: uuid.New(), createdAt: time.Unix(1, 0), counts: map[IdentifierType]int{IdentifierUserID: 1, IdentifierAnonymousID: 1}}
	u2 := &planProfile{id: uuid.New(), createdAt: time.Unix(2, 0), counts: map[IdentifierType]int{IdentifierUserID: 1}}
	dev := &planProfile{id: uuid.New(), createdAt: time.Unix(0, 0), counts: map[IdentifierType]int{IdentifierDeviceID: 1}}
	owner := map[Identifier]*planProfile{
		{IdentifierAnonymousID, "a"}: u1, {IdentifierUserID, "u1"}: u1,
		{IdentifierUserID, "u2"}: u2, {IdentifierDeviceID, "d"}: dev,
	}
	call := []Identifier{
		{IdentifierAnonymousID, "a"}, {IdentifierUserID, "u2"}, {IdentifierDeviceID, "d"},
		{IdentifierEmail, "New@Example.com"}, {IdentifierUserID, "null"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var first []*planGroup
	var firstRefusals []planRefusal
	for i := range 20 {
		rng.Shuffle(len(call), func(i, j int) { call[i], call[j] = call[j], call[i] })
		ids, junk := cleanIdentifiers(call, st)
		require.Len(t, junk, 1)
		groups, refusals := planLinks(ids, owner, IdentityLimits{})
		if i == 0 {
			first, firstRefusals = groups, refusals
			continue
		}
		require.Equal(t, first, groups)
		require.Equal(t, firstRefusals, refusals)
	}
	// u2 is the strongest: its profile takes the email and the device
	// profile (older: it survives); a gives way (u1's profile has a USER_ID).
	require.Len(t, first, 2)
	require.Equal(t, []*planProfile{dev, u2}, first[0].profiles)
	require.Equal(t, []Identifier{{IdentifierEmail, "new@example.com"}}, first[0].fresh)
	require.Equal(t, []planRefusal{{id: Identifier{IdentifierAnonymousID, "a"}, group: 0, reason: RefusedTypeLimit,
		detail: "the profile would have 2 USER_ID identifiers (limit 1)"}}, firstRefusals)
	require.Equal(t, []*planProfile{u1}, first[1].profiles, "a stays on its own profile")
}
