package tiktok

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/platforms"
)

func TestStatusMapping(t *testing.T) {
	t.Parallel()
	cases := []struct{ op, sec, want string }{
		{"ENABLE", "CAMPAIGN_STATUS_ENABLE", platforms.StatusActive},
		{"DISABLE", "CAMPAIGN_STATUS_DISABLE", platforms.StatusPaused},
		{"ENABLE", "CAMPAIGN_STATUS_DELETE", platforms.StatusArchived},
		{"DISABLE", "ADGROUP_STATUS_DELETE", platforms.StatusArchived},
		{"ENABLE", "AD_STATUS_DELETE", platforms.StatusArchived},
		{"FROZEN", "CAMPAIGN_STATUS_ADVERTISER_AUDIT", platforms.StatusPaused},
	}
	for _, c := range cases {
		require.Equal(t, c.want, status(c.op, c.sec), "%s/%s", c.op, c.sec)
	}
}

func TestAmountAndDecimal(t *testing.T) {
	t.Parallel()
	require.Equal(t, json.Number("12.35"), amount("USD", 12_345_000)) // half away from zero, in cents
	require.Equal(t, json.Number("1235"), amount("JPY", 1_234_500_000))
	require.Equal(t, json.Number("1.235"), amount("KWD", 1_234_600))
	require.Equal(t, json.Number("0.10"), amount("EUR", 100_000))

	var row struct {
		A decimal `json:"a"`
		B decimal `json:"b"`
		C decimal `json:"c"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"a":0.07,"b":"1234.56","c":null}`), &row))
	a, err := row.A.micros()
	require.NoError(t, err)
	require.Equal(t, int64(70_000), a)
	bm, err := row.B.micros()
	require.NoError(t, err)
	require.Equal(t, int64(1_234_560_000), bm)
	cm, err := row.C.micros()
	require.NoError(t, err)
	require.Zero(t, cm)
	_, err = decimal("1e3").micros()
	require.Error(t, err, "exponents are not exact decimals")

	// Budgets count only in daily modes.
	d, err := dailyBudget("100", "BUDGET_MODE_TOTAL")
	require.NoError(t, err)
	require.Zero(t, d)
	d, err = dailyBudget("100", "BUDGET_MODE_DAY")
	require.NoError(t, err)
	require.Equal(t, int64(100_000_000), d)
}

func TestFlexID(t *testing.T) {
	t.Parallel()
	var ids []flexID
	require.NoError(t, json.Unmarshal([]byte(`[7123456789012345678,"7000000000000000001"]`), &ids))
	require.Equal(t, []flexID{"7123456789012345678", "7000000000000000001"}, ids, "large numeric ids survive without a float")
	require.Error(t, json.Unmarshal([]byte(`[true]`), &ids))
}

func TestChunks(t *testing.T) {
	t.Parallel()
	ch, err := Chunks("2026-01-01", "2026-03-31") // 90 days
	require.NoError(t, err)
	require.Equal(t, [][2]string{{"2026-01-01", "2026-01-30"}, {"2026-01-31", "2026-03-01"}, {"2026-03-02", "2026-03-31"}}, ch)
	ch, err = Chunks("2026-01-01", "2026-01-01")
	require.NoError(t, err)
	require.Equal(t, [][2]string{{"2026-01-01", "2026-01-01"}}, ch)
	_, err = Chunks("2026-01-02", "2026-01-01")
	require.Error(t, err)
	_, err = Chunks("2026-1-2", "2026-01-03")
	require.Error(t, err)
}

func TestClassify(t *testing.T) {
	t.Parallel()
	require.Equal(t, platforms.ErrorRateLimited, Classify(40100))
	require.Equal(t, platforms.ErrorAuth, Classify(40105))
	require.Equal(t, platforms.ErrorTransient, Classify(50002))
	require.Equal(t, platforms.ErrorPermanent, Classify(40002))
	require.Equal(t, platforms.ErrorPermanent, Classify(1))
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}}
	require.Equal(t, time.Minute, retryAfter(resp), "TikTok sends no wait hint: one minute window")
	resp.Header.Set("Retry-After", "7")
	require.Equal(t, 7*time.Second, retryAfter(resp))
	e := codeError(resp, envelope{Code: 40100, Message: "Requests made too frequently."})
	require.Equal(t, platforms.ErrorRateLimited, e.Kind)
	require.Equal(t, 7*time.Second, e.RetryAfter)
	e = httpError(&http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}}, envelope{}, false)
	require.Equal(t, platforms.ErrorRateLimited, e.Kind)
	require.Equal(t, time.Minute, e.RetryAfter)
	e = httpError(&http.Response{StatusCode: http.StatusOK, Header: http.Header{}}, envelope{}, false)
	require.Equal(t, platforms.ErrorTransient, e.Kind, "an HTML page from a proxy")
	e = httpError(&http.Response{StatusCode: http.StatusUnauthorized, Header: http.Header{}}, envelope{}, false)
	require.Equal(t, platforms.ErrorAuth, e.Kind)
	e = httpError(&http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{}}, envelope{}, false)
	require.Equal(t, platforms.ErrorPermanent, e.Kind)
}
