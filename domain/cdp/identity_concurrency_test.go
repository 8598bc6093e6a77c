package cdp_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/testdb"
)

// TestConcurrentMergesOfOverlappingProfiles resolves the links of a few
// connected components from many goroutines at once (real concurrent
// transactions, no sleeps): every component ends as exactly one live
// profile, the oldest of all the profiles that held its identifiers, with
// every identifier on it; every other profile points straight at it.
func TestConcurrentMergesOfOverlappingProfiles(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	idt := cdp.NewIdentity(tdb.DB)
	idt.Limits = idtGenerousLimits
	ctx := context.Background()
	const comps, size, workers = 4, 12, 8

	for seed := uint64(1); seed <= 4; seed++ {
		// Odd seeds resolve call by call, even ones in concurrent batches
		// of 7 calls (ResolveBatch).
		batch := 1 + 6*int(1-seed%2)
		tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
		rng := rand.New(rand.NewPCG(seed, 5))
		var calls [][]cdp.Identifier
		members := make([][]cdp.Identifier, comps)
		for c := range comps {
			for i := range size {
				id := idtAnon(fmt.Sprintf("c%d-a%d", c, i))
				if i%3 == 0 {
					id = idtDevice(fmt.Sprintf("c%d-d%d", c, i))
				}
				members[c] = append(members[c], id)
			}
			// Singletons first in the shuffle's reach make profiles that
			// the links then merge from many sides at once.
			for _, id := range members[c] {
				calls = append(calls, []cdp.Identifier{id})
			}
			for i := 1; i < size; i++ { // a chain connects the component
				calls = append(calls, []cdp.Identifier{members[c][i-1], members[c][i]})
			}
			for range size { // and random chords and triples overlap it
				call := []cdp.Identifier{members[c][rng.IntN(size)], members[c][rng.IntN(size)]}
				if rng.IntN(2) == 0 {
					call = append(call, members[c][rng.IntN(size)])
				}
				calls = append(calls, call)
			}
		}
		rng.Shuffle(len(calls), func(i, j int) { calls[i], calls[j] = calls[j], calls[i] })

		work := make(chan [][]cdp.Identifier)
		start := make(chan struct{})
		errs := make(chan error, len(calls))
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for chunk := range work {
					if len(chunk) == 1 {
						_, _, err := idt.Resolve(ctx, tenant, chunk[0], identityStart)
						errs <- err
						continue
					}
					in := make([]cdp.ResolveCall, len(chunk))
					for i, c := range chunk {
						in[i] = cdp.ResolveCall{Identifiers: c, SeenAt: identityStart}
					}
					_, err := idt.ResolveBatch(ctx, tenant, in)
					errs <- err
				}
			}()
		}
		close(start)
		for c := range slices.Chunk(calls, batch) {
			work <- c
		}
		close(work)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}

		want := idtComponents(calls)
		require.Len(t, want, comps)
		require.Equal(t, want, idtPartition(t, tdb, tenant), "seed %d (batches of %d): one profile per component, no identifier lost", seed, batch)
		requireOneSurvivorPerComponent(t, tdb, tenant, comps)
	}
}

// requireOneSurvivorPerComponent checks that tenant has n live profiles,
// each the oldest (created_at, id) of the profiles pointing at it, and
// that every absorbed profile points straight at a live one.
func requireOneSurvivorPerComponent(t *testing.T, tdb *testdb.DB, tenant uuid.UUID, n int) {
	t.Helper()
	var rows []struct {
		ID         uuid.UUID  `bun:"id"`
		CreatedAt  time.Time  `bun:"created_at"`
		MergedInto *uuid.UUID `bun:"merged_into"`
		MergeCount int        `bun:"merge_count"`
	}
	require.NoError(t, tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT id, created_at, merged_into, merge_count FROM cdp_profiles").Scan(ctx, &rows)
	}))
	live := map[uuid.UUID]time.Time{}
	for _, r := range rows {
		if r.MergedInto == nil {
			live[r.ID] = r.CreatedAt
		}
	}
	require.Len(t, live, n, "one survivor per component")
	absorbed := map[uuid.UUID]int{}
	for _, r := range rows {
		if r.MergedInto == nil {
			continue
		}
		at, ok := live[*r.MergedInto]
		require.True(t, ok, "%v points at %v, which is not live", r.ID, *r.MergedInto)
		absorbed[*r.MergedInto]++
		older := at.Before(r.CreatedAt) || (at.Equal(r.CreatedAt) && bytes.Compare(r.MergedInto[:], r.ID[:]) < 0)
		require.True(t, older, "survivor %v is not older than %v", *r.MergedInto, r.ID)
	}
	for _, r := range rows {
		if r.MergedInto == nil {
			require.Equal(t, absorbed[r.ID], r.MergeCount, "merge_count of %v counts what it absorbed", r.ID)
		}
	}
}

// TestConcurrentUnmergesAndMerges runs operators' unmerges while merges
// of the same profiles go on: nothing fails but "not merged" races, no
// identifier is lost or left on an absorbed profile, and every absorbed
// profile points at a live one.
func TestConcurrentUnmergesAndMerges(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	idt := cdp.NewIdentity(tdb.DB)
	idt.Limits = idtGenerousLimits
	ctx := context.Background()
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	rng := rand.New(rand.NewPCG(7, 7))
	const n = 30
	ids := make([]cdp.Identifier, n)
	profiles := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = idtAnon(fmt.Sprint("u-", i))
		p, _, err := idt.Resolve(ctx, tenant, []cdp.Identifier{ids[i]}, identityStart)
		require.NoError(t, err)
		profiles[i] = p
	}
	var calls [][]cdp.Identifier
	for range 3 * n {
		calls = append(calls, []cdp.Identifier{ids[rng.IntN(n)], ids[rng.IntN(n)]})
	}
	work := make(chan func() error)
	start := make(chan struct{})
	errs := make(chan error, 2*len(calls))
	var unmerged atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for f := range work {
				errs <- f()
			}
		}()
	}
	close(start)
	for i, c := range calls {
		work <- func() error {
			_, _, err := idt.Resolve(ctx, tenant, c, identityStart)
			return err
		}
		if i%3 == 2 {
			p := profiles[rng.IntN(n)]
			work <- func() error {
				_, err := idt.Unmerge(ctx, tenant, p)
				if err == nil {
					unmerged.Add(1)
				}
				if apperr.CodeOf(err) == apperr.BadUserInput {
					return nil // not merged (yet, or any more): a race an operator can lose
				}
				return err
			}
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	var stored int
	var onAbsorbed, danglingPointers int
	require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("SELECT count(*) FROM cdp_identifiers").Scan(ctx, &stored); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT count(*) FROM cdp_identifiers i JOIN cdp_profiles p ON p.id = i.profile_id
			WHERE p.merged_into IS NOT NULL`).Scan(ctx, &onAbsorbed); err != nil {
			return err
		}
		return tx.NewRaw(`SELECT count(*) FROM cdp_profiles a JOIN cdp_profiles s ON s.id = a.merged_into
			WHERE s.merged_into IS NOT NULL`).Scan(ctx, &danglingPointers)
	}))
	// Each absorbed profile points at the live end of its chain of merges
	// in force, and no live profile has a merge in force.
	var tombstones, atChainEnd, liveInForce int
	require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("SELECT count(*) FROM cdp_profiles WHERE merged_into IS NOT NULL").Scan(ctx, &tombstones); err != nil {
			return err
		}
		if err := tx.NewRaw(`WITH RECURSIVE up (start, cur, depth) AS (
				SELECT m.absorbed_id, m.survivor_id, 1 FROM cdp_profile_merges m WHERE m.undone_at IS NULL
				UNION ALL
				SELECT u.start, m.survivor_id, u.depth + 1 FROM up u
				JOIN cdp_profile_merges m ON m.absorbed_id = u.cur AND m.undone_at IS NULL WHERE u.depth < 100)
			SELECT count(*) FROM cdp_profiles p JOIN up u ON u.start = p.id
			JOIN cdp_profiles l ON l.id = u.cur AND l.merged_into IS NULL
			WHERE p.merged_into = u.cur`).Scan(ctx, &atChainEnd); err != nil {
			return err
		}
		return tx.NewRaw(`SELECT count(*) FROM cdp_profile_merges m JOIN cdp_profiles p ON p.id = m.absorbed_id
			WHERE m.undone_at IS NULL AND p.merged_into IS NULL`).Scan(ctx, &liveInForce)
	}))
	require.Positive(t, tombstones, "positive control: some profiles stay merged")
	require.Equal(t, tombstones, atChainEnd, "every absorbed profile points at the end of its merges in force")
	require.Zero(t, liveInForce, "no live profile has a merge in force")
	require.Positive(t, unmerged.Load(), "positive control: some unmerges ran")
	require.Equal(t, n, stored, "no identifier lost")
	require.Zero(t, onAbsorbed, "no identifier on an absorbed profile")
	require.Zero(t, danglingPointers, "every absorbed profile points at a live one")
	for _, p := range profiles {
		_, err := idt.Canonical(ctx, tenant, p)
		require.NoError(t, err)
	}
}
