package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/relay"
)

// deliveriesIsoFixture is tenant A's conversion destination (inserted
// directly: its credentials are never read here) with one FAILED
// delivery, whose message id is A's marker.
type deliveriesIsoFixture struct {
	destination, delivery string // global IDs
	message               string
}

// addDeliveries seeds A's destination and delivery.
func (f *isoFixture) addDeliveries(t *testing.T) {
	ctx := context.Background()
	now := f.b.srv.App.DB.Now(ctx)
	dest, delivery := uuid.New(), uuid.New()
	msg := fmt.Sprintf("alpha-message-%d", f.n)
	conn, err := f.b.connect(ctx)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys, enabled, created_at, updated_at)
		VALUES ($1, $2, 'META', 'alpha-pixel', '\x00'::bytea, ARRAY['pixelId', 'accessToken'], false, $3, $3)`, f.tenantA, dest, now)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO conversion_deliveries (tenant_id, id, destination_id, message_id, batch_id, source_id, received_at,
			source_event, event_name, event_time, status, attempts, response, error_code, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'Order Completed', 'Purchase', $7, 'FAILED', 1, 'alpha-refusal', '100', $7, $7)`,
		f.tenantA, delivery, dest, msg, uuid.New(), uuid.New(), now)
	require.NoError(t, err)
	// Three events waiting for the (disabled) destination's first send:
	// queuedEvents is 3 for A and 0 for B.
	_, err = conn.Exec(ctx, `INSERT INTO conversion_delivery_batches (tenant_id, destination_id, batch_id, source_ids, message_ids,
			profile_ids, consent, due_at, created_at)
		VALUES ($1, $2, $3, ARRAY[$4, $4, $4]::uuid[], ARRAY['q1', 'q2', 'q3'], ARRAY[$4, $4, $4]::uuid[], ARRAY[false, false, false], $5, $5)`,
		f.tenantA, dest, uuid.New(), uuid.Nil, now)
	require.NoError(t, err)
	f.deliveries = &deliveriesIsoFixture{destination: relay.GlobalID(relay.TypeConversionDestination, dest),
		delivery: relay.GlobalID(relay.TypeConversionDelivery, delivery), message: msg}
	f.markers = append(f.markers, f.deliveries.delivery, msg, queuedMarker)
}

// queuedMarker is A's queued-events count as its JSON answer shows it.
const queuedMarker = `"queuedEvents":3`

func destinationVar(f *isoFixture) map[string]any {
	return map[string]any{"d": f.deliveries.destination}
}

func init() {
	addIsolationCases(map[string]isolationCase{
		// B naming A's destination gets an empty log (as for one that
		// does not exist); A sees its delivery.
		"Query.deliveries": {Query: `query($d: ID!) { deliveries(destinationId: $d, first: 10) { totalCount queuedEvents edges { cursor node { id destinationId messageId
				status attempts eventName sourceEvent eventTime legalBasis requestSummary response errorCode latencyMs nextAttemptAt createdAt updatedAt sentAt } } } }`,
			Vars: destinationVar, Viewer: Allowed,
			Sees: func(f *isoFixture) []string {
				return []string{f.deliveries.delivery, f.deliveries.message, "alpha-refusal", queuedMarker}
			}},
		// B replaying A's destination gets NOT_FOUND and re-queues nothing
		// (the snapshot holds A's deliveries' states); the control
		// re-queues A's FAILED delivery.
		"Mutation.replayDeliveries": {Query: `mutation($d: ID!) { replayDeliveries(input: {destinationId: $d}) { count userErrors { field code } } }`,
			Vars: destinationVar, Viewer: Refused, B: []string{"NOT_FOUND"}, Changes: true, ControlHas: []string{`"count":1`}},
	})
}
