package googleads

// Error envelopes and their meaning:
//   https://developers.google.com/google-ads/api/docs/best-practices/error-types
//   https://developers.google.com/google-ads/api/rest/common/errors (google.rpc.Status with GoogleAdsFailure details)
//   https://developers.google.com/google-ads/api/reference/rpc/latest/GoogleAdsFailure
//   https://developers.google.com/google-ads/api/reference/rpc/latest/ErrorCode
//   https://developers.google.com/google-ads/api/reference/rpc/latest/QuotaErrorDetails (retry_delay)
//   https://developers.google.com/google-ads/api/docs/productionize/rate-limits
//   https://cloud.google.com/apis/design/errors (google.rpc.Code ↔ HTTP status)

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// rpcError is google.rpc.Status as REST JSON ({"error": {...}}).
type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Status  string          `json:"status"`
	Details []failureDetail `json:"details"`
}

// failureDetail is one entry of details; Google Ads puts a GoogleAdsFailure
// there ("@type": "type.googleapis.com/google.ads.googleads.vNN.errors.GoogleAdsFailure").
type failureDetail struct {
	Type   string     `json:"@type"`
	Errors []adsError `json:"errors"`
	// RetryDelay is google.rpc.RetryInfo's, if Google sends one.
	RetryDelay string `json:"retryDelay"`
}

// adsError is one GoogleAdsError.
type adsError struct {
	// ErrorCode has exactly one member, e.g. {"quotaError": "RESOURCE_EXHAUSTED"}.
	ErrorCode map[string]string `json:"errorCode"`
	Message   string            `json:"message"`
	Details   struct {
		QuotaErrorDetails struct {
			RateScope  string `json:"rateScope"`
			RateName   string `json:"rateName"`
			RetryDelay string `json:"retryDelay"`
		} `json:"quotaErrorDetails"`
	} `json:"details"`
}

// code renders the error code as "quotaError.RESOURCE_EXHAUSTED".
func (e adsError) code() string {
	keys := make([]string, 0, len(e.ErrorCode))
	for k := range e.ErrorCode {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return ""
	}
	return keys[0] + "." + e.ErrorCode[keys[0]]
}

// apiError classifies a non-2xx response.
func apiError(status int, h http.Header, body []byte) *platforms.APIError {
	var env struct {
		Error *rpcError `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || env.Error == nil {
		env.Error = &rpcError{Code: status, Message: http.StatusText(status)}
	}
	return env.Error.apiError(status, h)
}

// apiError classifies e (httpStatus 0: an error inside a 200 stream).
//
//   - RATE_LIMITED: HTTP 429, status RESOURCE_EXHAUSTED, or any quotaError
//     code; RetryAfter from quotaErrorDetails.retryDelay (or RetryInfo, or a
//     Retry-After header).
//   - AUTH: HTTP 401/403, UNAUTHENTICATED or PERMISSION_DENIED (expired or
//     revoked token, no access to the customer).
//   - TRANSIENT: 5xx, UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED, ABORTED.
//   - PERMANENT: everything else (INVALID_ARGUMENT, NOT_FOUND, …).
//
// Code is the first GoogleAdsError's code ("quotaError.RESOURCE_EXHAUSTED"),
// or the google.rpc status word when there is none; Message is that error's
// message, or the status message.
func (e *rpcError) apiError(httpStatus int, h http.Header) *platforms.APIError {
	out := &platforms.APIError{Platform: platforms.Google, HTTPStatus: httpStatus, Code: e.Status, Message: e.Message}
	if httpStatus == 0 {
		httpStatus = e.Code
	}
	quota, named := false, false
	var delay time.Duration
	for _, d := range e.Details {
		if d.RetryDelay != "" && delay == 0 {
			delay = duration(d.RetryDelay)
		}
		for i, ae := range d.Errors {
			if _, ok := ae.ErrorCode["quotaError"]; ok {
				quota = true
				if delay == 0 {
					delay = duration(ae.Details.QuotaErrorDetails.RetryDelay)
				}
			}
			if i == 0 && !named {
				named = true
				if c := ae.code(); c != "" {
					out.Code = c
				}
				if ae.Message != "" {
					out.Message = ae.Message
				}
			}
		}
	}
	if out.Code == "" {
		out.Code = strconv.Itoa(httpStatus)
	}
	switch {
	case quota || httpStatus == http.StatusTooManyRequests || e.Status == "RESOURCE_EXHAUSTED":
		out.Kind = platforms.ErrorRateLimited
		if delay == 0 && h != nil {
			if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
				delay = time.Duration(s) * time.Second
			}
		}
		out.RetryAfter = delay
	case httpStatus == http.StatusUnauthorized || httpStatus == http.StatusForbidden ||
		e.Status == "UNAUTHENTICATED" || e.Status == "PERMISSION_DENIED":
		out.Kind = platforms.ErrorAuth
	case httpStatus >= 500 || e.Status == "UNAVAILABLE" || e.Status == "INTERNAL" ||
		e.Status == "DEADLINE_EXCEEDED" || e.Status == "ABORTED":
		out.Kind = platforms.ErrorTransient
	default:
		out.Kind = platforms.ErrorPermanent
	}
	return out
}

// duration parses a protobuf Duration in JSON ("30s", "1.5s"); 0 when it
// is absent or malformed.
func duration(s string) time.Duration {
	s = strings.TrimSpace(s)
	if !strings.HasSuffix(s, "s") {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0
	}
	return d
}
