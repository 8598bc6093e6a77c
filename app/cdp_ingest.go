package app

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/apperr"
)

// trackingAPI answers POST /v1/{call}: the Segment/RudderStack-compatible
// HTTP tracking API (track, identify, page, screen, group, alias, batch,
// import; docs/adr/0016). The write key is the HTTP Basic username or the
// body's writeKey; a gzip body (Content-Encoding: gzip) is inflated up to
// the 500 KB batch limit. It answers {"success":true} only once the events
// are committed, and otherwise a JSON body with the error's code, message
// and facts (field and index of an invalid event, limit, feature). Nothing
// logged here contains the payload or the key.
func (a *App) trackingAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Browser SDKs call from any site: the write key is no ambient
		// credential, so any origin may send and read the answer.
		h := w.Header()
		if h.Get("Access-Control-Allow-Origin") == "" {
			h.Set("Access-Control-Allow-Origin", "*")
		}
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Encoding")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		call := r.PathValue("call")
		if !slices.Contains(cdp.Endpoints, call) {
			writeTracking(w, http.StatusNotFound, map[string]any{"success": false, "code": "NOT_FOUND",
				"message": "unknown call; use one of " + strings.Join(cdp.Endpoints, ", ")})
			return
		}
		receivedAt := a.DB.Now(r.Context())
		body, err := readTrackingBody(w, r)
		if err != nil {
			writeTracking(w, http.StatusBadRequest, map[string]any{"success": false, "code": string(apperr.BadUserInput),
				"field": "body", "message": err.Error()})
			return
		}
		user, _, _ := r.BasicAuth()
		_, err = a.Services.CDP.Ingest(r.Context(), cdp.Request{Endpoint: call, Body: body, BasicUser: user, ReceivedAt: receivedAt})
		if err == nil {
			if a.holdAck(r.Context()) {
				return // test-only: committed, never acknowledged
			}
			writeTracking(w, http.StatusOK, map[string]any{"success": true})
			return
		}
		e, ok := apperr.As(err)
		if !ok || e.Code == apperr.Internal {
			if r.Context().Err() != nil {
				return // the client went away; a retry is deduplicated by messageId
			}
			a.Log.ErrorContext(r.Context(), "tracking API: ingest failed", "call", call, "err", err)
			writeTracking(w, http.StatusServiceUnavailable, map[string]any{"success": false, "code": string(apperr.Internal),
				"message": "the events could not be stored; retry"})
			return
		}
		status := map[apperr.Code]int{
			apperr.Unauthenticated: http.StatusUnauthorized,
			apperr.Forbidden:       http.StatusForbidden,
			apperr.FeatureDisabled: http.StatusForbidden,
			apperr.Throttled:       http.StatusTooManyRequests,
			apperr.BadUserInput:    http.StatusBadRequest,
		}[e.Code]
		if status == 0 {
			status = http.StatusBadRequest
		}
		out := map[string]any{}
		for k, v := range e.Extensions {
			out[k] = v
		}
		out["success"], out["code"], out["message"] = false, string(e.Code), e.Message
		if n := cdp.RetryAfter(err); n > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(n))
		}
		writeTracking(w, status, out)
	})
}

// readTrackingBody reads the request body, inflating gzip, bounded to
// cdp.MaxBatchBytes both on the wire and inflated (a gzip bomb stops at
// the bound).
func readTrackingBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	limit := int64(cdp.MaxBatchBytes)
	tooBig := errors.New("the request body is larger than 500 KB (512000 bytes)")
	wire := http.MaxBytesReader(w, r.Body, limit+1)
	defer wire.Close()
	var src io.Reader = wire
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(wire)
		if err != nil {
			return nil, errors.New("Content-Encoding is gzip but the body is not gzip data")
		}
		defer zr.Close()
		src = zr
	default:
		return nil, errors.New("unsupported Content-Encoding (use gzip or none)")
	}
	body, err := io.ReadAll(io.LimitReader(src, limit+1))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooBig
	case err != nil:
		return nil, errors.New("could not read the request body (truncated or corrupt)")
	case int64(len(body)) > limit:
		return nil, tooBig
	}
	return body, nil
}

func writeTracking(w http.ResponseWriter, status int, body map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
