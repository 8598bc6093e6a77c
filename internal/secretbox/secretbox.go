// Package secretbox seals small secrets at rest (TOTP secrets, notification
// channel secrets, invitation tokens, ad-platform grants) with AES-256-GCM
// under a keyring, so the key can be rotated: the first key seals, every
// key opens, and a job re-seals what an older key sealed.
//
// STRATUM_ENCRYPTION_KEY is either one base64 32-byte key (its id is the
// first 8 hex digits of the SHA-256 of the key) or a comma-separated list
// of kid:base64key entries, the sealing key first. A sealed value is
//
//	"sbx1" | len(kid) (1 byte) | kid | nonce (12 bytes) | ciphertext+tag
//
// with the header ("sbx1", length and kid) authenticated as associated
// data, so a value cannot be moved to another key id. Values sealed before
// key ids existed (nonce | ciphertext+tag, no header) still open: every key
// is tried, and GCM's tag tells which one it was.
package secretbox

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// magic starts every versioned sealed value.
const magic = "sbx1"

// LegacyKeyID is what KeyID reports for a value sealed without a header.
const LegacyKeyID = ""

// maxKeys bounds the keyring (an operator list, but still bounded).
const maxKeys = 16

// ErrOpen is returned when no key opens a sealed value (wrong key, removed
// key, or tampered data). It never carries the value.
var ErrOpen = errors.New("secretbox: the value cannot be opened with any configured key")

type key struct {
	id string
	// derived is DeriveID of the key: values sealed while it was the one
	// unnamed key carry it, and still open after it is given a name.
	derived string
	aead    cipher.AEAD
}

// Keyring seals with its first key and opens with any of its keys.
type Keyring struct{ keys []key }

// Parse reads STRATUM_ENCRYPTION_KEY: one base64 32-byte key, or
// "kid:base64key,kid:base64key,..." with the sealing key first. Key ids are
// 1–32 characters of [A-Za-z0-9_-] and distinct. Errors never echo keys.
func Parse(spec string) (*Keyring, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("encryption key must be base64 of 32 bytes (or a kid:base64key,... list)")
	}
	parts := strings.Split(spec, ",")
	if len(parts) > maxKeys {
		return nil, fmt.Errorf("encryption key list has %d keys; at most %d", len(parts), maxKeys)
	}
	kr := &Keyring{}
	seen := map[string]bool{}
	for i, p := range parts {
		p = strings.TrimSpace(p)
		id, b64, named := strings.Cut(p, ":")
		if !named {
			if len(parts) > 1 {
				return nil, fmt.Errorf("encryption key list entry %d: write it as kid:base64key", i+1)
			}
			b64, id = p, ""
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("encryption key list entry %d: the key must be base64 of 32 bytes", i+1)
		}
		if !named {
			id = DeriveID(raw)
		}
		if !validID(id) {
			return nil, fmt.Errorf("encryption key list entry %d: a key id is 1-32 characters of A-Z a-z 0-9 _ -", i+1)
		}
		if seen[id] {
			return nil, fmt.Errorf("encryption key list entry %d: key id %q is used twice", i+1, id)
		}
		seen[id] = true
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		kr.keys = append(kr.keys, key{id: id, derived: DeriveID(raw), aead: aead})
	}
	return kr, nil
}

// DeriveID is the key id of an unnamed key: the first 8 hex digits of the
// SHA-256 of the raw key (it identifies the key without revealing it).
func DeriveID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:4])
}

func validID(id string) bool {
	if len(id) == 0 || len(id) > 32 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// Uses reports whether spec (a STRATUM_ENCRYPTION_KEY value) contains the
// base64 key b64 in any position (config refuses the development key in
// production, also as an old key).
func Uses(spec, b64 string) bool {
	for _, p := range strings.Split(spec, ",") {
		p = strings.TrimSpace(p)
		if _, k, ok := strings.Cut(p, ":"); ok {
			p = k
		}
		if p == b64 {
			return true
		}
	}
	return false
}

// Primary is the id of the sealing key.
func (k *Keyring) Primary() string { return k.keys[0].id }

// IDs lists the key ids, the sealing key first.
func (k *Keyring) IDs() []string {
	out := make([]string, len(k.keys))
	for i, x := range k.keys {
		out[i] = x.id
	}
	return out
}

func header(id string) []byte {
	h := make([]byte, 0, len(magic)+1+len(id))
	h = append(h, magic...)
	h = append(h, byte(len(id)))
	return append(h, id...)
}

// Seal encrypts plain under the primary key with a random nonce.
func (k *Keyring) Seal(plain []byte) ([]byte, error) {
	p := k.keys[0]
	h := header(p.id)
	nonce := make([]byte, p.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append(h, nonce...)
	return p.aead.Seal(out, nonce, plain, h), nil
}

// parse splits a versioned value into its header, key id and body; ok is
// false for values without a well-formed header (legacy values).
func parse(sealed []byte) (h []byte, id string, body []byte, ok bool) {
	if len(sealed) < len(magic)+1 || !bytes.Equal(sealed[:len(magic)], []byte(magic)) {
		return nil, "", nil, false
	}
	n := int(sealed[len(magic)])
	end := len(magic) + 1 + n
	if n == 0 || len(sealed) < end {
		return nil, "", nil, false
	}
	id = string(sealed[len(magic)+1 : end])
	if !validID(id) {
		return nil, "", nil, false
	}
	return sealed[:end], id, sealed[end:], true
}

// byID finds the key named id, or the key whose derived id is id (a value
// sealed while its key was the single unnamed one).
func (k *Keyring) byID(id string) (key, bool) {
	for _, x := range k.keys {
		if x.id == id {
			return x, true
		}
	}
	for _, x := range k.keys {
		if x.derived == id {
			return x, true
		}
	}
	return key{}, false
}

func openWith(x key, body, ad []byte) ([]byte, error) {
	n := x.aead.NonceSize()
	if len(body) < n+x.aead.Overhead() {
		return nil, ErrOpen
	}
	return x.aead.Open(nil, body[:n], body[n:], ad)
}

// Open decrypts what Seal (or the older single-key box) returned. A value
// whose key was removed from the ring, or that was altered, is ErrOpen.
func (k *Keyring) Open(sealed []byte) ([]byte, error) {
	if h, id, body, ok := parse(sealed); ok {
		if x, found := k.byID(id); found {
			if plain, err := openWith(x, body, h); err == nil {
				return plain, nil
			}
		}
	}
	// Legacy: nonce | ciphertext+tag under whichever key was configured
	// then (a random nonce can start like a header, hence the fallthrough).
	for _, x := range k.keys {
		if plain, err := openWith(x, sealed, nil); err == nil {
			return plain, nil
		}
	}
	return nil, ErrOpen
}

// KeyID is the id of the ring's key that sealed names in its header
// (LegacyKeyID for a value sealed without one, or naming no key of the
// ring). It does not check the value opens.
func (k *Keyring) KeyID(sealed []byte) string {
	if _, id, _, ok := parse(sealed); ok {
		if x, found := k.byID(id); found {
			if x.id == id {
				return id
			}
			return x.derived
		}
	}
	return LegacyKeyID
}

// Current reports whether sealed is sealed under the primary key in the
// versioned format (nothing to re-seal).
func (k *Keyring) Current(sealed []byte) bool { return k.KeyID(sealed) == k.Primary() }

// Reseal opens sealed and, unless it is Current, seals it again under the
// primary key; changed says whether the result differs from sealed.
func (k *Keyring) Reseal(sealed []byte) (out []byte, changed bool, err error) {
	if k.Current(sealed) {
		if _, err := k.Open(sealed); err != nil {
			return nil, false, err
		}
		return sealed, false, nil
	}
	plain, err := k.Open(sealed)
	if err != nil {
		return nil, false, err
	}
	out, err = k.Seal(plain)
	return out, err == nil, err
}
