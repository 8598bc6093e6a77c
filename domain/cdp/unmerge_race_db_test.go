package cdp

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/testdb"
)

// An unmerge undoes the merge in force when it holds the profile's lock,
// not the one it read before waiting for it: while it waited, another
// unmerge revived the profile and a new link merged it into another one.
// Undoing the stale merge revived the profile with its new merge still in
// force — a live profile that a later unmerge of its new survivor pointed
// at that survivor again (half a tombstone: merged_into without merged_at,
// which the table's check refused: "cdp_profiles_check1", seen once in
// TestConcurrentUnmergesAndMerges on a loaded machine).
func TestUnmergeUndoesTheMergeInForceWhenItHoldsTheLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb, s, tenant, seen, resolve := unmergeFixture(t)
	// Oldest first: A, then D, then Y (version 7 ids, one transaction each).
	a, d, y := resolve(anon("a")), resolve(anon("d")), resolve(anon("y"))
	require.Equal(t, a, resolve(anon("a"), anon("y")), "Y merged into A")

	owner, err := pgx.Connect(ctx, tdb.OwnerURL)
	require.NoError(t, err)
	defer owner.Close(ctx)
	// A merge in force (not undone) on a live profile breaks the model.
	inForceOn := func(live bool) int {
		var n int
		require.NoError(t, owner.QueryRow(ctx, `SELECT count(*) FROM cdp_profile_merges m
			JOIN cdp_profiles p ON p.tenant_id = m.tenant_id AND p.id = m.absorbed_id
			WHERE m.undone_at IS NULL AND (p.merged_into IS NULL) = $1`, live).Scan(&n))
		return n
	}
	require.Equal(t, 1, inForceOn(false), "positive control: Y's merge is in force on a tombstone")

	// T holds Y and A while the operator's unmerge of Y reads Y's merge
	// into A and queues for those locks; then T unmerges Y itself and a
	// new link merges Y into D, and T commits.
	locked, proceed, tDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		tDone <- tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			if _, err := lockProfilesTx(ctx, tx, tenant, []uuid.UUID{y, a}); err != nil {
				return err
			}
			close(locked)
			<-proceed
			if _, err := s.unmergeTx(ctx, tx, tenant, y); err != nil {
				return err
			}
			st, err := s.settingsTx(ctx, tx, tenant)
			if err != nil {
				return err
			}
			var ch profileChanges
			p, _, err := s.resolveTx(ctx, tx, tenant, st, &ch, []Identifier{anon("d"), anon("y")}, seen, false, nil)
			if err == nil && p != d {
				t.Errorf("the new link resolved to %v, not D %v", p, d)
			}
			return err
		})
	}()
	<-locked
	type result struct {
		u   Unmerged
		err error
	}
	second := make(chan result, 1)
	go func() {
		u, err := s.Unmerge(ctx, tenant, y)
		second <- result{u, err}
	}()
	require.Eventually(t, func() bool {
		var waiting int
		err := owner.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		return err == nil && waiting > 0
	}, 10*time.Second, time.Millisecond, "the unmerge queues for Y's lock")
	close(proceed)
	require.NoError(t, <-tDone)
	r := <-second
	require.NoError(t, r.err)
	require.Equal(t, Unmerged{Revived: y, Survivor: d}, r.u, "the merge in force (Y into D) is the one undone")
	require.Zero(t, inForceOn(true), "no live profile has a merge in force")
	require.Zero(t, inForceOn(false), "both of Y's merges are undone")
	p, err := s.Canonical(ctx, tenant, y)
	require.NoError(t, err)
	require.Equal(t, y, p, "Y is live")
}

// An unmerged profile takes back every profile its merges in force
// absorbed, not only those merged into it directly: Z merged into Y, Y
// into A, A into B; unmerging A brings Y and Z (whose identifiers A takes
// back) to A. Before, Z kept pointing at B while its identifiers were on A.
func TestUnmergeTakesBackWhatItsAbsorbedProfilesAbsorbed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, s, tenant, _, resolve := unmergeFixture(t)
	canonical := func(id uuid.UUID) uuid.UUID {
		p, err := s.Canonical(ctx, tenant, id)
		require.NoError(t, err)
		return p
	}
	// Oldest first: B, A, Y, Z.
	b, a, y, z := resolve(anon("b")), resolve(anon("a")), resolve(anon("y")), resolve(anon("z"))
	require.Equal(t, y, resolve(anon("y"), anon("z")))
	require.Equal(t, a, resolve(anon("a"), anon("y")))
	require.Equal(t, b, resolve(anon("b"), anon("a")))
	for _, p := range []uuid.UUID{a, y, z} {
		require.Equal(t, b, canonical(p), "positive control: all in B")
	}
	u, err := s.Unmerge(ctx, tenant, a)
	require.NoError(t, err)
	require.Equal(t, Unmerged{Revived: a, Survivor: b}, u)
	for _, id := range []string{"a", "y", "z"} {
		require.Equal(t, a, resolve(anon(id)), "identifier %s is A's again", id)
	}
	for _, p := range []uuid.UUID{a, y, z} {
		require.Equal(t, a, canonical(p), "%v resolves to A, where its identifiers are", p)
	}
	require.Equal(t, b, canonical(b))
	// Undoing Y's merge in turn takes Z with it.
	u, err = s.Unmerge(ctx, tenant, y)
	require.NoError(t, err)
	require.Equal(t, Unmerged{Revived: y, Survivor: a}, u)
	require.Equal(t, y, canonical(z))
	require.Equal(t, y, resolve(anon("z")))
}

// unmergeFixture is a tenant's identity service without limits in the way,
// and resolve, which resolves identifiers seen at seen.
func unmergeFixture(t *testing.T) (*testdb.DB, *Identity, uuid.UUID, time.Time, func(...Identifier) uuid.UUID) {
	tdb := testdb.New(t)
	s := NewIdentity(tdb.DB)
	s.Limits = IdentityLimits{PerType: map[IdentifierType]int{IdentifierAnonymousID: 100}}
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	seen := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	return tdb, s, tenant, seen, func(ids ...Identifier) uuid.UUID {
		p, _, err := s.Resolve(context.Background(), tenant, ids, seen)
		require.NoError(t, err)
		return p
	}
}

func anon(v string) Identifier { return Identifier{Type: IdentifierAnonymousID, Value: v} }
