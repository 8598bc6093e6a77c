package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/relay"
)

// segmentFixture is tenant A's segment: its users (A's profile is a member).
type segmentFixture struct {
	segment string // global ID
}

// addSegments saves A's segment (after addProfiles).
func (f *isoFixture) addSegments(t *testing.T) {
	segs := &cdp.Segments{DB: f.b.srv.App.DB}
	s, err := segs.CreateSegment(context.Background(), f.tenantA, cdp.SegmentInput{Name: fmt.Sprintf("Alpha Segment %d", f.n),
		Kind: cdp.SegmentDynamic, Rules: &cdp.Rule{Identifier: cdp.IdentifierUserID, Operator: cdp.OpExists}})
	require.NoError(t, err)
	require.EqualValues(t, 1, s.Size, "A's profile is a member")
	f.segments = &segmentFixture{segment: relay.GlobalID(relay.TypeSegment, s.ID)}
	f.markers = append(f.markers, f.segments.segment)
}

const segmentFields = `id name kind size rules createdAt updatedAt refreshedAt
	members(first: 5) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { enteredAt profile { id identities { value } } } } }
	membershipHistory(days: 7) { date entered exited }`

func init() {
	addIsolationCases(map[string]isolationCase{
		"Query.segments": {Query: `{ segments(first: 10) { totalCount pageInfo { hasNextPage } edges { cursor node { ` + segmentFields + ` } } } }`,
			Viewer: Allowed, Sees: strs("segment", "profile")},
		// B naming A's segment gets null: nothing of its members or its
		// history. A sees its profile's entry (when the fixture saved the
		// segment) in the history, through the same field.
		"Query.segment": {Query: `query($s: ID!) { segment(id: $s) { ` + segmentFields + ` } }`,
			Vars: vars("s", "segment"), Viewer: Allowed, Sees: strs("segment", "profile"),
			ControlHas: []string{`"entered":1,"exited":0}`}},
		// The same rules select A's profile for A, nothing for B.
		"Query.previewSegment": {Query: `{ previewSegment(rules: {identifier: USER_ID, operator: EXISTS}) { size sample { id identities { value } } } }`,
			Viewer: Allowed, Sees: strs("profile")},
		// B creates in B; A's snapshot is unchanged. The control creates in A.
		"Mutation.createSegment": {Query: `mutation { createSegment(input: {name: "Gamma", kind: STATIC, rules: {identifier: USER_ID, operator: EXISTS}}) {
				segment { id name size members(first: 5) { edges { node { profile { id } } } } } userErrors { field code } } }`,
			Viewer: Refused, Changes: true, ControlHas: []string{`"name":"Gamma"`}, Sees: strs("profile")},
		"Mutation.updateSegment": {Query: `mutation($s: ID!) { updateSegment(input: {id: $s, name: "Gamma", rules: {not: {identifier: USER_ID, operator: EXISTS}}}) {
				segment { id name size } userErrors { field code } } }`,
			Vars: vars("s", "segment"), Viewer: Refused, B: []string{"NOT_FOUND"}, Changes: true, Sees: strs("segment")},
		"Mutation.deleteSegment": {Query: `mutation($s: ID!) { deleteSegment(input: {id: $s}) { deletedSegmentId userErrors { field code } } }`,
			Vars: vars("s", "segment"), Viewer: Refused, B: []string{"NOT_FOUND"}, Changes: true, Sees: strs("segment")},
		"Mutation.refreshSegment": {Query: `mutation($s: ID!) { refreshSegment(input: {id: $s}) { segment { id size refreshedAt } userErrors { field code } } }`,
			Vars: vars("s", "segment"), Viewer: Refused, B: []string{"NOT_FOUND"}, Changes: true, Sees: strs("segment")},
		// A's segment loses its member (new rules): A's subscribers hear
		// it; B, subscribed with A's id, nothing.
		"Subscription.segmentMembershipChanged": {Query: `subscription($s: ID!) { segmentMembershipChanged(segmentId: $s) { entered exited segment { ` + segmentFields + ` } } }`,
			Vars: vars("s", "segment"), Viewer: Allowed, Sees: strs("segment"),
			Trigger: func(t *testing.T, f *isoFixture) {
				_, id, err := relay.ParseGlobalID(f.segments.segment)
				require.NoError(t, err)
				_, err = (&cdp.Segments{DB: f.b.srv.App.DB}).UpdateSegment(context.Background(), f.tenantA, id,
					cdp.SegmentPatch{Rules: &cdp.Rule{Not: &cdp.Rule{Identifier: cdp.IdentifierUserID, Operator: cdp.OpExists}}})
				require.NoError(t, err)
			}},
	})
}
