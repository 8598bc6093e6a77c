package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/stratumhq/stratum/internal/apperr"
)

// Argon2Params are argon2id's cost parameters. They are stored with every
// hash, so raising them later only affects new hashes (docs/adr/0005).
type Argon2Params struct {
	// Time is the number of passes (default 2).
	Time uint32
	// MemoryKiB is the memory cost in KiB (default 65536 = 64 MiB).
	MemoryKiB uint32
	// Threads is the parallelism (default 2).
	Threads uint8
}

// DefaultArgon2 is chosen so one hash takes 50–250 ms on our build
// machines (docs/benchmarks.md, BenchmarkHashPassword).
var DefaultArgon2 = Argon2Params{Time: 2, MemoryKiB: 64 * 1024, Threads: 2}

const (
	saltLen = 16
	keyLen  = 32
	// MinPasswordLength is the shortest password accepted.
	MinPasswordLength = 10
	// MaxPasswordLength bounds the work one request can cause.
	MaxPasswordLength = 256
)

// HashPassword returns a PHC-style argon2id string with a fresh random salt:
// $argon2id$v=19$m=65536,t=2,p=2$<salt>$<hash>.
func HashPassword(password string, p Argon2Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed password hash")

// VerifyPassword reports whether password matches the encoded hash, using
// the parameters stored in it and a constant-time comparison.
func VerifyPassword(password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var v int
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false, errBadHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// CheckPasswordPolicy refuses passwords that are too short, too long, on
// the built-in list of common passwords, or containing the name part of the
// user's email address (before the @, when it has 4 characters or more).
// field names the input for userErrors. The messages are shown to the user
// as they are, on the password field: sentence case, saying what to do.
func CheckPasswordPolicy(password, email string, field []string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return apperr.Invalid(field, "Use at least %d characters", MinPasswordLength)
	}
	if n > MaxPasswordLength {
		return apperr.Invalid(field, "Use at most %d characters", MaxPasswordLength)
	}
	lower := strings.ToLower(password)
	if commonPasswords[lower] {
		return apperr.Invalid(field, "This password is on a list of commonly used passwords; choose another")
	}
	if local, _, ok := strings.Cut(strings.ToLower(email), "@"); ok && len(local) >= 4 && strings.Contains(lower, local) {
		return apperr.Invalid(field, "The password must not contain %q, the part of your email address before the @", local)
	}
	return nil
}

// commonPasswords are frequent passwords of at least MinPasswordLength
// characters from public breach corpora (lower-cased).
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`
1234567890 12345678910 0123456789 0987654321 1234567891 1111111111 0000000000 1q2w3e4r5t
1q2w3e4r5t6y qwertyuiop qwertyuiop1 qwerty1234 qwerty12345 qwerty123456 1qaz2wsx3edc
asdfghjkl1 zxcvbnm123 password12 password123 password1234 password12345 passw0rd123
password!1 p@ssw0rd123 p@ssword123 iloveyou12 iloveyou123 letmein123 welcome123 welcome1234
abc1234567 abcdefghij abcd123456 football123 baseball123 superman123 princess123 sunshine123
dragon1234 monkey1234 michael123 charlie123 liverpool1 chocolate1 123456789a 123456789q
a123456789 q123456789 1234qwerty 12345qwert 123qweasdzxc qazwsxedc1 qazwsxedcrfv adminadmin
administrator admin12345 admin123456 changeme123 trustno1234 starwars12 whatever12 computer12
internet12 master1234 shadow1234 jessica123 jennifer12 michelle12 1234554321 11223344556
aaaaaaaaaa abcabcabc1 987654321a 9876543210 6543210987 qwe123qwe1 asd123asd1 zaq12wsxcde
marketing1 marketing123 stratum123 stratum2026 summer2024 summer2025 winter2025 spring2025
autumn2025 password2024 password2025 password2026 letmeinnow passwordpassword`) {
		m[p] = true
	}
	return m
}()
