package meta

import (
	"encoding/json"
	"fmt"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// meaning is what a decoded page says: each row's insight (or its
// error) and the paging. The fast decoder keeps only the action types a
// row's insight reads, so the rows themselves are not compared.
func meaning(p insightsPage) []any {
	out := []any{p.Paging}
	for _, r := range p.Data {
		in, err := r.insight()
		out = append(out, in, fmt.Sprint(err))
	}
	return out
}

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
		"repeated key":          `{"data":[{"actions":[{"action_type":"omni_purchase","value":"1"}],"actions":[{"action_type":"purchase","value":"2"}]}]}`,
		"preference order": `{"data":[{"campaign_id":"9","date_start":"2026-11-03","date_stop":"2026-11-03",
			"actions":[{"value":"4","action_type":"offsite_conversion.fb_pixel_purchase"},{"action_type":"purchase","value":"3"},{"action_type":"link_click","value":"8"}],
			"action_values":[{"action_type":"add_to_cart","value":"1.00"},{"action_type":"purchase","value":"7.50"}]},
			{"campaign_id":"9","date_start":"2026-11-04","date_stop":"2026-11-04","actions":[{"action_type":"link_click","value":"2"}]},
			{"campaign_id":"10","date_start":"2026-11-03","date_stop":"2026-11-03"}]}`,
	}
	for name, raw := range pages {
		var want insightsPage
		require.NoError(t, json.Unmarshal([]byte(raw), &want), name)
		got, err := decodeInsightsPage([]byte(raw))
		require.NoError(t, err, name)
		require.Equal(t, meaning(want), meaning(got), name)
	}
	_, fast := fastInsightsPage([]byte(pages["escaped string (slow)"]))
	require.False(t, fast, "escapes fall back to encoding/json")
	_, fast = fastInsightsPage([]byte(pages["documented shape"]))
	require.True(t, fast, "positive control: the documented shape takes the fast path")
	p, fast := fastInsightsPage([]byte(pages["preference order"]))
	require.True(t, fast)
	in, err := p.Data[0].insight()
	require.NoError(t, err)
	require.Equal(t, 3.0, in.Conversions, "purchase is preferred to the pixel's purchase, whatever the list's order")
	require.EqualValues(t, 7_500_000, in.ConversionValueMicros)
	require.Same(t, unsafe.StringData(p.Data[0].DateStart), unsafe.StringData(p.Data[2].DateStart), "a page's days are shared")

	for _, bad := range []string{`{"data":[{"spend":12.34}]}`, `{"data":[`, `{"data":[]} trailing`, `[]`, `{"data":[{"campaign_id":"1",}]}`} {
		_, fast := fastInsightsPage([]byte(bad))
		require.False(t, fast, bad)
		_, err := decodeInsightsPage([]byte(bad))
		require.Error(t, err, "%s is refused by both decoders", bad)
	}
}
