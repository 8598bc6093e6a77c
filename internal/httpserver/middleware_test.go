package httpserver

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/observability"
)

// The request duration's method label takes the request's method, which a
// client may invent (net/http accepts any token): one new method per
// request must not add a series each time. Methods outside HTTP's
// registered set count as "other".
func TestRequestMethodLabelsAreBounded(t *testing.T) {
	t.Parallel()
	m := observability.NewMetrics()
	h := observe(slog.New(slog.NewTextHandler(io.Discard, nil)), m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	serve := func(method string) {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, "/x", nil))
	}
	serve(http.MethodGet)
	serve(http.MethodPost)
	require.Equal(t, 2, testutil.CollectAndCount(m.HTTPDuration), "positive control: GET and POST have their series")
	for i := range 100 {
		serve("M" + string(rune('A'+i%26)) + string(rune('A'+i/26)))
	}
	require.Equal(t, 3, testutil.CollectAndCount(m.HTTPDuration), "GET, POST and other")
}
