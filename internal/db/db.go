// Package db owns Stratum's connection to PostgreSQL: one pgx pool, shared by
// bun (through database/sql) and River, connected as the application role
// that row-level security applies to. Tenant data is only touched inside
// InTenant, which sets app.tenant_id for the transaction. It also holds the
// clock: every transaction it opens fixes the time once (Now), so the code
// and the SQL it sends (the time as a parameter, never SQL's now()) agree on
// one time per transaction, and a test that sets DB.Clock controls it.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/clock"
)

// DB bundles the shared pool and the views of it the rest of the code uses.
type DB struct {
	// Pool is the pgx pool (River's LISTEN connection and pgx-native code use it).
	Pool *pgxpool.Pool
	// SQL is database/sql over Pool (River's riverdatabasesql driver uses it).
	SQL *sql.DB
	// Bun is the query builder over SQL.
	Bun *bun.DB
	// Clock tells the time every transaction fixes at its start (Now):
	// clock.Real from Open (also when nil); tests set a clock.Manual before
	// using the handle.
	Clock clock.Clock
}

// Open connects to url (the application role) with at most maxConns connections.
func Open(ctx context.Context, url string, maxConns int32) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is Open with a parsed pool configuration (tests wrap its
// dialer to count round trips, or bound its pool to one connection).
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	// bun interpolates arguments into the SQL text, so pgx's default statement
	// cache would prepare almost every query separately. Exec mode sends one
	// unnamed extended-protocol statement per query (see docs/benchmarks.md).
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	cfg.ConnConfig.RuntimeParams["application_name"] = "stratum"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	// stdlib.OpenDBFromPool, with connections that can begin a tenant
	// transaction in the BEGIN's round trip (begin.go).
	sqldb := sql.OpenDB(beginConnector{stdlib.GetPoolConnector(pool)})
	sqldb.SetMaxIdleConns(0)
	return &DB{Pool: pool, SQL: sqldb, Bun: bun.NewDB(sqldb, pgdialect.New()), Clock: clock.Real{}}, nil
}

// Close releases every connection.
func (d *DB) Close() {
	d.Bun.Close()
	d.Pool.Close()
}

type txKey struct{}

// txState is what a transaction's context carries: the transaction and the
// time fixed when it began.
type txState struct {
	db  *DB
	tx  bun.Tx
	now time.Time
}

// withTx returns ctx carrying tx and its time, for fn of InTenant and InGlobal.
func (d *DB) withTx(ctx context.Context, tx bun.Tx, now time.Time) context.Context {
	return context.WithValue(ctx, txKey{}, &txState{db: d, tx: tx, now: now})
}

// TxFromContext returns the transaction InTenant or InGlobal stored in ctx, if
// any. It is for checks ("am I inside a transaction?": the shared read
// transaction's nesting rule, tests asserting that another service is never
// called inside one), never for joining a caller's transaction implicitly:
// code that needs the caller's transaction takes it as a parameter.
func TxFromContext(ctx context.Context) (bun.Tx, bool) {
	st, ok := ctx.Value(txKey{}).(*txState)
	if !ok {
		return bun.Tx{}, false
	}
	return st.tx, true
}

// clock returns d.Clock, or the real clock when it is nil.
func (d *DB) clock() clock.Clock {
	if d.Clock == nil {
		return clock.Real{}
	}
	return d.Clock
}

// Now is the time of the transaction ctx carries (one of d's InTenant,
// InGlobal or shared read transactions): d.Clock's time when it began,
// the same for every call in it, as PostgreSQL's now() is. Outside a
// transaction it is d.Clock's current time. Domain code takes every time
// it stores or compares with stored times from here and passes it to SQL
// as a parameter.
func (d *DB) Now(ctx context.Context) time.Time {
	if st, ok := ctx.Value(txKey{}).(*txState); ok && st.db == d {
		return st.now
	}
	return d.clock().Now()
}

// TxNow is the time fixed for the transaction ctx carries (see DB.Now). It
// is for functions that run in their caller's transaction and hold no *DB
// (audit.Record, auth.Insert, platforms.ReturnTx); code with a *DB calls
// its Now. Given a context without a transaction (a caller that passed the
// wrong one), it is the real clock's time.
func TxNow(ctx context.Context) time.Time {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		return st.now
	}
	return clock.Real{}.Now()
}

// ErrNoTenant is returned by InTenant for the zero tenant id.
var ErrNoTenant = errors.New("db: no tenant")

// InTenant runs fn in a transaction in which app.tenant_id is tenantID, so
// row-level security limits every statement to that tenant's rows; fn's ctx
// carries the transaction's time (Now). The
// transaction commits when fn returns nil and rolls back otherwise; River jobs
// inserted with InsertTx(ctx, tx.Tx, …) and realtime events published on tx
// share its fate. Inside a read request's WithSharedTx, fn runs in that
// request's one READ ONLY transaction instead (committed when the request
// ends); reads that may write use InTenantRW.
func (d *DB) InTenant(ctx context.Context, tenantID uuid.UUID, fn func(ctx context.Context, tx bun.Tx) error) error {
	if tenantID == uuid.Nil {
		return ErrNoTenant
	}
	if s, ok := d.shared(ctx, tenantID); ok {
		if ran, err := s.run(ctx, fn); ran {
			return err
		}
	}
	// BEGIN and the tenant setting in one round trip (begin.go).
	return d.InTenantRW(ctx, tenantID, fn)
}

// InTenantRW is InTenant in a read-write transaction of its own even inside
// a read request's shared transaction (which is READ ONLY): for reads that
// may write, such as a listing that first creates the tenant's built-in rows.
func (d *DB) InTenantRW(ctx context.Context, tenantID uuid.UUID, fn func(ctx context.Context, tx bun.Tx) error) error {
	if tenantID == uuid.Nil {
		return ErrNoTenant
	}
	return d.Bun.RunInTx(withBegin(ctx, tenantBegin(tenantID, false)), nil, func(ctx context.Context, tx bun.Tx) error {
		return fn(d.withTx(ctx, tx, d.clock().Now()), tx)
	})
}

// ShareTenant runs fn with a context in which every InTenant call for
// tenantID joins one READ ONLY transaction (WithSharedTx), or the one ctx
// already shares for tenantID. It is for read paths that call many
// single-object domain lookups, such as nodes(ids:): one transaction and one
// pooled connection for the whole call instead of one each. Use it for reads
// only.
func (d *DB) ShareTenant(ctx context.Context, tenantID uuid.UUID, fn func(ctx context.Context) error) error {
	if _, ok := d.shared(ctx, tenantID); ok {
		return fn(ctx)
	}
	sctx, end := d.WithSharedTx(ctx, tenantID)
	defer end()
	return fn(sctx)
}

// InGlobal runs fn in a transaction with no tenant set: tenant tables show no
// rows in it. It is for global tables (users, sessions, feature flags).
func (d *DB) InGlobal(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return d.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return fn(d.withTx(ctx, tx, d.clock().Now()), tx)
	})
}

// NotFound turns sql.ErrNoRows into a NOT_FOUND apperr with msg and passes
// other errors through.
func NotFound(err error, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf("%s", msg)
	}
	return err
}

// ByID reads the row of model T whose id is id, in a tenant transaction
// (InTenant: row-level security hides other tenants' rows, so a foreign id
// is NOT_FOUND too). A missing row is NOT_FOUND with notFound as its
// message; other errors are returned as they are. It is the one "get by
// id" of the domain services; inside a transaction the caller already
// holds (to lock the row, or after other statements) use ScanByID; reads
// that join more data write their own query.
func ByID[T any](ctx context.Context, d *DB, tenant, id uuid.UUID, notFound string) (*T, error) {
	v := new(T)
	err := d.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return ScanByID(ctx, tx, v, id, NoLock, notFound)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Lock is the row lock a read by id takes (SELECT ... FOR <Lock>).
type Lock string

// Row locks for ScanByID.
const (
	// NoLock reads the row without locking it.
	NoLock Lock = ""
	// LockNoKeyUpdate locks a row the transaction will update (not its key):
	// concurrent changes wait, inserts that reference the row do not.
	LockNoKeyUpdate Lock = "NO KEY UPDATE"
	// LockUpdate locks a row the transaction will delete.
	LockUpdate Lock = "UPDATE"
)

// ByIDs loads tenant's rows of T whose id is in ids, keyed by key(row)
// (missing ids are absent): the batch read behind the resolvers' per-request
// loaders and nodes(ids:).
func ByIDs[T any](ctx context.Context, d *DB, tenant uuid.UUID, ids []uuid.UUID, key func(*T) uuid.UUID) (map[uuid.UUID]*T, error) {
	var rows []T
	err := d.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&rows).Where("?TableAlias.id IN (?)", bun.List(ids)).Scan(ctx)
	})
	out := make(map[uuid.UUID]*T, len(rows))
	for i := range rows {
		out[key(&rows[i])] = &rows[i]
	}
	return out, err
}

// ScanByID reads the row whose id is id into model (a pointer to a bun
// model) inside idb, the caller's transaction (or the pool for a global
// table), taking lock. A missing row is NOT_FOUND with notFound as its
// message; other errors are returned as they are. model is filled in
// place, so a caller that returns its pointer on error keeps doing so.
func ScanByID(ctx context.Context, idb bun.IDB, model any, id uuid.UUID, lock Lock, notFound string) error {
	q := idb.NewSelect().Model(model).Where("?TableAlias.id = ?", id)
	if lock != NoLock {
		q = q.For(string(lock))
	}
	return NotFound(q.Scan(ctx), notFound)
}

// LockTx takes tx's advisory lock on key (by its 64-bit hash), released
// when tx ends: transactions of one key run the work after it one at a
// time — a count checked against a cap and the insert it allows, one
// tenant's recomputation.
func LockTx(ctx context.Context, tx bun.Tx, key string) error {
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", key); err != nil {
		return fmt.Errorf("lock %s: %w", key, err)
	}
	return nil
}

// CapTx enforces a cap on what a transaction is about to create: it takes
// tx's lock on key (LockTx), so the creations of one key run one at a time
// and none can overshoot, and refuses with BAD_USER_INPUT at input, saying
// msg, when q (a select of the rows the cap counts) already counts max.
func CapTx(ctx context.Context, tx bun.Tx, key string, q *bun.SelectQuery, max int, msg string) error {
	if err := LockTx(ctx, tx, key); err != nil {
		return err
	}
	n, err := q.Count(ctx)
	if err != nil {
		return fmt.Errorf("count for %s: %w", key, err)
	}
	if n >= int64(max) {
		return apperr.Invalid([]string{"input"}, "%s", msg)
	}
	return nil
}
