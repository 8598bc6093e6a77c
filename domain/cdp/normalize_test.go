package cdp_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/cdp"
)

func TestNormalizeIdentifier(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", cdp.MaxIdentifierLength+1)
	for _, c := range []struct {
		name   string
		typ    cdp.IdentifierType
		raw    string
		region string
		want   string // "" : refused
	}{
		{"email trimmed and lower-cased", cdp.IdentifierEmail, "  Jane.Doe+Ads@Example.COM\t", "US", "jane.doe+ads@example.com"},
		{"email with a sub-domain", cdp.IdentifierEmail, "a@mail.example.co.uk", "US", "a@mail.example.co.uk"},
		{"email with an IDN domain", cdp.IdentifierEmail, "a@bücher.example", "US", "a@bücher.example"},
		{"email without @", cdp.IdentifierEmail, "jane.example.com", "US", ""},
		{"email with two @", cdp.IdentifierEmail, "a@b@example.com", "US", ""},
		{"email without a dotted domain", cdp.IdentifierEmail, "jane@localhost", "US", ""},
		{"email with a space", cdp.IdentifierEmail, "ja ne@example.com", "US", ""},
		{"email with a display name", cdp.IdentifierEmail, "Jane <jane@example.com>", "US", ""},
		{"email with an empty local part", cdp.IdentifierEmail, "@example.com", "US", ""},
		{"email with a double dot", cdp.IdentifierEmail, "ja..ne@example.com", "US", ""},
		{"email with an empty label", cdp.IdentifierEmail, "jane@example..com", "US", ""},
		{"email with a hyphen at a label's edge", cdp.IdentifierEmail, "jane@-example.com", "US", ""},
		{"email too long", cdp.IdentifierEmail, strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190) + ".com", "US", ""},
		{"US phone, national format", cdp.IdentifierPhone, "(415) 555-2671", "US", "+14155552671"},
		{"US phone, international format, other region", cdp.IdentifierPhone, "+1 415-555-2671", "DE", "+14155552671"},
		{"UK phone with its region", cdp.IdentifierPhone, "020 7946 0958", "GB", "+442079460958"},
		{"UK phone, international", cdp.IdentifierPhone, "+44 (0)20 7946 0958", "US", "+442079460958"},
		{"German phone with its region", cdp.IdentifierPhone, "030 901820", "DE", "+4930901820"},
		{"phone region lower-case", cdp.IdentifierPhone, "030 901820", "de", "+4930901820"},
		{"phone too short", cdp.IdentifierPhone, "12", "US", ""},
		{"phone not a number", cdp.IdentifierPhone, "call me", "US", ""},
		{"phone invalid for its region", cdp.IdentifierPhone, "+1 000 000 0000", "US", ""},
		{"phone too long", cdp.IdentifierPhone, strings.Repeat("1", 70), "US", ""},
		{"user id trimmed, case kept", cdp.IdentifierUserID, "  User-42 ", "US", "User-42"},
		{"external id", cdp.IdentifierExternalID, "crm:9", "US", "crm:9"},
		{"device id", cdp.IdentifierDeviceID, "AEBE52E7-03EE-455A-B3C4-E57283966239", "US", "AEBE52E7-03EE-455A-B3C4-E57283966239"},
		{"anonymous id", cdp.IdentifierAnonymousID, "0b1c", "US", "0b1c"},
		{"empty", cdp.IdentifierUserID, "  ", "US", ""},
		{"control character", cdp.IdentifierUserID, "a\x00b", "US", ""},
		{"invalid UTF-8", cdp.IdentifierUserID, "a\xffb", "US", ""},
		{"too long", cdp.IdentifierAnonymousID, long, "US", ""},
		{"longest", cdp.IdentifierAnonymousID, long[1:], "US", long[1:]},
		{"unknown type", cdp.IdentifierType("COOKIE"), "abc", "US", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := cdp.NormalizeIdentifier(c.typ, c.raw, c.region)
			if c.want == "" {
				require.Error(t, err)
				require.True(t, errors.Is(err, cdp.ErrInvalidIdentifier))
				if len(strings.TrimSpace(c.raw)) > 3 {
					require.NotContains(t, err.Error(), strings.TrimSpace(c.raw), "the error never repeats the value")
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, got)
			again, err := cdp.NormalizeIdentifier(c.typ, got, c.region)
			require.NoError(t, err)
			require.Equal(t, got, again, "normalising is idempotent")
		})
	}
}

func TestIdentifierPriorities(t *testing.T) {
	t.Parallel()
	want := map[cdp.IdentifierType]int{"USER_ID": 100, "EXTERNAL_ID": 100, "EMAIL": 80, "PHONE": 70, "DEVICE_ID": 40, "ANONYMOUS_ID": 10}
	for _, typ := range cdp.IdentifierTypes {
		require.Equal(t, want[typ], typ.Priority(), typ)
		require.True(t, typ.Valid())
	}
	require.Len(t, cdp.IdentifierTypes, len(want))
	require.False(t, cdp.IdentifierType("COOKIE").Valid())
	lim := cdp.IdentityLimits{}
	require.Equal(t, 1, lim.TypeLimit(cdp.IdentifierUserID))
	require.Equal(t, 5, lim.TypeLimit(cdp.IdentifierEmail))
	require.Equal(t, 3, cdp.IdentityLimits{PerType: map[cdp.IdentifierType]int{cdp.IdentifierEmail: 3}}.TypeLimit(cdp.IdentifierEmail))
}

func TestIsJunkIdentifier(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"-1", "0", "null", "Null", " undefined ", "ANONYMOUS", "unknown", "test@test.com", "TEST@TEST.COM", "", " "} {
		require.True(t, cdp.IsJunkIdentifier(v, cdp.DefaultJunkValues), "%q", v)
	}
	for _, v := range []string{"1", "00", "nullable", "jane@test.com", "anon-1"} {
		require.False(t, cdp.IsJunkIdentifier(v, cdp.DefaultJunkValues), "positive control %q", v)
	}
	require.True(t, cdp.IsJunkIdentifier("guest", []string{"Guest"}))
	require.False(t, cdp.IsJunkIdentifier("null", []string{"guest"}), "a tenant's list replaces the default one")
}

// FuzzNormalizeIdentifier checks that normalising never panics, that what
// it accepts is within bounds and a fixed point, and that emails come out
// lower-case and phones E.164.
func FuzzNormalizeIdentifier(f *testing.F) {
	for _, s := range []string{"Jane@Example.com", " +1 (415) 555-2671 ", "030 901820", "a@b@c", "null", "\xff", "İ@example.com", "+", "00", "a@xn--bcher-kva.example"} {
		for i := range cdp.IdentifierTypes {
			f.Add(i, s, "US")
		}
	}
	f.Add(3, "030 901820", "DE")
	f.Fuzz(func(t *testing.T, ti int, raw, region string) {
		typ := cdp.IdentifierTypes[(ti%len(cdp.IdentifierTypes)+len(cdp.IdentifierTypes))%len(cdp.IdentifierTypes)]
		got, err := cdp.NormalizeIdentifier(typ, raw, region)
		if err != nil {
			if !errors.Is(err, cdp.ErrInvalidIdentifier) {
				t.Fatalf("error %v does not wrap ErrInvalidIdentifier", err)
			}
			return
		}
		if got == "" || len(got) > cdp.MaxIdentifierLength || !utf8.ValidString(got) || strings.TrimSpace(got) != got {
			t.Fatalf("%s %q normalised to out-of-bounds %q", typ, raw, got)
		}
		again, err := cdp.NormalizeIdentifier(typ, got, region)
		if err != nil || again != got {
			t.Fatalf("%s %q: %q normalises to %q, %v (not a fixed point)", typ, raw, got, again, err)
		}
		switch typ {
		case cdp.IdentifierEmail:
			if strings.ToLower(got) != got || strings.Count(got, "@") != 1 {
				t.Fatalf("email %q normalised to %q", raw, got)
			}
		case cdp.IdentifierPhone:
			if got[0] != '+' || strings.Trim(got[1:], "0123456789") != "" || len(got) > 16 {
				t.Fatalf("phone %q normalised to %q, not E.164", raw, got)
			}
		}
	})
}
