package tiktok

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// fastReport is never more lenient than encoding/json: malformed JSON in a
// part it skips, a raw control character or invalid UTF-8 in a string it
// keeps, all go to the standard decoder, which refuses the malformed and
// reads invalid UTF-8 as U+FFFD.
func TestFastReportIsNoMoreLenientThanEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		`{"code":0,"data":{"list":[],"x":{"a" "b"]}}`,
		`{"code":0,"data":{"list":[],"x":[1 2]}}`,
		`{"code":0,"data":{"list":[],"x":"\q"}}`,
		`{"code":0,"data":{"list":[],"x":[}}}`,
		"{\"code\":0,\"data\":{\"list\":[{\"dimensions\":{\"stat_time_day\":\"a\nb\"}}]}}",
	} {
		require.Error(t, json.Unmarshal([]byte(bad), &envelope{Data: new(listPage[reportRow])}), "%s is malformed", bad)
		var got listPage[reportRow]
		require.False(t, fastReport([]byte(bad), &got), bad)
		a := &answer{resp: &http.Response{StatusCode: http.StatusOK}, body: []byte(bad)}
		require.Error(t, decodePage(a, "report/integrated/get", &got), bad)
	}
	body := "{\"code\":0,\"data\":{\"list\":[{\"dimensions\":{\"campaign_id\":\"1\",\"stat_time_day\":\"2026-11-30\xff\"}}]}}"
	want, _ := standard(t, body)
	var got listPage[reportRow]
	require.False(t, fastReport([]byte(body), &got))
	a := &answer{resp: &http.Response{StatusCode: http.StatusOK}, body: []byte(body)}
	require.NoError(t, decodePage(a, "report/integrated/get", &got))
	require.Equal(t, want.List, got.List)
	require.Equal(t, "2026-11-30\ufffd", got.List[0].Dimensions.StatTimeDay)
	// Positive control: escapes in skipped parts keep the fast path.
	require.True(t, fastReport([]byte(`{"code":0,"message":"a\"b\u00e9","data":{"list":[],"x":["]","\\"]}}`), &got))
}

// A value of a kind encoding/json refuses for its field (a quoted int, a
// number for a plain string, a non-integer number for an id) is not taken
// by the fast path either: the page goes to encoding/json, which refuses it.
func TestFastReportRefusesWhatTheFieldTypesRefuse(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"code":"0","data":{"list":[]}}`,
		`{"code":0,"data":{"list":[],"page_info":{"page":"1"}}}`,
		`{"code":0,"data":{"list":[{"dimensions":{"stat_time_day":20261130}}]}}`,
		`{"code":0,"data":{"list":[{"dimensions":{"campaign_id":1.5}}]}}`,
		`{"code":0,"data":{"list":[{"dimensions":{"campaign_id":-1}}]}}`,
	} {
		require.Error(t, json.Unmarshal([]byte(body), &envelope{Data: new(listPage[reportRow])}), "encoding/json refuses %s", body)
		var got listPage[reportRow]
		require.False(t, fastReport([]byte(body), &got), body)
	}
	// Positive control: the accepted kinds of the same fields.
	body := `{"code":0,"data":{"list":[{"dimensions":{"stat_time_day":null,"campaign_id":17}}],"page_info":{"page":1}}}`
	want, _ := standard(t, body)
	var got listPage[reportRow]
	require.True(t, fastReport([]byte(body), &got))
	require.Equal(t, want, got)
}
