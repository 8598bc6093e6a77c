package pgcluster

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The relocated directory has a predictable name in a shared directory, so
// makeRootDir only accepts a real directory of ours that nobody else may write to.
func TestMakeRootDirRefusesWhatItDidNotMake(t *testing.T) {
	t.Parallel()
	base := t.TempDir()

	fresh := filepath.Join(base, "fresh")
	require.NoError(t, makeRootDir(fresh))
	st, err := os.Lstat(fresh)
	require.NoError(t, err)
	require.True(t, st.IsDir())
	require.Equal(t, os.FileMode(0o755), st.Mode().Perm())
	require.NoError(t, makeRootDir(fresh), "its own directory is reused")

	open := filepath.Join(base, "open")
	require.NoError(t, os.Mkdir(open, 0o755))
	require.NoError(t, os.Chmod(open, 0o777))
	require.ErrorContains(t, makeRootDir(open), "refusing")

	link := filepath.Join(base, "link")
	require.NoError(t, os.Symlink(fresh, link))
	require.ErrorContains(t, makeRootDir(link), "refusing")
}

// relocated is the same for the same request and differs between checkouts.
func TestRelocatedIsStablePerDataDir(t *testing.T) {
	t.Parallel()
	a, b := "/root/one/.data/pg", "/root/two/.data/pg"
	require.Equal(t, relocated(a), relocated(a))
	require.NotEqual(t, relocated(a), relocated(b))
	require.Equal(t, "pg", filepath.Base(relocated(a)))
	require.Equal(t, os.TempDir(), filepath.Dir(filepath.Dir(relocated(a))))
}
