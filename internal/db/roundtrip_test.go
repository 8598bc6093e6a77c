package db_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/testdb"
)

// roundTrips counts the protocol round trips of the connections it dials:
// every burst of writes that follows a read (or starts the connection) is
// one request the client then waits for.
type roundTrips struct {
	mu      sync.Mutex
	n       int
	writing map[*countingConn]bool
}

func (r *roundTrips) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

type countingConn struct {
	net.Conn
	rt *roundTrips
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.rt.mu.Lock()
	if !c.rt.writing[c] {
		c.rt.writing[c] = true
		c.rt.n++
	}
	c.rt.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *countingConn) Read(p []byte) (int, error) {
	c.rt.mu.Lock()
	c.rt.writing[c] = false
	c.rt.mu.Unlock()
	return c.Conn.Read(p)
}

// oneConnDB opens tdb's application role with a pool of one connection
// (so consecutive transactions reuse it), never pinged on acquire, whose
// round trips rt counts.
func oneConnDB(t *testing.T, tdb *testdb.DB) (*db.DB, *roundTrips) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(tdb.AppURL)
	require.NoError(t, err)
	cfg.MaxConns, cfg.MinConns = 1, 0
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	rt := &roundTrips{writing: map[*countingConn]bool{}}
	dial := cfg.ConnConfig.DialFunc
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: c, rt: rt}, nil
	}
	d, err := db.OpenConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(d.Close)
	return d, rt
}

// TestTenantTransactionRoundTrips counts what a tenant read costs on the
// wire: BEGIN and the tenant setting travel together, so a one-statement
// tenant transaction is three round trips (it was four: BEGIN, set_config,
// the statement, COMMIT). The global transaction, which sets nothing, is
// the control: three round trips with a plain BEGIN as before.
func TestTenantTransactionRoundTrips(t *testing.T) {
	t.Parallel()
	tdb := newDB(t)
	a := insertTenant(t, tdb, "A")
	d, rt := oneConnDB(t, tdb)
	ctx := context.Background()
	read := func(ctx context.Context, tx bun.Tx) error {
		var bodies []string
		return tx.NewSelect().Table("items").Column("body").Scan(ctx, &bodies)
	}
	require.NoError(t, d.InTenant(ctx, a, read)) // connects (startup and authentication are not counted)

	measure := func(f func() error) int {
		t.Helper()
		before := rt.count()
		require.NoError(t, f())
		return rt.count() - before
	}
	require.Equal(t, 3, measure(func() error { return d.InTenant(ctx, a, read) }), "InTenant: BEGIN + set_config, SELECT, COMMIT")
	require.Equal(t, 3, measure(func() error { return d.InGlobal(ctx, read) }), "InGlobal: BEGIN, SELECT, COMMIT")
	require.Equal(t, 4, measure(func() error {
		return d.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "SELECT set_config('app.tenant_id', ?, true)", a.String()); err != nil {
				return err
			}
			return read(ctx, tx)
		})
	}), "InTenant as it was before issue 16: BEGIN, set_config, SELECT, COMMIT")
	require.Equal(t, 2, measure(func() error {
		sctx, end := d.WithSharedTx(ctx, a)
		defer end()
		if err := d.InTenant(sctx, a, read); err != nil {
			return err
		}
		return d.InTenant(sctx, a, read)
	}), "shared read with two reads: set_config + SELECT, set_config + SELECT (no BEGIN, no COMMIT)")
	require.Equal(t, 5, measure(func() error {
		sctx, end := d.WithSharedTx(ctx, a)
		defer end()
		if err := d.InTenant(sctx, a, read); err != nil {
			return err
		}
		return d.InTenant(sctx, a, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "SET LOCAL enable_nestloop = off"); err != nil {
				return err
			}
			return read(ctx, tx)
		})
	}), "a statement that is not a query begins a real transaction: set_config + SELECT, BEGIN + set_config, SET, SELECT, COMMIT")
	require.Equal(t, 3, measure(func() error {
		return d.InTenantConn(ctx, a, func(ctx context.Context, tx bun.Tx, _ db.PgxConn) error { return read(ctx, tx) })
	}), "InTenantConn")
}

// session is what one transaction on the single pooled connection sees.
type session struct {
	PID     int
	Setting string // current_setting('app.tenant_id', true), "" when unset
	Items   []string
}

func probe(ctx context.Context, tx bun.Tx) (session, error) {
	var s session
	if err := tx.NewRaw("SELECT pg_backend_pid(), COALESCE(current_setting('app.tenant_id', true), '')").Scan(ctx, &s.PID, &s.Setting); err != nil {
		return s, err
	}
	return s, tx.NewSelect().Table("items").Column("body").Order("body").Scan(ctx, &s.Items)
}

// TestTenantNeverOutlivesItsTransaction reuses one pooled connection for
// tenant A, tenant B and no tenant, through every way a transaction is
// begun, and checks that each sees only its own setting and rows. The
// positive control sets the tenant for the session (set_config(…, false))
// and shows the same probe catching the leak.
func TestTenantNeverOutlivesItsTransaction(t *testing.T) {
	t.Parallel()
	tdb := newDB(t)
	a := insertTenant(t, tdb, "A")
	b := insertTenant(t, tdb, "B")
	d, _ := oneConnDB(t, tdb)
	ctx := context.Background()

	var pid int
	inTenant := func(tenant uuid.UUID) session {
		t.Helper()
		var s session
		require.NoError(t, d.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) (err error) {
			s, err = probe(ctx, tx)
			return err
		}))
		return s
	}
	global := func() session {
		t.Helper()
		var s session
		require.NoError(t, d.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) (err error) {
			s, err = probe(ctx, tx)
			return err
		}))
		return s
	}
	none := func(t *testing.T, s session) {
		t.Helper()
		require.Equal(t, pid, s.PID, "the same pooled connection")
		require.Empty(t, s.Setting)
		require.Empty(t, s.Items)
	}

	sa := inTenant(a)
	pid = sa.PID
	require.Equal(t, session{PID: pid, Setting: a.String(), Items: []string{"item of A"}}, sa)
	require.Equal(t, session{PID: pid, Setting: b.String(), Items: []string{"item of B"}}, inTenant(b))
	none(t, global())

	t.Run("after a rolled-back tenant transaction", func(t *testing.T) {
		boom := errors.New("boom")
		require.ErrorIs(t, d.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error { return boom }), boom)
		none(t, global())
	})
	t.Run("after a shared read transaction", func(t *testing.T) {
		sctx, end := d.WithSharedTx(ctx, a)
		var s session
		require.NoError(t, d.InTenant(sctx, a, func(ctx context.Context, tx bun.Tx) (err error) {
			s, err = probe(ctx, tx)
			return err
		}))
		end()
		require.Equal(t, []string{"item of A"}, s.Items)
		none(t, global())
	})
	t.Run("after a shared read that failed, and one that began a real transaction", func(t *testing.T) {
		sctx, end := d.WithSharedTx(ctx, b)
		require.Error(t, d.InTenant(sctx, b, func(ctx context.Context, tx bun.Tx) error {
			var n int
			return tx.NewRaw("SELECT 1/0").Scan(ctx, &n)
		}))
		end()
		none(t, global())
		sctx, end = d.WithSharedTx(ctx, b)
		var s session
		require.NoError(t, d.InTenant(sctx, b, func(ctx context.Context, tx bun.Tx) (err error) {
			if _, err := tx.ExecContext(ctx, "SET LOCAL enable_nestloop = off"); err != nil {
				return err
			}
			s, err = probe(ctx, tx)
			return err
		}))
		end()
		require.Equal(t, session{PID: pid, Setting: b.String(), Items: []string{"item of B"}}, s)
		none(t, global())
	})
	t.Run("after transactions begun with a first read", func(t *testing.T) {
		const q = "SELECT current_setting('app.tenant_id', true)"
		var s session
		require.NoError(t, d.InTenant(db.WithFirstRead(ctx, q), b, func(ctx context.Context, tx bun.Tx) (err error) {
			s, err = probe(ctx, tx)
			return err
		}))
		require.Equal(t, []string{"item of B"}, s.Items)
		none(t, global())
		boom := errors.New("boom")
		require.ErrorIs(t, d.InTenant(db.WithFirstRead(ctx, q), a, func(ctx context.Context, tx bun.Tx) error { return boom }), boom)
		none(t, global())
		sctx, end := d.WithSharedTx(ctx, a)
		require.NoError(t, d.InTenant(db.WithFirstRead(sctx, q), a, func(ctx context.Context, tx bun.Tx) (err error) {
			s, err = probe(ctx, tx)
			return err
		}))
		end()
		require.Equal(t, []string{"item of A"}, s.Items)
		none(t, global())
	})
	t.Run("after InTenantConn", func(t *testing.T) {
		require.NoError(t, d.InTenantConn(ctx, b, func(ctx context.Context, tx bun.Tx, _ db.PgxConn) error {
			s, err := probe(ctx, tx)
			require.Equal(t, []string{"item of B"}, s.Items)
			return err
		}))
		none(t, global())
	})
	t.Run("a transaction begun from a tenant transaction's context sets no tenant", func(t *testing.T) {
		// fn's ctx descends from the one that carried the begin query; a
		// global transaction begun with it (on d's connection: the outer
		// transaction holds a second pool's) must begin plainly.
		other, _ := oneConnDB(t, tdb)
		var inner session
		require.NoError(t, other.InTenant(ctx, a, func(ctx context.Context, _ bun.Tx) error {
			return d.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) (err error) {
				inner, err = probe(ctx, tx)
				return err
			})
		}))
		none(t, inner)
	})
	t.Run("positive control: a session-level setting would leak, and the probe sees it", func(t *testing.T) {
		require.NoError(t, d.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "SELECT set_config('app.tenant_id', ?, false)", a.String())
			return err
		}))
		leaked := global()
		require.Equal(t, session{PID: pid, Setting: a.String(), Items: []string{"item of A"}}, leaked)
		_, err := d.Bun.ExecContext(ctx, "RESET app.tenant_id")
		require.NoError(t, err)
		none(t, global())
	})
}

// A first read (WithFirstRead) rides in the begin message: a transaction
// whose only statement it is takes two round trips (BEGIN + set_config +
// the read, COMMIT), it runs after the tenant setting (it sees the tenant),
// and fn gets its row. Inside a shared transaction that has already begun
// nothing is sent and FirstRead reports false (the caller reads as usual).
func TestFirstReadRidesInTheBeginMessage(t *testing.T) {
	t.Parallel()
	tdb := newDB(t)
	a := insertTenant(t, tdb, "A")
	d, rt := oneConnDB(t, tdb)
	ctx := context.Background()
	noop := func(context.Context, bun.Tx) error { return nil }
	require.NoError(t, d.InTenant(ctx, a, noop)) // connects
	const q = "SELECT current_setting('app.tenant_id', true)"

	var got []byte
	var ok bool
	before := rt.count()
	require.NoError(t, d.InTenant(db.WithFirstRead(ctx, q), a, func(ctx context.Context, tx bun.Tx) error {
		got, ok = db.FirstRead(ctx)
		return nil
	}))
	require.Equal(t, 2, rt.count()-before, "BEGIN + set_config + the read, COMMIT")
	require.True(t, ok)
	require.Equal(t, a.String(), string(got), "the read saw the transaction's tenant")

	// Positive control of the count: the same read as a statement of its own.
	before = rt.count()
	require.NoError(t, d.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
		var s string
		return tx.QueryRowContext(ctx, q).Scan(&s)
	}))
	require.Equal(t, 3, rt.count()-before)

	// A shared transaction begun by an earlier call: nothing rides along.
	sctx, end := d.WithSharedTx(ctx, a)
	require.NoError(t, d.InTenant(sctx, a, noop))
	require.NoError(t, d.InTenant(db.WithFirstRead(sctx, q), a, func(ctx context.Context, tx bun.Tx) error {
		_, ok = db.FirstRead(ctx)
		return nil
	}))
	end()
	require.False(t, ok, "the shared transaction had begun without it")
	// …while one that this call begins carries it.
	sctx, end = d.WithSharedTx(ctx, a)
	require.NoError(t, d.InTenant(db.WithFirstRead(sctx, q), a, func(ctx context.Context, tx bun.Tx) error {
		got, ok = db.FirstRead(ctx)
		return nil
	}))
	end()
	require.True(t, ok)
	require.Equal(t, a.String(), string(got))

	// A read that finds no row: ok false, fn reads as usual.
	require.NoError(t, d.InTenant(db.WithFirstRead(ctx, "SELECT 1 WHERE false"), a, func(ctx context.Context, tx bun.Tx) error {
		_, ok = db.FirstRead(ctx)
		return nil
	}))
	require.False(t, ok)
	// A failing read fails the transaction's begin, and the pool goes on.
	require.Error(t, d.InTenant(db.WithFirstRead(ctx, "SELECT 1/0"), a, noop))
	require.NoError(t, d.InTenant(ctx, a, noop))
}
