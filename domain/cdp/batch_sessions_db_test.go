package cdp

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// sessionEnv is a test database with the batch job's service.
type sessionEnv struct {
	tdb    *testdb.DB
	clock  *clock.Manual
	tenant uuid.UUID
	s      *Service
	n      int
}

func newSessionEnv(t *testing.T) *sessionEnv {
	t.Helper()
	tdb := testdb.New(t)
	c := clock.NewManual(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	tdb.Clock = c
	e := &sessionEnv{tdb: tdb, clock: c, tenant: testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{}),
		s: &Service{DB: tdb.DB, Identity: NewIdentity(tdb.DB)}}
	_, err := e.s.EnsurePartitions(context.Background())
	require.NoError(t, err)
	return e
}

// batch stores a batch of track events of user (an anonymous id when it
// starts with "anon-") at the given minutes after 9:00 on the day before
// (in that order) and returns its id.
func (e *sessionEnv) batch(t *testing.T, user string, minutes ...int) uuid.UUID {
	t.Helper()
	times := make([]time.Time, len(minutes))
	for i, m := range minutes {
		times[i] = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(m) * time.Minute)
	}
	return e.batchAt(t, user, times...)
}

// batchAt is batch with the events' times.
func (e *sessionEnv) batchAt(t *testing.T, user string, times ...time.Time) uuid.UUID {
	t.Helper()
	batch, source, now := uuid.New(), uuid.New(), e.clock.Now()
	require.NoError(t, e.tdb.DB.InTenant(context.Background(), e.tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at) VALUES (?, ?, ?, '[]', ?)`,
			e.tenant, batch, len(times), now); err != nil {
			return err
		}
		for _, at := range times {
			e.n++
			col := "user_id"
			if strings.HasPrefix(user, "anon-") {
				col = "anonymous_id"
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
					`+col+`, "timestamp", payload_size) VALUES (?, ?, ?, ?, ?, 'track', 'Viewed', ?, ?, 10)`,
				e.tenant, source, fmt.Sprint("m", e.n), now, batch, user, at); err != nil {
				return err
			}
		}
		return nil
	}))
	return batch
}

func (e *sessionEnv) process(t *testing.T, batch uuid.UUID) bool {
	t.Helper()
	done, err := e.s.ProcessBatch(context.Background(), e.tenant, batch)
	require.NoError(t, err)
	return done
}

func (e *sessionEnv) profileOf(t *testing.T, user string) *Profile {
	t.Helper()
	typ := IdentifierUserID
	if strings.HasPrefix(user, "anon-") {
		typ = IdentifierAnonymousID
	}
	id, err := e.s.Identity.Lookup(context.Background(), e.tenant, Identifier{Type: typ, Value: user})
	require.NoError(t, err)
	p, err := e.s.Identity.Profile(context.Background(), e.tenant, id)
	require.NoError(t, err)
	return p
}

// Sessions are counted once per batch, in event-time order whatever the
// order in the batch, continuing across batches; each batch announces the
// profile it changed once it commits.
func TestBatchCountsSessions(t *testing.T) {
	t.Parallel()
	e := newSessionEnv(t)
	hub := realtime.NewHub(nil)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		_ = hub.Run(ctx, func(ctx context.Context) (*pgx.Conn, error) { return pgx.Connect(ctx, e.tdb.AppURL) })
	}()
	t.Cleanup(func() { cancel(); <-stopped })
	<-hub.Ready()
	sub := hub.Subscribe(e.tenant, TopicProfileUpdated)
	defer sub.Close()

	// Out of order: 0, 10 | 50 | 100 → three sessions.
	b1 := e.batch(t, "ann", 100, 0, 50, 10)
	require.True(t, e.process(t, b1))
	require.False(t, e.process(t, b1), "a second run of the batch does nothing")
	p := e.profileOf(t, "ann")
	require.EqualValues(t, 4, p.Events)
	require.EqualValues(t, 3, p.Sessions)
	select {
	case ev := <-sub.C():
		var u ProfileUpdate
		require.NoError(t, json.Unmarshal(ev.Data, &u))
		live, ok := u.Live(p.ID)
		require.True(t, ok)
		require.Equal(t, p.ID, live)
	case <-time.After(10 * time.Second):
		t.Fatal("the batch announced no profile update")
	}

	// The next batch: 120 continues the session of 100; 200 starts one; a
	// late event at 5 joins a counted session.
	require.True(t, e.process(t, e.batch(t, "ann", 200, 5, 120)))
	p = e.profileOf(t, "ann")
	require.EqualValues(t, 7, p.Events)
	require.EqualValues(t, 4, p.Sessions)

	// A merge adds the sessions up; the later last event is kept.
	require.True(t, e.process(t, e.batch(t, "anon-bob", 300)))
	_, _, err := e.s.Identity.Resolve(context.Background(), e.tenant, []Identifier{{IdentifierUserID, "ann"}, {IdentifierAnonymousID, "anon-bob"}}, e.clock.Now())
	require.NoError(t, err)
	p = e.profileOf(t, "anon-bob")
	require.Equal(t, e.profileOf(t, "ann").ID, p.ID, "merged")
	require.EqualValues(t, 5, p.Sessions)
	require.Equal(t, time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC), p.LastEventAt.UTC())
}

// A churned profile stays churned for an event older than the churn
// period and is revived by a newer one.
func TestBatchRevivesAChurnedProfile(t *testing.T) {
	t.Parallel()
	e := newSessionEnv(t)
	ctx := context.Background()
	start := e.clock.Now()
	require.True(t, e.process(t, e.batchAt(t, "ann", start)))
	require.Equal(t, StageKnown, e.profileOf(t, "ann").LifecycleStage)
	e.clock.Advance(91 * 24 * time.Hour)
	_, err := e.s.EnsurePartitions(ctx) // the months now ahead
	require.NoError(t, err)
	n, _, err := e.s.Identity.MarkChurned(ctx, e.tenant)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, StageChurned, e.profileOf(t, "ann").LifecycleStage)

	// A late event from before the period: still churned.
	require.True(t, e.process(t, e.batchAt(t, "ann", start.Add(time.Hour))))
	p := e.profileOf(t, "ann")
	require.Equal(t, StageChurned, p.LifecycleStage)
	require.EqualValues(t, 2, p.Events)

	// A new event revives it, at the stage its identifiers give.
	require.True(t, e.process(t, e.batchAt(t, "ann", e.clock.Now())))
	require.Equal(t, StageKnown, e.profileOf(t, "ann").LifecycleStage)
}

// RudderStack's SDKs send context.sessionId: a new one starts a session
// within the 30-minute gap, the same one continues it, across batches (the
// profile keeps its latest event's id); numbers and strings both count.
func TestBatchCountsSessionIDs(t *testing.T) {
	t.Parallel()
	e := newSessionEnv(t)
	at := func(m int) time.Time {
		return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(m) * time.Minute)
	}
	withSessions := func(ids ...string) uuid.UUID { // one event a minute, context.sessionId = ids[i] (JSON)
		times := make([]time.Time, len(ids))
		base := e.n
		for i := range ids {
			times[i] = at(base + i)
		}
		b := e.batchAt(t, "sid", times...)
		require.NoError(t, e.tdb.DB.InTenant(context.Background(), e.tenant, func(ctx context.Context, tx bun.Tx) error {
			for i, id := range ids {
				if _, err := tx.ExecContext(ctx, `UPDATE cdp_events SET context = jsonb_build_object('sessionId', ?::jsonb) WHERE batch_id = ? AND message_id = ?`,
					id, b, fmt.Sprint("m", base+i+1)); err != nil {
					return err
				}
			}
			return nil
		}))
		return b
	}
	require.True(t, e.process(t, withSessions(`1733130000000`, `1733130000000`, `1733139999999`)))
	p := e.profileOf(t, "sid")
	require.EqualValues(t, 3, p.Events)
	require.EqualValues(t, 2, p.Sessions, "a new session id a minute later starts a session")
	require.Equal(t, []string{"1733130000000", "1733139999999"}, slices.Sorted(maps.Keys(p.RecentSessions)))

	require.True(t, e.process(t, withSessions(`1733139999999`, `"web-7"`)))
	p = e.profileOf(t, "sid")
	require.EqualValues(t, 3, p.Sessions, "the stored id continues; a string id starts the next")
	require.Contains(t, p.RecentSessions, "web-7")
}
