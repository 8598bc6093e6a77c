package match_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/match"
	"github.com/stratumhq/stratum/domain/platforms"
)

// golden is one documented (or, where a platform gives no example,
// hand-computed with `printf %s NORMAL | sha256sum`) input → normal form →
// digest triple.
type golden struct {
	name     string
	platform string
	field    match.Field
	in       string
	region   string
	normal   string
	digest   string // "" when the field is sent in clear
}

var goldens = []golden{
	// Meta, customer-information-parameters page, its own examples.
	{"meta em doc", platforms.Meta, match.Email, "John_Smith@gmail.com", "", "john_smith@gmail.com", "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"},
	{"meta ph doc", platforms.Meta, match.Phone, "(650)555-1212", "US", "16505551212", "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"},
	{"meta fn doc", platforms.Meta, match.FirstName, "Mary", "", "mary", "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec"},
	{"meta fn doc hangul", platforms.Meta, match.FirstName, "정", "", "정", "8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14"},
	{"meta fn doc accent", platforms.Meta, match.FirstName, "Valéry", "", "valéry", "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c"},
	// Meta rules, hand-computed.
	{"meta ph +", platforms.Meta, match.Phone, "+1 650 555 1212", "", "16505551212", "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"},
	{"meta ph 00", platforms.Meta, match.Phone, "001-650-555-1212", "DE", "16505551212", "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"},
	{"meta ln punct", platforms.Meta, match.LastName, " Mary-Ann ", "", "maryann", "16b3f07f0ec2f9dd127b71dc2e6c791b7d93116a1c3bc99d057eaa7a8a077e73"},
	{"meta ge", platforms.Meta, match.Gender, "Female", "", "f", "252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111"},
	{"meta ge m", platforms.Meta, match.Gender, "M", "", "m", "62c66a7a5dd70c3146618063c344e531e6d4b59e379808443ce962b3abd63c5a"},
	{"meta db us", platforms.Meta, match.DateOfBirth, "02/16/1997", "", "19970216", "01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c"},
	{"meta db iso", platforms.Meta, match.DateOfBirth, "1997-02-16", "", "19970216", "01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c"},
	{"meta ct", platforms.Meta, match.City, "Menlo Park", "", "menlopark", "0007a3d64c01e23d5075203c5977c14e4f7e01a3fc570686fcc50b5e1dd42685"},
	{"meta st name", platforms.Meta, match.State, "California", "", "ca", "6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126"},
	{"meta st code", platforms.Meta, match.State, "CA", "", "ca", "6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126"},
	{"meta zp us+4", platforms.Meta, match.Zip, "94025-1234", "US", "94025", "b9a9cf3cd3723a2e91b7c23ecf68456e872b6e5d86e5cab7f3d45a7302da32c7"},
	{"meta country", platforms.Meta, match.Country, "United States", "", "us", "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"},
	{"meta country code", platforms.Meta, match.Country, "US", "", "us", "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"},
	{"meta external id", platforms.Meta, match.ExternalID, " 12345 ", "", "12345", "5994471abb01112afcc18159f6cc74b4f511b99806da59b3caf5a9c173cacfc5"},
	{"meta em plus kept", platforms.Meta, match.Email, " Foo.Bar+x@Example.com ", "", "foo.bar+x@example.com", "63d8fddb0998c4e9f55498c437e803a17025d244752a315d3300aec833668f1c"},
	// Snapchat, Conversions API Parameters page, its own examples.
	{"snap em doc", platforms.Snapchat, match.Email, "Person@Example.com", "", "person@example.com", "542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345"},
	{"snap ph doc", platforms.Snapchat, match.Phone, "+44 844 412 4653", "", "448444124653", "dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383"},
	// Google enhanced conversions rules, hand-computed.
	{"google gmail dots and tag", platforms.Google, match.Email, " Foo.Bar+tag@GMail.com ", "", "foobar@gmail.com", "ec3fe428cd3e33246cc5b36bbc373b06f77edbdde90b5f8fc998e99857ec20c2"},
	{"google googlemail", platforms.Google, match.Email, "John.Smith@googlemail.com", "", "johnsmith@googlemail.com", "b1dd4aa5ffe1507d6883708fdf4f7a88d176b107097b541c6975a70e2b8ffbb8"},
	{"google other domain keeps dots", platforms.Google, match.Email, "Foo.Bar+x@Example.com", "", "foo.bar+x@example.com", "63d8fddb0998c4e9f55498c437e803a17025d244752a315d3300aec833668f1c"},
	{"google phone e164", platforms.Google, match.Phone, "(650) 555-1212", "US", "+16505551212", "1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8"},
	{"google city clear", platforms.Google, match.City, "Menlo Park", "", "menlopark", ""},
	{"google zip clear", platforms.Google, match.Zip, "94025", "US", "94025", ""},
	{"google country clear", platforms.Google, match.Country, "us", "", "US", ""},
	// TikTok: phone in E.164 with "+", hand-computed.
	{"tiktok phone", platforms.TikTok, match.Phone, "650-555-1212", "US", "+16505551212", "1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8"},
	{"tiktok phone already e164", platforms.TikTok, match.Phone, "+16505551212", "", "+16505551212", "1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8"},
	{"meta phone already e164", platforms.Meta, match.Phone, "+16505551212", "FR", "16505551212", "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"},
	{"tiktok email", platforms.TikTok, match.Email, "John_Smith@gmail.com", "", "john_smith@gmail.com", "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"},
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			if got := match.Normalize(g.platform, g.field, g.in, g.region); got != g.normal {
				t.Fatalf("Normalize(%s, %s, %q) = %q, want %q", g.platform, g.field, g.in, got, g.normal)
			}
			want := g.digest
			if want == "" {
				want = g.normal
			} else if sum := sha256.Sum256([]byte(g.normal)); hex.EncodeToString(sum[:]) != g.digest {
				t.Fatalf("the golden digest is not SHA-256(%q): fix the table", g.normal)
			}
			if got := match.Value(g.platform, g.field, g.in, g.region); got != want {
				t.Fatalf("Value = %q, want %q", got, want)
			}
		})
	}
}

func TestNeverDoubleHash(t *testing.T) {
	t.Parallel()
	d := match.SHA256Hex("john_smith@gmail.com")
	for _, in := range []string{d, strings.ToUpper(d)} {
		if got := match.Value(platforms.Meta, match.Email, in, ""); got != d {
			t.Errorf("digest %q hashed again: %q", in, got)
		}
	}
	// Positive control: 63 hex characters are not a digest.
	if got := match.Value(platforms.Meta, match.ExternalID, d[:63], ""); got == d[:63] || got == "" {
		t.Errorf("63 hex characters passed on as a digest: %q", got)
	}
}

func TestUnusableValuesDropped(t *testing.T) {
	t.Parallel()
	cases := []struct {
		f  match.Field
		in string
	}{
		{match.Email, "not-an-email"}, {match.Email, "a@b@c"}, {match.Phone, "12"},
		{match.Gender, "x"}, {match.DateOfBirth, "1997-02-30"}, {match.DateOfBirth, "1850-01-01"},
		{match.Country, "Atlantis"}, {match.Phone, ""},
	}
	for _, c := range cases {
		if got := match.Value(platforms.Meta, c.f, c.in, "US"); got != "" {
			t.Errorf("%s %q → %q, want dropped", c.f, c.in, got)
		}
	}
}

func TestClearFieldsNotInTable(t *testing.T) {
	t.Parallel()
	// Google takes no external id, gender or birth date; TikTok no names.
	for _, c := range []struct {
		p string
		f match.Field
	}{{platforms.Google, match.ExternalID}, {platforms.Google, match.Gender}, {platforms.TikTok, match.FirstName}} {
		if match.Sends(c.p, c.f) {
			t.Errorf("%s should not take %s", c.p, c.f)
		}
	}
	if match.Hashed(platforms.Google, match.City) || !match.Hashed(platforms.Google, match.FirstName) {
		t.Error("Google: city in clear, first name hashed")
	}
}

func TestUser(t *testing.T) {
	t.Parallel()
	u := realisticUser()
	m := match.User(platforms.Meta, u)
	if m.Email != match.SHA256Hex("foo.bar+x@example.com") || m.Phone != match.SHA256Hex("16505551212") || m.Zip != match.SHA256Hex("94025") {
		t.Errorf("meta identifiers: %+v", m)
	}
	g := match.User(platforms.Google, u)
	if g.Email != match.SHA256Hex("foo.bar+x@example.com") || g.Phone != match.SHA256Hex("+16505551212") || g.City != "menlopark" || g.Country != "US" || g.ExternalID != "" {
		t.Errorf("google identifiers: %+v", g)
	}
	// The phone's default region comes from the customer's country.
	u.Country, u.Phone = "GB", "020 7946 0018"
	if got := match.User(platforms.Snapchat, u).Phone; got != match.SHA256Hex("442079460018") {
		t.Errorf("GB phone: %s", got)
	}
}

// Present sets a field exactly when User does, in its normal form (a
// digest given stays as given), without hashing: the senders' Check asks
// Present which parameters an event has.
func TestPresentIsUserWithoutTheHash(t *testing.T) {
	t.Parallel()
	digest := match.SHA256Hex("someone@example.com")
	users := []conversions.UserData{realisticUser(), {}, {Email: "not-an-email", Phone: "12", Gender: "x", Country: "Atlantis"},
		{Email: strings.ToUpper(digest), Phone: "+44 20 7946 0018", FirstName: "  ", ExternalID: "x"}}
	for _, p := range platforms.All {
		for i, u := range users {
			hashed, present := match.User(p, u), match.Present(p, u)
			for _, f := range match.Fields {
				h, v := hashed.Get(f), present.Get(f)
				if (h == "") != (v == "") {
					t.Errorf("%s user %d %s: User %q, Present %q", p, i, f, h, v)
				}
				if v != "" && match.Hashed(p, f) && !match.IsDigest(v) && h != match.SHA256Hex(v) {
					t.Errorf("%s user %d %s: User %q is not the digest of Present's %q", p, i, f, h, v)
				}
			}
		}
	}
	if got := match.Present(platforms.Meta, realisticUser()).Email; got != "foo.bar+x@example.com" {
		t.Errorf("Present's email is %q, want the normal form", got)
	}
}

func realisticUser() conversions.UserData {
	return conversions.UserData{
		Email: " Foo.Bar+x@Example.com ", Phone: "(650) 555-1212", FirstName: "Mary", LastName: "Smith-Jones",
		Gender: "female", DateOfBirth: "1997-02-16", City: "Menlo Park", State: "California", Zip: "94025-1234",
		Country: "US", ExternalID: "user_8472", ClientIP: "203.0.113.7",
		UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15",
		Fbp:       "fb.1.1717000000000.1234567890",
	}
}

// BenchmarkNormalizeHash measures normalise + hash of one realistic
// customer (email, phone, names, gender, birth date, address, external
// id) for Meta, the platform with the most hashed fields; events/s is per
// core (run with -cpu 1). raw_phone has the phone as typed ("(650)
// 555-1212", parsed with libphonenumber's rules), e164_phone as the CDP
// stores phone identifiers ("+16505551212", no parsing).
func BenchmarkNormalizeHash(b *testing.B) {
	for _, c := range []struct{ name, phone string }{{"raw_phone", "(650) 555-1212"}, {"e164_phone", "+16505551212"}} {
		b.Run(c.name, func(b *testing.B) {
			u := realisticUser()
			u.Phone = c.phone
			b.ReportAllocs()
			for b.Loop() {
				id := match.User(platforms.Meta, u)
				if id.Phone == "" {
					b.Fatal("no phone")
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
