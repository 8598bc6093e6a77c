// Package testdb gives each test its own migrated PostgreSQL database in
// milliseconds: the first caller in a process creates (or finds) a template
// database migrated to the current schema, and every test clones it with
// CREATE DATABASE … TEMPLATE. Tests never skip for want of a database: when
// DATABASE_URL is unset a local server is found or started (internal/pgcluster).
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/pgcluster"
	"github.com/stratumhq/stratum/migrations"
)

// AppRole is the login role tests connect as (RLS applies to it).
const AppRole = "stratum_app"

// DB is one test's database.
type DB struct {
	Name string
	// OwnerURL connects as the superuser/owner (use only to set up fixtures
	// that bypass RLS on purpose).
	OwnerURL string
	// AppURL connects as the application role.
	AppURL string
	// DB is a pool on AppURL, closed at test cleanup.
	*db.DB
}

var (
	once      sync.Once
	serverURL string
	setupErr  error
	template  string
)

func server() (string, string, error) {
	once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		serverURL = os.Getenv("DATABASE_URL")
		if serverURL == "" {
			c, err := pgcluster.Ensure(ctx, pgcluster.Options{Database: "postgres"})
			if err != nil {
				setupErr = fmt.Errorf("testdb: no PostgreSQL: %w", err)
				return
			}
			serverURL = c.URL
		}
		template, setupErr = ensureTemplate(ctx, serverURL)
	})
	return serverURL, template, setupErr
}

// schemaHash hashes the name and content of every migration file, so the
// template changes whenever a migration is added or edited.
func schemaHash() (string, error) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, e := range entries { // ReadDir sorts by name
		body, err := fs.ReadFile(migrations.FS, e.Name())
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00", e.Name(), len(body), body)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func withDatabase(url, name string) (string, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name), nil
}

// ensureTemplate creates stratum_tpl_<hash of migrations> once per schema
// version, serialised across test processes by an advisory lock.
func ensureTemplate(ctx context.Context, url string) (string, error) {
	hash, err := schemaHash()
	if err != nil {
		return "", err
	}
	name := "stratum_tpl_" + hash
	adminURL, err := withDatabase(url, "postgres")
	if err != nil {
		return "", err
	}
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", fmt.Errorf("testdb: connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(7474)"); err != nil {
		return "", err
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock(7474)")
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	ownerURL, _ := withDatabase(url, name)
	m := db.Migrator{OwnerURL: ownerURL, AppRole: AppRole, AppPassword: config.DevAppDBPassword}
	if err := m.Up(ctx); err != nil {
		return "", fmt.Errorf("testdb: migrate template: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+name+" WITH is_template true"); err != nil {
		return "", err
	}
	return name, nil
}

// New returns a fresh database cloned from the migrated template, dropped
// when the test ends. It fails the test (never skips) without PostgreSQL.
func New(t testing.TB) *DB {
	t.Helper()
	url, tpl, err := server()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	name := "stratum_test_" + randomSuffix()
	adminURL, _ := withDatabase(url, "postgres")
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("testdb: connect: %v", err)
	}
	defer conn.Close(ctx)
	var createErr error
	for i := 0; i < 20; i++ { // another clone may briefly hold the template
		if _, createErr = conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tpl)); createErr == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if createErr != nil {
		t.Fatalf("testdb: clone template: %v", createErr)
	}
	ownerURL, _ := withDatabase(url, name)
	appURL, err := db.AppURL(ownerURL, AppRole, config.DevAppDBPassword)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, appURL, 10)
	if err != nil {
		t.Fatalf("testdb: open app pool: %v", err)
	}
	t.Cleanup(func() {
		d.Close()
		c, err := pgx.Connect(context.Background(), adminURL)
		if err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	return &DB{Name: name, OwnerURL: ownerURL, AppURL: appURL, DB: d}
}

// NewEmpty returns the owner URL of a new database with nothing migrated,
// dropped when the test ends; for tests of the migrator itself.
func NewEmpty(t testing.TB) string {
	t.Helper()
	url, _, err := server()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	name := "stratum_empty_" + randomSuffix()
	adminURL, _ := withDatabase(url, "postgres")
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("testdb: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testdb: create database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), adminURL)
		if err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	ownerURL, _ := withDatabase(url, name)
	return ownerURL
}

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
