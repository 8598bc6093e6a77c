package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/auth"
)

var fuzzSecret = []byte("fuzz-secret-0123456789abcdef0123456789")

func FuzzParseAPIKey(f *testing.F) {
	full, _, _, err := auth.NewAPIKey()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{full, "", "stratum_", "stratum_abcdefgh_", "stratum_abcdefgh_" + strings.Repeat("a", 40),
		"stratum_ABCDEFGH_" + strings.Repeat("a", 40), "stratum_abcdefgh-" + strings.Repeat("a", 40), "stratum_abcdefgh_" + strings.Repeat("1", 40),
		"stratum_abcdefg_" + strings.Repeat("a", 41), strings.Repeat("\xff", 57)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prefix, secret, err := auth.ParseAPIKey(s)
		if err != nil {
			if prefix != "" || secret != "" {
				t.Fatalf("error with parts %q %q", prefix, secret)
			}
			return
		}
		// Whatever parses must round-trip and use only the key alphabet.
		if got := auth.APIKeyPrefix + prefix + "_" + secret; got != s {
			t.Fatalf("round trip %q != %q", got, s)
		}
		if len(prefix) != 8 || len(secret) != 40 {
			t.Fatalf("lengths %d %d", len(prefix), len(secret))
		}
		for _, r := range prefix + secret {
			if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyz234567", r) {
				t.Fatalf("rune %q outside the alphabet", r)
			}
		}
	})
}

// validClaims are deterministic, so every fuzz worker signs the same token.
func validClaims(now time.Time) *auth.Claims {
	return &auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{ID: "d1e54cdc-42d8-411b-be5a-0928432f796a", Subject: "8e257a76-c9ea-43cc-b449-e9c3e7ef10f5",
			Issuer: auth.Issuer, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(30 * time.Minute))},
		Kind: auth.KindAccess, TenantID: uuid.MustParse("c150361e-e573-412f-a385-9bb2debfe7cf"), Role: auth.RoleViewer,
		SessionID: uuid.MustParse("c996b39f-0baa-4d1b-90c8-19c48baec7e1"),
	}
}

func FuzzParseAccessToken(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	good, err := auth.SignToken(fuzzSecret, validClaims(now))
	if err != nil {
		f.Fatal(err)
	}
	otherKey, _ := auth.SignToken([]byte("another-secret-0123456789abcdef0123"), validClaims(now))
	none := jwt.NewWithClaims(jwt.SigningMethodNone, validClaims(now))
	noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	chal := validClaims(now)
	chal.Kind = auth.KindChallenge
	chalTok, _ := auth.SignToken(fuzzSecret, chal)
	parts := strings.Split(good, ".")
	for _, s := range []string{good, otherKey, noneTok, chalTok, "", "a.b.c", "..", parts[0] + "." + parts[1] + ".",
		parts[0] + ".e30." + parts[2], "eyJhbGciOiJIUzI1NiJ9.eyJ0eXAiOiJhY2Nlc3MifQ.x", good + "x", strings.Repeat("a.", 3000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := auth.ParseAccessToken(fuzzSecret, s, now)
		if err != nil {
			if c != nil {
				t.Fatal("claims with an error")
			}
			return
		}
		// Only tokens we signed verify: anything accepted must be an
		// unexpired access token with every claim a principal needs.
		if s != good {
			t.Fatalf("accepted a token we did not issue: %q", s)
		}
		if c.Kind != auth.KindAccess || c.TenantID == uuid.Nil || c.SessionID == uuid.Nil || c.ExpiresAt.Before(now) {
			t.Fatalf("accepted incomplete claims %+v", c)
		}
	})
}

func TestParseAccessTokenRefusesForgeries(t *testing.T) {
	t.Parallel()
	now := time.Now()
	c := validClaims(now)
	tok, _ := auth.SignToken(fuzzSecret, c)
	if _, err := auth.ParseAccessToken(fuzzSecret, tok, now); err != nil {
		t.Fatalf("valid token refused: %v", err)
	}
	if _, err := auth.ParseAccessToken(fuzzSecret, tok, now.Add(31*time.Minute)); err == nil {
		t.Fatal("expired token accepted")
	}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if _, err := auth.ParseAccessToken(fuzzSecret, none, now); err == nil {
		t.Fatal("alg=none accepted")
	}
	chal := validClaims(now)
	chal.Kind = auth.KindChallenge
	ct, _ := auth.SignToken(fuzzSecret, chal)
	if _, err := auth.ParseAccessToken(fuzzSecret, ct, now); err == nil {
		t.Fatal("challenge token accepted as access token")
	}
}
