package match

import (
	"strings"
	"time"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// email trims and lower-cases; "" unless it looks like local@domain.
// (Meta, TikTok, Snapchat: "trim leading and trailing spaces, convert all
// characters to lowercase".)
func email(v, _ string) string {
	s := strings.ToLower(strings.TrimSpace(v))
	at := strings.IndexByte(s, '@')
	if at <= 0 || at != strings.LastIndexByte(s, '@') || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n") {
		return ""
	}
	return s
}

// googleEmail is email plus Google's rule for gmail.com and googlemail.com
// addresses: no dots in the local part, and no "+tag".
func googleEmail(v, region string) string {
	s := email(v, region)
	if s == "" {
		return ""
	}
	local, domain, _ := strings.Cut(s, "@")
	if domain != "gmail.com" && domain != "googlemail.com" {
		return s
	}
	local, _, _ = strings.Cut(local, "+")
	local = strings.ReplaceAll(local, ".", "")
	if local == "" {
		return ""
	}
	return local + "@" + domain
}

// phoneE164 returns the number in E.164 ("+16505551212"): parsed with the
// customer's country as the default region when it has no country code
// ("+…" or "00…"). Without either, the digits are taken to include the
// country code (Meta: "remove symbols, letters, and any leading zeros").
func phoneE164(v, region string) string {
	s := strings.TrimSpace(v)
	if s == "" {
		return ""
	}
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	if isE164(s) {
		return s // already E.164 (the CDP stores phone identifiers so)
	}
	if !strings.HasPrefix(s, "+") && region == "" {
		d := strings.TrimLeft(digits(s), "0")
		if len(d) < 8 || len(d) > 15 {
			return ""
		}
		s = "+" + d
	}
	n, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}

// isE164 reports whether s is "+" and 8–15 digits, the first not 0: the
// normal form already, no parsing needed (parsing costs ~10 µs).
func isE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// phoneDigits is phoneE164 without the "+" (Meta, Snapchat).
func phoneDigits(v, region string) string {
	return strings.TrimPrefix(phoneE164(v, region), "+")
}

func digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// name lower-cases (any script), drops punctuation and symbols, and
// collapses white space ("  Mary-Ann " → "maryann", "Valéry" → "valéry").
func name(v, _ string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(v) {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
		case unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsControl(r):
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteString(string(unicode.ToLower(r)))
		}
	}
	return b.String()
}

// alnum lower-cases and keeps only letters and digits (city, state, zip:
// "no punctuation, no special characters, no spaces").
func alnum(v string) string {
	var b strings.Builder
	for _, r := range v {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteString(string(unicode.ToLower(r)))
		}
	}
	return b.String()
}

func city(v, _ string) string { return alnum(v) }

// state is the two-letter code, lower case, for US states written out;
// otherwise the region's name or code without punctuation or spaces.
func state(v, _ string) string {
	s := alnum(v)
	if code, ok := usStates[s]; ok {
		return code
	}
	return s
}

// zip lower-cases and drops spaces and dashes; US codes keep their first
// five digits ("94025-1234" → "94025").
func zip(v, region string) string {
	s := alnum(v)
	if region == "US" || region == "" && len(s) == 9 && digits(s) == s {
		if len(s) >= 5 && digits(s[:5]) == s[:5] {
			return s[:5]
		}
	}
	return s
}

// country is the ISO 3166-1 alpha-2 code, lower case ("US", "usa",
// "United States" → "us"); "" when unknown.
func country(v, _ string) string {
	s := alnum(v)
	if len(s) == 2 {
		if phonenumbers.GetSupportedRegions()[strings.ToUpper(s)] {
			return s
		}
		if s == "uk" {
			return "gb"
		}
		return ""
	}
	return countryNames[s]
}

// countryUpper is country in upper case (Google's countryCode, in clear).
func countryUpper(v, region string) string { return strings.ToUpper(country(v, region)) }

// gender is "f" or "m".
func gender(v, _ string) string {
	switch alnum(v) {
	case "f", "female", "w", "woman":
		return "f"
	case "m", "male", "man":
		return "m"
	}
	return ""
}

// externalID trims; ids are case-sensitive and sent as given otherwise.
func externalID(v, _ string) string { return strings.TrimSpace(v) }

// dobLayouts are the birth-date spellings accepted (ISO first; the one
// day-first/month-first ambiguity is read the US way, as Segment's
// birthday trait is ISO 8601 in practice).
var dobLayouts = []string{"20060102", "2006-01-02", "2006/01/02", "2006.01.02", "01/02/2006", time.RFC3339}

// maxBirthYear bounds birth years without reading the clock (package match
// is pure): a later "birth date" is a typo or another date.
const maxBirthYear = 2100

// dateOfBirth returns YYYYMMDD for a real date with a year from 1900 (Meta:
// "from 1900 to current year"; the upper bound is maxBirthYear).
func dateOfBirth(v, _ string) string {
	s := strings.TrimSpace(v)
	if len(s) > 10 && s[4] == '-' && s[10] == 'T' {
		s = s[:10]
	}
	for _, l := range dobLayouts {
		t, err := time.Parse(l, s)
		if err != nil {
			continue
		}
		if t.Year() < 1900 || t.Year() > maxBirthYear {
			return ""
		}
		return t.Format("20060102")
	}
	return ""
}

// usStates maps US state names (alnum form) to their codes.
var usStates = map[string]string{
	"alabama": "al", "alaska": "ak", "arizona": "az", "arkansas": "ar", "california": "ca",
	"colorado": "co", "connecticut": "ct", "delaware": "de", "districtofcolumbia": "dc",
	"florida": "fl", "georgia": "ga", "hawaii": "hi", "idaho": "id", "illinois": "il",
	"indiana": "in", "iowa": "ia", "kansas": "ks", "kentucky": "ky", "louisiana": "la",
	"maine": "me", "maryland": "md", "massachusetts": "ma", "michigan": "mi", "minnesota": "mn",
	"mississippi": "ms", "missouri": "mo", "montana": "mt", "nebraska": "ne", "nevada": "nv",
	"newhampshire": "nh", "newjersey": "nj", "newmexico": "nm", "newyork": "ny",
	"northcarolina": "nc", "northdakota": "nd", "ohio": "oh", "oklahoma": "ok", "oregon": "or",
	"pennsylvania": "pa", "rhodeisland": "ri", "southcarolina": "sc", "southdakota": "sd",
	"tennessee": "tn", "texas": "tx", "utah": "ut", "vermont": "vt", "virginia": "va",
	"washington": "wa", "westvirginia": "wv", "wisconsin": "wi", "wyoming": "wy",
}

// countryNames maps common English country names and alpha-3 codes (alnum
// form) to alpha-2; anything else must be given as an alpha-2 code.
var countryNames = map[string]string{
	"usa": "us", "unitedstates": "us", "unitedstatesofamerica": "us",
	"gbr": "gb", "unitedkingdom": "gb", "greatbritain": "gb", "england": "gb",
	"can": "ca", "canada": "ca", "deu": "de", "germany": "de", "fra": "fr", "france": "fr",
	"esp": "es", "spain": "es", "ita": "it", "italy": "it", "nld": "nl", "netherlands": "nl",
	"aus": "au", "australia": "au", "bra": "br", "brazil": "br", "mex": "mx", "mexico": "mx",
	"ind": "in", "india": "in", "jpn": "jp", "japan": "jp", "kor": "kr", "southkorea": "kr",
	"irl": "ie", "ireland": "ie", "che": "ch", "switzerland": "ch", "swe": "se", "sweden": "se",
	"pol": "pl", "poland": "pl", "bel": "be", "belgium": "be", "aut": "at", "austria": "at",
}
