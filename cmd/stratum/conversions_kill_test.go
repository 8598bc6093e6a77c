package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/conversions/capifake"
	"github.com/stratumhq/stratum/internal/testdb"
)

// The kill test of issue 15 ("Must show"): purchases of people with and
// without ADS consent are ingested by `stratum serve` (API and workers in
// one process) while forwarding to the fake Meta Conversions API is
// armed to hold: the first flush to get Meta's answer writes the event ids
// it sent and never records the outcome. The server is killed with SIGKILL
// there — the platform has the events, Stratum's rows still say SENDING —
// and started again: the reclaimed deliveries are sent again under the
// same event ids, Meta's documented deduplication (event_id + event_name)
// drops the second copy, and in the end every consenting person's purchase
// was accepted exactly once while no purchase without consent ever
// reached the platform (docs/adr/0022, "Delivery and exactly-once").
func TestKilledWorkerForwardsEachPurchaseOnce(t *testing.T) {
	t.Parallel()
	bin := buildStratum(t)
	tdb := testdb.New(t)
	ctx := context.Background()
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Name: "Kill CAPI", Plan: "professional"}) // capi flag
	svc := apptest.Services(t, tdb)
	limit := cdp.MaxRateLimit
	_, key, err := svc.CDP.CreateSource(ctx, tenant, cdp.CreateSourceInput{Name: "Shop", RateLimit: &limit})
	require.NoError(t, err)
	_, err = svc.CDP.EnsurePartitions(ctx)
	require.NoError(t, err)

	meta := capifake.NewMeta(t)
	creds, err := json.Marshal(meta.Destination().Credentials)
	require.NoError(t, err)
	sealed, err := svc.Auth.Box.Seal(creds) // the server runs with the same (development) key
	require.NoError(t, err)
	require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := tdb.DB.Now(ctx)
		_, err := tx.ExecContext(ctx, `INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys,
				base_url, created_at, updated_at) VALUES (?, ?, 'META', 'Pixel', ?, ARRAY['pixelId', 'accessToken'], ?, ?, ?)`,
			tenant, uuid.New(), sealed, meta.URL(), now, now)
		return err
	}))

	// 60 people buy once each, in six requests; the even ones consent to
	// advertising in the event's context.
	const people, perBody = 60, 10
	t0 := time.Now().UTC().Truncate(time.Second)
	var bodies [][]byte
	var eligible []string
	for b := range people / perBody {
		var evs []map[string]any
		for i := b * perBody; i < (b+1)*perBody; i++ {
			id := fmt.Sprintf("buy-%02d", i)
			ctxv := map[string]any{"traits": map[string]any{"email": fmt.Sprintf(" Buyer%d@Example.TEST ", i)}}
			if i%2 == 0 {
				ctxv["consent"] = map[string]any{"categoryPreferences": map[string]any{"advertising": true}}
				eligible = append(eligible, id)
			}
			evs = append(evs, map[string]any{"type": "track", "event": cdp.OrderCompleted, "messageId": id, "userId": fmt.Sprint("buyer-", i),
				"timestamp":  t0.Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano),
				"properties": map[string]any{"revenue": 10 + i, "currency": "EUR", "order_id": fmt.Sprint("o-", i)}, "context": ctxv})
		}
		raw, err := json.Marshal(map[string]any{"batch": evs, "sentAt": t0.Format(time.RFC3339Nano)})
		require.NoError(t, err)
		bodies = append(bodies, raw)
	}

	addr, hold := freeAddr(t), t.TempDir()
	base := map[string]string{"STRATUM_ENV": "test", "DATABASE_URL": tdb.OwnerURL, "STRATUM_APP_DATABASE_URL": tdb.AppURL,
		"STRATUM_AUTO_MIGRATE": "false", "STRATUM_SEED_DEMO": "false", "STRATUM_PERIODIC_RUN_ON_START": "false",
		"STRATUM_LOG_LEVEL": "warn", "STRATUM_SHUTDOWN_TIMEOUT": "5s", "STRATUM_HTTP_ADDR": addr, "STRATUM_TEST_HOLD_CDP_DIR": hold,
		// A delivery left SENDING by the killed server is reclaimed 11 s
		// after its claim instead of 90 s.
		"STRATUM_JOB_TIMEOUT": "10s", "STRATUM_JOB_RESCUE_AFTER": "11s"}
	url := "http://" + addr
	start := func(gen int) *process {
		p := startCommand(t, bin, "serve", base, map[string]string{"STRATUM_KILL_TEST_GENERATION": fmt.Sprint(gen)})
		waitReady(t, p, url)
		return p
	}

	require.NoError(t, os.WriteFile(filepath.Join(hold, "arm-send"), nil, 0o600))
	srv := start(0)
	client := &http.Client{Timeout: 30 * time.Second}
	for _, body := range bodies {
		status, err := postBatch(client, url, key, body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
	}
	waitFile(t, filepath.Join(hold, "held-send"), time.Minute)
	held, err := os.ReadFile(filepath.Join(hold, "held-send"))
	require.NoError(t, err)
	heldIDs := strings.Fields(string(held))
	require.NotEmpty(t, heldIDs)
	require.Subset(t, eligible, heldIDs, "only consenting people's purchases are sent")
	require.Equal(t, len(heldIDs), meta.Count(), "Meta has the held request's events; Stratum never recorded its answer")
	srv.kill(t)

	start(1)
	deadline := time.Now().Add(2 * time.Minute)
	var byStatus map[string]int
	for {
		byStatus = map[string]int{}
		var rows []struct {
			Status string `bun:"status"`
			N      int    `bun:"n"`
		}
		require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT status, count(*) AS n FROM conversion_delivery_log GROUP BY status").Scan(ctx, &rows)
		}))
		for _, r := range rows {
			byStatus[r.Status] = r.N
		}
		if byStatus["SENT"]+byStatus["SKIPPED"] == people || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // polling the outcome of another process
	}
	require.Equal(t, map[string]int{"SENT": people / 2, "SKIPPED": people / 2}, byStatus)

	var accepted []string
	for _, a := range meta.Accepted() {
		accepted = append(accepted, a.EventID)
	}
	slices.Sort(accepted)
	require.Equal(t, eligible, accepted, "every consenting purchase accepted exactly once, no other")
	require.GreaterOrEqual(t, meta.Duplicates(), len(heldIDs), "the held request's events were sent again after the kill and deduplicated by event_id")
	require.Empty(t, meta.Errors())
	t.Logf("held %d events at the kill; Meta received %d duplicate(s), deduplicated; %d accepted once", len(heldIDs), meta.Duplicates(), len(accepted))
}
