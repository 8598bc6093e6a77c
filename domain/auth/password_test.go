package auth_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
)

func TestPasswordHashing(t *testing.T) {
	t.Parallel()
	p := auth.Argon2Params{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}
	h, err := auth.HashPassword("correct horse battery", p)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(h, "$argon2id$v=19$m=8192,t=1,p=1$"), h)
	h2, _ := auth.HashPassword("correct horse battery", p)
	require.NotEqual(t, h, h2, "a fresh salt per hash")
	ok, err := auth.VerifyPassword("correct horse battery", h)
	require.NoError(t, err)
	require.True(t, ok)
	ok, _ = auth.VerifyPassword("correct horse batterY", h)
	require.False(t, ok)
	_, err = auth.VerifyPassword("x", "$argon2id$v=19$m=8192$bad")
	require.Error(t, err)
}

func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	for pw, ok := range map[string]bool{"short": false, "password123": false, "Password123": false, "QWERTYUIOP": false,
		"alice-in-wonderland-7": false, "correct horse battery": true, strings.Repeat("x", 257): false} {
		err := auth.CheckPasswordPolicy(pw, "alice@example.test", []string{"password"})
		require.Equal(t, ok, err == nil, "%q: %v", pw, err)
	}
}

// BenchmarkHashPassword measures one argon2id hash with the default
// parameters (target 50–250 ms, docs/benchmarks.md).
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := auth.HashPassword("correct horse battery", auth.DefaultArgon2); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseAccessToken(b *testing.B) {
	tok, _ := auth.SignToken(fuzzSecret, validClaims(timeNow()))
	now := timeNow()
	for b.Loop() {
		if _, err := auth.ParseAccessToken(fuzzSecret, tok, now); err != nil {
			b.Fatal(err)
		}
	}
}
