package pgcluster_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/pgcluster"
)

// With nothing answering at the probe address, Ensure initialises and
// starts a private cluster from the local PostgreSQL binaries, reuses it
// while it runs, and Stop stops it.
func TestPrivateClusterWhenNothingAnswers(t *testing.T) {
	t.Parallel()
	// A directory the postgres system user can traverse (t.TempDir is 0700 root-owned).
	base, err := os.MkdirTemp("", "stratum-pgcluster-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(base, 0o755))
	t.Cleanup(func() { os.RemoveAll(base) })
	opts := pgcluster.Options{ProbeAddr: "127.0.0.1:1", DataDir: filepath.Join(base, "pg"), Database: "stratum_private"}
	ctx := context.Background()

	c, err := pgcluster.Ensure(ctx, opts)
	require.NoError(t, err)
	require.True(t, c.Started)
	t.Cleanup(func() { c.Stop(context.Background()) })
	require.Equal(t, opts.DataDir, c.DataDir(), "the postgres user can reach it: the cluster stays where it was asked for")

	conn, err := pgx.Connect(ctx, c.URL)
	require.NoError(t, err)
	var db string
	require.NoError(t, conn.QueryRow(ctx, "SELECT current_database()").Scan(&db))
	require.Equal(t, "stratum_private", db)
	conn.Close(ctx)

	again, err := pgcluster.Ensure(ctx, opts)
	require.NoError(t, err)
	require.False(t, again.Started, "a running private cluster is reused")
	require.Equal(t, c.URL, again.URL)

	require.NoError(t, c.Stop(ctx))
	_, err = pgx.Connect(ctx, c.URL)
	require.Error(t, err, "the cluster is stopped")
}
