package realtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/testdb"
)

// startHub runs a hub listening on its own connection, as one server process does.
func startHub(t *testing.T, url string) *realtime.Hub {
	t.Helper()
	hub := realtime.NewHub(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		hub.Run(ctx, func(ctx context.Context) (*pgx.Conn, error) { return pgx.Connect(ctx, url) })
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-hub.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("hub did not start listening")
	}
	return hub
}

func publish(t *testing.T, tdb *testdb.DB, ev realtime.Event, commit bool) {
	t.Helper()
	rollback := errors.New("rollback")
	err := tdb.InTenant(context.Background(), ev.Tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := realtime.Publish(ctx, tx, ev); err != nil {
			return err
		}
		if !commit {
			return rollback
		}
		return nil
	})
	if commit {
		require.NoError(t, err)
	} else {
		require.ErrorIs(t, err, rollback)
	}
}

func receive(t *testing.T, s *realtime.Subscription) realtime.Event {
	t.Helper()
	select {
	case ev, ok := <-s.C():
		require.True(t, ok, "subscription closed: %v", s.Err())
		return *ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return realtime.Event{}
}

func TestPublishReachesOtherHubsOnCommitOnly(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	hubA, hubB := startHub(t, tdb.AppURL), startHub(t, tdb.AppURL)
	tenant, other := uuid.New(), uuid.New()

	subB := hubB.Subscribe(tenant, "incidents.opened")
	defer subB.Close()
	subOther := hubA.Subscribe(other)
	defer subOther.Close()

	publish(t, tdb, realtime.Event{Tenant: tenant, Topic: "incidents.opened", ID: "rolled-back"}, false)
	publish(t, tdb, realtime.Event{Tenant: tenant, Topic: "other.topic", ID: "wrong-topic"}, true)
	publish(t, tdb, realtime.Event{Tenant: tenant, Topic: "incidents.opened", ID: "committed"}, true)

	ev := receive(t, subB)
	require.Equal(t, "committed", ev.ID, "the rolled-back and other-topic events must not arrive first")
	select {
	case ev := <-subOther.C():
		t.Fatalf("another tenant's subscriber got %+v", ev)
	case <-time.After(200 * time.Millisecond):
	}
}

// PublishAll sends a burst in one statement: in order, at commit only,
// and nothing of a burst holding an event that cannot be encoded.
func TestPublishAllDeliversInOrderOnCommitOnly(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	hub := startHub(t, tdb.AppURL)
	tenant := uuid.New()
	sub := hub.Subscribe(tenant, "burst")
	defer sub.Close()
	burst := func(ids ...string) []realtime.Event {
		var evs []realtime.Event
		for _, id := range ids {
			evs = append(evs, realtime.Event{Tenant: tenant, Topic: "burst", ID: id})
		}
		return evs
	}
	send := func(evs []realtime.Event, commit bool) error {
		errRollback := errors.New("rollback")
		err := tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
			if err := realtime.PublishAll(ctx, tx, evs); err != nil {
				return err
			}
			if !commit {
				return errRollback
			}
			return nil
		})
		if errors.Is(err, errRollback) {
			return nil
		}
		return err
	}
	require.NoError(t, send(burst("r1", "r2"), false))
	bad := append(burst("b1"), realtime.Event{Topic: "burst"}) // no tenant
	require.ErrorContains(t, send(bad, true), "needs a tenant")
	require.NoError(t, send(burst("c1", "c2", "c3"), true))
	var got []string
	for range 3 {
		got = append(got, receive(t, sub).ID)
	}
	require.Equal(t, []string{"c1", "c2", "c3"}, got, "the rolled-back and refused bursts sent nothing")
}

func TestSlowSubscriberIsDroppedWithoutBlockingOthers(t *testing.T) {
	t.Parallel()
	hub := realtime.NewHub(nil)
	hub.Buffer = 2
	tenant := uuid.New()
	slow := hub.Subscribe(tenant)
	fast := hub.Subscribe(tenant)
	for i := 0; i < 5; i++ {
		hub.Dispatch(realtime.Event{Tenant: tenant, Topic: "t"})
		<-fast.C() // the fast one keeps up
	}
	for range slow.C() { // drain what was buffered; then the channel is closed
	}
	require.ErrorIs(t, slow.Err(), realtime.ErrSlowSubscriber)
	require.Equal(t, 1, hub.Subscribers())
	fast.Close()
	fast.Close() // idempotent
	require.Equal(t, 0, hub.Subscribers())
}

func TestSubscribersOfCountsOneTenant(t *testing.T) {
	t.Parallel()
	hub := realtime.NewHub(nil)
	a, b := uuid.New(), uuid.New()
	a1, a2 := hub.Subscribe(a), hub.Subscribe(a, "t")
	hub.Subscribe(b)
	require.Equal(t, 2, hub.SubscribersOf(a))
	require.Equal(t, 1, hub.SubscribersOf(b))
	require.Equal(t, 0, hub.SubscribersOf(uuid.New()))
	a1.Close()
	require.Equal(t, 1, hub.SubscribersOf(a))
	a2.Close()
	require.Equal(t, 0, hub.SubscribersOf(a))
	require.Equal(t, 1, hub.SubscribersOf(b), "closing A's subscriptions leaves B's")
}

func TestPublishRejectsLargeOrIncompleteEnvelopes(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	tenant := uuid.New()
	err := tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: "t", Data: []byte(`"` + string(make([]byte, 0)) + `"`), ID: string(make([]byte, 8000))})
	})
	require.ErrorContains(t, err, "exceeds")
	err = tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return realtime.Publish(ctx, tx, realtime.Event{Topic: "t"})
	})
	require.ErrorContains(t, err, "needs a tenant")
}

func TestHubReconnectsAfterConnectionLoss(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	hub := startHub(t, tdb.AppURL)
	tenant := uuid.New()
	sub := hub.Subscribe(tenant)
	defer sub.Close()
	// Kill the listener's backend from the owner connection.
	owner, err := pgx.Connect(context.Background(), tdb.OwnerURL)
	require.NoError(t, err)
	defer owner.Close(context.Background())
	_, err = owner.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query ILIKE 'LISTEN%'`)
	require.NoError(t, err)
	// Keep publishing until the reconnected listener delivers one.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		publish(t, tdb, realtime.Event{Tenant: tenant, Topic: "t", ID: "after"}, true)
		select {
		case ev := <-sub.C():
			require.Equal(t, "after", ev.ID)
			return
		case <-time.After(300 * time.Millisecond):
		}
	}
	t.Fatal("no event after the listener's connection was terminated")
}
