// Package match normalises and hashes customer information the way each ad
// platform's conversion API documents it, in one table (rules below): which
// field is normalised how, and whether it is sent as a SHA-256 hex digest or
// in clear. Senders call User (or Value) and put the answer on the wire as
// it is; nothing else in Stratum hashes customer information for the
// conversion APIs.
//
// Invariants:
//   - A value that already is a SHA-256 hex digest (64 hex characters, any
//     case) is never hashed again: it is passed on lower-cased.
//   - What a platform wants in clear (IP address, user agent, fbc/fbp,
//     click ids, Google's city/state/postal code/country) is never hashed;
//     those fields are not in the hashing table at all.
//   - A value that normalises to nothing (an email without "@", a phone
//     number that cannot be a number, an impossible date) is dropped rather
//     than hashed: a hash of garbage only lowers the match rate.
//
// Sources (docs/adr/0022-conversions.md lists them with the golden values
// the tests check):
//   - Meta: developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters
//   - Google Ads: developers.google.com/google-ads/api/docs/conversions/enhance-conversions
//     (normalise and hash user-provided data)
//   - TikTok: business-api.tiktok.com Events API 1.3 (event/track user object)
//   - Snapchat: developers.snap.com/api/marketing-api/Conversions-API/Parameters
package match

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/platforms"
)

// Field is one customer-information field, named as Meta's user_data names
// it (the other platforms' names differ only on the wire).
type Field string

// The fields the table covers.
const (
	Email       Field = "em"
	Phone       Field = "ph"
	FirstName   Field = "fn"
	LastName    Field = "ln"
	Gender      Field = "ge"
	DateOfBirth Field = "db"
	City        Field = "ct"
	State       Field = "st"
	Zip         Field = "zp"
	Country     Field = "country"
	ExternalID  Field = "external_id"
)

// Fields lists every Field, in the order User fills them.
var Fields = []Field{Email, Phone, FirstName, LastName, Gender, DateOfBirth, City, State, Zip, Country, ExternalID}

// normalizer turns a raw value into the platform's normal form ("" when it
// cannot be used); region is the ISO 3166 alpha-2 country of the customer
// (upper case, possibly empty) for phone numbers and postal codes.
type normalizer func(v, region string) string

// rule is how one platform wants one field.
type rule struct {
	normalize normalizer
	// hash: sent as the SHA-256 hex digest of the normal form; otherwise
	// sent in clear, normalised.
	hash bool
}

// rules is THE table. A field absent for a platform is not sent to it.
var rules = map[string]map[Field]rule{
	// Meta: every contact field hashed; phone as digits with the country
	// code and no "+"; external_id hashing recommended (we hash it).
	platforms.Meta: {
		Email: {email, true}, Phone: {phoneDigits, true},
		FirstName: {name, true}, LastName: {name, true}, Gender: {gender, true},
		DateOfBirth: {dateOfBirth, true}, City: {city, true}, State: {state, true},
		Zip: {zip, true}, Country: {country, true}, ExternalID: {externalID, true},
	},
	// Google Ads enhanced conversions: email (gmail.com/googlemail.com
	// without dots or +tag in the local part), phone in E.164 with "+",
	// first and last name hashed; city, state, postal code and country
	// code in clear. Google has no external id, gender or birth date.
	platforms.Google: {
		Email: {googleEmail, true}, Phone: {phoneE164, true},
		FirstName: {name, true}, LastName: {name, true},
		City: {city, false}, State: {state, false}, Zip: {zip, false},
		Country: {countryUpper, false},
	},
	// TikTok Events API 1.3: user.email, user.phone (E.164 with "+") and
	// user.external_id, each SHA-256 hashed.
	platforms.TikTok: {
		Email: {email, true}, Phone: {phoneE164, true}, ExternalID: {externalID, true},
	},
	// Snapchat CAPI v3: Meta's user_data schema and rules (phone as
	// digits with the country code, no "+").
	platforms.Snapchat: {
		Email: {email, true}, Phone: {phoneDigits, true},
		FirstName: {name, true}, LastName: {name, true}, Gender: {gender, true},
		DateOfBirth: {dateOfBirth, true}, City: {city, true}, State: {state, true},
		Zip: {zip, true}, Country: {country, true}, ExternalID: {externalID, true},
	},
}

// Sends reports whether platform takes field at all.
func Sends(platform string, f Field) bool {
	_, ok := rules[platform][f]
	return ok
}

// Hashed reports whether platform wants field hashed.
func Hashed(platform string, f Field) bool { return rules[platform][f].hash }

// Normalize returns v in platform's normal form for field ("" when the
// platform does not take the field or v cannot be used). region is the
// customer's country (alpha-2, any case; may be empty).
func Normalize(platform string, f Field, v, region string) string {
	r, ok := rules[platform][f]
	if !ok {
		return ""
	}
	return r.normalize(v, regionOf(region))
}

// Value returns what goes on the wire for field: the SHA-256 hex digest of
// the normal form when the platform wants it hashed (or v itself,
// lower-cased, when v already is a digest), the normal form otherwise; ""
// when there is nothing usable.
func Value(platform string, f Field, v, region string) string {
	r, ok := rules[platform][f]
	if !ok {
		return ""
	}
	return r.value(v, regionOf(region))
}

func (r rule) value(v, region string) string {
	n := r.present(v, region)
	switch {
	case n == "" || !r.hash:
		return n
	case IsDigest(v): // already hashed: never hashed again
		return strings.ToLower(v)
	}
	return SHA256Hex(n)
}

// present is value without the hashing: the normal form, a digest as it
// was given, "" exactly when value is "".
func (r rule) present(v, region string) string {
	if v == "" {
		return ""
	}
	if r.hash && IsDigest(v) {
		return v
	}
	return r.normalize(v, region)
}

// SHA256Hex is the lower-case hex SHA-256 digest of s.
func SHA256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// IsDigest reports whether s already is a SHA-256 hex digest (64 hex
// characters, lower or upper case).
func IsDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Identifiers are one event's customer-information fields as they go on
// one platform's wire: hashed digests or normalised clear values, "" for
// absent or unusable ones. Fields the platform does not take stay "".
type Identifiers struct {
	Email, Phone, FirstName, LastName, Gender, DateOfBirth string
	City, State, Zip, Country, ExternalID                  string
}

// Get returns the identifier of field f.
func (id *Identifiers) Get(f Field) string {
	if p := id.slot(f); p != nil {
		return *p
	}
	return ""
}

func (id *Identifiers) slot(f Field) *string {
	switch f {
	case Email:
		return &id.Email
	case Phone:
		return &id.Phone
	case FirstName:
		return &id.FirstName
	case LastName:
		return &id.LastName
	case Gender:
		return &id.Gender
	case DateOfBirth:
		return &id.DateOfBirth
	case City:
		return &id.City
	case State:
		return &id.State
	case Zip:
		return &id.Zip
	case Country:
		return &id.Country
	case ExternalID:
		return &id.ExternalID
	}
	return nil
}

// raw returns u's raw value of field f.
func raw(u *conversions.UserData, f Field) string {
	switch f {
	case Email:
		return u.Email
	case Phone:
		return u.Phone
	case FirstName:
		return u.FirstName
	case LastName:
		return u.LastName
	case Gender:
		return u.Gender
	case DateOfBirth:
		return u.DateOfBirth
	case City:
		return u.City
	case State:
		return u.State
	case Zip:
		return u.Zip
	case Country:
		return u.Country
	case ExternalID:
		return u.ExternalID
	}
	return ""
}

// User normalises and hashes u for platform. The customer's country (u's
// Country, as a name or code) is the default region of a phone number
// written without its country code and decides US postal-code rules.
func User(platform string, u conversions.UserData) Identifiers {
	return user(platform, u, true)
}

// Present is User without the hashing: each field set exactly when User
// sets it (normalised, or a digest given as it was), for rules that only
// ask which parameters an event has — the senders' Check — at a fraction
// of the cost.
func Present(platform string, u conversions.UserData) Identifiers {
	return user(platform, u, false)
}

func user(platform string, u conversions.UserData, hash bool) Identifiers {
	var out Identifiers
	table := rules[platform]
	if table == nil {
		return out
	}
	region := regionOf(u.Country)
	for _, f := range Fields {
		r, ok := table[f]
		if !ok {
			continue
		}
		if hash {
			*out.slot(f) = r.value(raw(&u, f), region)
		} else {
			*out.slot(f) = r.present(raw(&u, f), region)
		}
	}
	return out
}

// regionOf turns a country (code or common name) into an upper-case alpha-2
// region for phone parsing, "" when unknown.
func regionOf(c string) string {
	n := country(c, "")
	if n == "" {
		return ""
	}
	return strings.ToUpper(n)
}
