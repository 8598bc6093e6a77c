package cdp_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/testdb"
)

// subscribeUpdates runs a realtime hub on f's database and subscribes to
// profile updates of f's tenant.
func (f *identityFixture) subscribeUpdates(t *testing.T) *realtime.Subscription {
	t.Helper()
	hub := realtime.NewHub(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hub.Run(ctx, func(ctx context.Context) (*pgx.Conn, error) { return pgx.Connect(ctx, f.tdb.AppURL) })
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-hub.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("hub did not start listening")
	}
	s := hub.Subscribe(f.tenant, cdp.TopicProfileUpdated)
	t.Cleanup(s.Close)
	return s
}

// nextUpdate is the next profile update the subscription receives.
func nextUpdate(t *testing.T, s *realtime.Subscription) cdp.ProfileUpdate {
	t.Helper()
	select {
	case ev, ok := <-s.C():
		require.True(t, ok, "subscription closed: %v", s.Err())
		var u cdp.ProfileUpdate
		require.NoError(t, json.Unmarshal(ev.Data, &u))
		return u
	case <-time.After(10 * time.Second):
		t.Fatal("no profile update within 10 s")
	}
	return cdp.ProfileUpdate{}
}

func requireLive(t *testing.T, u cdp.ProfileUpdate, named, live uuid.UUID) {
	t.Helper()
	got, ok := u.Live(named)
	require.True(t, ok, "the update names %v: %+v", named, u)
	require.Equal(t, live, got)
}

func TestMergeAndUnmergeAnnounceTheProfiles(t *testing.T) {
	t.Parallel()
	f := newIdentityFixture(t)
	ctx := context.Background()
	sub := f.subscribeUpdates(t)
	p1, _ := f.resolve(t, f.tenant, idtUser("u1"))
	p2, _ := f.resolve(t, f.tenant, idtAnon("a2"))
	f.resolve(t, f.tenant, idtUser("u1"), idtAnon("a2"))
	u := nextUpdate(t, sub)
	requireLive(t, u, p2, p1) // the absorbed profile's subscribers hear the survivor
	requireLive(t, u, p1, p1)

	// A rolled-back change announces nothing: a failed unmerge, then a
	// committed one is the next update heard.
	_, err := f.id.Unmerge(ctx, f.tenant, p1)
	idtRequireCode(t, err, apperr.BadUserInput)
	un, err := f.id.Unmerge(ctx, f.tenant, p2)
	require.NoError(t, err)
	require.Equal(t, cdp.Unmerged{Revived: p2, Survivor: p1}, un)
	u = nextUpdate(t, sub)
	requireLive(t, u, p2, p2)
	requireLive(t, u, p1, p1)
	require.Equal(t, []string{"action=profile.unmerge target=" + p2.String()}, f.auditOf(t, "profile.unmerge"))
}

// auditOf lists the audit entries of action as "action=… target=…".
func (f *identityFixture) auditOf(t *testing.T, action string) []string {
	t.Helper()
	var out []string
	require.NoError(t, f.tdb.InTenant(context.Background(), f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT 'action=' || action || ' target=' || target_id FROM audit_log WHERE action = ? ORDER BY created_at, id`, action).
			Scan(ctx, &out)
	}))
	return out
}

func TestSplitMovesIdentifiersToANewProfile(t *testing.T) {
	t.Parallel()
	f := newIdentityFixture(t)
	ctx := context.Background()
	p1, _ := f.resolve(t, f.tenant, idtUser("u1"), idtAnon("a1"))
	p2, _ := f.resolve(t, f.tenant, idtEmail("other@example.com"), idtAnon("a2"))
	f.resolve(t, f.tenant, idtAnon("a1"), idtAnon("a2")) // p2 into p1: a wrong link
	idtExec(t, f.tdb, f.tenant, "UPDATE cdp_profiles SET event_count = 9 WHERE id = ?", p1)
	sub := f.subscribeUpdates(t)

	// The e-mail as typed (normalised before matching) and a2 leave.
	res, err := f.id.Split(ctx, f.tenant, p2, []cdp.Identifier{idtEmail(" Other@Example.COM "), idtAnon("a2")})
	require.NoError(t, err)
	require.Equal(t, p1, res.Original, "an absorbed id names its survivor")
	require.NotEqual(t, p1, res.New)
	require.Equal(t, []string{"ANONYMOUS_ID:a1", "USER_ID:u1"}, f.identifiersOf(t, p1))
	require.Equal(t, []string{"ANONYMOUS_ID:a2", "EMAIL:other@example.com"}, f.identifiersOf(t, res.New))
	orig, err := f.id.Profile(ctx, f.tenant, p1)
	require.NoError(t, err)
	require.EqualValues(t, 9, orig.Events, "counters are not divided")
	np, err := f.id.Profile(ctx, f.tenant, res.New)
	require.NoError(t, err)
	require.Zero(t, np.Events)
	require.Equal(t, cdp.StageKnown, np.LifecycleStage, "an e-mail names a person")
	require.Equal(t, f.clock.Now(), np.FirstSeenAt.UTC(), "no event carried its ids: seen at the split")
	u := nextUpdate(t, sub)
	requireLive(t, u, p1, p1)
	requireLive(t, u, res.New, res.New)
	require.Equal(t, []string{"action=profile.split target=" + p1.String()}, f.auditOf(t, "profile.split"))

	// Refusals, each at its field; none changes anything.
	cases := []struct {
		name  string
		ids   []cdp.Identifier
		field []string
	}{
		{"empty", nil, []string{"input", "identifiers"}},
		{"too many", make([]cdp.Identifier, cdp.MaxSplitIdentifiers+1), []string{"input", "identifiers"}},
		{"not on the profile", []cdp.Identifier{idtAnon("a1"), idtAnon("a2")}, []string{"input", "identifiers", "1"}},
		{"listed twice", []cdp.Identifier{idtAnon("a1"), idtAnon("a1")}, []string{"input", "identifiers", "1"}},
		{"invalid value", []cdp.Identifier{idtEmail("not an e-mail")}, []string{"input", "identifiers", "0", "value"}},
		{"unknown type", []cdp.Identifier{{Type: "SHOE_SIZE", Value: "9"}}, []string{"input", "identifiers", "0", "type"}},
		{"every identifier", []cdp.Identifier{idtUser("u1"), idtAnon("a1")}, []string{"input", "identifiers"}},
	}
	for _, c := range cases {
		_, err := f.id.Split(ctx, f.tenant, p1, c.ids)
		var e *apperr.Error
		require.True(t, errors.As(err, &e), "%s: %v", c.name, err)
		require.Equal(t, apperr.BadUserInput, e.Code, c.name)
		require.Equal(t, c.field, e.Field, c.name)
	}
	require.Equal(t, []string{"ANONYMOUS_ID:a1", "USER_ID:u1"}, f.identifiersOf(t, p1))
	_, err = f.id.Split(ctx, f.tenant, uuid.New(), []cdp.Identifier{idtAnon("a1")})
	idtRequireCode(t, err, apperr.NotFound)
	_, err = f.id.Split(ctx, testdb.MustInsertTenant(t, f.tdb.DB, testdb.Tenant{}), p1, []cdp.Identifier{idtAnon("a1")})
	idtRequireCode(t, err, apperr.NotFound)
}

// A batch's merges are announced together, once it commits, each
// absorbed id naming the final survivor.
func TestResolveBatchAnnouncesItsMergesOnce(t *testing.T) {
	t.Parallel()
	f := newIdentityFixture(t)
	ctx := context.Background()
	p1, _ := f.resolve(t, f.tenant, idtUser("u1"))
	p2, _ := f.resolve(t, f.tenant, idtAnon("a2"))
	p3, _ := f.resolve(t, f.tenant, idtAnon("a3"))
	sub := f.subscribeUpdates(t)
	_, err := f.id.ResolveBatch(ctx, f.tenant, []cdp.ResolveCall{
		{Identifiers: []cdp.Identifier{idtAnon("a2"), idtAnon("a3")}, SeenAt: f.clock.Now()}, // p3 into p2
		{Identifiers: []cdp.Identifier{idtUser("u1"), idtAnon("a2")}, SeenAt: f.clock.Now()}, // p2 (with p3) into p1
	})
	require.NoError(t, err)
	u := nextUpdate(t, sub)
	requireLive(t, u, p1, p1)
	requireLive(t, u, p2, p1)
	requireLive(t, u, p3, p1)
	// The next envelope is the next transaction's (notifications arrive in
	// commit order): the batch sent no second one.
	_, err = f.id.Unmerge(ctx, f.tenant, p2)
	require.NoError(t, err)
	requireLive(t, nextUpdate(t, sub), p2, p2)
}
