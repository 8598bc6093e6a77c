package conversions

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

// Credential field names, as the GraphQL input's credentials object keys
// them (and as Destination.Credentials hands them to the senders).
const (
	CredPixelID            = "pixelId"
	CredAccessToken        = "accessToken"
	CredCustomerID         = "customerId"
	CredConversionActionID = "conversionActionId"
	CredDeveloperToken     = "developerToken"
	CredLoginCustomerID    = "loginCustomerId"
	CredRefreshToken       = "refreshToken"
	CredConnectionID       = "connectionId"
	CredPixelCode          = "pixelCode"
)

// MaxCredentialValue bounds one credential value (bytes). Real tokens are
// a few hundred bytes; Meta's system-user tokens about 200.
const MaxCredentialValue = 2048

// credField is one credential field of a platform: its rule and whether
// the platform cannot work without it.
type credField struct {
	required bool
	// check returns what is wrong with the (trimmed, non-empty) value, or
	// "" when it is fine; never the value itself.
	check func(v string) string
	// norm rewrites an accepted value into its stored form (nil: as is).
	norm func(v string) string
	// secret fields are tokens (password inputs in the dashboard).
	secret bool
}

var (
	digitsRe     = regexp.MustCompile(`^[0-9]{1,32}$`)
	customerIDRe = regexp.MustCompile(`^[0-9]{3}-?[0-9]{3}-?[0-9]{4}$`)
	pixelCodeRe  = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
)

func checkDigits(what string) func(string) string {
	return func(v string) string {
		if !digitsRe.MatchString(v) {
			return what + " is a number (digits only)"
		}
		return ""
	}
}

func checkCustomerID(what string) func(string) string {
	return func(v string) string {
		if !customerIDRe.MatchString(v) {
			return what + " is 10 digits, written 1234567890 or 123-456-7890"
		}
		return ""
	}
}

func stripDashes(v string) string { return strings.ReplaceAll(v, "-", "") }

// checkToken accepts printable ASCII without spaces: what OAuth tokens,
// Meta access tokens and Google developer tokens are made of.
func checkToken(v string) string {
	for _, r := range v {
		if r <= ' ' || r > '~' {
			return "must be printable characters without spaces"
		}
	}
	return ""
}

func checkUUID(v string) string {
	if _, err := uuid.Parse(v); err != nil || len(v) != 36 {
		return "is a UUID such as 3f1a2b4c-5d6e-7f80-9a1b-2c3d4e5f6a7b (Snapchat's pixel id)"
	}
	return ""
}

func checkConnectionID(v string) string {
	typ, _, err := relay.ParseGlobalID(v)
	if err != nil || typ != relay.TypePlatformConnection {
		return "is the ID of one of the workspace's Google platform connections"
	}
	return ""
}

// credentialFields holds each platform's credential fields.
var credentialFields = map[string]map[string]credField{
	"META": {
		CredPixelID:     {required: true, check: checkDigits("Meta's pixel (dataset) id")},
		CredAccessToken: {required: true, check: checkToken, secret: true},
	},
	"GOOGLE": {
		CredCustomerID:         {required: true, check: checkCustomerID("Google Ads' customer id"), norm: stripDashes},
		CredConversionActionID: {required: true, check: checkDigits("the conversion action id")},
		CredDeveloperToken:     {required: true, check: checkToken, secret: true},
		CredLoginCustomerID:    {check: checkCustomerID("the manager account's customer id"), norm: stripDashes},
		// Exactly one of these three (checked in ValidateCredentials).
		CredRefreshToken: {check: checkToken, secret: true},
		CredAccessToken:  {check: checkToken, secret: true},
		CredConnectionID: {check: checkConnectionID},
	},
	"TIKTOK": {
		CredPixelCode: {required: true, check: func(v string) string {
			if !pixelCodeRe.MatchString(v) {
				return "TikTok's pixel code is 1 to 64 letters and digits"
			}
			return ""
		}},
		CredAccessToken: {required: true, check: checkToken, secret: true},
	},
	"SNAPCHAT": {
		CredPixelID:     {required: true, check: checkUUID},
		CredAccessToken: {required: true, check: checkToken, secret: true},
	},
}

// googleAuthKeys are Google's alternatives for authorising the upload.
var googleAuthKeys = []string{CredRefreshToken, CredAccessToken, CredConnectionID}

// CredentialKeys lists platform's credential fields, sorted (nil for an
// unknown platform).
func CredentialKeys(platform string) []string {
	fs, ok := credentialFields[platform]
	if !ok {
		return nil
	}
	keys := make([]string, 0, len(fs))
	for k := range fs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SecretCredential reports whether key is a token of platform (shown as a
// password input, never echoed).
func SecretCredential(platform, key string) bool {
	return credentialFields[platform][key].secret
}

// credPath is the input path of a credential field.
func credPath(key string) []string { return []string{"input", "credentials", key} }

// ValidateCredentials checks creds against platform's credential fields:
// every required field present, no unknown field, each value within
// MaxCredentialValue bytes and of its field's shape (META: pixelId digits,
// accessToken; GOOGLE: customerId of 10 digits, conversionActionId digits,
// developerToken, optional loginCustomerId, and exactly one of
// refreshToken, accessToken or connectionId — a PlatformConnection's ID;
// TIKTOK: pixelCode, accessToken; SNAPCHAT: pixelId a UUID, accessToken).
// Errors are BAD_USER_INPUT at ["input", "credentials", key] and never
// contain a value. Whether a connectionId names a connection of the
// tenant is checked by Destinations, which can read it.
func ValidateCredentials(platform string, creds map[string]string) error {
	fs, ok := credentialFields[platform]
	if !ok {
		return apperr.Invalid([]string{"input", "platform"}, "conversions can be forwarded to META, GOOGLE, TIKTOK or SNAPCHAT")
	}
	keys := make([]string, 0, len(creds))
	for k := range creds {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first error found is the same every time
	for _, k := range keys {
		f, known := fs[k]
		if !known {
			return apperr.Invalid(credPath(clipKey(k)), "%s destinations take no credential %q; they take %s",
				platform, clipKey(k), strings.Join(CredentialKeys(platform), ", "))
		}
		v := creds[k]
		if len(v) > MaxCredentialValue {
			return apperr.Invalid(credPath(k), "%s is at most %d bytes", k, MaxCredentialValue)
		}
		if strings.TrimSpace(v) == "" {
			return apperr.Invalid(credPath(k), "%s must not be empty", k)
		}
		if msg := f.check(strings.TrimSpace(v)); msg != "" {
			return apperr.Invalid(credPath(k), "%s %s", k, strings.TrimPrefix(msg, k+" "))
		}
	}
	for _, k := range CredentialKeys(platform) {
		if _, set := creds[k]; fs[k].required && !set {
			return apperr.Invalid(credPath(k), "%s destinations need %s", platform, k)
		}
	}
	if platform == "GOOGLE" {
		var set []string
		for _, k := range googleAuthKeys {
			if _, ok := creds[k]; ok {
				set = append(set, k)
			}
		}
		switch len(set) {
		case 0:
			return apperr.Invalid(credPath(CredRefreshToken), "GOOGLE destinations need a refreshToken, an accessToken or the connectionId of a Google platform connection")
		case 1:
		default:
			return apperr.Invalid(credPath(set[1]), "give only one of refreshToken, accessToken and connectionId (%s and %s are both set)", set[0], set[1])
		}
	}
	return nil
}

// normalizeCredentials trims every value and rewrites it into its stored
// form (Google's customer ids without dashes). Call after
// ValidateCredentials.
func normalizeCredentials(platform string, creds map[string]string) map[string]string {
	out := make(map[string]string, len(creds))
	for k, v := range creds {
		v = strings.TrimSpace(v)
		if f := credentialFields[platform][k]; f.norm != nil {
			v = f.norm(v)
		}
		out[k] = v
	}
	return out
}

// mergeCredentials applies an update's credentials to the stored ones: a
// key with a value replaces it, a key with the empty string removes it,
// keys not named are kept.
func mergeCredentials(stored, patch map[string]string) map[string]string {
	out := make(map[string]string, len(stored)+len(patch))
	for k, v := range stored {
		out[k] = v
	}
	for k, v := range patch {
		if v == "" {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// sortedKeys is the credential_keys column: which fields are set.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// clipKey bounds an unknown key before it is named in an error (a key is
// a field name, not a secret, but may be anything a client sent).
func clipKey(k string) string {
	k = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, k)
	if len(k) > 64 {
		k = k[:64]
		for len(k) > 0 && !utf8.ValidString(k) {
			k = k[:len(k)-1]
		}
		k += "…"
	}
	return k
}

// redact removes every credential value from msg (a platform's or
// transport's message about a request that carried them).
func redact(msg string, creds map[string]string) string {
	for _, v := range creds {
		if len(v) >= 6 {
			msg = strings.ReplaceAll(msg, v, "[redacted]")
		}
	}
	return msg
}
