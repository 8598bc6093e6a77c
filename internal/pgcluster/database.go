package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SQLSTATEs this file tells apart.
const (
	invalidCatalogName    = "3D000" // the database does not exist
	insufficientPrivilege = "42501"
	duplicateDatabase     = "42P04"
)

// EnsureDatabase makes sure the database url names exists on its server:
// it connects to it and, when the server answers that the database does
// not exist, creates it through the maintenance database (postgres, else
// template1) with the same credentials. created says whether it did.
//
// When the role may not create databases, the error is a *CreateError
// whose message is the command that does it. It is what `make run` runs
// before the build, so a wrong DATABASE_URL costs seconds, not a build.
func EnsureDatabase(ctx context.Context, url string) (created bool, err error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return false, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		return false, conn.Close(ctx)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) { // no server answered
		return false, fmt.Errorf("no PostgreSQL answers at %s (DATABASE_URL): start it, or unset DATABASE_URL to let Stratum find or start one: %w", where(cfg), err)
	}
	if pgErr.Code != invalidCatalogName {
		return false, fmt.Errorf("connect to database %q on %s as %q: %w", cfg.Database, where(cfg), cfg.User, err)
	}
	maint, err := connectMaintenance(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer maint.Close(ctx)
	return createIfMissing(ctx, maint, cfg)
}

// connectMaintenance connects with cfg's credentials to the maintenance
// database: postgres, or template1 where postgres was dropped.
func connectMaintenance(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	var err error
	for _, name := range []string{"postgres", "template1"} {
		m := cfg.Copy()
		m.Database = name
		var conn *pgx.Conn
		if conn, err = pgx.ConnectConfig(ctx, m); err == nil {
			return conn, nil
		}
		if !hasCode(err, invalidCatalogName) {
			break
		}
	}
	return nil, fmt.Errorf("database %q does not exist on %s, and connecting as %q to create it failed: %w", cfg.Database, where(cfg), cfg.User, err)
}

func createIfMissing(ctx context.Context, maint *pgx.Conn, cfg *pgx.ConnConfig) (bool, error) {
	var exists bool
	if err := maint.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", cfg.Database).Scan(&exists); err != nil {
		return false, err
	}
	if exists { // created since we looked
		return false, nil
	}
	_, err := maint.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{cfg.Database}.Sanitize())
	switch {
	case err == nil:
		return true, nil
	case hasCode(err, duplicateDatabase): // created concurrently
		return false, nil
	case hasCode(err, insufficientPrivilege):
		return false, &CreateError{Database: cfg.Database, Role: cfg.User, Host: cfg.Host, Port: cfg.Port, Err: err}
	}
	return false, fmt.Errorf("create database %q on %s: %w", cfg.Database, where(cfg), err)
}

// CreateError says that a database does not exist and that its role may not
// create it; its message is the command that does.
type CreateError struct {
	Database, Role, Host string
	Port                 uint16
	Err                  error
}

// SQL creates the database, owned by the role that will use it.
func (e *CreateError) SQL() string {
	return "CREATE DATABASE " + pgx.Identifier{e.Database}.Sanitize() + " OWNER " + pgx.Identifier{e.Role}.Sanitize()
}

// Command runs SQL as the postgres superuser with psql.
func (e *CreateError) Command() string {
	return fmt.Sprintf("psql -h %s -p %d -U postgres -d postgres -c %s", shellQuote(e.Host), e.Port, shellQuote(e.SQL()))
}

func (e *CreateError) Error() string {
	return fmt.Sprintf("database %q does not exist on %s:%d, and role %q may not create it (%v). Create it as a role that may, e.g.:\n  %s",
		e.Database, e.Host, e.Port, e.Role, e.Err, e.Command())
}

func (e *CreateError) Unwrap() error { return e.Err }

func hasCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

func where(cfg *pgx.ConnConfig) string {
	if strings.HasPrefix(cfg.Host, "/") {
		return fmt.Sprintf("the socket in %s (port %d)", cfg.Host, cfg.Port)
	}
	return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
