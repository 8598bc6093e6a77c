package auth

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/testdb"
)

// The cache of looked-up API keys is bounded: keys are many (up to
// MaxActiveAPIKeys a workspace, in every workspace), and the cache kept
// every key used in the process for its life. Past its size the least
// recently used goes; every key still authenticates (it is read again).
func TestAPIKeyCacheIsBounded(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	ctx := context.Background()
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	s := &Service{DB: tdb.DB, Revocations: &Revocations{DB: tdb.DB, Interval: time.Hour}}
	s.keys.max = 3
	var secrets []string
	require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		for range 6 {
			full, prefix, hash, err := NewAPIKey()
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO api_keys (tenant_id, id, name, prefix, secret_hash, scopes)
				VALUES (?, ?, 'k', ?, ?, '{READ}')`, tenant, uuid.New(), prefix, hash); err != nil {
				return err
			}
			secrets = append(secrets, full)
		}
		return nil
	}))
	for round := range 2 {
		for i, secret := range secrets {
			p, err := s.authenticateAPIKey(ctx, secret)
			require.NoError(t, err, "round %d key %d", round, i)
			require.Equal(t, tenant, p.TenantID)
			n := s.keys.cache().Len()
			require.LessOrEqual(t, n, 3)
			require.Positive(t, n, "positive control: keys are cached")
		}
	}
}
