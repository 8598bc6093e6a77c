package auth

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// tokenCache remembers access tokens whose signature and claims verified,
// until they expire, so a client's next request skips the HMAC and JSON
// work (about half the cost of authenticating, see BenchmarkAuthOverhead).
// Revocation is unaffected: the denylist is checked on every request. The
// cache holds at most tokenCacheSize tokens; it lives in memory only and is
// created on first use (Service.tokenOnce).
type tokenCache struct {
	c *lru.Cache[string, *Claims]
}

const tokenCacheSize = 10_000

func newTokenCache() tokenCache {
	c, _ := lru.New[string, *Claims](tokenCacheSize) // only fails for a size ≤ 0
	return tokenCache{c: c}
}

// get returns raw's claims if raw verified before and has not expired at now.
func (t tokenCache) get(raw string, now time.Time) (*Claims, bool) {
	c, ok := t.c.Get(raw)
	if !ok || c.ExpiresAt == nil || !now.Before(c.ExpiresAt.Time) {
		return nil, false
	}
	return c, true
}

func (t tokenCache) add(raw string, c *Claims) { t.c.Add(raw, c) }
