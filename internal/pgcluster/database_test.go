package pgcluster_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/pgcluster"
)

// serverURL connects as a superuser to the maintenance database of the
// server the tests use (DATABASE_URL's, else one found or started).
func serverURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		c, err := pgcluster.Ensure(context.Background(), pgcluster.Options{Database: "postgres"})
		require.NoError(t, err)
		u = c.URL
	}
	return withDatabase(t, u, "postgres")
}

func withDatabase(t *testing.T, raw, db string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	u.Path = "/" + db
	return u.String()
}

func withUser(t *testing.T, raw, user string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	u.User = url.User(user)
	return u.String()
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func databaseExists(t *testing.T, admin *pgx.Conn, name string) bool {
	t.Helper()
	var exists bool
	require.NoError(t, admin.QueryRow(context.Background(), "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists))
	return exists
}

// adminConn is a superuser connection of the test's own (a *pgx.Conn is
// not safe for concurrent use) and the server's URL.
func adminConn(t *testing.T) (*pgx.Conn, string) {
	t.Helper()
	server := serverURL(t)
	admin, err := pgx.Connect(context.Background(), server)
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close(context.Background()) })
	return admin, server
}

func dropDatabase(t *testing.T, admin *pgx.Conn, name string) {
	t.Cleanup(func() {
		admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
}

// `make run` with DATABASE_URL naming a database that does not exist
// creates it before building: EnsureDatabase creates a missing database,
// leaves an existing one alone, and quotes names that need it.
func TestEnsureDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("missing is created", func(t *testing.T) {
		t.Parallel()
		admin, server := adminConn(t)
		name := randomName("stratum_ensure_")
		dropDatabase(t, admin, name)
		require.False(t, databaseExists(t, admin, name))

		created, err := pgcluster.EnsureDatabase(ctx, withDatabase(t, server, name))
		require.NoError(t, err)
		require.True(t, created)
		require.True(t, databaseExists(t, admin, name))
		conn, err := pgx.Connect(ctx, withDatabase(t, server, name))
		require.NoError(t, err, "the URL now connects")
		conn.Close(ctx)

		// Positive control of "left alone": the second call finds it.
		created, err = pgcluster.EnsureDatabase(ctx, withDatabase(t, server, name))
		require.NoError(t, err)
		require.False(t, created)
	})

	t.Run("existing is left alone", func(t *testing.T) {
		t.Parallel()
		admin, server := adminConn(t)
		name := randomName("stratum_ensure_")
		dropDatabase(t, admin, name)
		_, err := admin.Exec(ctx, "CREATE DATABASE "+name)
		require.NoError(t, err)
		var oid uint32
		require.NoError(t, admin.QueryRow(ctx, "SELECT oid FROM pg_database WHERE datname = $1", name).Scan(&oid))

		created, err := pgcluster.EnsureDatabase(ctx, withDatabase(t, server, name))
		require.NoError(t, err)
		require.False(t, created)
		var after uint32
		require.NoError(t, admin.QueryRow(ctx, "SELECT oid FROM pg_database WHERE datname = $1", name).Scan(&after))
		require.Equal(t, oid, after, "the same database, not a new one")
	})

	t.Run("a name that needs quoting", func(t *testing.T) {
		t.Parallel()
		admin, server := adminConn(t)
		name := randomName(`Stratum "Dev" db; DROP `)
		dropDatabase(t, admin, name)

		created, err := pgcluster.EnsureDatabase(ctx, withDatabase(t, server, name))
		require.NoError(t, err)
		require.True(t, created)
		require.True(t, databaseExists(t, admin, name), "created under exactly that name")
	})

	t.Run("nothing answers", func(t *testing.T) {
		t.Parallel()
		_, err := pgcluster.EnsureDatabase(ctx, "postgres://postgres@127.0.0.1:1/stratum?sslmode=disable")
		require.ErrorContains(t, err, "127.0.0.1:1")
	})
}

// A role that may not create databases gets the exact command that does
// it, which, run as printed, makes the URL work.
func TestEnsureDatabaseWithoutCreatedbPrintsTheCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin, server := adminConn(t)
	role := randomName("stratum_nocreatedb_")
	_, err := admin.Exec(ctx, "CREATE ROLE "+role+" LOGIN NOCREATEDB")
	require.NoError(t, err)
	name := randomName("stratum_ensure's ")
	t.Cleanup(func() {
		admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+role)
	})
	url := withUser(t, withDatabase(t, server, name), role)

	_, err = pgcluster.EnsureDatabase(ctx, url)
	var ce *pgcluster.CreateError
	require.True(t, errors.As(err, &ce), "%v", err)
	require.Contains(t, err.Error(), ce.Command())
	require.False(t, databaseExists(t, admin, name))

	if _, lookErr := exec.LookPath("psql"); lookErr == nil {
		out, err := exec.Command("sh", "-c", ce.Command()).CombinedOutput()
		require.NoError(t, err, "%s", out)
	} else { // the same SQL, without psql
		_, err = admin.Exec(ctx, ce.SQL())
		require.NoError(t, err)
	}
	created, err := pgcluster.EnsureDatabase(ctx, url)
	require.NoError(t, err)
	require.False(t, created)
	var owner string
	require.NoError(t, admin.QueryRow(ctx, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", name).Scan(&owner))
	require.Equal(t, role, owner, "owned by the role that will migrate it")
}

// `devdb ensure` (what make run runs first) creates DATABASE_URL's database
// and says so; a second run is silent.
func TestDevDBEnsure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin, server := adminConn(t)
	name := randomName("stratum_devdb_")
	dropDatabase(t, admin, name)

	var out, errOut strings.Builder
	require.NoError(t, pgcluster.DevDB(ctx, []string{"ensure"}, withDatabase(t, server, name), &out, &errOut))
	require.Contains(t, errOut.String(), `created database "`+name+`"`)
	require.True(t, databaseExists(t, admin, name))

	errOut.Reset()
	require.NoError(t, pgcluster.DevDB(ctx, []string{"ensure"}, withDatabase(t, server, name), &out, &errOut))
	require.Empty(t, errOut.String())
	require.Empty(t, out.String(), "stdout stays for `devdb up`'s URL")

	require.ErrorContains(t, pgcluster.DevDB(ctx, []string{"ensure"}, "postgres://postgres@127.0.0.1:1/x", &out, &errOut), "no PostgreSQL answers at 127.0.0.1:1")
}
