package auth

import (
	"crypto/subtle"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/stratumhq/stratum/internal/secretbox"
)

// TOTP follows RFC 6238 with the parameters every authenticator app
// supports: HMAC-SHA1, 6 digits, 30-second steps, ±1 step of clock skew.
const (
	totpPeriod = 30
	totpSkew   = 1
	totpDigits = otp.DigitsSix
)

// TOTPStep returns the RFC 6238 time step of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// MatchTOTP returns the time step (within ±1 of now) at which code is
// valid for secret (base32), or 0 when it is not. The caller refuses steps
// not after the last accepted one, so a code works once.
func MatchTOTP(secret, code string, now time.Time) int64 {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0
	}
	cur := TOTPStep(now)
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s
		}
	}
	return 0
}

// NewTOTPKey generates a secret for account (the user's email).
func NewTOTPKey(account string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: "Stratum", AccountName: account, Period: totpPeriod,
		Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, SecretSize: 20})
}

// Box seals small secrets at rest (TOTP secrets, notification channel
// secrets, invitation tokens, ad-platform grants) with AES-256-GCM under
// the keyring of STRATUM_ENCRYPTION_KEY (internal/secretbox: the first key
// seals, every key opens, values sealed before key ids existed still open).
type Box = secretbox.Keyring

// NewBox parses STRATUM_ENCRYPTION_KEY: a base64 32-byte key, or a
// comma-separated kid:base64key list with the sealing key first.
func NewBox(spec string) (*Box, error) { return secretbox.Parse(spec) }
