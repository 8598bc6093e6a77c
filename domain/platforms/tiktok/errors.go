package tiktok

// TikTok answers errors with HTTP 200 and a non-zero "code" in the
// envelope, listed in the "Appendix - Return codes" page of the API for
// Business documentation (https://business-api.tiktok.com/portal/docs,
// Appendix - Return codes). The codes Stratum acts on:
//
//   - 40100 "Requests made too frequently" (app-level QPS/QPM limit), and
//     the other throttles 40016, 40132 (per-field-value QPS) and 40133
//     (advertiser-level QPS): RATE_LIMITED. TikTok sends no wait hint;
//     its limits are counted per second and per minute, so a throttled
//     call waits one full minute window (rateLimitWait) unless the
//     response carries a Retry-After header.
//   - 40001 no permission (the grant does not cover the advertiser or the
//     scope), 40102 access token expired, 40104 access token empty, 40105
//     access token incorrect or revoked: AUTH (reconnect).
//   - 40002 is a parameter error in the return-code list (the brief that
//     asked for this client guessed AUTH; the documentation says it is a
//     bad request), so it is PERMANENT like every other 4xxxx code.
//   - 50000 system error, 50002 service error and every other 5xxxx code:
//     TRANSIENT. So is an HTTP 5xx or an answer that is not the envelope
//     from a gateway in front of the API.

import (
	"net/http"
	"strconv"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// rateLimitWait is the wait after a throttle without a Retry-After header.
const rateLimitWait = time.Minute

var (
	rateLimitCodes = map[int]bool{40016: true, 40100: true, 40132: true, 40133: true}
	authCodes      = map[int]bool{40001: true, 40102: true, 40104: true, 40105: true}
)

// Classify maps a TikTok return code to an error kind.
func Classify(code int) platforms.ErrorKind {
	switch {
	case rateLimitCodes[code]:
		return platforms.ErrorRateLimited
	case authCodes[code]:
		return platforms.ErrorAuth
	case code >= 50000 && code < 60000:
		return platforms.ErrorTransient
	default:
		return platforms.ErrorPermanent
	}
}

// codeError is the *APIError of an envelope with a non-zero code.
func codeError(resp *http.Response, env envelope) *platforms.APIError {
	e := &platforms.APIError{
		Platform:   platforms.TikTok,
		Kind:       Classify(env.Code),
		HTTPStatus: resp.StatusCode,
		Code:       strconv.Itoa(env.Code),
		Message:    env.Message,
	}
	if e.Kind == platforms.ErrorRateLimited {
		e.RetryAfter = retryAfter(resp)
	}
	return e
}

// httpError is the *APIError of a response that is not HTTP 200 or not
// the envelope (a gateway or load balancer answered).
func httpError(resp *http.Response, env envelope, isEnvelope bool) *platforms.APIError {
	e := &platforms.APIError{Platform: platforms.TikTok, HTTPStatus: resp.StatusCode, Code: "HTTP_" + strconv.Itoa(resp.StatusCode), Message: http.StatusText(resp.StatusCode)}
	if isEnvelope && env.Code != 0 {
		e.Code, e.Message = strconv.Itoa(env.Code), env.Message
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Kind, e.RetryAfter = platforms.ErrorRateLimited, retryAfter(resp)
	case resp.StatusCode >= 500:
		e.Kind = platforms.ErrorTransient
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		e.Kind = platforms.ErrorAuth
	case resp.StatusCode == http.StatusOK:
		// HTTP 200 whose body is not JSON: a proxy page; try again later.
		e.Kind, e.Code, e.Message = platforms.ErrorTransient, "BAD_RESPONSE", "TikTok answered with something other than its JSON envelope"
	default:
		e.Kind = platforms.ErrorPermanent
	}
	return e
}

// retryAfter reads a Retry-After header in seconds, else rateLimitWait.
func retryAfter(resp *http.Response) time.Duration {
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 && s <= 3600 {
		return time.Duration(s) * time.Second
	}
	return rateLimitWait
}
