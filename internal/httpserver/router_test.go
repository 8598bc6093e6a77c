package httpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/apperr"
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

type authFunc func(r *http.Request) (context.Context, error)

func (f authFunc) Authenticate(r *http.Request) (context.Context, error) { return f(r) }

// Only an UNAUTHENTICATED error signs the caller out (401); a timeout or
// any other failure while checking the credential is 503 without its text.
func TestAuthenticationFailuresOtherThanBadCredentialsAre503(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	for _, c := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"no error", nil, http.StatusOK, ""},
		{"bad credential", apperr.Unauthenticatedf("the access token is invalid or expired"), http.StatusUnauthorized, "UNAUTHENTICATED"},
		{"deadline while authenticating", fmt.Errorf("load revocations: %w", context.DeadlineExceeded), http.StatusServiceUnavailable, "UNAVAILABLE"},
		{"driver error", errors.New(`failed to connect to user=stratum_app database=secret_db host=10.0.0.7:5432`), http.StatusServiceUnavailable, "UNAVAILABLE"},
		{"forbidden keeps its status", apperr.Forbiddenf("nope"), http.StatusForbidden, "FORBIDDEN"},
		{"an internal typed error", &apperr.Error{Code: apperr.Internal, Message: "x", Err: errors.New("secret_db")}, http.StatusServiceUnavailable, "UNAVAILABLE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := authenticate(log, authFunc(func(r *http.Request) (context.Context, error) { return r.Context(), c.err }), ok)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
			require.Equal(t, c.status, rec.Code)
			if c.code != "" {
				require.Contains(t, rec.Body.String(), `"code":"`+c.code+`"`)
			}
			require.NotContains(t, rec.Body.String(), "secret_db")
			require.NotContains(t, rec.Body.String(), "deadline")
		})
	}
}
