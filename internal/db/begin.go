package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// A tenant transaction used to cost two round trips before its first
// statement: BEGIN, then SELECT set_config('app.tenant_id', …, true). Here
// both go to PostgreSQL as one simple-protocol message ("BEGIN; SELECT
// set_config(…)", pgx.TxOptions.BeginQuery), so a one-statement tenant
// transaction takes three round trips (begin, statement, COMMIT) instead of
// four. database/sql gives a driver no way to learn about such a begin, so
// the context carries it (withBegin) to the driver connection's BeginTx
// (beginConn), which uses it once.

// beginQuery is the statement text a transaction begins with; used is set
// by the one BeginTx that sends it, so contexts derived from the
// transaction's (fn's ctx, and any transaction begun with it: a nested
// InGlobal, River's own) begin with a plain BEGIN.
type beginQuery struct {
	sql  string
	used atomic.Bool
}

type beginKey struct{}

// withBegin returns ctx whose next transaction begins with q.
func withBegin(ctx context.Context, q string) context.Context {
	return context.WithValue(ctx, beginKey{}, &beginQuery{sql: q})
}

// tenantBegin is the begin query of a transaction of tenant: BEGIN (READ
// ONLY when readOnly) and the transaction-local tenant setting that the
// row-level security policies read; COMMIT and ROLLBACK clear it, so a
// pooled connection never carries it into another transaction. The id is
// written into the text: uuid.UUID.String is 36 characters of hex digits
// and dashes, nothing that could end the literal.
func tenantBegin(tenant uuid.UUID, readOnly bool) string {
	b := "BEGIN"
	if readOnly {
		b = "BEGIN READ ONLY"
	}
	return b + "; SELECT set_config('app.tenant_id', '" + tenant.String() + "', true)"
}

// beginConnector is stdlib's connector over the pool whose connections
// are beginConns.
type beginConnector struct{ driver.Connector }

// Connect implements driver.Connector.
func (c beginConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := dc.(*stdlib.Conn)
	if !ok {
		dc.Close()
		return nil, fmt.Errorf("db: the driver connection is %T, not pgx's", dc)
	}
	return &beginConn{pgxStdConn: sc}, nil
}

type pgxStdConn = stdlib.Conn

// beginConn is pgx's database/sql connection (every method is its own but
// BeginTx) that begins a transaction with the context's begin query when it
// carries one. Conn() returns the *pgx.Conn, as stdlib.Conn's does.
type beginConn struct{ *pgxStdConn }

// BeginTx implements driver.ConnBeginTx.
func (c *beginConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	bq, _ := ctx.Value(beginKey{}).(*beginQuery)
	if bq == nil || bq.used.Load() {
		return c.pgxStdConn.BeginTx(ctx, opts)
	}
	if sql.IsolationLevel(opts.Isolation) != sql.LevelDefault || opts.ReadOnly {
		return nil, errors.New("db: a transaction with a begin query takes no sql.TxOptions")
	}
	conn := c.Conn()
	if conn.IsClosed() {
		return nil, driver.ErrBadConn // database/sql retries on another connection, with bq unused
	}
	if !bq.used.CompareAndSwap(false, true) {
		return c.pgxStdConn.BeginTx(ctx, opts)
	}
	// On error pgx closes the connection (it may be mid-transaction), so
	// the pool never hands it out again.
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{BeginQuery: bq.sql})
	if err != nil {
		return nil, err
	}
	return pgxTx{ctx: ctx, tx: tx}, nil
}

// pgxTx is a pgx transaction as a driver.Tx (as stdlib's own wrapper).
type pgxTx struct {
	ctx context.Context
	tx  pgx.Tx
}

func (t pgxTx) Commit() error   { return t.tx.Commit(t.ctx) }
func (t pgxTx) Rollback() error { return t.tx.Rollback(t.ctx) }
