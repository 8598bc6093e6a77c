package auth_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/apperr"
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

// The messages are shown on the password field as they are: they read as
// sentences and name the rule that was broken.
func TestPasswordPolicyMessages(t *testing.T) {
	t.Parallel()
	for pw, want := range map[string]string{
		"short":                  "Use at least 10 characters",
		strings.Repeat("x", 257): "Use at most 256 characters",
		"Password123":            "This password is on a list of commonly used passwords; choose another",
		"alice-in-wonderland-7":  `The password must not contain "alice", the part of your email address before the @`,
	} {
		err := auth.CheckPasswordPolicy(pw, "Alice@example.test", []string{"input", "password"})
		var e *apperr.Error
		require.ErrorAs(t, err, &e, pw)
		require.Equal(t, want, e.Message, pw)
		require.Equal(t, []string{"input", "password"}, e.Field, pw)
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
