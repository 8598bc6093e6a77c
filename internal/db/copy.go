package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// PgxConn runs pgx-native work (COPY) on the connection of a transaction
// InTenantConn opened. fn must not use the transaction's bun.Tx while it
// runs (the connection is locked for fn), nor keep c after it returns.
type PgxConn func(ctx context.Context, fn func(c *pgx.Conn) error) error

// InTenantConn is InTenant on a connection of its own (never a request's
// shared read transaction), for writers that mix bun statements, River's
// InsertTx and pgx's CopyFrom in one transaction: raw hands fn's pgx work
// the very connection the transaction runs on.
func (d *DB) InTenantConn(ctx context.Context, tenantID uuid.UUID, fn func(ctx context.Context, tx bun.Tx, raw PgxConn) error) error {
	if tenantID == uuid.Nil {
		return ErrNoTenant
	}
	conn, err := d.Bun.Conn(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Close()
	raw := func(ctx context.Context, f func(c *pgx.Conn) error) error {
		return conn.Raw(func(dc any) error {
			sc, ok := dc.(interface{ Conn() *pgx.Conn })
			if !ok {
				return fmt.Errorf("db: the driver connection is %T, not pgx's", dc)
			}
			return f(sc.Conn())
		})
	}
	return conn.RunInTx(withBegin(ctx, tenantBegin(tenantID, false)), &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		return fn(d.withTx(ctx, tx, d.clock().Now()), tx, raw)
	})
}
