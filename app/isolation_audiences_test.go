package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/relay"
)

// audiencesIsoFixture is tenant A's audience of its segment on a Meta ad
// account (connection, account and audience inserted directly: no
// platform is called here), whose platform audience id is A's marker.
type audiencesIsoFixture struct {
	audience, account string // global IDs
	platformID        string
}

// addAudiences seeds A's Meta connection, account and audience (after addSegments).
func (f *isoFixture) addAudiences(t *testing.T) {
	ctx := context.Background()
	now := f.b.srv.App.DB.Now(ctx)
	conn, err := f.b.connect(ctx)
	require.NoError(t, err)
	defer conn.Close(ctx)
	cn, acct, aud := uuid.New(), uuid.New(), uuid.New()
	_, err = conn.Exec(ctx, `INSERT INTO platform_connections (tenant_id, id, platform, token_sealed, created_at, updated_at)
		VALUES ($1, $2, 'META', '\x00'::bytea, $3, $3)`, f.tenantA, cn, now)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO ad_accounts (tenant_id, id, connection_id, platform, external_id, name, created_at, updated_at)
		VALUES ($1, $2, $3, 'META', $4, 'Alpha Meta account', $5, $5)`, f.tenantA, acct, cn, fmt.Sprintf("act_%d", 9000+f.n), now)
	require.NoError(t, err)
	_, seg, err := relay.ParseGlobalID(f.segments.segment)
	require.NoError(t, err)
	pid := fmt.Sprintf("alpha-audience-%d", f.n)
	_, err = conn.Exec(ctx, `INSERT INTO audiences (tenant_id, id, segment_id, ad_account_id, platform, platform_audience_id, status, size,
			full_done_at, last_sync_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'META', $5, 'SYNCED', 1, $6, $6, $6, $6)`, f.tenantA, aud, seg, acct, pid, now)
	require.NoError(t, err)
	f.audiences = &audiencesIsoFixture{audience: relay.GlobalID(relay.TypeAudience, aud), account: relay.GlobalID(relay.TypeAdAccount, acct), platformID: pid}
	f.markers = append(f.markers, f.audiences.audience, f.audiences.account, pid)
}

const audienceFields = `id platform platformAudienceId status size lastSyncAt error progress { done total } createdAt
	segment { id name } account { id externalId name }`

func audienceSees(f *isoFixture) []string {
	return []string{f.audiences.audience, f.audiences.platformID, f.audiences.account, f.segments.segment}
}

func audienceVar(f *isoFixture) map[string]any { return map[string]any{"id": f.audiences.audience} }

func init() {
	addIsolationCases(map[string]isolationCase{
		"Query.audiences": {Query: `{ audiences(first: 10) { totalCount pageInfo { hasNextPage } edges { cursor node { ` + audienceFields + ` } } } }`,
			Viewer: Allowed, Sees: audienceSees},
		// B naming A's segment and account is refused at the segment (B has
		// no such segment) and creates nothing; A's control re-syncs its
		// audience (PENDING again).
		"Mutation.syncAudience": {Query: `mutation($s: ID!, $a: ID!) { syncAudience(input: {segmentId: $s, platform: META, accountId: $a}) {
				audience { ` + audienceFields + ` } userErrors { field code } } }`,
			Vars: func(f *isoFixture) map[string]any {
				return map[string]any{"s": f.segments.segment, "a": f.audiences.account}
			},
			Viewer: Refused, B: []string{"BAD_USER_INPUT"}, Changes: true, Sees: audienceSees, ControlHas: []string{`"status":"PENDING"`}},
		"Mutation.stopAudienceSync": {Query: `mutation($id: ID!) { stopAudienceSync(input: {id: $id}) { audience { ` + audienceFields + ` } userErrors { field code } } }`,
			Vars: audienceVar, Viewer: Refused, B: []string{"BAD_USER_INPUT"}, Changes: true, Sees: audienceSees, ControlHas: []string{`"status":"STOPPED"`}},
		"Mutation.deleteAudience": {Query: `mutation($id: ID!) { deleteAudience(input: {id: $id}) { deletedAudienceId platformAudienceDeleted userErrors { field code } } }`,
			Vars: audienceVar, Viewer: Refused, B: []string{"BAD_USER_INPUT"}, Changes: true,
			Sees: func(f *isoFixture) []string { return []string{f.audiences.audience} }, ControlHas: []string{`"platformAudienceDeleted":false`}},
		// A's audience is stopped: A's subscribers hear it, B's nothing.
		"Subscription.audienceSyncUpdated": {Query: `subscription { audienceSyncUpdated { ` + audienceFields + ` } }`,
			Viewer: Allowed, Sees: audienceSees,
			Trigger: func(t *testing.T, f *isoFixture) {
				_, id, err := relay.ParseGlobalID(f.audiences.audience)
				require.NoError(t, err)
				_, err = f.b.srv.App.Services.Audiences.Stop(context.Background(), f.tenantA, id)
				require.NoError(t, err)
			}},
	})
}
