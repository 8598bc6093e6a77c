package db

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/stratumhq/stratum/migrations"
)

// RoleGroup is the NOLOGIN role that migrations grant table privileges to.
// The application's login role is made a member of it; neither has
// SUPERUSER or BYPASSRLS, and neither owns a table (see docs/adr/0004).
const RoleGroup = "stratum_rw"

// migrationLockKey is the pg_advisory_lock key taken around migrations so
// that several replicas can start at once.
const migrationLockKey int64 = 0x5374726174756d // "Stratum"

// Migration is one of Stratum's migrations and whether it has been applied.
type Migration struct {
	Version   int
	Name      string
	Up, Down  string
	AppliedAt *time.Time
}

var migrationFile = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$`)

// Migrations lists the embedded migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		m := migrationFile.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		var v int
		fmt.Sscanf(m[1], "%d", &v)
		body, err := fs.ReadFile(migrations.FS, e.Name())
		if err != nil {
			return nil, err
		}
		mig := byVersion[v]
		if mig == nil {
			mig = &Migration{Version: v, Name: m[2]}
			byVersion[v] = mig
		}
		if m[3] == "up" {
			mig.Up = string(body)
		} else {
			mig.Down = string(body)
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrator applies migrations as the schema owner.
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

// withLock opens an owner pool, takes the migration advisory lock on one of
// its connections and runs fn.
func (m *Migrator) withLock(ctx context.Context, fn func(ctx context.Context, pool *pgxpool.Pool, conn *pgx.Conn) error) error {
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
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect as owner: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	return fn(ctx, pool, conn.Conn())
}

// Up applies River's migrations, the roles, and every pending Stratum migration.
func (m *Migrator) Up(ctx context.Context) error {
	return m.withLock(ctx, func(ctx context.Context, pool *pgxpool.Pool, conn *pgx.Conn) error {
		if err := m.ensureRoles(ctx, conn); err != nil {
			return err
		}
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
		if err := grantRiver(ctx, conn); err != nil {
			return err
		}
		all, err := m.statusOn(ctx, conn)
		if err != nil {
			return err
		}
		for _, mig := range all {
			if mig.AppliedAt != nil {
				continue
			}
			if err := applyTx(ctx, conn, mig.Up, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", mig.Version, mig.Name); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", mig.Version, mig.Name, err)
			}
			m.logf("applied migration %04d %s", mig.Version, mig.Name)
		}
		return nil
	})
}

// Down reverts the newest applied Stratum migration (River's are left alone).
func (m *Migrator) Down(ctx context.Context) error {
	return m.withLock(ctx, func(ctx context.Context, _ *pgxpool.Pool, conn *pgx.Conn) error {
		all, err := m.statusOn(ctx, conn)
		if err != nil {
			return err
		}
		for i := len(all) - 1; i >= 0; i-- {
			mig := all[i]
			if mig.AppliedAt == nil {
				continue
			}
			if err := applyTx(ctx, conn, mig.Down, "DELETE FROM schema_migrations WHERE version = $1 AND name = $2", mig.Version, mig.Name); err != nil {
				return fmt.Errorf("revert %04d_%s: %w", mig.Version, mig.Name, err)
			}
			m.logf("reverted migration %04d %s", mig.Version, mig.Name)
			return nil
		}
		m.logf("nothing to revert")
		return nil
	})
}

// Status lists every migration with its applied time (nil when pending).
func (m *Migrator) Status(ctx context.Context) ([]Migration, error) {
	var out []Migration
	err := m.withLock(ctx, func(ctx context.Context, _ *pgxpool.Pool, conn *pgx.Conn) (err error) {
		out, err = m.statusOn(ctx, conn)
		return err
	})
	return out, err
}

func (m *Migrator) statusOn(ctx context.Context, conn *pgx.Conn) ([]Migration, error) {
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, err
	}
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	rows, err := conn.Query(ctx, "SELECT version, applied_at FROM schema_migrations")
	if err != nil {
		return nil, err
	}
	applied := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at time.Time
		if err := rows.Scan(&v, &at); err != nil {
			return nil, err
		}
		applied[v] = at
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range all {
		if at, ok := applied[all[i].Version]; ok {
			all[i].AppliedAt = &at
		}
	}
	return all, nil
}

// Pending counts the migrations not yet applied, reading schema_migrations
// with any role that may select it (used by /readyz).
func Pending(ctx context.Context, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}) (int, error) {
	all, err := Migrations()
	if err != nil {
		return 0, err
	}
	rows, err := q.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return len(all), err
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return len(all), err
	}
	set := map[int]bool{}
	for _, v := range applied {
		set[v] = true
	}
	n := 0
	for _, m := range all {
		if !set[m.Version] {
			n++
		}
	}
	return n, nil
}

func applyTx(ctx context.Context, conn *pgx.Conn, body, record string, version int, name string) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, body); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, record, version, name); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// ensureRoles creates the privilege group and the application login role
// (both without SUPERUSER and BYPASSRLS) and lets the app role read
// schema_migrations for /readyz.
func (m *Migrator) ensureRoles(ctx context.Context, conn *pgx.Conn) error {
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
	stmts = append(stmts,
		"GRANT USAGE ON SCHEMA public TO "+RoleGroup,
		`CREATE TABLE IF NOT EXISTS schema_migrations (
			version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
		"GRANT SELECT ON schema_migrations TO "+RoleGroup,
	)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
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
func grantRiver(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, fmt.Sprintf(`DO $$
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
