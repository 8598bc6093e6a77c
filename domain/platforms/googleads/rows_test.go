package googleads

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

func TestDecimalMicros(t *testing.T) {
	t.Parallel()
	good := map[string]int64{
		"12.34": 12_340_000, "0.1": 100_000, "0.30000000000000004": 300_000, "1234.0": 1_234_000_000,
		"1.5E7": 15_000_000_000_000, "2e-6": 2, "0.0000005": 1, "-0.0000005": -1, "0.00000049": 0, "": 0, "7": 7_000_000,
	}
	for in, want := range good {
		if got, err := decimalMicros(json.Number(in)); err != nil || got != want {
			t.Errorf("decimalMicros(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"abc", "1e30", "NaN"} {
		if got, err := decimalMicros(json.Number(in)); err == nil {
			t.Errorf("decimalMicros(%q) = %d; want an error", in, got)
		}
	}
}

func TestI64(t *testing.T) {
	t.Parallel()
	var v struct {
		A, B, C i64
	}
	if err := json.Unmarshal([]byte(`{"A":"123","B":45,"C":null}`), &v); err != nil || v.A != 123 || v.B != 45 || v.C != 0 {
		t.Fatalf("got %+v, %v", v, err)
	}
	for _, bad := range []string{`{"A":"1.5"}`, `{"A":1.5}`, `{"A":"1e3"}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s: want an error (int64 micros never round)", bad)
		}
	}
}

func TestAPIErrorClassification(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		header http.Header
		body   string
		kind   platforms.ErrorKind
		code   string
		retry  time.Duration
	}{
		{"quota with retry delay", 429, nil, `{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure","errors":[{"errorCode":{"quotaError":"RESOURCE_TEMPORARILY_EXHAUSTED"},"message":"Too many requests","details":{"quotaErrorDetails":{"rateScope":"ACCOUNT","retryDelay":"12s"}}}]}]}}`, platforms.ErrorRateLimited, "quotaError.RESOURCE_TEMPORARILY_EXHAUSTED", 12 * time.Second},
		{"quota as 400 still rate limited", 400, nil, `{"error":{"code":400,"status":"INVALID_ARGUMENT","details":[{"errors":[{"errorCode":{"quotaError":"RESOURCE_EXHAUSTED"}}]}]}}`, platforms.ErrorRateLimited, "quotaError.RESOURCE_EXHAUSTED", 0},
		{"RetryInfo", 429, nil, `{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}`, platforms.ErrorRateLimited, "RESOURCE_EXHAUSTED", 1500 * time.Millisecond},
		{"Retry-After header", 429, http.Header{"Retry-After": {"7"}}, `not json`, platforms.ErrorRateLimited, "429", 7 * time.Second},
		{"unauthenticated", 401, nil, `{"error":{"code":401,"status":"UNAUTHENTICATED","message":"Request had invalid authentication credentials."}}`, platforms.ErrorAuth, "UNAUTHENTICATED", 0},
		{"permission denied", 403, nil, `{"error":{"code":403,"status":"PERMISSION_DENIED","details":[{"errors":[{"errorCode":{"authorizationError":"USER_PERMISSION_DENIED"},"message":"no access"}]}]}}`, platforms.ErrorAuth, "authorizationError.USER_PERMISSION_DENIED", 0},
		{"unavailable", 503, nil, `{"error":{"code":503,"status":"UNAVAILABLE"}}`, platforms.ErrorTransient, "UNAVAILABLE", 0},
		{"internal without body", 500, nil, ``, platforms.ErrorTransient, "500", 0},
		{"invalid argument", 400, nil, `{"error":{"code":400,"status":"INVALID_ARGUMENT","message":"Request contains an invalid argument.","details":[{"errors":[{"errorCode":{"campaignBudgetError":"NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT"},"message":"Budget amount is not a multiple of the minimum unit."}]}]}}`, platforms.ErrorPermanent, "campaignBudgetError.NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT", 0},
	}
	for _, c := range cases {
		e := apiError(c.status, c.header, []byte(c.body))
		if e.Kind != c.kind || e.Code != c.code || e.RetryAfter != c.retry || e.HTTPStatus != c.status || e.Platform != platforms.Google {
			t.Errorf("%s: %+v; want kind %s code %s retry %s", c.name, e, c.kind, c.code, c.retry)
		}
	}
	if e := apiError(400, nil, []byte(`{"error":{"code":400,"status":"INVALID_ARGUMENT","details":[{"errors":[{"errorCode":{"campaignBudgetError":"X"},"message":"the platform's words"}]}]}}`)); e.Message != "the platform's words" {
		t.Errorf("message = %q; want the GoogleAdsError's", e.Message)
	}
}

// An error element after the first batch of a 200 stream ends the stream
// with that error (Google reports mid-stream failures so).
func TestSearchStreamErrorInsideStream(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`[{"results":[{"campaign":{"id":"1"},"segments":{"date":"2026-01-01"},"metrics":{"costMicros":"5"}}]},` +
			`{"error":{"code":503,"status":"UNAVAILABLE","message":"backend"}}]`))
	}))
	defer srv.Close()
	c := New(platforms.Endpoints{APIBase: srv.URL, OAuthBase: srv.URL})
	var rows int
	err := c.Insights(context.Background(), platforms.Token{AccessToken: "t"}, platforms.Account{ExternalID: "1"}, "2026-01-01", "2026-01-01", func(in []platforms.Insight) error {
		rows += len(in)
		return nil
	})
	if platforms.ErrorKindOf(err) != platforms.ErrorTransient || rows != 1 {
		t.Fatalf("rows %d, err %v; want 1 row then a TRANSIENT error", rows, err)
	}
	// A truncated stream is transient too (retry), not a silent success.
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`[{"results":[{"campaign":{"id":"1"}}]}`))
	}))
	defer srv2.Close()
	c2 := New(platforms.Endpoints{APIBase: srv2.URL, OAuthBase: srv2.URL})
	err = c2.Structure(context.Background(), platforms.Token{AccessToken: "t"}, platforms.Account{ExternalID: "1"}, func(platforms.StructurePage) error { return nil })
	if platforms.ErrorKindOf(err) != platforms.ErrorTransient {
		t.Fatalf("truncated stream: %v; want TRANSIENT", err)
	}
}
