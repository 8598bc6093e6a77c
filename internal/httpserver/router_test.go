package httpserver

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func TestAssetsArePrecompressedWhenAccepted(t *testing.T) {
	t.Parallel()
	dist := fstest.MapFS{
		"index.html":           {Data: []byte("<html>")},
		"assets/app-1.js":      {Data: []byte("plain")},
		"assets/app-1.js.br":   {Data: []byte("brotli")},
		"assets/app-1.js.gz":   {Data: []byte("gzipped")},
		"assets/only-plain.js": {Data: []byte("plain only")},
	}
	h := spa(dist)
	for _, c := range []struct {
		name, path, accept, encoding, body string
	}{
		{"brotli preferred", "/assets/app-1.js", "gzip, deflate, br", "br", "brotli"},
		{"gzip", "/assets/app-1.js", "gzip", "gzip", "gzipped"},
		{"q=0 refuses an encoding", "/assets/app-1.js", "br;q=0, gzip", "gzip", "gzipped"},
		{"identity without Accept-Encoding", "/assets/app-1.js", "", "", "plain"},
		{"identity when no sibling exists", "/assets/only-plain.js", "br, gzip", "", "plain only"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, c.path, nil)
			if c.accept != "" {
				req.Header.Set("Accept-Encoding", c.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, http.StatusOK, rec.Code)
			require.Equal(t, c.encoding, rec.Header().Get("Content-Encoding"))
			require.Equal(t, c.body, rec.Body.String())
			require.Contains(t, rec.Header().Get("Content-Type"), "javascript")
			require.Contains(t, rec.Header().Values("Vary"), "Accept-Encoding")
			require.Contains(t, rec.Header().Get("Cache-Control"), "immutable")
		})
	}
}
