package secretbox_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/secretbox"
)

func newKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(b)
}

// legacySeal is the pre-keyring auth.Box format: nonce | ciphertext+tag.
func legacySeal(t *testing.T, b64 string, plain []byte) []byte {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	require.NoError(t, err)
	block, err := aes.NewCipher(raw)
	require.NoError(t, err)
	aead, err := cipher.NewGCM(block)
	require.NoError(t, err)
	nonce := make([]byte, aead.NonceSize())
	_, err = rand.Read(nonce)
	require.NoError(t, err)
	return aead.Seal(nonce, nonce, plain, nil)
}

func TestSingleKeyDerivesID(t *testing.T) {
	k := newKey(t)
	kr, err := secretbox.Parse(k)
	require.NoError(t, err)
	raw, _ := base64.StdEncoding.DecodeString(k)
	require.Equal(t, secretbox.DeriveID(raw), kr.Primary())
	require.Len(t, kr.Primary(), 8)
	sealed, err := kr.Seal([]byte("hello"))
	require.NoError(t, err)
	require.NotContains(t, string(sealed), "hello")
	require.Equal(t, kr.Primary(), kr.KeyID(sealed))
	plain, err := kr.Open(sealed)
	require.NoError(t, err)
	require.Equal(t, "hello", string(plain))
}

func TestRotation(t *testing.T) {
	oldK, newK := newKey(t), newKey(t)
	before, err := secretbox.Parse("old:" + oldK)
	require.NoError(t, err)
	sealedOld, err := before.Seal([]byte("secret-1"))
	require.NoError(t, err)

	after, err := secretbox.Parse("new:" + newK + ", old:" + oldK)
	require.NoError(t, err)
	require.Equal(t, []string{"new", "old"}, after.IDs())
	// The old key still opens; the new one seals.
	plain, err := after.Open(sealedOld)
	require.NoError(t, err)
	require.Equal(t, "secret-1", string(plain))
	require.Equal(t, "old", after.KeyID(sealedOld))
	require.False(t, after.Current(sealedOld))
	sealedNew, err := after.Seal([]byte("secret-2"))
	require.NoError(t, err)
	require.Equal(t, "new", after.KeyID(sealedNew))
	require.True(t, after.Current(sealedNew))
	// The ring without the new key cannot open the new value (the key id is
	// what decides, not luck).
	_, err = before.Open(sealedNew)
	require.ErrorIs(t, err, secretbox.ErrOpen)

	// Re-sealing moves the old value to the new key; a current one is kept.
	resealed, changed, err := after.Reseal(sealedOld)
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, "new", after.KeyID(resealed))
	same, changed, err := after.Reseal(sealedNew)
	require.NoError(t, err)
	require.False(t, changed)
	require.Equal(t, sealedNew, same)

	// With the old key removed, the re-sealed value opens; the unre-sealed
	// one does not (that is why the job runs before a key is removed).
	onlyNew, err := secretbox.Parse("new:" + newK)
	require.NoError(t, err)
	plain, err = onlyNew.Open(resealed)
	require.NoError(t, err)
	require.Equal(t, "secret-1", string(plain))
	_, err = onlyNew.Open(sealedOld)
	require.ErrorIs(t, err, secretbox.ErrOpen)
}

func TestLegacyFormatOpens(t *testing.T) {
	oldK, newK := newKey(t), newKey(t)
	legacy := legacySeal(t, oldK, []byte("totp-secret"))
	single, err := secretbox.Parse(oldK)
	require.NoError(t, err)
	plain, err := single.Open(legacy)
	require.NoError(t, err)
	require.Equal(t, "totp-secret", string(plain))
	require.Equal(t, secretbox.LegacyKeyID, single.KeyID(legacy))
	require.False(t, single.Current(legacy))

	// After a rotation the legacy value (sealed by the now old key) opens
	// too, and re-seals under the new key.
	ring, err := secretbox.Parse("b:" + newK + ",a:" + oldK)
	require.NoError(t, err)
	plain, err = ring.Open(legacy)
	require.NoError(t, err)
	require.Equal(t, "totp-secret", string(plain))
	out, changed, err := ring.Reseal(legacy)
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, "b", ring.KeyID(out))

	// A legacy value under a key that is not in the ring does not open.
	other, err := secretbox.Parse(newK)
	require.NoError(t, err)
	_, err = other.Open(legacy)
	require.ErrorIs(t, err, secretbox.ErrOpen)
}

func TestTamperedRefused(t *testing.T) {
	a, b := newKey(t), newKey(t)
	ring, err := secretbox.Parse("a:" + a + ",b:" + b)
	require.NoError(t, err)
	sealed, err := ring.Seal([]byte("payload"))
	require.NoError(t, err)
	_, err = ring.Open(sealed)
	require.NoError(t, err) // positive control

	for i := range sealed {
		bad := append([]byte(nil), sealed...)
		bad[i] ^= 0x01
		_, err := ring.Open(bad)
		require.ErrorIs(t, err, secretbox.ErrOpen, "byte %d flipped", i)
	}
	// Relabelling the value with the other key id is refused (the header is
	// authenticated).
	relabel := append([]byte(nil), sealed...)
	relabel[5] = 'b'
	_, err = ring.Open(relabel)
	require.ErrorIs(t, err, secretbox.ErrOpen)
	_, err = ring.Open(sealed[:10])
	require.ErrorIs(t, err, secretbox.ErrOpen)
	_, err = ring.Open(nil)
	require.ErrorIs(t, err, secretbox.ErrOpen)
}

func TestParseErrors(t *testing.T) {
	k := newKey(t)
	for _, spec := range []string{"", "not-base64!", base64.StdEncoding.EncodeToString([]byte("short")),
		"a:" + k + "," + k, "a:" + k + ",a:" + k, "bad id:" + k, strings.Repeat("x", 33) + ":" + k} {
		_, err := secretbox.Parse(spec)
		require.Error(t, err, spec)
		require.NotContains(t, err.Error(), k)
	}
	_, err := secretbox.Parse("a:" + k + ", b:" + newKey(t))
	require.NoError(t, err)
	require.True(t, secretbox.Uses("a:x,b:"+k, k))
	require.True(t, secretbox.Uses(k, k))
	require.False(t, secretbox.Uses("a:x", k))
}

// Values sealed while the key was the single unnamed one carry its derived
// id; naming the key in a rotation list keeps them opening.
func TestNamingTheSingleKeyKeepsItsValues(t *testing.T) {
	k1, k2 := newKey(t), newKey(t)
	single, err := secretbox.Parse(k1)
	require.NoError(t, err)
	sealed, err := single.Seal([]byte("v"))
	require.NoError(t, err)
	ring, err := secretbox.Parse("new:" + k2 + ",old:" + k1)
	require.NoError(t, err)
	plain, err := ring.Open(sealed)
	require.NoError(t, err)
	require.Equal(t, "v", string(plain))
	require.False(t, ring.Current(sealed))
	out, changed, err := ring.Reseal(sealed)
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, "new", ring.KeyID(out))
}
