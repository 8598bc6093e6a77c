package resolvers

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/testdb"
)

// A subscription event's load is one shared read: its two reads take one
// pooled connection and see the tenant's row. Without a DB on the resolver
// (the control) the same load takes a connection per read.
func TestSubscriptionLoadIsOneSharedRead(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	type result struct {
		acquired int64
		pids     [2]int
		names    [2]string
	}
	for _, shared := range []bool{true, false} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			r := &Resolver{Hub: realtime.NewHub(nil)}
			if shared {
				r.DB = tdb.DB
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch, err := subscribe(ctx, r, tenant, []string{"t"}, func(ctx context.Context, _ realtime.Event) (res result, err error) {
				before := tdb.Pool.Stat().AcquireCount()
				for i := range 2 {
					if err := tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
						return tx.NewRaw("SELECT pg_backend_pid(), (SELECT name FROM tenants)").Scan(ctx, &res.pids[i], &res.names[i])
					}); err != nil {
						return res, err
					}
				}
				res.acquired = tdb.Pool.Stat().AcquireCount() - before
				return res, nil
			})
			require.NoError(t, err)
			r.Hub.Dispatch(realtime.Event{Tenant: tenant, Topic: "t"})
			res := <-ch
			require.NotEmpty(t, res.names[0], "the reads see the tenant's row")
			require.Equal(t, res.names[0], res.names[1])
			if shared {
				require.Equal(t, int64(1), res.acquired, "one connection for the load")
				require.Equal(t, res.pids[0], res.pids[1])
			} else {
				require.Equal(t, int64(2), res.acquired, "control: a connection per read")
			}
		})
	}
}
