package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/pgcluster"
)

// `make run` checks the database before it builds anything: a wrong
// DATABASE_URL must cost seconds, not an npm ci, a Vite build and a Go build.
func TestMakeRunEnsuresTheDatabaseBeforeBuilding(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is needed for `make run`: %v", err)
	}
	// -n prints the commands without running them (recursive $(MAKE) lines
	// still run, also with -n); GO and NPM are named so their lines are found.
	cmd := exec.Command("make", "-n", "--no-print-directory", "run", "GO=go-for-test", "NPM=npm-for-test")
	cmd.Dir = pgcluster.RepoRoot()
	for _, kv := range os.Environ() { // not the flags of a `make test` this runs under
		if k, _, _ := strings.Cut(kv, "="); k != "MAKEFLAGS" && k != "MFLAGS" && k != "MAKELEVEL" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "DATABASE_URL=postgres://nobody@127.0.0.1:1/none")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	lines := strings.Split(string(out), "\n")

	first := func(substr string) int {
		for i, l := range lines {
			if strings.Contains(l, substr) {
				return i
			}
		}
		return -1
	}
	ensure := first("go-for-test run ./cmd/stratum/devdb ensure")
	build := first("go-for-test build")
	serve := first("bin/stratum serve")
	require.NotEqual(t, -1, ensure, "make run checks the database:\n%s", out)
	require.NotEqual(t, -1, build, "positive control: the build is in the plan too:\n%s", out)
	require.NotEqual(t, -1, serve, "and so is serve:\n%s", out)
	require.Less(t, ensure, build, "the check comes before the Go build:\n%s", out)
	require.Less(t, build, serve)
	if npm := first("npm-for-test"); npm != -1 {
		require.Less(t, ensure, npm, "and before npm:\n%s", out)
	}
}
