package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/relay"
)

// The delivery log through GraphQL: filtered by status and event name;
// replay refuses what it cannot do with BAD_USER_INPUT and the field path
// (changing nothing), then re-queues the FAILED delivery once.
func TestConversionDeliveriesAPI(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, isoEnv)
	ctx := context.Background()
	owner := b.signUp(t, "capi-owner@example.test", "Capi")
	_, tenant, err := relay.ParseGlobalID(owner.TenantID)
	require.NoError(t, err)
	conn, err := pgx.Connect(ctx, b.tdb.OwnerURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	now := b.srv.App.DB.Now(ctx)
	dest := uuid.New()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE tenant_billing SET plan = 'professional' WHERE tenant_id = $1`, []any{tenant}},
		{`INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys, enabled, created_at, updated_at)
			VALUES ($1, $2, 'META', 'Pixel', '\x00'::bytea, ARRAY['pixelId'], false, $3, $3)`, []any{tenant, dest, now}},
	} {
		_, err := conn.Exec(ctx, q.sql, q.args...)
		require.NoError(t, err)
	}
	for i, st := range []string{"FAILED", "SENT", "SKIPPED"} {
		_, err := conn.Exec(ctx, `INSERT INTO conversion_deliveries (tenant_id, id, destination_id, message_id, batch_id, source_id, received_at,
				source_event, event_name, event_time, status, attempts, response, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5, $6, 'Order Completed', $7, $6, $8, 1, 'answer', $6, $6)`,
			tenant, uuid.New(), dest, fmt.Sprintf("m-%d", i), uuid.New(), now, []string{"Purchase", "Purchase", "Lead"}[i], st)
		require.NoError(t, err)
	}
	destID := relay.GlobalID(relay.TypeConversionDestination, dest)

	list := func(vars map[string]any) map[string]any {
		vars["d"] = destID
		res := b.srv.Query(t, `query($d: ID!, $s: ConversionDeliveryStatus, $e: String) { deliveries(destinationId: $d, status: $s, eventName: $e) {
			totalCount edges { node { messageId status attempts eventName sourceEvent response } } } }`, vars, owner.H())
		require.Empty(t, res.Errors)
		return res.Data["deliveries"].(map[string]any)
	}
	require.EqualValues(t, 3, list(map[string]any{})["totalCount"])
	require.EqualValues(t, 1, list(map[string]any{"s": "FAILED"})["totalCount"])
	require.EqualValues(t, 2, list(map[string]any{"e": "Purchase"})["totalCount"])
	require.EqualValues(t, 3, list(map[string]any{"e": "Order Completed"})["totalCount"])

	long := b.srv.Query(t, `query($d: ID!, $e: String) { deliveries(destinationId: $d, eventName: $e) { totalCount } }`,
		map[string]any{"d": destID, "e": string(make([]byte, 201))}, owner.H())
	require.Equal(t, "BAD_USER_INPUT", long.Code())
	require.Equal(t, []any{"eventName"}, long.Errors[0].Extensions["field"])

	replay := func(input map[string]any) map[string]any {
		input["destinationId"] = destID
		res := b.srv.Query(t, `mutation($i: ReplayDeliveriesInput!) { replayDeliveries(input: $i) { count userErrors { field code } } }`,
			map[string]any{"i": input}, owner.H())
		require.Empty(t, res.Errors)
		return res.Data["replayDeliveries"].(map[string]any)
	}
	got := replay(map[string]any{"status": "SENT"})
	require.Equal(t, []any{map[string]any{"field": []any{"input", "status"}, "code": "BAD_USER_INPUT"}}, got["userErrors"])
	got = replay(map[string]any{"from": now.Format("2006-01-02T15:04:05Z07:00"), "to": now.Format("2006-01-02T15:04:05Z07:00")})
	require.Equal(t, []any{map[string]any{"field": []any{"input", "to"}, "code": "BAD_USER_INPUT"}}, got["userErrors"])
	require.EqualValues(t, 1, list(map[string]any{"s": "FAILED"})["totalCount"], "refused replays change nothing")

	got = replay(map[string]any{})
	require.EqualValues(t, 1, got["count"])
	require.Empty(t, got["userErrors"])
	require.EqualValues(t, 0, replay(map[string]any{})["count"], "idempotent")
	require.EqualValues(t, 0, list(map[string]any{"s": "FAILED"})["totalCount"])
	require.EqualValues(t, 1, list(map[string]any{"s": "PENDING"})["totalCount"])
}
