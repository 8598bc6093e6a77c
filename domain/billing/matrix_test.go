package billing_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/billing"
)

// The README's matrix is the catalogue's: run
// `go run ./cmd/stratum catalogue-md -w README.md` after changing it.
func TestREADMEMatrixMatchesTheCatalogue(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	want, err := billing.WithMatrix(string(readme))
	require.NoError(t, err)
	require.Equal(t, want, string(readme), "README.md's plan matrix drifted from domain/billing/catalog.go: run `go run ./cmd/stratum catalogue-md -w README.md`")
}

// The matrix names every flag and limit with its per-plan value, and a
// changed README is caught (the positive control of the drift check).
func TestMatrix(t *testing.T) {
	t.Parallel()
	m := billing.Matrix()
	for _, f := range billing.Flags() {
		require.Contains(t, m, "`"+string(f.Key)+"`")
	}
	require.Contains(t, m, "| `segments` (segments): Saved segments. | 5 | 100 | 1,000 |")
	require.Contains(t, m, "| `competitor_intel`: Competitor ad-library monitoring beside your own campaigns. | — | — | ✓ |")
	doc := "intro\n" + billing.MatrixBegin + "\nstale\n" + billing.MatrixEnd + "\nrest\n"
	got, err := billing.WithMatrix(doc)
	require.NoError(t, err)
	require.NotEqual(t, doc, got)
	require.True(t, strings.HasPrefix(got, "intro\n"+billing.MatrixBegin+"\n| Feature flag |"))
	require.True(t, strings.HasSuffix(got, billing.MatrixEnd+"\nrest\n"))
	again, err := billing.WithMatrix(got)
	require.NoError(t, err)
	require.Equal(t, got, again, "rewriting is idempotent")
	_, err = billing.WithMatrix("no markers")
	require.Error(t, err)
}
