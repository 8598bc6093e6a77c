package cdp

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// IdentifierType is the kind of an identifier (docs/adr/0017).
type IdentifierType string

// The identifier types, strongest first.
const (
	IdentifierUserID      IdentifierType = "USER_ID"
	IdentifierExternalID  IdentifierType = "EXTERNAL_ID"
	IdentifierEmail       IdentifierType = "EMAIL"
	IdentifierPhone       IdentifierType = "PHONE"
	IdentifierDeviceID    IdentifierType = "DEVICE_ID"
	IdentifierAnonymousID IdentifierType = "ANONYMOUS_ID"
)

// IdentifierTypes lists the identifier types, strongest first.
var IdentifierTypes = []IdentifierType{
	IdentifierUserID, IdentifierExternalID, IdentifierEmail, IdentifierPhone, IdentifierDeviceID, IdentifierAnonymousID,
}

// Priority is the type's strength: when a link would break a limit, the
// identifier of lower priority gives way. Unknown types have 0.
func (t IdentifierType) Priority() int {
	switch t {
	case IdentifierUserID, IdentifierExternalID:
		return 100
	case IdentifierEmail:
		return 80
	case IdentifierPhone:
		return 70
	case IdentifierDeviceID:
		return 40
	case IdentifierAnonymousID:
		return 10
	}
	return 0
}

// Valid reports whether t is one of IdentifierTypes.
func (t IdentifierType) Valid() bool { return t.Priority() > 0 }

// known reports whether t names a person rather than a browser or device
// (a profile with such an identifier is at least KNOWN).
func (t IdentifierType) known() bool { return t.Priority() >= IdentifierPhone.Priority() }

// Identifier is one identifier of a profile: its type and its value
// (normalised once it went through NormalizeIdentifier).
type Identifier struct {
	Type  IdentifierType `json:"type"`
	Value string         `json:"value"`
}

// MaxIdentifierLength bounds a normalised identifier value (bytes).
const MaxIdentifierLength = 512

// maxEmailLength is RFC 5321's bound of a forward path's address.
const maxEmailLength = 254

// DefaultJunkValues are the values refused as identifiers unless a tenant
// sets its own list (compared case-insensitively, after trimming, with the
// raw and the normalised value). The empty value is always refused.
var DefaultJunkValues = []string{"-1", "0", "null", "undefined", "anonymous", "unknown", "test@test.com"}

// ErrInvalidIdentifier is the cause of every NormalizeIdentifier error.
var ErrInvalidIdentifier = errors.New("invalid identifier")

func invalidIdentifier(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidIdentifier, fmt.Sprintf(format, args...))
}

// NormalizeIdentifier returns the stored form of raw as an identifier of
// type t: emails trimmed, lower-cased and checked for an address's shape;
// phones parsed (numbers without a country code in region, an ISO 3166
// code such as "US") and formatted E.164; other types trimmed. Values with
// control characters, invalid UTF-8 or longer than MaxIdentifierLength
// are refused. It does not check junk values (IsJunkIdentifier). Every
// error wraps ErrInvalidIdentifier; its text never repeats the value.
func NormalizeIdentifier(t IdentifierType, raw, region string) (string, error) {
	if !t.Valid() {
		return "", invalidIdentifier("unknown identifier type %q", truncateIdentity(string(t), 40))
	}
	if !utf8.ValidString(raw) {
		return "", invalidIdentifier("not valid UTF-8")
	}
	v := strings.TrimSpace(raw)
	if v == "" {
		return "", invalidIdentifier("empty")
	}
	if len(v) > MaxIdentifierLength {
		return "", invalidIdentifier("longer than %d bytes", MaxIdentifierLength)
	}
	for _, r := range v {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return "", invalidIdentifier("control character")
		}
	}
	switch t {
	case IdentifierEmail:
		return normalizeEmail(v)
	case IdentifierPhone:
		return normalizePhone(v, region)
	}
	return v, nil
}

// normalizeEmail lower-cases v and checks it is local@domain with a
// dotted domain and no characters an address cannot hold unquoted (quoted
// local parts and address literals are refused: no tracking plan sends them).
func normalizeEmail(v string) (string, error) {
	v = strings.ToLower(v)
	if len(v) > maxEmailLength {
		return "", invalidIdentifier("email longer than %d bytes", maxEmailLength)
	}
	local, domain, ok := strings.Cut(v, "@")
	if !ok || strings.Contains(domain, "@") {
		return "", invalidIdentifier("email must have one @")
	}
	if local == "" || len(local) > 64 || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "", invalidIdentifier("email's local part is malformed")
	}
	for _, r := range local {
		if unicode.IsSpace(r) || strings.ContainsRune(`()<>[]\,;:"`, r) {
			return "", invalidIdentifier("email's local part is malformed")
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "", invalidIdentifier("email's domain must have a dot")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return "", invalidIdentifier("email's domain is malformed")
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return "", invalidIdentifier("email's domain is malformed")
			}
		}
	}
	if strings.ToLower(v) != v {
		// A few runes lower-case to runes that lower-case again; refusing
		// them keeps normalisation idempotent.
		return "", invalidIdentifier("email does not lower-case stably")
	}
	return v, nil
}

// maxPhoneInput bounds the text handed to the phone parser.
const maxPhoneInput = 64

// normalizePhone parses v (in region when it has no country code) and
// formats it E.164; only numbers valid for their region are kept.
func normalizePhone(v, region string) (string, error) {
	if len(v) > maxPhoneInput {
		return "", invalidIdentifier("phone longer than %d bytes", maxPhoneInput)
	}
	n, err := phonenumbers.Parse(v, strings.ToUpper(region))
	if err != nil {
		return "", invalidIdentifier("phone does not parse")
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", invalidIdentifier("phone is not a valid number")
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// ValidRegion reports whether region is a region the phone parser knows
// (an upper-case ISO 3166-1 alpha-2 code such as "US" or "DE").
func ValidRegion(region string) bool {
	return phonenumbers.GetSupportedRegions()[region]
}

// IsJunkIdentifier reports whether value (raw or normalised) is one of
// junk, compared case-insensitively after trimming; empty is always junk.
func IsJunkIdentifier(value string, junk []string) bool {
	v := strings.TrimSpace(value)
	if v == "" {
		return true
	}
	for _, j := range junk {
		if strings.EqualFold(v, strings.TrimSpace(j)) {
			return true
		}
	}
	return false
}

// IdentifierHash is the SHA-256 of a normalised value, lower-case hex
// (stored beside the value for hashed matching).
func IdentifierHash(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

// truncateIdentity cuts s to at most n bytes on a rune boundary.
func truncateIdentity(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
