package meta

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// The fast decoder is never more lenient than encoding/json: malformed
// JSON in a part it skips is refused, and a kept string that needs
// decoding (here invalid UTF-8, which encoding/json reads as U+FFFD) is
// left to encoding/json rather than kept raw.
func TestFastInsightsDecoderIsNoMoreLenientThanEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		`{"data":[],"x":"a\qb"}`,
		"{\"data\":[],\"x\":\"a\tb\"}",
		`{"data":[{"campaign_id":"1","x":"\u12"}]}`,
		`{"data":[{"campaign_id":"1","actions":[{"action_type":"a","value":"1","x":"\x"}]}]}`,
	} {
		require.Error(t, json.Unmarshal([]byte(bad), new(insightsPage)), "%s is malformed", bad)
		_, err := decodeInsightsPage([]byte(bad))
		require.Error(t, err, bad)
	}
	for _, page := range []string{
		"{\"data\":[{\"campaign_id\":\"1\xff\",\"spend\":\"1\"}]}",
		"{\"data\":[{\"campaign_id\":\"1\",\"actions\":[{\"action_type\":\"caf\xe9\",\"value\":\"1\"}]}]}",
	} {
		var want insightsPage
		require.NoError(t, json.Unmarshal([]byte(page), &want))
		got, err := decodeInsightsPage([]byte(page))
		require.NoError(t, err)
		require.Equal(t, meaning(want), meaning(got), page)
	}
	// Positive control: escapes and odd values in skipped parts keep the
	// fast path.
	ok := `{"data":[{"campaign_id":"1","x":"a\"b\u00e9\ud83d\ude00","y":[1.5e3,null,{"z":"\\"}],"spend":"2"}],"paging":{}}`
	p, fast := fastInsightsPage([]byte(ok))
	require.True(t, fast)
	require.Equal(t, "2", p.Data[0].Spend)
}
