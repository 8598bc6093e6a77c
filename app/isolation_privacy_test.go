package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/relay"
)

// privacyFixture is tenant A's consent and privacy data: an ADS consent
// of A's profile with its history entry, a finished deletion request and
// a suppression that dropped 7 events.
type privacyFixture struct {
	change, request string // global IDs
}

// addPrivacy seeds A's consent and privacy rows (after addProfiles).
func (f *isoFixture) addPrivacy(t *testing.T) {
	ctx := context.Background()
	_, profile, err := relay.ParseGlobalID(f.profiles.profile)
	require.NoError(t, err)
	now := f.b.srv.App.DB.Now(ctx)
	change, request := uuid.New(), uuid.New()
	conn, err := f.b.connect(ctx)
	require.NoError(t, err)
	defer conn.Close(ctx)
	h := sha256.Sum256(fmt.Appendf(nil, "alpha-suppressed-%d", f.n))
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO cdp_consents (tenant_id, profile_id, purpose, granted, source, decided_at, updated_at) VALUES ($1, $2, 'ADS', true, 'EVENT', $3, $3)`,
			[]any{f.tenantA, profile, now}},
		{`INSERT INTO cdp_consent_history (tenant_id, id, profile_id, purpose, granted, source, decided_at, recorded_at) VALUES ($1, $2, $3, 'ADS', true, 'EVENT', $4, $4)`,
			[]any{f.tenantA, change, profile, now}},
		{`INSERT INTO cdp_privacy_requests (tenant_id, id, kind, status, requested_by_type, erased_events, erased_identifiers, created_at, finished_at)
			VALUES ($1, $2, 'DELETE', 'DONE', 'SYSTEM', 5, 2, $3, $3)`, []any{f.tenantA, request, now}},
		{`INSERT INTO cdp_suppressions (tenant_id, identifier_type, value_hash, request_id, created_at, dropped_events) VALUES ($1, 'EMAIL', $2, $3, $4, 7)`,
			[]any{f.tenantA, hex.EncodeToString(h[:]), request, now}},
	} {
		_, err := conn.Exec(ctx, q.sql, q.args...)
		require.NoError(t, err, q.sql)
	}
	f.privacy = &privacyFixture{change: relay.GlobalID(relay.TypeConsentChange, change), request: relay.GlobalID(relay.TypePrivacyRequest, request)}
	f.markers = append(f.markers, f.privacy.change, f.privacy.request)
}

func init() {
	addIsolationCases(map[string]isolationCase{
		// B naming A's profile gets null (as for a profile that does not exist).
		"Query.profileConsents": {Query: `query($p: ID!) { profileConsents(profileId: $p) { purpose state source decidedAt } }`,
			Vars: vars("p", "absorbedProfile"), Viewer: Allowed, Sees: lit(`"state":"GRANTED"`)},
		"Query.consentHistory": {Query: `query($p: ID!) { consentHistory(profileId: $p, first: 10) { totalCount edges { cursor node { id purpose state source decidedAt recordedAt } } } }`,
			Vars: vars("p", "profile"), Viewer: Allowed, Sees: strs("consentChange")},
		"Query.privacyRequests": {Query: `{ privacyRequests(first: 10) { totalCount edges { node { id kind status progress profileId requestedBy requestedByMe
				createdAt finishedAt erasedEvents erasedIdentifiers exportBytes expiresAt downloadUrl } } } }`,
			Viewer: Refused, Sees: strs("privacyRequest")},
		"Query.privacySuppressions": {Query: `{ privacySuppressions { identifiers droppedEvents lastDroppedAt } }`,
			Viewer: Refused, Sees: lit(`"droppedEvents":7`)},
		// B naming A's profile gets NOT_FOUND and changes nothing (the
		// snapshot holds A's consents); the control denies A's ADS consent.
		"Mutation.setConsent": {Query: `mutation($p: ID!) { setConsent(input: {profileId: $p, purpose: ADS, granted: false}) { consent { purpose state source } userErrors { field code } } }`,
			Vars: vars("p", "profile"), Viewer: Refused, B: []string{"NOT_FOUND"}, Changes: true, ControlHas: []string{`"state":"DENIED"`}},
		// The same for requests (the snapshot holds A's requests and
		// suppressions); the control's request names A's profile.
		"Mutation.exportProfileData": {Query: `mutation($p: ID!) { exportProfileData(input: {profileId: $p}) { request { id kind profileId requestedByMe } userErrors { field code } } }`,
			Vars: vars("p", "profile"), Viewer: Refused, B: []string{"NOT_FOUND"}, Changes: true, Sees: strs("profile")},
		"Mutation.deleteProfile": {Query: `mutation($p: ID!) { deleteProfile(input: {profileId: $p}) { request { id kind } userErrors { field code } } }`,
			Vars: vars("p", "profile"), Viewer: Refused, B: []string{"NOT_FOUND"}, Changes: true, ControlHas: []string{`"kind":"DELETE"`}},
	})
}
