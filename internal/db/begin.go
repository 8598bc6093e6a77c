package db

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
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
	sql string
	// implicit, when set instead of sql, is the tenant of an implicit read
	// transaction (implicit.go): nothing is sent at begin but the first
	// read, if any.
	implicit uuid.UUID
	used     atomic.Bool
	// first, when set, is a read sent in the same message (WithFirstRead).
	first *firstRead
}

type beginKey struct{}

// withBegin returns ctx whose next transaction begins with q, and with the
// first read ctx carries (WithFirstRead) if it has not been sent yet.
func withBegin(ctx context.Context, q string) context.Context {
	return withBeginQuery(ctx, &beginQuery{sql: q}, ctx)
}

// withImplicitFirst returns ctx whose next transaction is an implicit read
// transaction of tenant (implicit.go), with the first read the context
// from carries if it has not been sent yet (a shared transaction begins in
// the request's context on behalf of a caller's).
func withImplicitFirst(ctx context.Context, tenant uuid.UUID, from context.Context) context.Context {
	return withBeginQuery(ctx, &beginQuery{implicit: tenant}, from)
}

// withBeginQuery returns ctx carrying bq, with from's unsent first read.
func withBeginQuery(ctx context.Context, bq *beginQuery, from context.Context) context.Context {
	if fr, ok := from.Value(firstReadKey{}).(*firstRead); ok && !fr.sent {
		bq.first = fr
	}
	return context.WithValue(ctx, beginKey{}, bq)
}

// firstRead is a read that rides in a tenant transaction's begin message.
type firstRead struct {
	query string
	// sent: a transaction began with it; row is its first row's first
	// column (nil: no row). Written by the BeginTx that sends it, read by
	// the caller's fn afterwards (the begin happens before fn runs).
	sent bool
	row  []byte
}

type firstReadKey struct{}

// WithFirstRead returns ctx whose next tenant transaction (InTenant, its
// own or a read request's shared one) sends query — a statement returning
// at most one row, read from its first column — in its begin message, after
// BEGIN and the tenant setting: one round trip for all three instead of two.
// Every signed-in GraphQL operation reads its tenant's entitlements first
// (billing.Service.Entitlements). The query runs in the transaction, under
// its row-level security. If the transaction had already begun (a shared
// one), nothing is sent and FirstRead reports false: the caller reads as
// usual.
func WithFirstRead(ctx context.Context, query string) context.Context {
	return context.WithValue(ctx, firstReadKey{}, &firstRead{query: query})
}

// FirstRead returns what the begin message's read (WithFirstRead) returned:
// the first column of its row, and ok when the transaction fn runs in began
// with it and it found a row.
func FirstRead(ctx context.Context) ([]byte, bool) {
	fr, ok := ctx.Value(firstReadKey{}).(*firstRead)
	if !ok || !fr.sent || fr.row == nil {
		return nil, false
	}
	return fr.row, true
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
type beginConn struct {
	*pgxStdConn
	// implicit is the implicit tenant transaction open on the connection
	// (implicit.go), nil when none is.
	implicit *implicitTx
}

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
	if bq.implicit != uuid.Nil {
		t := &implicitTx{c: c, ctx: ctx, tenant: bq.implicit}
		if bq.first != nil {
			row, err := t.firstRow(ctx, bq.first.query)
			if err != nil {
				return nil, err
			}
			bq.first.sent, bq.first.row = true, row
		}
		c.implicit = t
		return t, nil
	}
	if bq.first != nil {
		return beginWithRead(ctx, conn, bq)
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

// beginWithRead begins a transaction with bq's begin query and its first
// read in one simple-protocol message, keeping the read's first column.
// On error the connection is closed, as pgx does when a begin fails (it
// may be inside a failed transaction), so the pool never hands it out.
func beginWithRead(ctx context.Context, conn *pgx.Conn, bq *beginQuery) (driver.Tx, error) {
	results, err := conn.PgConn().Exec(ctx, bq.sql+"; "+bq.first.query).ReadAll()
	if err == nil && len(results) != strings.Count(bq.sql, ";")+2 {
		err = fmt.Errorf("db: the begin message returned %d results", len(results))
	}
	if err != nil {
		conn.Close(ctx)
		return nil, err
	}
	bq.first.sent = true
	if rows := results[len(results)-1].Rows; len(rows) > 0 && len(rows[0]) > 0 && rows[0][0] != nil {
		bq.first.row = bytes.Clone(rows[0][0])
	}
	return &readTx{ctx: ctx, conn: conn}, nil
}

// readTx is a transaction begun by beginWithRead: pgx's Commit and
// Rollback, on the connection.
type readTx struct {
	ctx  context.Context
	conn *pgx.Conn
}

func (t *readTx) Commit() error {
	tag, err := t.conn.Exec(t.ctx, "commit")
	if err != nil {
		t.conn.Close(t.ctx)
		return err
	}
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback // the transaction had failed
	}
	return nil
}

func (t *readTx) Rollback() error {
	if _, err := t.conn.Exec(t.ctx, "rollback"); err != nil {
		t.conn.Close(t.ctx)
		return err
	}
	return nil
}
