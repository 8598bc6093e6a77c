package cdp

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// The bound of definitions holds under concurrent creations: with room for
// five, exactly five of twelve concurrent creations succeed, and the rest
// are refused with BAD_USER_INPUT.
func TestTraitDefinitionLimitIsAtomic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := testdb.New(t)
	tdb.Clock = clock.NewManual(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	s := &Traits{DB: tdb.DB}
	for i := range MaxTraitDefinitions - 5 {
		_, err := s.CreateDefinition(ctx, tenant, TraitDefinitionInput{Name: fmt.Sprint("t", i), Aggregation: AggCount, Event: "A"})
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 12)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.CreateDefinition(ctx, tenant, TraitDefinitionInput{Name: fmt.Sprint("c", i), Aggregation: AggCount, Event: "A"})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err), "%v", err)
	}
	require.Equal(t, 5, ok)
	one := 1
	page, err := s.Definitions(ctx, tenant, relay.Args{First: &one})
	require.NoError(t, err)
	require.Equal(t, MaxTraitDefinitions, page.TotalCount)
}

// A filter or value path is matched in Go, never put in SQL text: a path
// with SQL in it is refused, and a value with SQL in it is only compared.
func TestTraitPropertyPathsAreInert(t *testing.T) {
	t.Parallel()
	_, err := TraitDefinitionInput{Name: "x", Aggregation: AggCount, Event: "A",
		Filter: &TraitFilterInput{Property: "plan') OR 1=1 --", Operator: FilterEquals, Value: "x"}}.validate()
	require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err))
	d, err := TraitDefinitionInput{Name: "x", Aggregation: AggCount, Event: "A",
		Filter: &TraitFilterInput{Property: "plan", Operator: FilterEquals, Value: "x' OR '1'='1"}}.validate()
	require.NoError(t, err)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	st := newTraitState()
	require.False(t, st.add(d, &traitEvent{Event: "A", At: now, Properties: `{"plan":"pro"}`}, now))
	require.True(t, st.add(d, &traitEvent{Event: "A", At: now, Properties: `{"plan":"x' OR '1'='1"}`}, now))
}

// A backfill commits its progress chunk by chunk: after one chunk it is
// RUNNING with its done of total, and a later run (a retried or snoozed
// job) goes on from its cursor to DONE with every value right.
func TestTraitBackfillResumesFromItsCursor(t *testing.T) {
	t.Parallel()
	f := newTraitFixture(t)
	const people = TraitChunk + 50
	evs := make([]refEvent, people)
	for i := range evs {
		evs[i] = refEvent{Name: "A", User: fmt.Sprintf("u%d", i), At: f.clock.Now().Add(-time.Hour), Props: map[string]any{"v": i % 7}}
	}
	f.send(evs)
	d, err := f.traits.CreateDefinition(f.ctx, f.tenant, TraitDefinitionInput{Name: "sum", Aggregation: AggSum, Event: "A", ValueProperty: strp("v")})
	require.NoError(t, err)
	require.NoError(t, f.tdb.DB.InTenant(f.ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		more, err := backfillChunkTx(ctx, tx, f.tenant, d.ID, d.Version, f.clock.Now(), nil)
		require.True(t, more)
		return err
	}))
	got, err := f.traits.Definition(f.ctx, f.tenant, d.ID)
	require.NoError(t, err)
	require.Equal(t, BackfillRunning, got.BackfillStatus)
	require.EqualValues(t, TraitChunk, got.BackfillDone)
	require.EqualValues(t, people, got.BackfillTotal)

	require.NoError(t, f.traits.Backfill(f.ctx, f.tenant, d.ID, d.Version))
	got, err = f.traits.Definition(f.ctx, f.tenant, d.ID)
	require.NoError(t, err)
	require.Equal(t, BackfillDone, got.BackfillStatus)
	require.EqualValues(t, people, got.BackfillDone)
	f.check("after the backfill")

	// A backfill of an older version does nothing.
	require.NoError(t, f.traits.Backfill(f.ctx, f.tenant, d.ID, d.Version-1))
}
