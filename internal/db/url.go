package db

import (
	"net/url"
	"strings"
)

func urlEscape(s string) string { return url.PathEscape(s) }

// sslMode keeps the owner URL's sslmode (default prefer) for the app URL.
func sslMode(ownerURL string) string {
	if u, err := url.Parse(ownerURL); err == nil {
		if m := u.Query().Get("sslmode"); m != "" {
			return m
		}
	}
	for _, part := range strings.Fields(ownerURL) { // key=value form
		if strings.HasPrefix(part, "sslmode=") {
			return strings.TrimPrefix(part, "sslmode=")
		}
	}
	return "prefer"
}
