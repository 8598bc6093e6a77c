package meta

import (
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/platforms"
)

func TestKindOfGraphCodes(t *testing.T) {
	t.Parallel()
	cases := map[int]platforms.ErrorKind{
		4: platforms.ErrorRateLimited, 17: platforms.ErrorRateLimited, 32: platforms.ErrorRateLimited, 613: platforms.ErrorRateLimited,
		80000: platforms.ErrorRateLimited, 80004: platforms.ErrorRateLimited, 80014: platforms.ErrorRateLimited,
		80015: platforms.ErrorPermanent, 190: platforms.ErrorAuth, 102: platforms.ErrorAuth, 104: platforms.ErrorAuth,
		10: platforms.ErrorAuth, 200: platforms.ErrorAuth, 294: platforms.ErrorAuth, 1: platforms.ErrorTransient,
		2: platforms.ErrorTransient, 100: platforms.ErrorPermanent, 1487390: platforms.ErrorPermanent,
	}
	for code, want := range cases {
		require.Equal(t, want, kindOf(code, false, http.StatusBadRequest), "code %d", code)
	}
	require.Equal(t, platforms.ErrorTransient, kindOf(100, true, http.StatusBadRequest), "is_transient wins over a permanent code")
}

func TestRetryAfterFromMetaHeaders(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	require.Zero(t, retryAfter(h), "no signal: 0 (the caller backs off)")

	h.Set("X-Ad-Account-Usage", `{"acc_id_util_pct":100,"reset_time_duration":90,"ads_api_access_tier":"standard_access"}`)
	require.Equal(t, 90*time.Second, retryAfter(h), "reset_time_duration is in seconds")

	h.Set("X-Business-Use-Case-Usage", `{"111":[{"type":"ads_insights","call_count":100,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":3}],"222":[{"type":"ads_management","call_count":98,"estimated_time_to_regain_access":12}]}`)
	require.Equal(t, 12*time.Minute, retryAfter(h), "the largest BUC wait, in minutes, wins")

	h = http.Header{"Retry-After": {"30"}}
	require.Equal(t, 30*time.Second, retryAfter(h))

	h = http.Header{"X-Business-Use-Case-Usage": {`{"1":[{"estimated_time_to_regain_access":100000}]}`}}
	require.Equal(t, maxRetryAfter, retryAfter(h), "capped")

	h = http.Header{"X-Business-Use-Case-Usage": {`not json`}, "X-Ad-Account-Usage": {`{"reset_time_duration":5}`}}
	require.Equal(t, 5*time.Second, retryAfter(h), "a malformed header is skipped")
}

func TestClassifyWithoutEnvelope(t *testing.T) {
	t.Parallel()
	cases := map[int]platforms.ErrorKind{502: platforms.ErrorTransient, 503: platforms.ErrorTransient, 429: platforms.ErrorRateLimited, 401: platforms.ErrorAuth, 404: platforms.ErrorPermanent}
	for status, want := range cases {
		e := classify(&http.Response{StatusCode: status, Header: http.Header{"Retry-After": {"4"}}}, []byte("<html>oops</html>"))
		require.Equal(t, want, e.Kind, "status %d", status)
		require.Equal(t, status, e.HTTPStatus)
	}
	require.Nil(t, classify(&http.Response{StatusCode: 200}, []byte(`{"data":[]}`)))
	e := classify(&http.Response{StatusCode: 200}, []byte(`{"error":{"message":"m","type":"OAuthException","code":190,"error_subcode":460}}`))
	require.Equal(t, platforms.ErrorAuth, e.Kind, "an error envelope is an error whatever the status")
	require.Equal(t, "190/460", e.Code)
}

func TestInsightRowConversions(t *testing.T) {
	t.Parallel()
	r := insightRow{CampaignID: "1", DateStart: "2026-11-01", DateStop: "2026-11-01", Spend: "1234.5", Impressions: "10", Clicks: "2",
		Actions:      []actionStat{{"add_to_cart", "9"}, {"offsite_conversion.fb_pixel_purchase", "3"}, {"purchase", "3"}},
		ActionValues: []actionStat{{"add_to_cart", "99.99"}, {"purchase", "45.67"}, {"offsite_conversion.fb_pixel_purchase", "45.67"}}}
	in, err := r.insight()
	require.NoError(t, err)
	require.Equal(t, platforms.Insight{CampaignExternalID: "1", Day: "2026-11-01", SpendMicros: 1_234_500_000, Impressions: 10, Clicks: 2, Conversions: 3, ConversionValueMicros: 45_670_000}, in)

	r.DateStop = "2026-11-02"
	_, err = r.insight()
	require.Error(t, err, "a multi-day row is refused")
	r.DateStop, r.Spend = r.DateStart, "12,50"
	_, err = r.insight()
	require.Error(t, err)
}

// readAll keeps io.ReadAll's contract on a reused buffer: the whole body,
// at most limit bytes, starting at the buffer's beginning.
func TestReadAllReusesTheBufferWithinTheLimit(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("0123456789", 1000)
	got, err := readAll(iotest.OneByteReader(strings.NewReader(body)), nil, len(body)+1)
	require.NoError(t, err)
	require.Equal(t, body, string(got))

	buf := make([]byte, 3, 64<<10)
	copy(buf, "old")
	got, err = readAll(strings.NewReader("new page"), buf[:0], 100)
	require.NoError(t, err)
	require.Equal(t, "new page", string(got))
	require.Same(t, &buf[0], &got[0], "the buffer's storage is reused")

	got, err = readAll(strings.NewReader(body), buf[:0], 100)
	require.NoError(t, err)
	require.Len(t, got, 100, "reading stops at the limit")
	require.Equal(t, body[:100], string(got))
}
