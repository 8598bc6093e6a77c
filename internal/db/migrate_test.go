package db_test

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/migrations"
)

// migrationFile is the one accepted shape of a file in migrations/.
var migrationFile = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// migrateBundle is an empty database, a migrator on it that records its log
// lines, and the migration files it should apply.
type migrateBundle struct {
	ownerURL string
	migrator *db.Migrator
	files    []db.Migration // Version and Name of every file, in order

	mu   sync.Mutex
	logs []string
}

func setupMigrate(t *testing.T) *migrateBundle {
	t.Helper()
	b := &migrateBundle{ownerURL: testdb.NewEmpty(t)}
	b.migrator = b.newMigrator()
	entries, err := fs.ReadDir(migrations.FS, ".")
	require.NoError(t, err)
	for _, e := range entries {
		if m := migrationFile.FindStringSubmatch(e.Name()); m != nil {
			var v int64
			fmt.Sscanf(m[1], "%d", &v)
			b.files = append(b.files, db.Migration{Version: v, Name: m[2]})
		}
	}
	require.NotEmpty(t, b.files)
	return b
}

// newMigrator is one replica's migrator; all of them log into b.logs.
func (b *migrateBundle) newMigrator() *db.Migrator {
	return &db.Migrator{OwnerURL: b.ownerURL, AppRole: testdb.AppRole, AppPassword: config.DevAppDBPassword,
		Log: func(f string, a ...any) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.logs = append(b.logs, fmt.Sprintf(f, a...))
		}}
}

// logged counts the log lines starting with prefix.
func (b *migrateBundle) logged(prefix string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, l := range b.logs {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

func (b *migrateBundle) owner(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), b.ownerURL)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// appDB connects as the application role, as /readyz does.
func (b *migrateBundle) appDB(t *testing.T) *db.DB {
	t.Helper()
	u, err := db.AppURL(b.ownerURL, testdb.AppRole, config.DevAppDBPassword)
	require.NoError(t, err)
	d, err := db.Open(context.Background(), u, 2)
	require.NoError(t, err)
	t.Cleanup(d.Close)
	return d
}

// recorded returns how many times goose recorded each version as applied.
func recorded(t *testing.T, conn *pgx.Conn) map[int64]int {
	t.Helper()
	rows, err := conn.Query(context.Background(),
		"SELECT version_id, count(*) FROM "+db.VersionTable+" WHERE is_applied AND version_id > 0 GROUP BY version_id")
	require.NoError(t, err)
	out := map[int64]int{}
	for rows.Next() {
		var v int64
		var n int
		require.NoError(t, rows.Scan(&v, &n))
		out[v] = n
	}
	require.NoError(t, rows.Err())
	return out
}

func exists(t *testing.T, conn *pgx.Conn, relation string) bool {
	t.Helper()
	var ok bool
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL", relation).Scan(&ok))
	return ok
}

// stratumTables lists the public tables that are neither River's nor goose's.
func stratumTables(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT tablename FROM pg_tables
		WHERE schemaname = 'public' AND tablename NOT LIKE 'river%' AND tablename <> $1 ORDER BY 1`, db.VersionTable)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return names
}

// schemaShape lists table.column of Stratum's tables (not the bookkeeping
// ones), the signatures of its functions, and its tables' constraints,
// indexes and row-security policies: it changes with every migration that
// changes the schema (0038 changes only a check constraint and an index,
// 0068 only a policy), whichever is the newest.
func schemaShape(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT table_name || '.' || column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name NOT LIKE 'river%' AND table_name NOT IN ($1, 'schema_migrations')
		UNION ALL
		SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' FROM pg_proc p
		JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.proname NOT LIKE 'river%'
		UNION ALL
		SELECT c.conrelid::regclass::text || ' ' || pg_get_constraintdef(c.oid) FROM pg_constraint c
		JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' AND c.conrelid <> 0
		AND c.conrelid::regclass::text NOT LIKE 'river%' AND c.conrelid::regclass::text NOT IN ($1, 'schema_migrations')
		UNION ALL
		SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE 'river%'
		AND tablename NOT IN ($1, 'schema_migrations')
		UNION ALL
		SELECT tablename || ' policy ' || policyname || ' USING ' || coalesce(qual, '') || ' WITH CHECK ' || coalesce(with_check, '')
		FROM pg_policies WHERE schemaname = 'public'
		UNION ALL
		SELECT 'view ' || viewname || ' ' || definition FROM pg_views WHERE schemaname = 'public'
		ORDER BY 1`, db.VersionTable)
	require.NoError(t, err)
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return cols
}

func TestMigrationFilesAreGooseFiles(t *testing.T) {
	t.Parallel()
	entries, err := fs.ReadDir(migrations.FS, ".")
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, e := range entries {
		m := migrationFile.FindStringSubmatch(e.Name())
		require.NotNil(t, m, "%s: a migration is one file NNNN_name.sql with -- +goose Up and -- +goose Down sections (see migrations/embed.go)", e.Name())
		require.False(t, seen[m[1]], "%s: version %s is used twice", e.Name(), m[1])
		seen[m[1]] = true
		body, err := fs.ReadFile(migrations.FS, e.Name())
		require.NoError(t, err)
		require.Regexp(t, `(?m)^-- \+goose Up$`, string(body), e.Name())
		require.Regexp(t, `(?m)^-- \+goose Down$`, string(body), e.Name())
	}
	require.NotEmpty(t, seen)
}

// Several replicas starting at once on a fresh database: each migration is
// applied exactly once and every replica succeeds.
func TestMigrateConcurrentUp(t *testing.T) {
	t.Parallel()
	b := setupMigrate(t)
	ctx := context.Background()
	const replicas = 4
	errs := make(chan error, replicas)
	start := make(chan struct{})
	for range replicas {
		m := b.newMigrator()
		go func() {
			<-start
			errs <- m.Up(ctx)
		}()
	}
	close(start)
	for range replicas {
		require.NoError(t, <-errs)
	}

	conn := b.owner(t)
	want := map[int64]int{}
	for _, f := range b.files {
		want[f.Version] = 1
	}
	require.Equal(t, want, recorded(t, conn), "each version recorded once")
	require.Equal(t, len(b.files), b.logged("applied migration "), "each migration applied by exactly one replica: %q", b.logs)
	require.Positive(t, b.logged("applied river migration "), "River's migrations ran")
	var riverDup int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) - count(DISTINCT (line, version)) FROM river_migration").Scan(&riverDup))
	require.Zero(t, riverDup, "River migrations recorded once")

	n, err := db.Pending(ctx, b.appDB(t).Pool)
	require.NoError(t, err)
	require.Zero(t, n)
}

// Status lists every version; down reverts one migration at a time down to
// nothing, and up brings the same schema back.
func TestMigrateUpDownUp(t *testing.T) {
	t.Parallel()
	b := setupMigrate(t)
	ctx := context.Background()
	conn := b.owner(t)

	st, err := b.migrator.Status(ctx)
	require.NoError(t, err)
	require.Len(t, st, len(b.files))
	for i, s := range st {
		require.Equal(t, b.files[i].Version, s.Version)
		require.Equal(t, b.files[i].Name, s.Name)
		require.Nil(t, s.AppliedAt, "%04d pending before up", s.Version)
	}

	require.NoError(t, b.migrator.Up(ctx))
	tables := stratumTables(t, conn)
	require.Contains(t, tables, "tenants")
	require.Contains(t, tables, "incidents")
	full := schemaShape(t, conn)
	st, err = b.migrator.Status(ctx)
	require.NoError(t, err)
	for _, s := range st {
		require.NotNil(t, s.AppliedAt, "%04d applied after up", s.Version)
	}
	app := b.appDB(t)
	n, err := db.Pending(ctx, app.Pool)
	require.NoError(t, err)
	require.Zero(t, n)

	// Down reverts the newest migration only; /readyz sees it pending.
	require.NoError(t, b.migrator.Down(ctx))
	last := b.files[len(b.files)-1]
	require.NotEqual(t, full, schemaShape(t, conn), "%04d %s reverted", last.Version, last.Name)
	require.True(t, exists(t, conn, "tenants"))
	st, err = b.migrator.Status(ctx)
	require.NoError(t, err)
	require.Nil(t, st[len(st)-1].AppliedAt)
	require.NotNil(t, st[len(st)-2].AppliedAt)
	n, err = db.Pending(ctx, app.Pool)
	require.NoError(t, err)
	require.Equal(t, 1, n)

	// Every down section runs; then there is nothing left to revert.
	for range len(b.files) - 1 {
		require.NoError(t, b.migrator.Down(ctx))
	}
	require.Empty(t, stratumTables(t, conn))
	require.Equal(t, len(b.files), b.logged("reverted migration "))
	require.NoError(t, b.migrator.Down(ctx))
	require.Equal(t, 1, b.logged("nothing to revert"))

	require.NoError(t, b.migrator.Up(ctx))
	require.Equal(t, tables, stratumTables(t, conn))
	require.Equal(t, full, schemaShape(t, conn))
	n, err = db.Pending(ctx, app.Pool)
	require.NoError(t, err)
	require.Zero(t, n)
}

// /readyz on a database no migrator has run on is not ready (and the check
// creates nothing).
func TestPendingBeforeAnyMigration(t *testing.T) {
	t.Parallel()
	b := setupMigrate(t)
	ctx := context.Background()
	conn := b.owner(t)
	owner, err := db.Open(ctx, b.ownerURL, 2) // the owner could create the table; Pending must not
	require.NoError(t, err)
	t.Cleanup(owner.Close)
	_, err = db.Pending(ctx, owner.Pool)
	require.ErrorContains(t, err, "migrate up")
	require.False(t, exists(t, conn, db.VersionTable))
}

// A database migrated by the hand-written migrator (bookkeeping in
// schema_migrations) is taken over: goose's table is seeded from it, nothing
// already applied runs again, and the pending migrations are applied.
func TestMigrateAdoptsLegacyBookkeeping(t *testing.T) {
	t.Parallel()
	b := setupMigrate(t)
	ctx := context.Background()
	conn := b.owner(t)

	// The state the previous release leaves: every migration but the newest
	// applied, recorded only in schema_migrations.
	require.NoError(t, b.migrator.Up(ctx))
	full := schemaShape(t, conn)
	require.NoError(t, b.migrator.Down(ctx))
	_, err := conn.Exec(ctx, "DROP TABLE "+db.VersionTable)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `CREATE TABLE schema_migrations (
		version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
	require.NoError(t, err)
	legacyAt := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	kept := b.files[:len(b.files)-1]
	for _, f := range kept {
		_, err := conn.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", f.Version, f.Name, legacyAt)
		require.NoError(t, err)
	}
	require.NotEqual(t, full, schemaShape(t, conn), "the newest migration is not applied")

	st, err := b.migrator.Status(ctx)
	require.NoError(t, err)
	for i, s := range st {
		if i < len(kept) {
			require.NotNil(t, s.AppliedAt, "%04d applied by the previous release", s.Version)
			require.True(t, legacyAt.Equal(*s.AppliedAt), "%04d keeps its applied time: %v", s.Version, s.AppliedAt)
		} else {
			require.Nil(t, s.AppliedAt, "%04d pending", s.Version)
		}
	}

	b.mu.Lock()
	b.logs = nil
	b.mu.Unlock()
	require.NoError(t, b.migrator.Up(ctx))
	require.Equal(t, 1, b.logged("applied migration "), "only the pending migration ran: %q", b.logs)
	require.Equal(t, full, schemaShape(t, conn))
	want := map[int64]int{}
	for _, f := range b.files {
		want[f.Version] = 1
	}
	require.Equal(t, want, recorded(t, conn))
	n, err := db.Pending(ctx, b.appDB(t).Pool)
	require.NoError(t, err)
	require.Zero(t, n)
}
