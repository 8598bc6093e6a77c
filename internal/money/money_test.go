package money

import "testing"

func TestParseMicros(t *testing.T) {
	t.Parallel()
	good := map[string]int64{"12.34": 12_340_000, "0.000001": 1, "7": 7_000_000, "-0.5": -500_000, ".25": 250_000, "1000000000000": 1_000_000_000_000 * Micro}
	for in, want := range good {
		if got, err := ParseMicros(in); err != nil || got != want {
			t.Errorf("ParseMicros(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-", ".", "1.2345678", "1e3", "+1", "1,5", "12.3x", "10000000000000", " 1"} {
		if got, err := ParseMicros(in); err == nil {
			t.Errorf("ParseMicros(%q) = %d, nil; want an error", in, got)
		}
	}
}

func TestMinorUnits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cur   string
		minor int64
		micro int64
	}{{"USD", 1234, 12_340_000}, {"JPY", 1234, 1_234_000_000}, {"KWD", 1234, 1_234_000}, {"eur", 5, 50_000}}
	for _, c := range cases {
		if got := MinorToMicros(c.cur, c.minor); got != c.micro {
			t.Errorf("MinorToMicros(%s, %d) = %d; want %d", c.cur, c.minor, got, c.micro)
		}
		if got := MicrosToMinor(c.cur, c.micro); got != c.minor {
			t.Errorf("MicrosToMinor(%s, %d) = %d; want %d", c.cur, c.micro, got, c.minor)
		}
	}
	if got := MicrosToMinor("USD", 12_345_000); got != 1235 { // half away from zero
		t.Errorf("MicrosToMinor rounds 12.345 USD to %d cents; want 1235", got)
	}
	if got := MicrosToMinor("USD", -12_345_000); got != -1235 {
		t.Errorf("MicrosToMinor rounds -12.345 USD to %d cents; want -1235", got)
	}
}

func TestFormatMicros(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cur  string
		m    int64
		want string
	}{{"USD", 12_340_000, "12.34"}, {"USD", 12_000_000, "12.00"}, {"JPY", 1_200_000_000, "1200"}, {"USD", 123_456, "0.123456"}, {"USD", -500_000, "-0.50"}, {"KWD", 1_234_000, "1.234"}}
	for _, c := range cases {
		if got := FormatMicros(c.cur, c.m); got != c.want {
			t.Errorf("FormatMicros(%s, %d) = %q; want %q", c.cur, c.m, got, c.want)
		}
	}
}
