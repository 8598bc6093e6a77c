package tiktok

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/platforms"
)

// standard decodes a page with encoding/json, the reference.
func standard(t *testing.T, body string) (listPage[reportRow], int) {
	t.Helper()
	var p listPage[reportRow]
	env := envelope{Data: &p}
	require.NoError(t, json.Unmarshal([]byte(body), &env))
	return p, env.Code
}

func TestFastReportMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	same := []string{
		`{"code":0,"message":"OK","request_id":"1","data":{"list":[{"dimensions":{"campaign_id":"17","stat_time_day":"2026-11-30 00:00:00"},"metrics":{"spend":"12.34","impressions":"100","clicks":"5","conversion":"1","total_complete_payment_rate":"40.00"}}],"page_info":{"page":1,"page_size":1000,"total_number":1,"total_page":1}}}`,
		// Reordered keys, whitespace, numbers for strings, null, unknown keys with nested values and escapes.
		"{ \"request_id\" : \"x\\\"y\", \"data\" : { \"page_info\" : {\"total_page\": 2, \"page\": 1, \"extra\": [1, {\"a\": \"b\\\\\"}]},\n \"list\" : [ { \"metrics\" : { \"clicks\" : 5 , \"spend\" : 0.07, \"ctr\": \"1.2\", \"conversion\": null, \"impressions\": \"9007199254740993\" }, \"dimensions\" : { \"stat_time_day\" : \"2026-11-29 00:00:00\", \"campaign_id\" : 1700000000000000001, \"x\": true } , \"other\": {\"k\": [\"]\", \"}\"]} } ] , \"more\": false }, \"code\" : 0, \"message\" : \"OK\" }\n",
		`{"code":0,"message":"OK","data":{"list":[],"page_info":{"page":3,"page_size":1000,"total_number":2000,"total_page":2}}}`,
	}
	for _, body := range same {
		want, code := standard(t, body)
		require.Zero(t, code)
		var got listPage[reportRow]
		require.True(t, fastReport([]byte(body), &got), body)
		require.Equal(t, want.PageInfo, got.PageInfo)
		require.Equal(t, len(want.List), len(got.List))
		for i := range want.List {
			require.Equal(t, want.List[i], got.List[i])
		}
	}
	// The fast path declines what it does not read the same way; the
	// standard decoder takes over.
	decline := []string{
		`{"code":40100,"message":"Requests made too frequently","data":{}}`,
		`{"code":0,"data":{"list":[{"dimensions":{"campaign_id":"1\u0037"}}]}}`,
		`{"code":0,"data":{"list":[{"metrics":{"spend":true}}]}}`,
		`{"code":0,"data":{"list":[{"metrics":{"spend":"1"}}]}} trailing`,
		`{"code":0,"data":{"list":[{"metrics":{"spend":"1"}]}}`,
		`{"data":{"list":[]}}`,
		`{"code":0,"data":{"list":[{"metrics":{"spend":1-2}}]}}`,
		`{"code":0,"data":{"list":[{"metrics":{"spend":01}}]}}`,
		`{"code":0,"data":{"list":[],"x":nope}}`,
	}
	for _, body := range decline {
		var got listPage[reportRow]
		require.False(t, fastReport([]byte(body), &got), body)
	}
	// decodePage then decodes the page the standard way.
	var p listPage[reportRow]
	a := &answer{resp: &http.Response{StatusCode: http.StatusOK}, body: []byte(decline[1])}
	require.NoError(t, decodePage(a, "report/integrated/get", &p))
	require.Equal(t, flexID("17"), p.List[0].Dimensions.CampaignID)
	a.body = []byte(decline[0])
	require.Equal(t, platforms.ErrorRateLimited, platforms.ErrorKindOf(decodePage(a, "report/integrated/get", &p)))
	for _, n := range []string{"0", "-1", "12.34", "1e5", "1.5E-3"} {
		require.True(t, validNumber([]byte(n)), n)
	}
	for _, n := range []string{"", "-", "01", "1.", ".5", "1e", "1-2", "+1"} {
		require.False(t, validNumber([]byte(n)), n)
	}
}
