package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/wstest"
)

// The isolation matrix must be able to fail. These tests break isolation
// (or the conditions the matrix relies on) on purpose and assert that the
// matrix reports it.
func TestIsolationMatrixCanFail(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, isoEnv)

	t.Run("a query case reports tenant B seeing A's data", func(t *testing.T) {
		t.Parallel()
		f := newIsoFixture(t, b)
		f.ownerB = f.viewerA // "tenant B" is in tenant A: what a broken isolation looks like
		requireFailure(t, f.runCase(t, "Query.incidents", isolationCases["Query.incidents"]), "LEAK: tenant B saw tenant A's data")
	})
	t.Run("a subscription case reports tenant B receiving A's event", func(t *testing.T) {
		f := newIsoFixture(t, b)
		f.ownerB = f.viewerA
		requireFailure(t, f.runStreamCase(t, "Subscription.actionStatusUpdated", wstest.TransportWS, isolationCases["Subscription.actionStatusUpdated"]),
			"LEAK: tenant B received an event")
	})
	t.Run("a case reports tenant B refused for an unrelated reason (MFA)", func(t *testing.T) {
		t.Parallel()
		f := newIsoFixture(t, b)
		res := b.srv.Query(t, `mutation { updateTenantSettings(input: {requireMfa: true}) { userErrors { code } } }`, nil, f.ownerB.H())
		require.Empty(t, res.Errors)
		_, p := b.logIn(t, f.ownerB.Email, "correct horse battery")
		f.ownerB = toSession(t, p, f.ownerB.Email)
		requireFailure(t, f.runCase(t, "Query.incidents", isolationCases["Query.incidents"]), "tenant B got [MFA_REQUIRED]")
	})
}

// TestIsolationMatrixDetectsABrokenPolicy replaces one table's RLS policy
// with one that lets every tenant through, as a faulty migration could, and
// asserts that the matrix's case for that table fails.
func TestIsolationMatrixDetectsABrokenPolicy(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, isoEnv)
	ctx := context.Background()
	conn, err := b.connect(ctx)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `ALTER POLICY tenant_isolation ON incidents USING (true)`)
	conn.Close(ctx)
	require.NoError(t, err)

	f := newIsoFixture(t, b)
	requireFailure(t, f.runCase(t, "Query.incidents", isolationCases["Query.incidents"]), "LEAK: tenant B saw tenant A's data")
}

// requireFailure asserts that v holds a failure containing want.
func requireFailure(t *testing.T, v verdict, want string) {
	t.Helper()
	for _, p := range v {
		if strings.Contains(p, want) {
			t.Logf("the matrix fails as it should: %.300s", p)
			return
		}
	}
	t.Fatalf("the matrix did not report %q; it reported %q", want, v)
}
