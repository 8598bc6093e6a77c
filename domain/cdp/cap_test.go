package cdp

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/testdb"
)

// A workspace holds at most MaxSources sources and MaxFunnels funnels;
// creations are counted one at a time, so concurrent ones never overshoot.
func TestSourcesAndFunnelsAreCappedPerWorkspace(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := &Service{DB: tdb.DB, Billing: &billing.Service{DB: tdb.DB}}
	t.Cleanup(func() { s.Close(context.Background()) })
	funnels := &Funnels{DB: tdb.DB}
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		max    int
		create func(i int) error
	}{
		{"sources", MaxSources, func(i int) error {
			_, _, err := s.CreateSource(ctx, tenant, CreateSourceInput{Name: fmt.Sprint("s", i)})
			return err
		}},
		{"funnels", MaxFunnels, func(i int) error {
			_, err := funnels.Create(ctx, tenant, FunnelInput{Name: fmt.Sprint("f", i), Window: time.Hour,
				Steps: []FunnelStep{{Event: "Viewed"}, {Event: "Ordered"}}})
			return err
		}},
	} {
		created, refused := testdb.CreateConcurrently(t, 6, c.max+8, c.create)
		require.Equal(t, c.max, created, "%s: positive control, every creation up to the cap", c.name)
		require.Equal(t, 8, refused, c.name)
	}
}
