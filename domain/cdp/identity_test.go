package cdp_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

var identityStart = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// identityFixture is a test database with a manual clock, one tenant and
// an Identity with the default limits.
type identityFixture struct {
	tdb    *testdb.DB
	clock  *clock.Manual
	id     *cdp.Identity
	tenant uuid.UUID
}

func newIdentityFixture(t *testing.T) *identityFixture {
	t.Helper()
	tdb := testdb.New(t)
	c := clock.NewManual(identityStart)
	tdb.Clock = c
	return &identityFixture{tdb: tdb, clock: c, id: cdp.NewIdentity(tdb.DB), tenant: testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})}
}

func idtUser(v string) cdp.Identifier  { return cdp.Identifier{Type: cdp.IdentifierUserID, Value: v} }
func idtEmail(v string) cdp.Identifier { return cdp.Identifier{Type: cdp.IdentifierEmail, Value: v} }
func idtPhone(v string) cdp.Identifier { return cdp.Identifier{Type: cdp.IdentifierPhone, Value: v} }
func idtAnon(v string) cdp.Identifier {
	return cdp.Identifier{Type: cdp.IdentifierAnonymousID, Value: v}
}
func idtDevice(v string) cdp.Identifier {
	return cdp.Identifier{Type: cdp.IdentifierDeviceID, Value: v}
}

// resolve resolves ids at the clock's time and fails on error; the clock
// then moves on a second, so the next new profile is younger.
func (f *identityFixture) resolve(t *testing.T, tenant uuid.UUID, ids ...cdp.Identifier) (uuid.UUID, []cdp.RefusedLink) {
	t.Helper()
	p, refused, err := f.id.Resolve(context.Background(), tenant, ids, f.clock.Now())
	require.NoError(t, err)
	f.clock.Advance(time.Second)
	return p, refused
}

// partitionOf lists tenant's stored identifiers grouped by profile, as
// sorted "TYPE:value" lists sorted among themselves: equal partitions
// compare equal whatever the profile ids.
func idtPartition(t *testing.T, tdb *testdb.DB, tenant uuid.UUID) [][]string {
	t.Helper()
	byProfile := map[uuid.UUID][]string{}
	require.NoError(t, tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			Type      string    `bun:"type"`
			Value     string    `bun:"value"`
			ProfileID uuid.UUID `bun:"profile_id"`
		}
		if err := tx.NewRaw("SELECT type, value, profile_id FROM cdp_identifiers").Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			byProfile[r.ProfileID] = append(byProfile[r.ProfileID], r.Type+":"+r.Value)
		}
		return nil
	}))
	out := make([][]string, 0, len(byProfile))
	for _, ids := range byProfile {
		slices.Sort(ids)
		out = append(out, ids)
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], ",") < strings.Join(out[j], ",") })
	return out
}

// identifiersOf is the stored identifiers of a live profile as "TYPE:value".
func (f *identityFixture) identifiersOf(t *testing.T, profile uuid.UUID) []string {
	t.Helper()
	p, err := f.id.Profile(context.Background(), f.tenant, profile)
	require.NoError(t, err)
	require.Equal(t, profile, p.ID, "the profile is live")
	var out []string
	for _, id := range p.Identifiers {
		out = append(out, string(id.Type)+":"+id.Value)
	}
	slices.Sort(out)
	return out
}

// exec runs SQL as the application role in tenant's transaction.
func idtExec(t *testing.T, tdb *testdb.DB, tenant uuid.UUID, query string, args ...any) {
	t.Helper()
	require.NoError(t, tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}))
}

func idtRequireCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, apperr.CodeOf(err), "%v", err)
}

func TestResolveCreatesAndFindsProfiles(t *testing.T) {
	t.Parallel()
	f := newIdentityFixture(t)
	ctx := context.Background()

	p1, refused := f.resolve(t, f.tenant, idtAnon("a-1"), idtEmail(" Jane.Doe@Example.COM "))
	require.Empty(t, refused)
	require.NotEqual(t, uuid.Nil, p1)
	require.Equal(t, []string{"ANONYMOUS_ID:a-1", "EMAIL:jane.doe@example.com"}, f.identifiersOf(t, p1))

	again, _ := f.resolve(t, f.tenant, idtEmail("jane.doe@example.com"))
	require.Equal(t, p1, again, "the same normalised identifier names the same profile")
	got, err := f.id.Lookup(ctx, f.tenant, idtEmail("JANE.DOE@example.com"))
	require.NoError(t, err)
	require.Equal(t, p1, got)

	other, _ := f.resolve(t, f.tenant, idtAnon("a-2"))
	require.NotEqual(t, p1, other, "positive control: an unlinked identifier gets its own profile")

	p, err := f.id.Profile(ctx, f.tenant, p1)
	require.NoError(t, err)
	require.Equal(t, cdp.StageKnown, p.LifecycleStage, "an email names a person")
	require.Equal(t, identityStart, p.FirstSeenAt.UTC())
	require.Equal(t, identityStart.Add(time.Second), p.LastSeenAt.UTC(), "seen again by the second call")
	canon, ok := p.CanonicalIdentifier()
	require.True(t, ok)
	require.Equal(t, idtEmail("jane.doe@example.com"), canon, "the strongest identifier")
	po, err := f.id.Profile(ctx, f.tenant, other)
	require.NoError(t, err)
	require.Equal(t, cdp.StageAnonymous, po.LifecycleStage)

	var hash string
	require.NoError(t, f.tdb.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT value_hash FROM cdp_identifiers WHERE type = 'EMAIL'").Scan(ctx, &hash)
	}))
	require.Equal(t, cdp.IdentifierHash("jane.doe@example.com"), hash)
	require.Len(t, hash, 64)

	t.Run("another tenant's identical identifier is another profile, and its profiles are invisible", func(t *testing.T) {
		b := testdb.MustInsertTenant(t, f.tdb.DB, testdb.Tenant{})
		pb, _ := f.resolve(t, b, idtEmail("jane.doe@example.com"))
		require.NotEqual(t, p1, pb)
		_, err := f.id.Canonical(ctx, b, p1)
		idtRequireCode(t, err, apperr.NotFound)
		_, err = f.id.Profile(ctx, b, p1)
		idtRequireCode(t, err, apperr.NotFound)
		got, err := f.id.Canonical(ctx, f.tenant, p1)
		require.NoError(t, err, "positive control")
		require.Equal(t, p1, got)
	})

	t.Run("bad calls are BAD_USER_INPUT", func(t *testing.T) {
		_, _, err := f.id.Resolve(ctx, f.tenant, []cdp.Identifier{idtAnon("x")}, time.Time{})
		idtRequireCode(t, err, apperr.BadUserInput)
		many := make([]cdp.Identifier, cdp.MaxIdentifiersPerCall+1)
		for i := range many {
			many[i] = idtAnon(fmt.Sprint("x", i))
		}
		_, _, err = f.id.Resolve(ctx, f.tenant, many, identityStart)
		idtRequireCode(t, err, apperr.BadUserInput)
		_, _, err = f.id.Resolve(ctx, f.tenant, many[:cdp.MaxIdentifiersPerCall], identityStart)
		require.NoError(t, err, "positive control: the maximum is fine")
	})
}

func TestResolveMergesIntoTheOldest(t *testing.T) {
	t.Parallel()
	f := newIdentityFixture(t)
	ctx := context.Background()

	old, _ := f.resolve(t, f.tenant, idtAnon("a-old"))
	young, _ := f.resolve(t, f.tenant, idtAnon("a-young"), idtEmail("jane@example.com"))
	require.NotEqual(t, old, young)
	idtExec(t, f.tdb, f.tenant, `UPDATE cdp_profiles SET traits = ?, event_count = 3, purchase_count = 1, revenue_micros = 5000000 WHERE id = ?`,
		`{"plan": "pro", "name": "Jane"}`, old)
	idtExec(t, f.tdb, f.tenant, `UPDATE cdp_profiles SET traits = ?, event_count = 4, session_count = 2 WHERE id = ?`,
		`{"plan": "free", "city": "Lyon"}`, young)

	// The young profile's identifier is listed first: order in the call
	// does not choose the survivor, age does.
	p, refused := f.resolve(t, f.tenant, idtEmail("jane@example.com"), idtAnon("a-old"))
	require.Empty(t, refused)
	require.Equal(t, old, p, "the oldest profile survives")
	require.Equal(t, []string{"ANONYMOUS_ID:a-old", "ANONYMOUS_ID:a-young", "EMAIL:jane@example.com"}, f.identifiersOf(t, old))

	got, err := f.id.Canonical(ctx, f.tenant, young)
	require.NoError(t, err)
	require.Equal(t, old, got, "the absorbed profile resolves to the survivor")
	viaAbsorbed, err := f.id.Profile(ctx, f.tenant, young)
	require.NoError(t, err)
	require.Equal(t, old, viaAbsorbed.ID)

	surv, err := f.id.Profile(ctx, f.tenant, old)
	require.NoError(t, err)
	require.JSONEq(t, `"pro"`, string(surv.Traits["plan"]), "the survivor wins a tie")
	require.JSONEq(t, `"Jane"`, string(surv.Traits["name"]))
	require.JSONEq(t, `"Lyon"`, string(surv.Traits["city"]), "the absorbed profile's other traits join")
	require.Equal(t, int64(7), surv.Events)
	require.Equal(t, int64(2), surv.Sessions)
	require.Equal(t, int64(1), surv.Purchases)
	require.Equal(t, int64(5000000), surv.RevenueMicros)
	require.Equal(t, 1, surv.MergeCount)
	require.Equal(t, cdp.StageCustomer, surv.LifecycleStage)
	require.Equal(t, identityStart, surv.FirstSeenAt.UTC())
	require.Equal(t, identityStart.Add(2*time.Second), surv.LastSeenAt.UTC())

	merges, err := f.id.Merges(ctx, f.tenant, old)
	require.NoError(t, err)
	require.Len(t, merges, 1)
	require.Equal(t, young, merges[0].AbsorbedID)
	require.Equal(t, old, merges[0].SurvivorID)
	require.Equal(t, "LINK", merges[0].Reason)
	require.Equal(t, []cdp.Identifier{idtEmail("jane@example.com"), idtAnon("a-old")}, merges[0].Link, "the call's identifiers, strongest first")
	require.Equal(t, []cdp.Identifier{idtEmail("jane@example.com"), idtAnon("a-young")}, merges[0].Identifiers)

	again, _ := f.resolve(t, f.tenant, idtAnon("a-young"), idtAnon("a-old"))
	require.Equal(t, old, again)
	merges, err = f.id.Merges(ctx, f.tenant, old)
	require.NoError(t, err)
	require.Len(t, merges, 1, "linking linked identifiers again merges nothing")

	t.Run("at the same created_at the smaller id survives", func(t *testing.T) {
		f := newIdentityFixture(t)
		a, _, err := f.id.Resolve(ctx, f.tenant, []cdp.Identifier{idtAnon("x")}, identityStart)
		require.NoError(t, err)
		b, _, err := f.id.Resolve(ctx, f.tenant, []cdp.Identifier{idtAnon("y")}, identityStart)
		require.NoError(t, err)
		want := a
		if b.String() < a.String() {
			want = b
		}
		p, _ := f.resolve(t, f.tenant, idtAnon("y"), idtAnon("x"))
		require.Equal(t, want, p)
	})
}

func TestCanonicalFollowsChainsOfMerges(t *testing.T) {
	t.Parallel()
	f := newIdentityFixture(t)
	ctx := context.Background()
	p1, _ := f.resolve(t, f.tenant, idtAnon("a1"))
	p2, _ := f.resolve(t, f.tenant, idtAnon("a2"))
	p3, _ := f.resolve(t, f.tenant, idtAnon("a3"))
	got, _ := f.resolve(t, f.tenant, idtAnon("a2"), idtAnon("a3"))
	require.Equal(t, p2, got)
	got, _ = f.resolve(t, f.tenant, idtAnon("a1"), idtAnon("a3"))
	require.Equal(t, p1, got)

	for _, id := range []uuid.UUID{p1, p2, p3} {
		c, err := f.id.Canonical(ctx, f.tenant, id)
		require.NoError(t, err)
		require.Equal(t, p1, c)
	}
	var into uuid.UUID
	require.NoError(t, f.tdb.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT merged_into FROM cdp_profiles WHERE id = ?", p3).Scan(ctx, &into)
	}))
	require.Equal(t, p1, into, "the profile absorbed first points straight at the final survivor")

	t.Run("a chain left by hand is followed too", func(t *testing.T) {
		idtExec(t, f.tdb, f.tenant, "UPDATE cdp_profiles SET merged_into = ? WHERE id = ?", p2, p3)
		c, err := f.id.Canonical(ctx, f.tenant, p3)
		require.NoError(t, err)
		require.Equal(t, p1, c)
	})
	_, err := f.id.Canonical(ctx, f.tenant, uuid.New())
	idtRequireCode(t, err, apperr.NotFound)
}
