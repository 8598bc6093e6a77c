package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/stratumhq/stratum/migrations"
)

// RoleGroup is the NOLOGIN role that migrations grant table privileges to.
// The application's login role is made a member of it; neither has
// SUPERUSER or BYPASSRLS, and neither owns a table (see docs/adr/0004).
const RoleGroup = "stratum_rw"

// VersionTable is goose's bookkeeping table: one row per applied Stratum
// migration (plus goose's version 0). The application role may read it for
// /readyz.
const VersionTable = "goose_db_version"

// legacyVersionTable is the bookkeeping table of the hand-written migrator
// that goose replaced (docs/adr/0011). It is read once, to seed VersionTable
// in databases migrated before the switch, and otherwise left as it was.
const legacyVersionTable = "schema_migrations"

// migrationLockKey is the session advisory lock taken (through goose's
// lock package) around every migration step, so that several replicas can
// start at once. It is the key the hand-written migrator used, so a replica
// of the previous release starting during a rolling deploy waits as well.
const migrationLockKey int64 = 0x5374726174756d // "Stratum"

// Migration is one of Stratum's migrations and whether it has been applied.
type Migration struct {
	Version int64
	// Name is the file name without the version prefix and .sql.
	Name string
	// AppliedAt is nil while the migration is pending.
	AppliedAt *time.Time
}

// Migrator applies migrations as the schema owner: River's through
// rivermigrate, Stratum's (migrations/, goose SQL files) through goose.
type Migrator struct {
	// OwnerURL connects as the role that owns the schema.
	OwnerURL string
	// AppRole is the application's login role (made a member of RoleGroup).
	AppRole string
	// AppPassword is set on AppRole when it is created or updated; empty
	// means the role is managed elsewhere and left alone.
	AppPassword string
	// Log receives one line per applied migration.
	Log func(format string, args ...any)
}

func (m *Migrator) logf(format string, args ...any) {
	if m.Log != nil {
		m.Log(format, args...)
	}
}

// locker returns a new goose session locker on migrationLockKey; a waiting
// replica tries again every second, for up to ten minutes. A locker serves
// one acquisition only: goose keeps the retry budget in the locker, so a
// reused one would share it across acquisitions.
func locker() (lock.SessionLocker, error) {
	return lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockKey), lock.WithLockTimeout(1, 600))
}

func newProvider(db *sql.DB, opts ...goose.ProviderOption) (*goose.Provider, error) {
	opts = append(opts, goose.WithTableName(VersionTable), goose.WithDisableGlobalRegistry(true))
	return goose.NewProvider(goose.DialectPostgres, db, migrations.FS, opts...)
}

// run opens an owner pool, runs prepare on one of its connections under the
// migration lock, then op with a goose provider that takes the same lock
// around each of its operations.
func (m *Migrator) run(ctx context.Context, prepare func(pool *pgxpool.Pool, conn *sql.Conn) error, op func(p *goose.Provider) error) error {
	cfg, err := pgxpool.ParseConfig(m.OwnerURL)
	if err != nil {
		return fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	sqldb := stdlib.OpenDBFromPool(pool)
	defer sqldb.Close()
	if err := withLock(ctx, sqldb, func(conn *sql.Conn) error { return prepare(pool, conn) }); err != nil {
		return err
	}
	l, err := locker()
	if err != nil {
		return err
	}
	p, err := newProvider(sqldb, goose.WithSessionLocker(l))
	if err != nil {
		return err
	}
	return op(p)
}

// withLock runs fn on one connection holding the migration lock.
func withLock(ctx context.Context, sqldb *sql.DB, fn func(conn *sql.Conn) error) (err error) {
	l, err := locker()
	if err != nil {
		return err
	}
	conn, err := sqldb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect as owner: %w", err)
	}
	defer conn.Close()
	if err := l.SessionLock(ctx, conn); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer func() {
		if uerr := l.SessionUnlock(context.WithoutCancel(ctx), conn); uerr != nil && err == nil {
			err = fmt.Errorf("release migration lock: %w", uerr)
		}
	}()
	return fn(conn)
}

// adoptOnly is the preparation of down and status: only the bookkeeping.
func adoptOnly(ctx context.Context) func(*pgxpool.Pool, *sql.Conn) error {
	return func(_ *pgxpool.Pool, conn *sql.Conn) error { return ensureVersionTable(ctx, conn) }
}

// Up applies River's migrations, the roles, and every pending Stratum
// migration. It is safe to call from several replicas at once: each
// migration is applied once, the others wait for the lock and find nothing
// to do.
func (m *Migrator) Up(ctx context.Context) error {
	prepare := func(pool *pgxpool.Pool, conn *sql.Conn) error {
		if err := m.ensureRoles(ctx, conn); err != nil {
			return err
		}
		if err := m.migrateRiver(ctx, pool, conn); err != nil {
			return err
		}
		return ensureVersionTable(ctx, conn)
	}
	return m.run(ctx, prepare, func(p *goose.Provider) error {
		res, err := p.Up(ctx)
		var partial *goose.PartialError
		if errors.As(err, &partial) {
			res = partial.Applied
			err = fmt.Errorf("migration %s: %w", sourceName(partial.Failed.Source), partial.Err)
		}
		for _, r := range res {
			m.logf("applied migration %s", sourceName(r.Source))
		}
		return err
	})
}

// Down reverts the newest applied Stratum migration (River's are left alone).
func (m *Migrator) Down(ctx context.Context) error {
	return m.run(ctx, adoptOnly(ctx), func(p *goose.Provider) error {
		res, err := p.Down(ctx)
		var partial *goose.PartialError
		switch {
		case errors.Is(err, goose.ErrNoNextVersion):
			m.logf("nothing to revert")
			return nil
		case errors.As(err, &partial):
			return fmt.Errorf("revert %s: %w", sourceName(partial.Failed.Source), partial.Err)
		case err != nil:
			return err
		}
		m.logf("reverted migration %s", sourceName(res.Source))
		return nil
	})
}

// Status lists every Stratum migration with its applied time (nil when
// pending), in version order.
func (m *Migrator) Status(ctx context.Context) ([]Migration, error) {
	var out []Migration
	err := m.run(ctx, adoptOnly(ctx), func(p *goose.Provider) error {
		st, err := p.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			mig := Migration{Version: s.Source.Version, Name: migrationName(s.Source)}
			if s.State == goose.StateApplied {
				at := s.AppliedAt
				mig.AppliedAt = &at
			}
			out = append(out, mig)
		}
		return nil
	})
	return out, err
}

// Pending counts the Stratum migrations not yet applied, reading
// VersionTable with any role that may select it (used by /readyz). It never
// writes: a database that no migrator of this release has run on yet is
// reported as an error.
func Pending(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", VersionTable).Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, fmt.Errorf("%s does not exist: run stratum migrate up", VersionTable)
	}
	sqldb := stdlib.OpenDBFromPool(pool)
	defer sqldb.Close()
	p, err := newProvider(sqldb)
	if err != nil {
		return 0, err
	}
	pending, err := p.HasPending(ctx)
	if err != nil || !pending {
		return 0, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range st {
		if s.State == goose.StatePending {
			n++
		}
	}
	return n, nil
}

// migrationName is a migration file's name without its version and .sql:
// "0001_foundation.sql" is "foundation".
func migrationName(s *goose.Source) string {
	base := strings.TrimSuffix(path.Base(s.Path), ".sql")
	if _, name, ok := strings.Cut(base, "_"); ok {
		return name
	}
	return base
}

func sourceName(s *goose.Source) string {
	return fmt.Sprintf("%04d %s", s.Version, migrationName(s))
}

// ensureVersionTable creates goose's version table (as goose would) when it
// is missing. In a database migrated before goose it is seeded, in the same
// transaction, with the versions and times recorded in legacyVersionTable,
// so goose does not apply them again. Callers hold the migration lock.
func ensureVersionTable(ctx context.Context, conn *sql.Conn) error {
	store, err := database.NewStore(goose.DialectPostgres, VersionTable)
	if err != nil {
		return err
	}
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", VersionTable).Scan(&exists); err != nil {
		return fmt.Errorf("check %s: %w", VersionTable, err)
	}
	if exists {
		return grantVersionTable(ctx, conn)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := store.CreateVersionTable(ctx, tx); err != nil {
		return fmt.Errorf("create %s: %w", VersionTable, err)
	}
	if err := store.Insert(ctx, tx, database.InsertRequest{Version: 0}); err != nil {
		return err
	}
	var legacy bool
	if err := tx.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", legacyVersionTable).Scan(&legacy); err != nil {
		return err
	}
	if legacy {
		// goose reads tstamp (timestamp without time zone) as UTC.
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+VersionTable+` (version_id, is_applied, tstamp)
			SELECT version, true, applied_at AT TIME ZONE 'UTC' FROM `+legacyVersionTable+` ORDER BY version`); err != nil {
			return fmt.Errorf("copy %s: %w", legacyVersionTable, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return grantVersionTable(ctx, conn)
}

// grantVersionTable lets the application role read VersionTable for /readyz.
func grantVersionTable(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "GRANT SELECT ON "+VersionTable+" TO "+RoleGroup); err != nil {
		return fmt.Errorf("grant %s: %w", VersionTable, err)
	}
	return nil
}

// migrateRiver applies River's own migrations and grants its tables.
func (m *Migrator) migrateRiver(ctx context.Context, pool *pgxpool.Pool, conn *sql.Conn) error {
	rm, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return err
	}
	res, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	for _, v := range res.Versions {
		m.logf("applied river migration %03d %s", v.Version, v.Name)
	}
	return grantRiver(ctx, conn)
}

// ensureRoles creates the privilege group and the application login role
// (both without SUPERUSER and BYPASSRLS).
func (m *Migrator) ensureRoles(ctx context.Context, conn *sql.Conn) error {
	stmts := []string{fmt.Sprintf(`DO $$ BEGIN
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s') THEN
			CREATE ROLE %s NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
		END IF;
	END $$`, RoleGroup, RoleGroup)}
	if m.AppRole != "" {
		role := pgx.Identifier{m.AppRole}.Sanitize()
		lit := strings.ReplaceAll(m.AppRole, "'", "''")
		stmts = append(stmts, fmt.Sprintf(`DO $$ BEGIN
			IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s') THEN
				CREATE ROLE %s LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
			END IF;
		END $$`, lit, role))
		if m.AppPassword != "" {
			pw := strings.ReplaceAll(m.AppPassword, "'", "''")
			stmts = append(stmts, fmt.Sprintf("ALTER ROLE %s LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '%s'", role, pw))
		}
		stmts = append(stmts, fmt.Sprintf("GRANT %s TO %s", RoleGroup, role))
	}
	stmts = append(stmts, "GRANT USAGE ON SCHEMA public TO "+RoleGroup)
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			// Concurrent CREATE ROLE from another database of the same cluster.
			if strings.Contains(err.Error(), "already exists") || strings.Contains(err.Error(), "tuple concurrently updated") {
				continue
			}
			return fmt.Errorf("roles: %w", err)
		}
	}
	return nil
}

// grantRiver lets the application role use River's tables and sequences.
func grantRiver(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, fmt.Sprintf(`DO $$
	DECLARE r record;
	BEGIN
		FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relname LIKE 'river%%' AND c.relkind IN ('r','S','p') LOOP
			IF r.relkind = 'S' THEN
				EXECUTE format('GRANT USAGE, SELECT, UPDATE ON SEQUENCE %%I TO %s', r.relname);
			ELSE
				EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %%I TO %s', r.relname);
			END IF;
		END LOOP;
	END $$`, RoleGroup, RoleGroup))
	if err != nil {
		return fmt.Errorf("grant river tables: %w", err)
	}
	return nil
}

// AppURL derives the application role's URL from the owner URL: same host
// and database, user role and password password.
func AppURL(ownerURL, role, password string) (string, error) {
	cfg, err := pgx.ParseConfig(ownerURL)
	if err != nil {
		return "", err
	}
	u := fmt.Sprintf("postgres://%s:%s@%s:%d/%s", urlEscape(role), urlEscape(password), cfg.Host, cfg.Port, urlEscape(cfg.Database))
	if strings.HasPrefix(cfg.Host, "/") {
		u = fmt.Sprintf("postgres://%s:%s@/%s?host=%s", urlEscape(role), urlEscape(password), urlEscape(cfg.Database), urlEscape(cfg.Host))
		return u, nil
	}
	return u + "?sslmode=" + sslMode(ownerURL), nil
}
