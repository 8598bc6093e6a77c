package db

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// A read request's shared transaction (shared.go) need not be a transaction
// at all: under READ COMMITTED every statement of a transaction takes its
// own snapshot, so a read-only transaction gives its statements nothing
// that each statement on its own would not have — except BEGIN and COMMIT,
// two round trips. So each of its statements goes to PostgreSQL as one
// pipeline of two statements and one Sync: the transaction-local tenant
// setting (and read-only mode), then the statement, each prepared once per
// connection (prepared.go). PostgreSQL runs the two in one implicit transaction that ends
// at the Sync; the setting ends with it, as it does at COMMIT
// (docs/adr/0028). A one-statement tenant read takes one round trip instead
// of three.
//
// Only a QueryContext without arguments (bun formats its arguments into the
// text) goes this way. Anything else in such a transaction — an
// ExecContext (SET LOCAL, an advisory lock, a write), a query with driver
// arguments, a prepare — first begins a real transaction (BEGIN READ ONLY
// and the tenant setting, one round trip), and the rest of the shared
// transaction runs in it as before.

// TenantImplicit is the tenant setting sent before each statement of an
// implicit tenant transaction, with the tenant written in (the prepared
// one takes it as its parameter; exported for the read-path benchmark,
// which replays the server's SQL).
func TenantImplicit(tenant uuid.UUID) string {
	return strings.Replace(tenantSettingSQL, "$1", "'"+tenant.String()+"'", 1)
}

// implicitTx is a shared read transaction begun without BEGIN (the driver
// Tx beginConn.BeginTx returns for it).
type implicitTx struct {
	c      *beginConn
	ctx    context.Context
	tenant uuid.UUID
	// real: a statement needed a transaction, which began; Commit and
	// Rollback end it.
	real bool
}

// begin turns t into a real transaction.
func (t *implicitTx) begin(ctx context.Context) error {
	if t.real {
		return nil
	}
	if _, err := t.c.Conn().PgConn().Exec(ctx, tenantBegin(t.tenant, true)).ReadAll(); err != nil {
		t.c.Conn().Close(ctx) // it may be inside a failed transaction
		return err
	}
	t.real = true
	return nil
}

func (t *implicitTx) end(q string) error {
	defer func() { t.c.implicit = nil }()
	if !t.real {
		return nil
	}
	tag, err := t.c.Conn().Exec(t.ctx, q)
	if err != nil {
		t.c.Conn().Close(t.ctx)
		return err
	}
	if q == "commit" && tag.String() == "ROLLBACK" {
		return errors.New("db: the transaction had failed and was rolled back")
	}
	return nil
}

func (t *implicitTx) Commit() error   { return t.end("commit") }
func (t *implicitTx) Rollback() error { return t.end("rollback") }

// query sends the tenant setting and q in one pipeline and returns q's
// rows; both go by name once prepared (prepared.go). When a prepared
// statement is not as the cache believes, the connection stops preparing
// and q is sent again, unnamed.
func (t *implicitTx) query(ctx context.Context, q string) (*implicitRows, error) {
	pc := t.c.Conn().PgConn()
	c := preparedOf(pc)
	rows, err := t.send(ctx, pc, c, q)
	if err != nil && stalePrepared(err) && !pc.IsClosed() && !c.off {
		c.turnOff()
		rows, err = t.send(ctx, pc, c, q)
	}
	return rows, err
}

// send is query's one attempt on pc, whose prepared statements c holds.
func (t *implicitTx) send(ctx context.Context, pc *pgconn.PgConn, c *preparedCache, q string) (*implicitRows, error) {
	name, prepare, evict := c.plan(q)
	prepareSetting := !c.off && !c.setting
	tenant := [][]byte{[]byte(t.tenant.String())}
	p := pc.StartPipeline(ctx)
	if prepareSetting {
		p.SendPrepare(tenantSettingName, tenantSettingSQL, nil)
	}
	if c.off {
		p.SendQueryParams(tenantSettingSQL, tenant, nil, nil, nil)
	} else {
		p.SendQueryPrepared(tenantSettingName, tenant, nil, nil)
	}
	if evict != "" {
		p.SendDeallocate(evict)
	}
	if prepare {
		p.SendPrepare(name, q, nil)
	}
	if name != "" {
		p.SendQueryPrepared(name, nil, nil, nil)
	} else {
		p.SendQueryParams(q, nil, nil, nil, nil)
	}
	p.SendPipelineSync()
	if err := p.Flush(); err != nil {
		return nil, closePipeline(p, err)
	}
	if prepareSetting {
		if _, err := p.GetResults(); err != nil {
			return nil, closePipeline(p, err)
		}
		c.setting = true
	}
	rr, err := nextRows(p)
	if err == nil {
		_, err = rr.Close()
	}
	if err == nil && evict != "" {
		_, err = p.GetResults()
	}
	if err == nil && prepare {
		if _, err = p.GetResults(); err == nil {
			c.prepared(q, name)
		}
	}
	if err == nil {
		rr, err = nextRows(p)
	}
	if err != nil {
		return nil, closePipeline(p, err)
	}
	return &implicitRows{p: p, rr: rr, m: t.c.Conn().TypeMap()}, nil
}

// nextRows is p's next result, a statement's rows.
func nextRows(p *pgconn.Pipeline) (*pgconn.ResultReader, error) {
	res, err := p.GetResults()
	if err != nil {
		return nil, err
	}
	rr, ok := res.(*pgconn.ResultReader)
	if !ok {
		return nil, fmt.Errorf("db: the pipeline returned %T, not rows", res)
	}
	return rr, nil
}

// firstRow runs q as query does and returns its first row's first column
// (nil: no row).
func (t *implicitTx) firstRow(ctx context.Context, q string) ([]byte, error) {
	rows, err := t.query(ctx, q)
	if err != nil {
		return nil, err
	}
	var row []byte
	if rows.rr.NextRow() {
		if v := rows.rr.Values(); len(v) > 0 && v[0] != nil {
			row = bytes.Clone(v[0])
		}
	}
	return row, rows.Close()
}

// closePipeline ends p (reading what is left of it up to its Sync) and
// returns err, else p's error.
func closePipeline(p *pgconn.Pipeline, err error) error {
	if cerr := p.Close(); err == nil {
		return cerr
	}
	return err
}

// implicitRows are a statement's rows as database/sql reads them, each
// value converted as pgx's database/sql driver converts it (text format).
type implicitRows struct {
	p      *pgconn.Pipeline
	rr     *pgconn.ResultReader
	m      *pgtype.Map
	closed bool
}

func (r *implicitRows) Columns() []string {
	fds := r.rr.FieldDescriptions()
	out := make([]string, len(fds))
	for i, f := range fds {
		out[i] = f.Name
	}
	return out
}

func (r *implicitRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	_, err := r.rr.Close()
	return closePipeline(r.p, err)
}

func (r *implicitRows) Next(dest []driver.Value) error {
	if !r.rr.NextRow() {
		if err := r.Close(); err != nil {
			return err
		}
		return io.EOF
	}
	fds := r.rr.FieldDescriptions()
	for i, src := range r.rr.Values() {
		if src == nil {
			dest[i] = nil
			continue
		}
		v, err := driverValue(r.m, fds[i].DataTypeOID, fds[i].Format, src)
		if err != nil {
			return fmt.Errorf("convert field %d: %w", i, err)
		}
		dest[i] = v
	}
	return nil
}

// driverValue converts src (valid until the next row) to the driver.Value
// pgx's stdlib gives database/sql for a column of type oid: bool, int64,
// float64, time.Time, []byte for bytea, JSON and XML, string otherwise.
func driverValue(m *pgtype.Map, oid uint32, format int16, src []byte) (driver.Value, error) {
	switch oid {
	case pgtype.BoolOID:
		return scanAs[bool](m, oid, format, src)
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		return scanAs[int64](m, oid, format, src)
	case pgtype.Float4OID, pgtype.Float8OID:
		return scanAs[float64](m, oid, format, src)
	case pgtype.CIDOID, pgtype.OIDOID, pgtype.XIDOID:
		return scanValuer[pgtype.Uint32](m, oid, format, src)
	case pgtype.DateOID:
		return scanValuer[pgtype.Date](m, oid, format, src)
	case pgtype.TimestampOID:
		return scanValuer[pgtype.Timestamp](m, oid, format, src)
	case pgtype.TimestamptzOID:
		return scanValuer[pgtype.Timestamptz](m, oid, format, src)
	case pgtype.JSONOID, pgtype.JSONBOID, pgtype.XMLOID:
		if format == pgtype.TextFormatCode {
			return bytes.Clone(src), nil
		}
		return scanAs[[]byte](m, oid, format, src)
	case pgtype.ByteaOID:
		return scanAs[[]byte](m, oid, format, src)
	}
	if format == pgtype.TextFormatCode {
		return string(src), nil
	}
	return scanAs[string](m, oid, format, src)
}

// scanAs is src scanned into a T.
func scanAs[T any](m *pgtype.Map, oid uint32, format int16, src []byte) (driver.Value, error) {
	var d T
	if err := m.Scan(oid, format, src, &d); err != nil {
		return nil, err
	}
	return d, nil
}

// scanValuer is src scanned into a T, as its driver.Value.
func scanValuer[T any, P interface {
	*T
	driver.Valuer
}](m *pgtype.Map, oid uint32, format int16, src []byte) (driver.Value, error) {
	var d T
	if err := m.Scan(oid, format, src, P(&d)); err != nil {
		return nil, err
	}
	return P(&d).Value()
}

// QueryContext implements driver.QueryerContext: in an implicit tenant
// transaction, an argument-free query goes with the tenant setting in one
// round trip; anything else as pgx's stdlib sends it, in a real
// transaction.
func (c *beginConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if t := c.implicit; t != nil && !t.real {
		if len(args) == 0 {
			return t.query(ctx, query)
		}
		if err := t.begin(ctx); err != nil {
			return nil, err
		}
	}
	return c.pgxStdConn.QueryContext(ctx, query, args)
}

// ExecContext implements driver.ExecerContext: in an implicit tenant
// transaction it first begins a real one (the statement may set something
// for the statements after it, or take a lock).
func (c *beginConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.beginReal(ctx); err != nil {
		return nil, err
	}
	return c.pgxStdConn.ExecContext(ctx, query, args)
}

// PrepareContext implements driver.ConnPrepareContext, beginning a real
// transaction first like ExecContext.
func (c *beginConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.beginReal(ctx); err != nil {
		return nil, err
	}
	return c.pgxStdConn.PrepareContext(ctx, query)
}

// beginReal turns the connection's implicit tenant transaction, if one is
// open, into a real one.
func (c *beginConn) beginReal(ctx context.Context) error {
	if t := c.implicit; t != nil {
		return t.begin(ctx)
	}
	return nil
}

// Prepare implements driver.Conn (database/sql uses PrepareContext).
func (c *beginConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}
