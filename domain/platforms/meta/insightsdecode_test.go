package meta

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFastInsightsDecoderAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	pages := map[string]string{
		"documented shape": `{"data":[{"campaign_id":"1202","spend":"12.34","impressions":"100","clicks":"3",
			"actions":[{"action_type":"link_click","value":"3"},{"action_type":"omni_purchase","value":"1","1d_click":"1"}],
			"action_values":[{"action_type":"omni_purchase","value":"45.60"}],"date_start":"2026-11-01","date_stop":"2026-11-01"}],
			"paging":{"cursors":{"before":"QVFI","after":"QVFJ"},"next":"https://graph.facebook.com/v25.0/act_1/insights?after=QVFJ"}}`,
		"unknown keys of every kind": `{"data":[{"campaign_id":"7","extra":{"a":[1,2.5e3,true,null,{"b":"c\"d"}]},"reach":"9","spend":"1",
			"date_start":"2026-11-02","date_stop":"2026-11-02"}],"summary":{"x":1},"paging":{"cursors":{"after":"Z"}}}`,
		"empty":                 `{"data":[],"paging":{}}`,
		"escaped string (slow)": `{"data":[{"campaign_id":"1\u0032","spend":"1","date_start":"2026-11-02","date_stop":"2026-11-02"}]}`,
		"repeated key":          `{"data":[{"actions":[{"action_type":"a","value":"1"}],"actions":[{"action_type":"b","value":"2"}]}]}`,
	}
	for name, raw := range pages {
		var want insightsPage
		require.NoError(t, json.Unmarshal([]byte(raw), &want), name)
		got, err := decodeInsightsPage([]byte(raw))
		require.NoError(t, err, name)
		if len(want.Data) == 0 {
			want.Data = got.Data[:0:0]
			got.Data = got.Data[:0:0]
		}
		require.Equal(t, want, got, name)
	}
	_, fast := fastInsightsPage([]byte(pages["escaped string (slow)"]))
	require.False(t, fast, "escapes fall back to encoding/json")
	_, fast = fastInsightsPage([]byte(pages["documented shape"]))
	require.True(t, fast, "positive control: the documented shape takes the fast path")

	for _, bad := range []string{`{"data":[{"spend":12.34}]}`, `{"data":[`, `{"data":[]} trailing`, `[]`, `{"data":[{"campaign_id":"1",}]}`} {
		_, fast := fastInsightsPage([]byte(bad))
		require.False(t, fast, bad)
		_, err := decodeInsightsPage([]byte(bad))
		require.Error(t, err, "%s is refused by both decoders", bad)
	}
}
