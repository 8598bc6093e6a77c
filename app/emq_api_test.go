package app_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/emq"
	"github.com/stratumhq/stratum/internal/relay"
)

// A batch the delivery pipeline records shows through emqScores with its
// fix-it advice; bad arguments are BAD_USER_INPUT with the field's path,
// beside a positive control through the same field.
func TestEMQThroughTheAPI(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	ctx := context.Background()
	owner := b.signUp(t, "emq-owner@example.test", "EMQ")
	_, tenant, err := relay.ParseGlobalID(owner.TenantID)
	require.NoError(t, err)
	dest := uuid.New()
	conn, err := pgx.Connect(ctx, b.tdb.OwnerURL)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `UPDATE tenant_billing SET plan = 'professional' WHERE tenant_id = $1`, tenant)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys, created_at, updated_at)
		VALUES ($1, $2, 'META', 'emq', '\x00'::bytea, '{}', now(), now())`, tenant, dest)
	conn.Close(ctx)
	require.NoError(t, err)

	// 10 Purchase events with an email, IP, user agent, external id, fbc
	// and fbp; 4 of them
	// with a phone.
	now := time.Now().UTC()
	var events []conversions.Event
	for i := range 10 {
		e := conversions.Event{Name: "Purchase", Time: now.Add(-time.Minute), SourceURL: "https://shop.example/",
			User: conversions.UserData{Email: "buyer@example.com", ClientIP: "203.0.113.1", UserAgent: "Mozilla/5.0",
				ExternalID: "u1", Fbc: "fb.1.1554763741205.AbCdEf", Fbp: "fb.1.1558571054389.1098115397"}}
		if i < 4 {
			e.User.Phone = "+16505551212"
		}
		events = append(events, e)
	}
	app := b.srv.App
	require.NoError(t, app.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return app.Services.EMQ.RecordTx(ctx, tx, tenant, dest, "META", events, now)
	}))

	const q = `query($p: Platform!, $h: Int) { emqScores(platform: $p) { destinationId eventName events score
		trend(hours: $h) { events score } missingParameters { parameter coverage impact advice } } }`
	res := b.srv.Query(t, q, map[string]any{"p": "META", "h": 24}, owner.H())
	require.Empty(t, res.Errors)
	scores := field(t, res.Data, "emqScores").([]any)
	require.Len(t, scores, 1)
	s := scores[0].(map[string]any)
	require.Equal(t, relay.GlobalID("ConversionDestination", dest), s["destinationId"])
	require.EqualValues(t, 10, s["events"])
	require.Len(t, s["trend"], 1)
	missing := s["missingParameters"].([]any)
	require.Equal(t, "phone", missing[0].(map[string]any)["parameter"], "the costliest first: %v", missing)
	require.InDelta(t, 0.4, missing[0].(map[string]any)["coverage"], 1e-9)
	require.True(t, strings.HasPrefix(missing[0].(map[string]any)["advice"].(string), "60 % of Purchase events have no phone; adding it would raise EMQ by ≈ "))

	// Another platform has none.
	res = b.srv.Query(t, q, map[string]any{"p": "TIKTOK", "h": 24}, owner.H())
	require.Empty(t, res.Errors)
	require.Empty(t, field(t, res.Data, "emqScores"))

	// Bad arguments.
	res = b.srv.Query(t, q, map[string]any{"p": "SIMULATOR", "h": 24}, owner.H())
	require.Equal(t, "BAD_USER_INPUT", res.Code(), "%+v", res.Errors)
	require.Equal(t, []any{"platform"}, res.Errors[0].Extensions["field"])
	for _, h := range []int{0, 721} {
		res = b.srv.Query(t, q, map[string]any{"p": "META", "h": h}, owner.H())
		require.Equal(t, "BAD_USER_INPUT", res.Code(), "%+v", res.Errors)
		require.Equal(t, []any{"hours"}, res.Errors[0].Extensions["field"])
	}

	// Meta's own score: preferred, with the estimate and its calibration
	// error beside it; before it, the estimate and no error (the negative
	// control).
	const pq = `{ emqScores(platform: META) { score source estimate platformScore platformScoreAt calibrationError platformScoreError } }`
	res = b.srv.Query(t, pq, nil, owner.H())
	require.Empty(t, res.Errors)
	before := field(t, res.Data, "emqScores").([]any)[0].(map[string]any)
	require.Equal(t, "ESTIMATE", before["source"])
	require.Equal(t, before["estimate"], before["score"])
	require.Nil(t, before["platformScore"])
	require.Nil(t, before["calibrationError"])
	require.Nil(t, before["platformScoreError"])
	estimate := before["estimate"].(float64)
	require.NoError(t, app.Services.EMQ.StorePlatformScores(ctx, tenant, dest, now, []emq.PlatformScore{{EventName: "Purchase", Score: 9.3}}))
	res = b.srv.Query(t, pq, nil, owner.H())
	require.Empty(t, res.Errors)
	after := field(t, res.Data, "emqScores").([]any)[0].(map[string]any)
	require.Equal(t, "PLATFORM", after["source"])
	require.Equal(t, 9.3, after["score"])
	require.Equal(t, 9.3, after["platformScore"])
	require.NotNil(t, after["platformScoreAt"])
	require.Equal(t, estimate, after["estimate"])
	require.InDelta(t, math.Abs(estimate-9.3), after["calibrationError"], 0.011)
}
