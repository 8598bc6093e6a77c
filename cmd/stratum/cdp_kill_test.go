package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/jobs"
)

// The kill test of issue 13 ("Must show"): /v1/batch requests are sent by
// concurrent SDK-like senders while `stratum serve` (API and workers in one
// process, as deployed) is killed with SIGKILL and restarted on the same
// database several times. A sender whose request fails resends the same
// body once the server is back, as the SDKs do, or gives it up. Afterwards
// every acknowledged messageId is stored exactly once, no messageId twice,
// every stored event is in a processed batch whose job ran to completion,
// and the downstream counters (source received, profile event, purchase
// and revenue counters) count every stored event exactly once.
const (
	killSenders        = 4
	killBodiesEach     = 15
	killUsers          = 300
	killMinEvents      = 20
	killMaxEvents      = 50
	killRevenuePerUnit = 1_000_000 // micros
)

// killAfter is how many acknowledged requests each server generation
// answers before the senders' gate closes and its kill is prepared
// (count-based; a few more in flight are answered too); the last
// generation is not killed and takes the rest.
var killAfter = []int{5, 6, 4, 5}

// killEvent is what the test knows of an event it sent.
type killEvent struct {
	user     int
	purchase bool
	revenue  int64 // units
}

// killBody is one /v1/batch request body, resent byte for byte on retry.
type killBody struct {
	raw []byte
	ids []string
}

// killOutcome is what became of a body.
type killOutcome struct {
	acked     bool
	ackGen    int
	failures  int       // connection errors met
	failedAt  time.Time // when the first one came back (after the kill)
	abandoned bool      // given up after a connection error, never acknowledged
}

// killState is the server generation the senders talk to, and the gate
// that lets them start requests. The gate closes by itself when the
// generation's killAfter-th request is acknowledged (so a generation's
// acknowledgements are counted, not timed); the controller opens it again
// to send the request its hook holds before the kill, and moves to the
// next generation (gate closed) before it kills the server, so a request
// that fails because of the kill waits for the next server.
type killState struct {
	mu      sync.Mutex
	cond    *sync.Cond
	gen     int
	open    bool
	aborted bool
	acks    []int
	reached []chan struct{} // reached[g] is closed when acks[g] == killAfter[g]
}

func newKillState() *killState {
	s := &killState{acks: make([]int, len(killAfter)+1)}
	s.cond = sync.NewCond(&s.mu)
	for range killAfter {
		s.reached = append(s.reached, make(chan struct{}))
	}
	return s
}

// begin waits until the gate is open and returns the generation the
// request goes to (false: the test is over).
func (s *killState) begin() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.open && !s.aborted {
		s.cond.Wait()
	}
	return s.gen, !s.aborted
}

func (s *killState) ack(gen int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acks[gen]++
	if gen < len(killAfter) && s.acks[gen] == killAfter[gen] {
		s.open = false
		close(s.reached[gen])
	}
}

func (s *killState) setOpen(open bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open = open
	s.cond.Broadcast()
}

// next starts the next generation, gate closed.
func (s *killState) next() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.open = false
}

func (s *killState) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aborted = true
	s.cond.Broadcast()
}

func TestKilledServerKeepsEveryAcknowledgedEvent(t *testing.T) {
	t.Parallel()
	started := time.Now()
	bin := buildStratum(t)
	builtIn := time.Since(started)
	tdb := testdb.New(t)
	ctx := context.Background()
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Name: "Kill", Plan: "professional"}) // cdp flag
	svc := apptest.Services(t, tdb)
	limit := cdp.MaxRateLimit // the test is about kills, not the rate limit
	src, key, err := svc.CDP.CreateSource(ctx, tenant, cdp.CreateSourceInput{Name: "Kill test", RateLimit: &limit})
	require.NoError(t, err)

	addr := freeAddr(t)
	const rescueAfter = 11 * time.Second
	hold := t.TempDir()
	base := map[string]string{"STRATUM_ENV": "test", "DATABASE_URL": tdb.OwnerURL, "STRATUM_APP_DATABASE_URL": tdb.AppURL,
		"STRATUM_AUTO_MIGRATE": "false", "STRATUM_SEED_DEMO": "false", "STRATUM_PERIODIC_RUN_ON_START": "false",
		"STRATUM_LOG_LEVEL": "warn", "STRATUM_SHUTDOWN_TIMEOUT": "5s", "STRATUM_HTTP_ADDR": addr, "STRATUM_TEST_HOLD_CDP_DIR": hold,
		// A job left running by a killed server is rescued 11 s after its
		// attempt began instead of 90 s; a batch job's attempt (≈ 0.1–3 s
		// here) is cut at 10 s.
		"STRATUM_JOB_TIMEOUT": "10s", "STRATUM_JOB_RESCUE_AFTER": rescueAfter.String()}
	url := "http://" + addr
	start := func(gen int) *process {
		p := startCommand(t, bin, "serve", base, map[string]string{"STRATUM_KILL_TEST_GENERATION": fmt.Sprint(gen)})
		waitReady(t, p, url)
		return p
	}

	// The bodies: each sender's own, with unique messageIds, events of
	// killUsers people (so batches of different senders touch the same
	// profiles and anonymous profiles merge into identified ones).
	sent := map[string]killEvent{}
	bodies := make([][]killBody, killSenders)
	t0 := time.Now().UTC().Truncate(time.Second)
	for s := range bodies {
		rnd := rand.New(rand.NewPCG(uint64(s), 13))
		for b := range killBodiesEach {
			n := killMinEvents + rnd.IntN(killMaxEvents-killMinEvents+1)
			evs := make([]map[string]any, n)
			ids := make([]string, n)
			for i := range evs {
				u := rnd.IntN(killUsers)
				id := fmt.Sprintf("kill-s%d-b%d-e%d", s, b, i)
				ts := t0.Add(time.Duration(s*killBodiesEach*killMaxEvents+b*killMaxEvents+i) * time.Millisecond).Format(time.RFC3339Nano)
				ev := map[string]any{"messageId": id, "timestamp": ts}
				ke := killEvent{user: u}
				switch r := rnd.IntN(100); {
				case r < 15: // an anonymous visit before (or after) signing in
					ev["type"], ev["name"], ev["anonymousId"] = "page", "Home", killAnon(u)
				case r < 30:
					ev["type"], ev["userId"], ev["anonymousId"] = "identify", killUser(u), killAnon(u)
					ev["traits"] = map[string]any{"email": fmt.Sprintf("  Person%d@Example.TEST ", u), "plan": fmt.Sprint("p", b)}
				case r < 40:
					ke.purchase, ke.revenue = true, int64(1+rnd.IntN(100))
					ev["type"], ev["event"], ev["userId"] = "track", cdp.OrderCompleted, killUser(u)
					ev["properties"] = map[string]any{"revenue": ke.revenue, "currency": "EUR"}
				default:
					ev["type"], ev["event"], ev["userId"] = "track", "Product Viewed", killUser(u)
					ev["properties"] = map[string]any{"sku": fmt.Sprint("sku-", rnd.IntN(50))}
				}
				evs[i], ids[i] = ev, id
				sent[id] = ke
			}
			raw, err := json.Marshal(map[string]any{"batch": evs, "sentAt": t0.Format(time.RFC3339Nano)})
			require.NoError(t, err)
			bodies[s] = append(bodies[s], killBody{raw: raw, ids: ids})
		}
	}

	st := newKillState()
	defer st.abort() // releases the senders if the test fails before they are done
	require.NoError(t, os.WriteFile(filepath.Join(hold, "arm-job"), nil, 0o600))
	srv := start(0)
	firstStart := time.Now()
	st.setOpen(true)

	transport := &http.Transport{MaxIdleConnsPerHost: killSenders}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	outcomes := make([][]killOutcome, killSenders)
	var wg sync.WaitGroup
	var unexpected sync.Map // sender → error (any answer but 2xx, 429, 503)
	for s := range killSenders {
		outcomes[s] = make([]killOutcome, killBodiesEach)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b, body := range bodies[s] {
				o := &outcomes[s][b]
				for attempt := 0; ; attempt++ {
					gen, ok := st.begin()
					if !ok {
						return
					}
					status, err := postBatch(client, url, key, body.raw)
					if err == nil && status == http.StatusOK {
						o.acked, o.ackGen = true, gen
						st.ack(gen)
						break
					}
					if err == nil && status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
						unexpected.Store(s, fmt.Errorf("body %d: status %d", b, status))
						return
					}
					if attempt >= 20 {
						unexpected.Store(s, fmt.Errorf("body %d: still failing after %d attempts: %v (status %d)", b, attempt+1, err, status))
						return
					}
					if err == nil {
						continue // 429/503: retryable, as the SDKs do
					}
					// The connection failed (the server was killed): an SDK
					// resends the same body once the server is back, or
					// gives up (a full queue, the app closed). The senders
					// give up the bodies that fail at kills 0 and 2 and
					// resend those that fail at kills 1 and 3.
					o.failures++
					if o.failures == 1 {
						o.failedAt = time.Now()
					}
					if gen%2 == 0 {
						o.abandoned = true
						break
					}
				}
			}
		}()
	}
	sendersDone := make(chan struct{})
	go func() { wg.Wait(); close(sendersDone) }()

	// The controller, for each generation g but the last: the test hooks
	// hold the first batch job of g whose work committed (before River
	// records it); once killAfter[g] requests are acknowledged (the gate
	// closes), they hold one more request that committed unanswered;
	// SIGKILL the server there — between a commit and its
	// acknowledgement, in both — and start the next one on the same
	// database.
	interrupted := 0
	var heldBatches []string
	var lastStart time.Time
	for g := range killAfter {
		select {
		case <-st.reached[g]:
		case <-sendersDone:
			t.Fatalf("the senders finished before generation %d had %d acknowledged requests", g, killAfter[g])
		case <-time.After(time.Minute):
			t.Fatalf("generation %d: %d acknowledged requests within a minute", g, killAfter[g])
		}
		waitFile(t, filepath.Join(hold, "held-job"), time.Minute)
		raw, err := os.ReadFile(filepath.Join(hold, "held-job"))
		require.NoError(t, err)
		heldBatches = append(heldBatches, string(raw))
		require.NoError(t, os.Remove(filepath.Join(hold, "held-job")))
		require.NoError(t, os.WriteFile(filepath.Join(hold, "arm-ack"), nil, 0o600))
		st.setOpen(true)
		waitFile(t, filepath.Join(hold, "held-ack"), 30*time.Second)
		require.NoError(t, os.Remove(filepath.Join(hold, "held-ack")))
		if runningBatchJobs(t, tdb) > 1 {
			interrupted++ // besides the held one
		}
		st.next()
		srv.kill(t)
		transport.CloseIdleConnections()
		if g == len(killAfter)-1 {
			// River's rescuer runs when a server becomes the leader, then
			// every 30 s: the last server starts once every job the kills
			// left running is due for rescue, so that its first run takes
			// them all (the killed leader's lease runs out meanwhile).
			waitOverdueJobs(t, tdb, rescueAfter+time.Second, time.Minute)
			lastStart = time.Now()
		}
		if g+1 < len(killAfter) {
			require.NoError(t, os.WriteFile(filepath.Join(hold, "arm-job"), nil, 0o600))
		}
		srv = start(g + 1)
		st.setOpen(true)
	}
	select {
	case <-sendersDone:
	case <-time.After(2 * time.Minute):
		t.Fatal("the senders did not finish within two minutes")
	}
	unexpected.Range(func(s, err any) bool {
		t.Errorf("sender %v: %v", s, err)
		return true
	})
	require.False(t, t.Failed())
	sentDone := time.Now()

	// Every committed batch gets processed by the last server (the killed
	// servers' running jobs are rescued by its leader).
	for deadline := time.Now().Add(2 * time.Minute); pendingBatches(t, tdb, tenant) > 0 || unfinishedBatchJobs(t, tdb) > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("%d batches still unprocessed two minutes after the last send; batch jobs: %s",
				pendingBatches(t, tdb, tenant), batchJobStates(t, tdb))
		}
		time.Sleep(100 * time.Millisecond)
	}
	processedIn := time.Since(sentDone)

	// What the clients saw.
	acked := map[string]bool{}
	var ackedBodies, retriedAcked, abandoned, failedRequests int
	for s := range outcomes {
		for b, o := range outcomes[s] {
			failedRequests += o.failures
			switch {
			case o.acked:
				ackedBodies++
				if o.failures > 0 {
					retriedAcked++
				}
				for _, id := range bodies[s][b].ids {
					acked[id] = true
				}
			case o.abandoned:
				abandoned++
			default:
				t.Fatalf("sender %d body %d neither acknowledged nor abandoned", s, b)
			}
		}
	}
	// Positive controls: the kills happened mid-stream.
	require.GreaterOrEqual(t, failedRequests, len(killAfter), "requests failed at every kill (at least the held one)")
	require.Positive(t, retriedAcked, "some bodies were acknowledged only after a resend")
	require.Positive(t, abandoned, "some bodies were never acknowledged")
	require.Len(t, st.acks, len(killAfter)+1)
	for g, n := range st.acks {
		require.Positive(t, n, "generation %d acknowledged requests (before its kill / after its start)", g)
	}

	// What was stored.
	type row struct {
		MessageID   string     `bun:"message_id"`
		SourceID    uuid.UUID  `bun:"source_id"`
		UserID      *string    `bun:"user_id"`
		AnonymousID *string    `bun:"anonymous_id"`
		BatchID     uuid.UUID  `bun:"batch_id"`
		CreatedAt   *time.Time `bun:"created_at"`
		ProcessedAt *time.Time `bun:"processed_at"`
	}
	var stored []row
	var dedupRows, batchEvents, received int64
	type profileRow struct {
		Live      uuid.UUID `bun:"live"`
		Merged    bool      `bun:"merged"`
		Type      string    `bun:"type"`
		Value     string    `bun:"value"`
		Events    int64     `bun:"event_count"`
		Purchases int64     `bun:"purchase_count"`
		Revenue   int64     `bun:"revenue_micros"`
	}
	var idents []profileRow
	var liveEvents int64
	require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw(`SELECT e.message_id, e.source_id, e.user_id, e.anonymous_id, e.batch_id, b.created_at, b.processed_at
			FROM cdp_events e LEFT JOIN cdp_batches b ON b.tenant_id = e.tenant_id AND b.id = e.batch_id
			WHERE e.tenant_id = ?`, tenant).Scan(ctx, &stored); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT count(*) FROM cdp_message_ids WHERE tenant_id = ?`, tenant).Scan(ctx, &dedupRows); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT coalesce(sum(events), 0) FROM cdp_batches WHERE tenant_id = ?`, tenant).Scan(ctx, &batchEvents); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT received FROM cdp_sources WHERE tenant_id = ? AND id = ?`, tenant, src.ID).Scan(ctx, &received); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT coalesce(sum(event_count), 0) FROM cdp_profiles WHERE tenant_id = ? AND merged_into IS NULL`,
			tenant).Scan(ctx, &liveEvents); err != nil {
			return err
		}
		// Each identifier with the live profile it names (merged_into
		// names the final survivor) and that profile's counters.
		return tx.NewRaw(`SELECT coalesce(p.merged_into, p.id) AS live, l.merged_into IS NOT NULL AS merged, i.type, i.value,
				l.event_count, l.purchase_count, l.revenue_micros
			FROM cdp_identifiers i JOIN cdp_profiles p ON p.tenant_id = i.tenant_id AND p.id = i.profile_id
			JOIN cdp_profiles l ON l.tenant_id = p.tenant_id AND l.id = coalesce(p.merged_into, p.id)
			WHERE i.tenant_id = ?`, tenant).Scan(ctx, &idents)
	}))

	// Every acknowledged messageId stored exactly once; nothing twice;
	// nothing the test did not send; every event in a processed batch.
	copies := map[string]int{}
	committedAt := map[string]time.Time{}
	for _, r := range stored {
		copies[r.MessageID]++
		if r.CreatedAt != nil {
			committedAt[r.MessageID] = *r.CreatedAt
		}
		require.Equal(t, src.ID, r.SourceID)
		require.Contains(t, sent, r.MessageID, "only sent events are stored")
		require.NotNil(t, r.ProcessedAt, "event %s is in batch %s, which is processed", r.MessageID, r.BatchID)
	}
	for id, n := range copies {
		require.Equal(t, 1, n, "messageId %s stored once", id)
	}
	lost := 0
	for id := range acked {
		if copies[id] != 1 {
			lost++
			t.Errorf("acknowledged messageId %s stored %d times", id, copies[id])
		}
	}
	require.Zero(t, lost)
	// A request is committed whole or not at all, and a resend whose
	// original had committed before the kill was deduplicated (its events
	// are in the original's batch, committed before the failure came back).
	var resentDeduped, abandonedStored int
	for s := range outcomes {
		for b, o := range outcomes[s] {
			ids := bodies[s][b].ids
			n := 0
			for _, id := range ids {
				n += copies[id]
			}
			require.True(t, n == 0 || n == len(ids), "sender %d body %d: %d of its %d events stored", s, b, n, len(ids))
			if n == 0 || o.failures == 0 {
				continue
			}
			if o.abandoned {
				abandonedStored++
			} else if committedAt[ids[0]].Before(o.failedAt) {
				resentDeduped++
			}
		}
	}
	// Positive controls of the held requests (kills 0 and 2: given up;
	// kills 1 and 3: resent).
	require.Positive(t, abandonedStored, "a request committed by a killed server was never acknowledged: its events are stored")
	require.Positive(t, resentDeduped, "a resent body had been committed by the killed server: the resend was deduplicated")
	unackedStored := len(copies) - len(acked)
	require.EqualValues(t, len(stored), dedupRows, "one dedup row per stored event")
	require.EqualValues(t, len(stored), batchEvents, "the batches count their events")

	// Downstream ran exactly once per event: the source's counter and the
	// profiles' counters (merges carry them to the survivor).
	require.EqualValues(t, len(stored), received, "the source counted each stored event once")
	require.EqualValues(t, len(stored), liveEvents, "the live profiles count each stored event once")
	want := map[int]*struct{ events, purchases, revenue int64 }{}
	identified := map[int]bool{}
	for _, r := range stored {
		ke := sent[r.MessageID]
		w := want[ke.user]
		if w == nil {
			w = &struct{ events, purchases, revenue int64 }{}
			want[ke.user] = w
		}
		w.events++
		if ke.purchase {
			w.purchases++
			w.revenue += ke.revenue * killRevenuePerUnit
		}
		if r.UserID != nil && r.AnonymousID != nil {
			identified[ke.user] = true // an identify linking the two is stored
		}
	}
	type profileCounts struct{ events, purchases, revenue int64 }
	byProfile := map[uuid.UUID]profileCounts{}
	owner := map[uuid.UUID]int{} // live profile → the one person it belongs to
	profilesOf := map[int]map[uuid.UUID]bool{}
	for _, r := range idents {
		require.False(t, r.Merged, "merged_into names a live survivor")
		u := killIdentOwner(t, r.Type, r.Value)
		if o, ok := owner[r.Live]; ok {
			require.Equal(t, o, u, "profile %s holds identifiers of two people", r.Live)
		}
		owner[r.Live] = u
		byProfile[r.Live] = profileCounts{r.Events, r.Purchases, r.Revenue}
		if profilesOf[u] == nil {
			profilesOf[u] = map[uuid.UUID]bool{}
		}
		profilesOf[u][r.Live] = true
	}
	merged := 0
	for u, w := range want {
		var got profileCounts
		for p := range profilesOf[u] {
			got.events += byProfile[p].events
			got.purchases += byProfile[p].purchases
			got.revenue += byProfile[p].revenue
		}
		require.Equal(t, profileCounts{w.events, w.purchases, w.revenue}, got, "person %d: counters of their profiles", u)
		if identified[u] {
			require.Len(t, profilesOf[u], 1, "person %d: an identify merged the anonymous and known profiles", u)
			merged++
		}
	}
	require.Positive(t, merged)

	// Every batch job ran to completion; some were interrupted by a kill
	// and rescued (positive control that the kills hit downstream work).
	var batches, completedJobs, rescuedJobs int
	require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT count(*) FROM cdp_batches WHERE tenant_id = ?`, tenant).Scan(ctx, &batches)
	}))
	require.NoError(t, tdb.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 'completed'),
			count(*) FILTER (WHERE errors::text LIKE '%Stuck job rescued%')
		FROM river_job WHERE kind = $1 AND args->>'tenant_id' = $2`, jobs.CDPProcessBatchArgs{}.Kind(), tenant.String()).
		Scan(&completedJobs, &rescuedJobs))
	require.Equal(t, batches, completedJobs, "one completed job per committed batch")
	require.Positive(t, rescuedJobs, "some batch jobs were running when their server was killed, and were rescued")
	// Positive control: each held job had done its batch's work when its
	// server was killed; River rescued it and ran it again (which found the
	// batch processed: the counters above count its events once).
	require.Len(t, heldBatches, len(killAfter))
	for _, b := range heldBatches {
		var attempt int
		var state string
		require.NoError(t, tdb.Pool.QueryRow(ctx, `SELECT attempt, state FROM river_job WHERE kind = $1 AND args->>'batch_id' = $2`,
			jobs.CDPProcessBatchArgs{}.Kind(), b).Scan(&attempt, &state))
		require.Equal(t, "completed", state)
		require.GreaterOrEqual(t, attempt, 2, "batch %s: its job ran again after the kill", b)
	}

	t.Logf("%d kills; requests acknowledged per server generation %v; %d bodies (%d events) sent, %d acknowledged (%d after a resend, "+
		"%d of them committed before the kill and deduplicated), %d abandoned (%d of them committed though never acknowledged); "+
		"%d failed requests; %d events stored (%d acknowledged, %d of abandoned bodies), %d batches, %d batch jobs rescued (%d kills with another batch job running besides the held one); "+
		"%d of %d people merged; binary built in %s, last server started %s after the first, every batch processed %s after the last send; total %s",
		len(killAfter), st.acks, killSenders*killBodiesEach, len(sent), ackedBodies, retriedAcked, resentDeduped, abandoned, abandonedStored,
		failedRequests, len(stored), len(acked), unackedStored, batches, rescuedJobs, interrupted,
		merged, len(want), builtIn.Round(100*time.Millisecond), lastStart.Sub(firstStart).Round(100*time.Millisecond),
		processedIn.Round(100*time.Millisecond), time.Since(started).Round(100*time.Millisecond))
}

func killUser(u int) string { return fmt.Sprintf("user-%d", u) }
func killAnon(u int) string { return fmt.Sprintf("anon-%d", u) }

// killIdentOwner is the person an identifier of the test's events names.
func killIdentOwner(t *testing.T, typ, value string) int {
	t.Helper()
	var u int
	var err error
	switch typ {
	case string(cdp.IdentifierUserID):
		_, err = fmt.Sscanf(value, "user-%d", &u)
	case string(cdp.IdentifierAnonymousID):
		_, err = fmt.Sscanf(value, "anon-%d", &u)
	case string(cdp.IdentifierEmail):
		_, err = fmt.Sscanf(value, "person%d@example.test", &u)
		require.Equal(t, fmt.Sprintf("person%d@example.test", u), value, "emails are normalised")
	default:
		t.Fatalf("unexpected identifier %s %q", typ, value)
	}
	require.NoError(t, err, "%s %q", typ, value)
	return u
}

// postBatch posts body to /v1/batch with the write key; err is a
// transport error (connection refused or reset: no answer).
func postBatch(c *http.Client, url, key string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url+"/v1/batch", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(key, "")
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return 0, err // the answer was cut: not acknowledged
	}
	return res.StatusCode, nil
}

// freeAddr is a loopback address no one listens on (each server
// generation listens on it in turn).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// waitReady polls /readyz until the server answers (bounded).
func waitReady(t *testing.T, p *process, url string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("stratum serve exited: %s", p.out.String())
		default:
		}
		res, err := http.Get(url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("stratum serve not ready within a minute: %s", p.out.String())
}

// waitFile polls until path exists (bounded by d).
func waitFile(t *testing.T, path string, d time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s not created within %s", path, d)
}

// waitOverdueJobs polls until no cdp.process_batch job is running that
// began its attempt less than age ago (bounded by d).
func waitOverdueJobs(t *testing.T, tdb *testdb.DB, age, d time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(100 * time.Millisecond) {
		var n int
		require.NoError(t, tdb.Pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job
			WHERE kind = $1 AND state = 'running' AND attempted_at > now() - make_interval(secs => $2)`,
			jobs.CDPProcessBatchArgs{}.Kind(), age.Seconds()).Scan(&n))
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d batch jobs still running less than %s after their attempt began", n, age)
		}
	}
}

// runningBatchJobs counts the cdp.process_batch jobs running.
func runningBatchJobs(t *testing.T, tdb *testdb.DB) int {
	t.Helper()
	var n int
	require.NoError(t, tdb.Pool.QueryRow(context.Background(),
		"SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'running'", jobs.CDPProcessBatchArgs{}.Kind()).Scan(&n))
	return n
}

func pendingBatches(t *testing.T, tdb *testdb.DB, tenant uuid.UUID) int {
	t.Helper()
	var n int
	require.NoError(t, tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT count(*) FROM cdp_batches WHERE tenant_id = ? AND processed_at IS NULL`, tenant).Scan(ctx, &n)
	}))
	return n
}

func unfinishedBatchJobs(t *testing.T, tdb *testdb.DB) int {
	t.Helper()
	var n int
	require.NoError(t, tdb.Pool.QueryRow(context.Background(),
		"SELECT count(*) FROM river_job WHERE kind = $1 AND state <> 'completed'", jobs.CDPProcessBatchArgs{}.Kind()).Scan(&n))
	return n
}

// batchJobStates describes the batch jobs by state and attempt, with their
// last errors (for a failure message).
func batchJobStates(t *testing.T, tdb *testdb.DB) string {
	t.Helper()
	rows, err := tdb.Pool.Query(context.Background(), `SELECT state, attempt, count(*), max(errors[array_length(errors, 1)]::text)
		FROM river_job WHERE kind = $1 GROUP BY 1, 2 ORDER BY 1, 2`, jobs.CDPProcessBatchArgs{}.Kind())
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var state string
		var attempt, n int
		var last *string
		require.NoError(t, rows.Scan(&state, &attempt, &n, &last))
		s := fmt.Sprintf("%d %s (attempt %d)", n, state, attempt)
		if last != nil {
			s += " last error " + *last
		}
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return strings.Join(out, "; ")
}
