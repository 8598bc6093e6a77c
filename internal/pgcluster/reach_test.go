package pgcluster_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/pgcluster"
)

// As root, PostgreSQL runs as the postgres system user, which cannot enter a
// checkout under a 0700 directory such as root's home. Ensure then keeps the
// private cluster in a directory that user can reach, named after the one
// asked for, so the same request finds the same cluster again.
func TestPrivateClusterWhenPostgresCannotEnterTheDataDirsParent(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("only root runs PostgreSQL as another user (postgres); as anyone else the cluster runs as that user, who can enter its own directories")
	}
	closed := t.TempDir()
	require.NoError(t, os.Chmod(closed, 0o700)) // like /root
	want := filepath.Join(closed, "checkout", ".data", "pg")
	opts := pgcluster.Options{ProbeAddr: "127.0.0.1:1", DataDir: want, Database: "stratum_closed"}
	ctx := context.Background()

	c, err := pgcluster.Ensure(ctx, opts)
	require.NoError(t, err)
	require.True(t, c.Started)
	t.Cleanup(func() {
		c.Stop(context.Background())
		os.RemoveAll(filepath.Dir(c.DataDir()))
	})
	require.NotEqual(t, want, c.DataDir(), "the postgres user cannot enter %s", closed)
	require.False(t, strings.HasPrefix(c.DataDir(), closed+string(filepath.Separator)))

	conn, err := pgx.Connect(ctx, c.URL)
	require.NoError(t, err)
	var db string
	require.NoError(t, conn.QueryRow(ctx, "SELECT current_database()").Scan(&db))
	require.Equal(t, "stratum_closed", db)
	conn.Close(ctx)

	again, err := pgcluster.Ensure(ctx, opts)
	require.NoError(t, err)
	require.False(t, again.Started, "the same request finds the running cluster")
	require.Equal(t, c.URL, again.URL)
	require.Equal(t, c.DataDir(), again.DataDir())

	require.NoError(t, pgcluster.StopDataDir(ctx, want), "devdb down finds it from the same path")
	_, err = pgx.Connect(ctx, c.URL)
	require.Error(t, err, "the cluster is stopped")
}

// When no directory the postgres user can enter is found, Ensure fails at
// once, before initdb, with an error that says how to fix it.
func TestPrivateClusterFailsAtOnceWhenPostgresCanEnterNoDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs PostgreSQL as another user (postgres)")
	}
	closed := t.TempDir()
	require.NoError(t, os.Chmod(closed, 0o700))
	closedTmp := filepath.Join(closed, "tmp")
	require.NoError(t, os.Mkdir(closedTmp, 0o755))
	t.Setenv("TMPDIR", closedTmp) // os.TempDir(): behind closed too
	want := filepath.Join(closed, "checkout", ".data", "pg")

	_, err := pgcluster.Ensure(context.Background(), pgcluster.Options{ProbeAddr: "127.0.0.1:1", DataDir: want})
	require.Error(t, err)
	require.ErrorContains(t, err, "set DATABASE_URL")
	require.ErrorContains(t, err, "set TMPDIR to a directory that user can enter")
	require.NoDirExists(t, want, "no initdb was attempted")
	entries, err := os.ReadDir(closedTmp)
	require.NoError(t, err)
	for _, e := range entries {
		require.NoDirExists(t, filepath.Join(closedTmp, e.Name(), "pg"), "no initdb was attempted")
	}

	// Positive control: the same request succeeds once the postgres user can
	// enter the checkout (Check only looks; it starts nothing).
	require.NoError(t, os.Chmod(filepath.Dir(closed), 0o755)) // t.TempDir's own parent is 0700 too
	require.NoError(t, os.Chmod(closed, 0o755))
	where, err := pgcluster.Check(context.Background(), pgcluster.Options{ProbeAddr: "127.0.0.1:1", DataDir: want})
	require.NoError(t, err)
	require.Contains(t, where, want)
}
