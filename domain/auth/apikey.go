package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"strings"
)

// API keys look like stratum_<prefix>_<secret>: the prefix (8 characters)
// is stored in clear to find the key and shown in the dashboard; the secret
// (40 characters, 200 bits) is stored only as a SHA-256 hash. Both use
// lower-case base32 (a–z, 2–7).
const (
	APIKeyPrefix    = "stratum_"
	apiKeyPrefixLen = 8
	apiKeySecretLen = 40
	apiKeyTotalLen  = len(APIKeyPrefix) + apiKeyPrefixLen + 1 + apiKeySecretLen
	apiKeyAlphabet  = "abcdefghijklmnopqrstuvwxyz234567"
)

// Scope is what an API key may do.
type Scope string

// The scopes.
const (
	ScopeRead   Scope = "READ"
	ScopeWrite  Scope = "WRITE"
	ScopeIngest Scope = "INGEST"
	ScopeAdmin  Scope = "ADMIN"
)

// ValidScope reports whether s is a known scope.
func ValidScope(s Scope) bool {
	switch s {
	case ScopeRead, ScopeWrite, ScopeIngest, ScopeAdmin:
		return true
	}
	return false
}

var b32 = base32.NewEncoding(apiKeyAlphabet).WithPadding(base32.NoPadding)

// NewAPIKey returns a fresh key's full text, prefix and secret hash.
func NewAPIKey() (full, prefix string, hash []byte, err error) {
	buf := make([]byte, 30) // 5 bytes → 8 chars of prefix, 25 bytes → 40 chars of secret
	if _, err = rand.Read(buf); err != nil {
		return "", "", nil, err
	}
	prefix = b32.EncodeToString(buf[:5])
	secret := b32.EncodeToString(buf[5:])
	return APIKeyPrefix + prefix + "_" + secret, prefix, HashSecret(secret), nil
}

// HashSecret hashes a high-entropy secret (API key, refresh token, invite
// token, backup code). Such secrets need no slow hash: guessing 200 bits is
// infeasible whatever the hash speed.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// ErrMalformedAPIKey is returned by ParseAPIKey.
var ErrMalformedAPIKey = errors.New("auth: malformed API key")

// LooksLikeAPIKey reports whether a bearer credential is meant as an API key.
func LooksLikeAPIKey(s string) bool { return strings.HasPrefix(s, APIKeyPrefix) }

// ParseAPIKey splits a key into prefix and secret, refusing anything that
// is not exactly stratum_<8 base32>_<40 base32>.
func ParseAPIKey(s string) (prefix, secret string, err error) {
	if len(s) != apiKeyTotalLen || !strings.HasPrefix(s, APIKeyPrefix) {
		return "", "", ErrMalformedAPIKey
	}
	rest := s[len(APIKeyPrefix):]
	prefix, secret = rest[:apiKeyPrefixLen], rest[apiKeyPrefixLen+1:]
	if rest[apiKeyPrefixLen] != '_' || !inAlphabet(prefix) || !inAlphabet(secret) {
		return "", "", ErrMalformedAPIKey
	}
	return prefix, secret, nil
}

func inAlphabet(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(apiKeyAlphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

// RandomToken returns n random bytes as unpadded base32 text (refresh
// tokens, invite tokens).
func RandomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return b32.EncodeToString(b), nil
}
