package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/relay"
)

// profileFixture is tenant A's CDP profiles: absorbed was merged into
// profile, which has an event.
type profileFixture struct {
	profile, absorbed, event string // global IDs, messageId
}

// addProfiles seeds A's profiles through identity resolution and one event
// of the survivor straight into cdp_events (after addSources).
func (f *isoFixture) addProfiles(t *testing.T) {
	ctx := context.Background()
	id := cdp.NewIdentity(f.b.srv.App.DB)
	now := f.b.srv.App.DB.Now(ctx)
	user := fmt.Sprintf("alpha-user-%d", f.n)
	p, _, err := id.Resolve(ctx, f.tenantA, []cdp.Identifier{{Type: cdp.IdentifierUserID, Value: user},
		{Type: cdp.IdentifierEmail, Value: fmt.Sprintf("Alpha-Profile-%d@Alpha.test", f.n)}}, now)
	require.NoError(t, err)
	a, _, err := id.Resolve(ctx, f.tenantA, []cdp.Identifier{{Type: cdp.IdentifierAnonymousID, Value: fmt.Sprintf("alpha-anon-%d", f.n)}}, now)
	require.NoError(t, err)
	got, _, err := id.Resolve(ctx, f.tenantA, []cdp.Identifier{{Type: cdp.IdentifierUserID, Value: user},
		{Type: cdp.IdentifierAnonymousID, Value: fmt.Sprintf("alpha-anon-%d", f.n)}}, now)
	require.NoError(t, err)
	require.Equal(t, p, got, "the older profile survives")
	_, source, err := relay.ParseGlobalID(f.sources.source)
	require.NoError(t, err)
	f.profiles = &profileFixture{profile: relay.GlobalID(relay.TypeProfile, p), absorbed: relay.GlobalID(relay.TypeProfile, a),
		event: fmt.Sprintf("alpha-event-%d", f.n)}
	conn, err := f.b.connect(ctx)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `SELECT stratum_cdp_ensure_partitions($1, 1)`, now)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
			user_id, "timestamp", properties, payload_size)
		VALUES ($1, $2, $3, $4, gen_random_uuid(), 'track', 'Alpha Ordered', $5, $4, '{"alphaProp": "alpha-value"}', 100)`,
		f.tenantA, source, f.profiles.event, now, user)
	require.NoError(t, err)
	_, err = id.SetChurnDays(ctx, f.tenantA, &alphaChurnDays)
	require.NoError(t, err)
	f.markers = append(f.markers, f.profiles.profile, f.profiles.absorbed, f.profiles.event)
}

// alphaChurnDays is tenant A's churn period (B has the default).
var alphaChurnDays = 47

const profileFields = `id identities { type value } canonicalIdentity { type value } traits { key value } lifecycleStage firstSeenAt lastSeenAt
	counters { eventCount sessionCount purchaseCount revenue revenueMicros } rfm { r f m segment computedAt } mergeHistory { survivorId absorbedId at undone undoneAt }
	refusedLinks { identity { type value } linkedTo { value } reason detail at }
	computedTraits { name value computedAt definition { id name } }
	events(first: 5) { pageInfo { hasNextPage endCursor } edges { cursor node { messageId type name timestamp receivedAt properties { key value } source { id name } } } }`

func init() {
	addIsolationCases(map[string]isolationCase{
		"Query.profiles": {Query: `{ profiles(first: 10) { totalCount pageInfo { hasNextPage } edges { cursor node { ` + profileFields + ` } } } }`,
			Viewer: Allowed, Sees: strs("profile", "absorbed", "profileEvent")},
		// An absorbed profile's id answers its survivor; B gets null.
		"Query.profile": {Query: `query($p: ID!) { profile(id: $p) { ` + profileFields + ` } }`,
			Vars: vars("p", "absorbedProfile"), Viewer: Allowed, Sees: strs("profile", "absorbed", "profileEvent", "traitValue", "traitDefinition")},
		"Query.profileSettings": {Query: `{ profileSettings { churnDays } }`, Viewer: Allowed, Sees: lit(`"churnDays":47`)},
		// B's owner sets B's own period (A's is unchanged: the snapshot has
		// it); the control sets A's.
		"Mutation.setProfileChurnPeriod": {Query: `mutation { setProfileChurnPeriod(input: {days: 12}) { settings { churnDays } userErrors { field code } } }`,
			Viewer: Refused, Changes: true, ControlHas: []string{`"churnDays":12`}},
		// B's owner naming A's absorbed profile gets NOT_FOUND and changes
		// nothing (the snapshot holds A's profiles and identifiers); the
		// control revives it.
		"Mutation.unmergeProfile": {Query: `mutation($p: ID!) { unmergeProfile(input: {profileId: $p}) { profile { id identities { type value } } survivor { id } userErrors { field code } } }`,
			Vars: vars("p", "absorbedProfile"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("profile", "absorbed", "profileAnon"),
			Changes: true},
		// The same for a split of A's profile's anonymous id.
		"Mutation.splitProfile": {Query: `mutation($p: ID!, $v: String!) { splitProfile(input: {profileId: $p, identifiers: [{type: ANONYMOUS_ID, value: $v}]}) {
				profile { id } newProfile { id identities { type value } } userErrors { field code } } }`,
			Vars: vars("p", "profile", "v", "profileAnon"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("profile", "profileAnon"),
			Changes: true},
		// A's profile changes (A's unmerge): A's subscribers of the absorbed
		// profile hear it; B, subscribing with A's id, gets NOT_FOUND (an id
		// it has no profile under) and nothing else.
		"Subscription.profileUpdated": {Query: `subscription($p: ID!) { profileUpdated(profileId: $p) { ` + profileFields + ` } }`,
			Vars: vars("p", "absorbedProfile"), Viewer: Allowed, B: []string{"NOT_FOUND"}, Sees: strs("absorbed", "profileAnon"),
			Trigger: func(t *testing.T, f *isoFixture) {
				_, p, err := relay.ParseGlobalID(f.profiles.absorbed)
				require.NoError(t, err)
				_, err = cdp.NewIdentity(f.b.srv.App.DB).Unmerge(context.Background(), f.tenantA, p)
				require.NoError(t, err)
			}},
	})
}
