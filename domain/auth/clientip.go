package auth

import "net/netip"

// LimitKeyIP is the part of a client address the per-address limits count
// by: an IPv4 address itself (also written IPv4-mapped), an IPv6 address's
// /64 — one customer's network, from which a client can take a new address
// for every request — and anything unparsable as it is.
func LimitKeyIP(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
