package resolvers

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/testdb"
)

// requestCtx is a signed-in request of tenant with r's loaders.
func requestCtx(r *Resolver, tenant uuid.UUID) context.Context {
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{TenantID: tenant})
	return context.WithValue(ctx, loadersKey{}, &lazyLoaders{r: r})
}

// A profiles page that selects computed traits and RFM scores primes the
// request's loaders with one read of each for the page, so its nodes
// answer at once, however they are scheduled: each node resolving after the
// previous one has its answer (the worst schedule) reads nothing more. Left
// to the loaders alone, that schedule reads once per node, each read after
// dataloadgen's 16 ms batch window (the control below).
func TestProfilePagePrimesTraitsAndRFM(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	rfmReads := &statementCounter{table: "cdp_profile_rfm"}
	traitReads := &statementCounter{table: "merged_into IS NULL"}
	tdb.DB.Bun.AddQueryHook(rfmReads)
	tdb.DB.Bun.AddQueryHook(traitReads)
	r := &Resolver{DB: tdb.DB}

	ctx := context.Background()
	var items []cdp.Profile
	for i := range 4 {
		id, _, err := cdp.NewIdentity(tdb.DB).Resolve(ctx, tenant, []cdp.Identifier{{Type: cdp.IdentifierEmail, Value: fmt.Sprintf("p%d@example.com", i)}}, tdb.DB.Now(ctx))
		require.NoError(t, err)
		items = append(items, cdp.Profile{ID: id})
	}
	resolveEach := func(ctx context.Context) {
		for _, p := range items {
			_, err := r.computedTraitsOf(ctx, p.ID)
			require.NoError(t, err)
			sc, err := r.rfmScoreOf(ctx, p.ID)
			require.NoError(t, err)
			require.Nil(t, sc, "no score computed yet")
		}
	}

	ctx = requestCtx(r, tenant)
	rfm0, traits0 := rfmReads.count(), traitReads.count()
	r.primeProfiles(ctx, items, map[string]bool{"id": true, "computedTraits": true, "rfm": true})
	resolveEach(ctx)
	require.Equal(t, 1, rfmReads.count()-rfm0, "one RFM read for the page")
	require.Equal(t, 1, traitReads.count()-traits0, "one computed-traits read for the page")

	// Nothing selected of either: nothing read up front.
	ctx = requestCtx(r, tenant)
	rfm0, traits0 = rfmReads.count(), traitReads.count()
	r.primeProfiles(ctx, items, map[string]bool{"id": true})
	require.Equal(t, 0, rfmReads.count()-rfm0)
	require.Equal(t, 0, traitReads.count()-traits0)

	// Control: without priming the same schedule reads once per node.
	resolveEach(ctx)
	require.Equal(t, len(items), rfmReads.count()-rfm0)
	require.Equal(t, len(items), traitReads.count()-traits0)
}

// An actions page that selects the trust gate's decisions (the overview's
// decidingGate, the queue's gateDecisions) primes the gate-timeline loader
// the same way: one read for the page, none per node; the control reads
// once per node.
func TestActionPagePrimesGateTimelines(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	gateReads := &statementCounter{table: "trust_gate_audit"}
	tdb.DB.Bun.AddQueryHook(gateReads)
	r := &Resolver{DB: tdb.DB, Svc: Services{Automation: &automation.Service{DB: tdb.DB}}}
	items := []automation.Action{{ID: uuid.New()}, {ID: uuid.New()}, {ID: uuid.New()}}
	resolveEach := func(ctx context.Context) {
		for _, a := range items {
			tl, err := r.gateTimeline(ctx, a.ID)
			require.NoError(t, err)
			require.Empty(t, tl)
		}
	}
	for _, field := range []string{"decidingGate", "gateDecisions"} {
		ctx := requestCtx(r, tenant)
		n0 := gateReads.count()
		r.primeActions(ctx, items, map[string]bool{"id": true, field: true})
		resolveEach(ctx)
		require.Equal(t, 1, gateReads.count()-n0, "one gate-timeline read for the page selecting %s", field)
	}

	ctx := requestCtx(r, tenant)
	n0 := gateReads.count()
	r.primeActions(ctx, items, map[string]bool{"id": true, "status": true})
	require.Equal(t, 0, gateReads.count()-n0, "nothing read up front when no decision is selected")
	resolveEach(ctx)
	require.Equal(t, len(items), gateReads.count()-n0, "control: unprimed, one read per node")
}
