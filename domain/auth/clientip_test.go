package auth

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLimitKeyIPCountsIPv6ByItsSlash64(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"203.0.113.7":                    "203.0.113.7",
		"::ffff:203.0.113.7":             "203.0.113.7",
		"2001:db8:1:2::1":                "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:ffff:ffff:ff": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":                "2001:db8:1:3::/64",
		"fe80::1%eth0":                   "fe80::/64",
		"::1":                            "::/64",
		"not an address":                 "not an address",
		"":                               "",
	} {
		require.Equal(t, want, LimitKeyIP(in), in)
	}
}
