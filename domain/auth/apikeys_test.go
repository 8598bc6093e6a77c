package auth_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/auth/authtest"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

func TestCreateAPIKeyRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	past, future := b.clock.Now().Add(-time.Minute), b.clock.Now().Add(time.Hour)
	read := []auth.Scope{auth.ScopeRead}
	for _, tc := range []struct {
		name      string
		key       string
		scopes    []auth.Scope
		expires   *time.Time
		wantCode  apperr.Code // "" means created
		wantField []string
	}{
		{"valid, scopes deduplicated", " partner ", []auth.Scope{auth.ScopeRead, auth.ScopeIngest, auth.ScopeRead}, &future, "", nil},
		{"empty name", "  ", read, nil, apperr.BadUserInput, []string{"input", "name"}},
		{"long name", strings.Repeat("k", 101), read, nil, apperr.BadUserInput, []string{"input", "name"}},
		{"no scope", "k", nil, nil, apperr.BadUserInput, []string{"input", "scopes"}},
		{"unknown scope", "k", []auth.Scope{"DELETE_ALL"}, nil, apperr.BadUserInput, []string{"input", "scopes"}},
		{"expiry in the past", "k", read, &past, apperr.BadUserInput, []string{"input", "expiresAt"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, secret, err := b.auth.CreateAPIKey(ctx, b.user, tc.key, tc.scopes, tc.expires)
			if tc.wantCode != "" {
				requireCode(t, err, tc.wantCode, tc.wantField...)
				require.Nil(t, k)
				require.Empty(t, secret)
				return
			}
			require.NoError(t, err)
			require.Equal(t, "partner", k.Name)
			require.Equal(t, []string{"READ", "INGEST"}, k.Scopes)
			require.True(t, strings.HasPrefix(secret, auth.APIKeyPrefix+k.Prefix+"_"))
			got, err := b.auth.GetAPIKey(ctx, b.user.TenantID, k.ID)
			require.NoError(t, err)
			require.Equal(t, k.SecretHash, got.SecretHash)
		})
	}
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a key authenticates as its tenant with its scopes until revoked", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		k, secret, err := b.auth.CreateAPIKey(ctx, b.user, "partner", []auth.Scope{auth.ScopeWrite}, nil)
		require.NoError(t, err)
		p, err := b.authenticate(secret)
		require.NoError(t, err)
		require.Equal(t, []any{b.user.TenantID, k.ID, []string{"WRITE"}, "professional", uuid.Nil}, // the sign-up's trial
			[]any{p.TenantID, p.APIKeyID, p.Scopes, p.Plan, p.UserID})
		require.False(t, p.IsUser())

		b.later() // audit entries are ordered by the clock's time
		revoked, err := b.auth.RevokeAPIKey(ctx, b.user, k.ID)
		require.NoError(t, err)
		require.NotNil(t, revoked.RevokedAt)
		_, err = b.authenticate(secret)
		requireCode(t, err, apperr.Unauthenticated)
		again, err := b.auth.RevokeAPIKey(ctx, b.user, k.ID)
		require.NoError(t, err, "revoking twice is harmless")
		require.Equal(t, revoked.RevokedAt.Unix(), again.RevokedAt.Unix())
		require.Equal(t, []string{"api_key.revoke SUCCESS", "api_key.create SUCCESS"}, b.auditLog(t, b.user.TenantID, "api_key.create", "api_key.revoke"))
	})

	t.Run("a wrong secret, a malformed key and an expired key are refused", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		expires := b.clock.Now().Add(time.Hour)
		_, secret, err := b.auth.CreateAPIKey(ctx, b.user, "partner", []auth.Scope{auth.ScopeRead}, &expires)
		require.NoError(t, err)
		_, err = b.authenticate(secret)
		require.NoError(t, err, "positive control")
		wrong := secret[:len(secret)-1] + map[bool]string{true: "b", false: "a"}[strings.HasSuffix(secret, "a")]
		for _, raw := range []string{wrong, auth.APIKeyPrefix + "nope", secret + "x"} {
			_, err = b.authenticate(raw)
			requireCode(t, err, apperr.Unauthenticated)
		}
		b.clock.Advance(2 * time.Hour)
		_, err = b.authenticate(secret)
		requireCode(t, err, apperr.Unauthenticated)
	})

	t.Run("creation, expiry and revocation follow the database clock", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		created := b.clock.Now()
		expires := created.Add(time.Hour)
		k, secret, err := b.auth.CreateAPIKey(ctx, b.user, "partner", []auth.Scope{auth.ScopeRead}, &expires)
		require.NoError(t, err)
		require.Equal(t, created, k.CreatedAt)
		b.clock.Advance(59 * time.Minute)
		_, err = b.authenticate(secret)
		require.NoError(t, err, "positive control: a minute before expiry by the clock")
		b.clock.Advance(2 * time.Minute)
		_, err = b.authenticate(secret)
		requireCode(t, err, apperr.Unauthenticated)

		k2, secret2, err := b.auth.CreateAPIKey(ctx, b.user, "second", []auth.Scope{auth.ScopeRead}, nil)
		require.NoError(t, err)
		_, err = b.authenticate(secret2)
		require.NoError(t, err, "positive control")
		b.clock.Advance(time.Minute)
		revoked, err := b.auth.RevokeAPIKey(ctx, b.user, k2.ID)
		require.NoError(t, err)
		require.Equal(t, created.Add(62*time.Minute), *revoked.RevokedAt)
		_, err = b.authenticate(secret2)
		requireCode(t, err, apperr.Unauthenticated)
		got, err := b.auth.GetAPIKey(ctx, b.user.TenantID, k2.ID)
		require.NoError(t, err)
		require.Equal(t, []time.Time{created.Add(61 * time.Minute), created.Add(62 * time.Minute)},
			[]time.Time{got.CreatedAt.UTC(), got.RevokedAt.UTC()}, "stored as the clock told")
	})

	t.Run("use is recorded at the database clock's time, at most once a minute", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		k, secret, err := b.auth.CreateAPIKey(ctx, b.user, "partner", []auth.Scope{auth.ScopeRead}, nil)
		require.NoError(t, err)
		lastUsed := func() *time.Time {
			t.Helper()
			got, err := b.auth.GetAPIKey(ctx, b.user.TenantID, k.ID)
			require.NoError(t, err)
			return got.LastUsedAt
		}
		require.Nil(t, lastUsed())
		first := b.clock.Advance(time.Hour)
		_, err = b.authenticate(secret)
		require.NoError(t, err)
		require.Equal(t, first, lastUsed().UTC(), "the clock's time, not the database server's")
		b.clock.Advance(30 * time.Second)
		_, err = b.authenticate(secret)
		require.NoError(t, err)
		require.Equal(t, first, lastUsed().UTC(), "not again within a minute")
		second := b.clock.Advance(31 * time.Second)
		_, err = b.authenticate(secret)
		require.NoError(t, err)
		require.Equal(t, second, lastUsed().UTC(), "positive control: a minute later by the clock it moves")
	})

	t.Run("keys page newest first and stay in their tenant", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, other := authtest.SignUp(t, b.auth, "other@example.test")
		var ids []uuid.UUID
		for _, name := range []string{"one", "two", "three"} {
			b.later()
			k, _, err := b.auth.CreateAPIKey(ctx, b.user, name, []auth.Scope{auth.ScopeRead}, nil)
			require.NoError(t, err)
			ids = append(ids, k.ID)
		}
		page, err := b.auth.ListAPIKeys(ctx, b.user.TenantID, relay.Args{First: ptr(2)})
		require.NoError(t, err)
		require.Equal(t, 3, page.TotalCount)
		require.Equal(t, []string{"three", "two"}, []string{page.Items[0].Name, page.Items[1].Name})
		theirs, err := b.auth.ListAPIKeys(ctx, other.TenantID, relay.Args{})
		require.NoError(t, err)
		require.Zero(t, theirs.TotalCount)
		_, err = b.auth.GetAPIKey(ctx, other.TenantID, ids[0])
		requireCode(t, err, apperr.NotFound)
		_, err = b.auth.RevokeAPIKey(ctx, other, ids[0])
		requireCode(t, err, apperr.NotFound)
		k, err := b.auth.GetAPIKey(ctx, b.user.TenantID, ids[0])
		require.NoError(t, err, "positive control")
		require.Nil(t, k.RevokedAt)
	})
}

func ptr[T any](v T) *T { return &v }

// A workspace holds at most MaxActiveAPIKeys keys that are neither revoked
// nor expired, enforced one creation at a time per workspace: concurrent
// creations never overshoot it, and a revoked key frees its place.
func TestActiveAPIKeysAreCappedPerWorkspace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	const tries = auth.MaxActiveAPIKeys + 12
	var first atomic.Pointer[auth.APIKey]
	created, refused := testdb.CreateConcurrently(t, 8, tries, func(int) error {
		k, _, err := b.auth.CreateAPIKey(ctx, b.user, "partner", []auth.Scope{auth.ScopeRead}, nil)
		if err == nil {
			first.CompareAndSwap(nil, k)
		}
		return err
	})
	require.Equal(t, auth.MaxActiveAPIKeys, created)
	require.Equal(t, tries-auth.MaxActiveAPIKeys, refused)
	_, _, err := b.auth.CreateAPIKey(ctx, b.user, "one more", []auth.Scope{auth.ScopeRead}, nil)
	requireCode(t, err, apperr.BadUserInput, "input")
	_, err = b.auth.RevokeAPIKey(ctx, b.user, first.Load().ID)
	require.NoError(t, err)
	_, _, err = b.auth.CreateAPIKey(ctx, b.user, "in its place", []auth.Scope{auth.ScopeRead}, nil)
	require.NoError(t, err, "a revoked key frees its place")
}
