package cdp_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/testdb"
)

// identityUniverse is the small set of identifiers the property tests
// draw from (normalised already, so stored values equal them), plus junk.
var identityUniverse = []cdp.Identifier{
	idtUser("u1"), idtUser("u2"), idtUser("u3"),
	{Type: cdp.IdentifierExternalID, Value: "crm-1"},
	idtEmail("a@example.com"), idtEmail("b@example.com"), idtEmail("c@example.com"),
	idtPhone("+14155552671"), idtPhone("+14155552672"),
	idtDevice("d1"), idtDevice("d2"), idtDevice("d3"),
	idtAnon("n1"), idtAnon("n2"), idtAnon("n3"), idtAnon("n4"), idtAnon("n5"),
	idtUser("null"), idtEmail("test@test.com"), // junk: refused, never stored
}

func idtKey(id cdp.Identifier) string { return string(id.Type) + ":" + id.Value }

// randomCalls draws 3–12 calls of 1–4 identifiers each.
func idtRandomCalls(rng *rand.Rand) [][]cdp.Identifier {
	calls := make([][]cdp.Identifier, 3+rng.IntN(10))
	for i := range calls {
		n := 1 + rng.IntN(4)
		for range n {
			calls[i] = append(calls[i], identityUniverse[rng.IntN(len(identityUniverse))])
		}
	}
	return calls
}

// components is the union-find model: the valid identifiers of calls
// grouped by the calls linking them, in partitionOf's form.
func idtComponents(calls [][]cdp.Identifier) [][]string {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		if parent[x] != x {
			parent[x] = find(parent[x])
		}
		return parent[x]
	}
	for _, c := range calls {
		var first string
		for _, id := range c {
			if cdp.IsJunkIdentifier(id.Value, cdp.DefaultJunkValues) {
				continue
			}
			k := idtKey(id)
			if _, ok := parent[k]; !ok {
				parent[k] = k
			}
			if first == "" {
				first = k
			} else {
				parent[find(k)] = find(first)
			}
		}
	}
	groups := map[string][]string{}
	for k := range parent {
		groups[find(k)] = append(groups[find(k)], k)
	}
	out := make([][]string, 0, len(groups))
	for _, g := range groups {
		slices.Sort(g)
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], ",") < strings.Join(out[j], ",") })
	return out
}

// applyCalls resolves calls in order in a new tenant and returns it with
// the number of limit refusals.
func idtApplyCalls(t *testing.T, tdb *testdb.DB, idt *cdp.Identity, calls [][]cdp.Identifier, order []int) (uuid.UUID, int) {
	t.Helper()
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	refusals := 0
	at := identityStart
	for _, i := range order {
		_, refused, err := idt.Resolve(context.Background(), tenant, calls[i], at)
		require.NoError(t, err)
		for _, r := range refused {
			if r.Reason != cdp.RefusedJunk {
				require.NotEqual(t, cdp.RefusedInvalid, r.Reason, "the universe is valid")
				require.GreaterOrEqual(t, r.LinkedTo.Type.Priority(), r.Identifier.Type.Priority(), "the weaker side gives way: %+v", r)
				refusals++
			}
		}
		at = at.Add(time.Minute)
	}
	return tenant, refusals
}

var idtGenerousLimits = cdp.IdentityLimits{
	PerType: map[cdp.IdentifierType]int{
		cdp.IdentifierUserID: 100, cdp.IdentifierExternalID: 100, cdp.IdentifierEmail: 100,
		cdp.IdentifierPhone: 100, cdp.IdentifierDeviceID: 100, cdp.IdentifierAnonymousID: 100,
	},
}

// TestResolutionIsOrderIndependent is the union-find property: without a
// limit in the way, the same calls in any order give the same partition
// of identifiers into profiles — the connected components of the links.
func TestResolutionIsOrderIndependent(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	idt := cdp.NewIdentity(tdb.DB)
	idt.Limits = idtGenerousLimits
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 17))
		calls := idtRandomCalls(rng)
		want := idtComponents(calls)
		for range 3 {
			order := rng.Perm(len(calls))
			tenant, refusals := idtApplyCalls(t, tdb, idt, calls, order)
			require.Zero(t, refusals)
			require.Equal(t, want, idtPartition(t, tdb, tenant), "seed %d, order %v, calls %v", seed, order, calls)
		}
	}
}

// TestResolutionNeverExceedsLimits applies random calls in random orders
// under tight limits: no profile ever exceeds one, no identifier is lost,
// every profile stays within one component of the links (nothing is
// merged that was not linked), every refusal is recorded, and the same
// order gives the same partition again. When an order hits no limit, its
// partition is the components' (order-independence where no limit bites).
func TestResolutionNeverExceedsLimits(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	idt := cdp.NewIdentity(tdb.DB)
	idt.Limits = cdp.IdentityLimits{
		PerType:        map[cdp.IdentifierType]int{cdp.IdentifierEmail: 2, cdp.IdentifierDeviceID: 2, cdp.IdentifierAnonymousID: 2},
		MaxMerges:      3,
		MaxIdentifiers: 5,
	}
	totalRefusals, limitFree := 0, 0
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 29))
		calls := idtRandomCalls(rng)
		comps := idtComponents(calls)
		compOf := map[string]int{}
		var all []string
		for i, c := range comps {
			for _, k := range c {
				compOf[k] = i
				all = append(all, k)
			}
		}
		slices.Sort(all)
		for range 3 {
			order := rng.Perm(len(calls))
			tenant, refusals := idtApplyCalls(t, tdb, idt, calls, order)
			totalRefusals += refusals
			got := idtPartition(t, tdb, tenant)
			msg := fmt.Sprintf("seed %d, order %v, calls %v", seed, order, calls)

			var stored []string
			for _, p := range got {
				stored = append(stored, p...)
				for _, k := range p {
					require.Equal(t, compOf[p[0]], compOf[k], "a profile spans two components: %s", msg)
				}
			}
			slices.Sort(stored)
			require.Equal(t, all, stored, "every valid identifier is stored once: %s", msg)
			idtRequireWithinLimits(t, tdb, tenant, idt.Limits, msg)
			require.Equal(t, refusals > 0, idtCountRefused(t, tdb, tenant) > 0, "refusals are recorded: %s", msg)
			if refusals == 0 {
				limitFree++
				require.Equal(t, comps, got, "no limit hit: the components: %s", msg)
			}

			replay, _ := idtApplyCalls(t, tdb, idt, calls, order)
			require.Equal(t, got, idtPartition(t, tdb, replay), "the same order gives the same partition: %s", msg)
		}
	}
	require.Positive(t, totalRefusals, "positive control: the limits were hit")
	require.Positive(t, limitFree, "positive control: some orders hit no limit")
}

// requireWithinLimits checks every live profile of tenant against lim.
func idtRequireWithinLimits(t *testing.T, tdb *testdb.DB, tenant uuid.UUID, lim cdp.IdentityLimits, msg string) {
	t.Helper()
	require.NoError(t, tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			ProfileID uuid.UUID          `bun:"profile_id"`
			Type      cdp.IdentifierType `bun:"type"`
			N         int                `bun:"n"`
		}
		if err := tx.NewRaw(`SELECT i.profile_id, i.type, count(*) AS n FROM cdp_identifiers i
			JOIN cdp_profiles p ON p.id = i.profile_id GROUP BY 1, 2`).Scan(ctx, &rows); err != nil {
			return err
		}
		total := map[uuid.UUID]int{}
		for _, r := range rows {
			require.LessOrEqual(t, r.N, lim.TypeLimit(r.Type), "%s of %v: %s", r.Type, r.ProfileID, msg)
			total[r.ProfileID] += r.N
		}
		for p, n := range total {
			require.LessOrEqual(t, n, lim.MaxIdentifiers, "identifiers of %v: %s", p, msg)
		}
		var dead int
		if err := tx.NewRaw(`SELECT count(*) FROM cdp_identifiers i JOIN cdp_profiles p ON p.id = i.profile_id
			WHERE p.merged_into IS NOT NULL`).Scan(ctx, &dead); err != nil {
			return err
		}
		require.Zero(t, dead, "identifiers on absorbed profiles: %s", msg)
		var maxMerges int
		if err := tx.NewRaw(`SELECT coalesce(max(merge_count), 0) FROM cdp_profiles`).Scan(ctx, &maxMerges); err != nil {
			return err
		}
		require.LessOrEqual(t, maxMerges, lim.MaxMerges, msg)
		return nil
	}))
}

func idtCountRefused(t *testing.T, tdb *testdb.DB, tenant uuid.UUID) int {
	t.Helper()
	var n int
	require.NoError(t, tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM cdp_refused_links").Scan(ctx, &n)
	}))
	return n
}

// TestResolveBatchIsResolveInOrder: a batch gives what the same calls
// resolved one by one in the same order give (partition and refusals).
func TestResolveBatchIsResolveInOrder(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	idt := cdp.NewIdentity(tdb.DB)
	idt.Limits = cdp.IdentityLimits{PerType: map[cdp.IdentifierType]int{cdp.IdentifierAnonymousID: 2}, MaxIdentifiers: 5}
	ctx := context.Background()
	refusedSomewhere := false
	for seed := uint64(1); seed <= 10; seed++ {
		rng := rand.New(rand.NewPCG(seed, 41))
		calls := idtRandomCalls(rng)
		order := rng.Perm(len(calls))
		one, _ := idtApplyCalls(t, tdb, idt, calls, order)

		batch := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
		var in []cdp.ResolveCall
		at := identityStart
		for _, i := range order {
			in = append(in, cdp.ResolveCall{Identifiers: calls[i], SeenAt: at})
			at = at.Add(time.Minute)
		}
		out, err := idt.ResolveBatch(ctx, batch, in)
		require.NoError(t, err)
		require.Len(t, out, len(in))
		require.Equal(t, idtPartition(t, tdb, one), idtPartition(t, tdb, batch), "seed %d", seed)
		require.Equal(t, idtCountRefused(t, tdb, one), idtCountRefused(t, tdb, batch), "seed %d", seed)
		for i, r := range out {
			if len(r.Refused) > 0 && r.Refused[0].Reason != cdp.RefusedJunk {
				refusedSomewhere = true
			}
			x, ok := idtStrongestValid(in[i].Identifiers)
			require.Equal(t, ok, r.ProfileID != uuid.Nil)
			if ok { // the call's profile holds its strongest identifier, wherever merges took it since
				holder, err := idt.Lookup(ctx, batch, x)
				require.NoError(t, err)
				live, err := idt.Canonical(ctx, batch, r.ProfileID)
				require.NoError(t, err)
				require.Equal(t, holder, live)
			}
		}
	}
	require.True(t, refusedSomewhere, "positive control: the limits bit in some batch")

	_, err := idt.ResolveBatch(ctx, uuid.New(), []cdp.ResolveCall{{Identifiers: []cdp.Identifier{idtAnon("x")}}})
	require.Error(t, err, "a call without a time is refused")
}

// strongestValid is the strongest non-junk identifier of ids.
func idtStrongestValid(ids []cdp.Identifier) (cdp.Identifier, bool) {
	var best cdp.Identifier
	found := false
	for _, id := range ids {
		if cdp.IsJunkIdentifier(id.Value, cdp.DefaultJunkValues) {
			continue
		}
		if !found || id.Type.Priority() > best.Type.Priority() ||
			(id.Type.Priority() == best.Type.Priority() && (slices.Index(cdp.IdentifierTypes, id.Type) < slices.Index(cdp.IdentifierTypes, best.Type) ||
				(id.Type == best.Type && id.Value < best.Value))) {
			best, found = id, true
		}
	}
	return best, found
}

// TestResolveBatchRepeatsAreResolveInOrder: a batch where the same people
// come back again and again (ResolveBatch answers a repeated identifier set
// from its memo) leaves exactly what the same calls resolved one by one
// leave — the partition, each identifier's profile's seen times, lifecycle
// stage and merge count — with times out of order (a repeat earlier than
// the profile's first sighting widens it) and with limits refusing links.
// The memo's positive control: most calls are repeats of an earlier set.
func TestResolveBatchRepeatsAreResolveInOrder(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	idt := cdp.NewIdentity(tdb.DB)
	idt.Limits = cdp.IdentityLimits{PerType: map[cdp.IdentifierType]int{cdp.IdentifierAnonymousID: 2}, MaxIdentifiers: 5}
	ctx := context.Background()
	repeats := 0
	for seed := uint64(1); seed <= 8; seed++ {
		rng := rand.New(rand.NewPCG(seed, 97))
		pool := idtRandomCalls(rng)
		var calls []cdp.ResolveCall
		seen := map[string]bool{}
		for range 40 + rng.IntN(40) {
			ids := pool[rng.IntN(len(pool))]
			at := identityStart.Add(time.Duration(rng.IntN(600)) * time.Minute) // out of order
			calls = append(calls, cdp.ResolveCall{Identifiers: ids, SeenAt: at})
			k := fmt.Sprint(ids)
			if seen[k] {
				repeats++
			}
			seen[k] = true
		}
		one := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
		for _, c := range calls {
			_, _, err := idt.Resolve(ctx, one, c.Identifiers, c.SeenAt)
			require.NoError(t, err)
		}
		batch := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
		_, err := idt.ResolveBatch(ctx, batch, calls)
		require.NoError(t, err)
		require.Equal(t, idtPartition(t, tdb, one), idtPartition(t, tdb, batch), "seed %d", seed)
		require.Equal(t, idtCountRefused(t, tdb, one), idtCountRefused(t, tdb, batch), "seed %d", seed)
		require.Equal(t, idtProfileStates(t, tdb, one), idtProfileStates(t, tdb, batch), "seed %d", seed)
	}
	require.Greater(t, repeats, 200, "positive control: most calls repeat an earlier set")
}

// idtProfileStates maps each stored identifier to its profile's seen
// times, lifecycle stage and merge count.
func idtProfileStates(t *testing.T, tdb *testdb.DB, tenant uuid.UUID) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			Type  string    `bun:"type"`
			Value string    `bun:"value"`
			First time.Time `bun:"first_seen_at"`
			Last  time.Time `bun:"last_seen_at"`
			Stage string    `bun:"lifecycle_stage"`
			N     int       `bun:"merge_count"`
		}
		if err := tx.NewRaw(`SELECT i.type, i.value, p.first_seen_at, p.last_seen_at, p.lifecycle_stage, p.merge_count
			FROM cdp_identifiers i JOIN cdp_profiles p ON p.id = i.profile_id`).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			out[r.Type+":"+r.Value] = fmt.Sprintf("%s %s %s %d", r.First.UTC().Format(time.RFC3339), r.Last.UTC().Format(time.RFC3339), r.Stage, r.N)
		}
		return nil
	}))
	require.NotEmpty(t, out)
	return out
}
