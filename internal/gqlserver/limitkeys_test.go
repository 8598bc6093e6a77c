package gqlserver

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
)

// Anonymous clients are limited per address, and an IPv6 client can take
// a new address of its /64 for every request: the anonymous cost bucket
// and the stream cap count an IPv6 client by its /64 (an IPv4 client by
// its address).
func TestPerAddressLimitsCountIPv6ByItsSlash64(t *testing.T) {
	t.Parallel()
	bucketOf := func(ip string) string {
		key, _ := CostLimit{}.bucket(auth.WithClient(context.Background(), auth.Client{IP: ip}))
		return key
	}
	require.Equal(t, bucketOf("2001:db8:1:2::1"), bucketOf("2001:db8:1:2::abcd"), "one /64, one bucket")
	require.NotEqual(t, bucketOf("2001:db8:1:2::1"), bucketOf("2001:db8:1:3::1"), "positive control: another /64")
	require.NotEqual(t, bucketOf("203.0.113.7"), bucketOf("203.0.113.8"))

	s := NewSockets()
	s.MaxPerIP = 1
	streamFrom := func(addr string) bool {
		r := httptest.NewRequest("GET", "/graphql", nil)
		r.RemoteAddr = addr
		return s.reserve(streamKey(r))
	}
	require.True(t, streamFrom("[2001:db8:1:2::1]:5000"))
	require.False(t, streamFrom("[2001:db8:1:2::2]:5001"), "the /64 already holds its one stream")
	require.True(t, streamFrom("[2001:db8:1:3::1]:5000"), "positive control: another /64")
}
