package googleads

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/googleads/googleadsfake"
)

// reference decodes a batch with encoding/json, the behaviour decodeBatch
// must match.
func reference(t *testing.T, b []byte) []row {
	t.Helper()
	var v struct {
		Results []row `json:"results"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return v.Results
}

func TestDecodeBatchMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	batches := []string{
		`{"results":[{"customer":{"resourceName":"customers/1","id":"1","descriptiveName":"Caf\u00e9 \"Bleu\" \\ 東京","currencyCode":"EUR","timeZone":"Europe/Paris","manager":true,"status":"ENABLED","testAccount":false}}],"fieldMask":"customer.id","requestId":"x"}`,
		`{ "results" : [ { "customerClient" : { "clientCustomer" : "customers/2", "id" : 2, "level" : "1", "manager" : false, "hidden" : null } } ] }`,
		`{"results":[{"campaign":{"resourceName":"customers/1/campaigns/5","id":"5","name":"A","status":"PAUSED","advertisingChannelType":"SEARCH","campaignBudget":"customers/1/campaignBudgets/6","labels":["a","b"],"networkSettings":{"targetSearchNetwork":true,"x":[{"y":[1,2,{"z":null}]}]}},"campaignBudget":{"resourceName":"customers/1/campaignBudgets/6","id":"6","amountMicros":"12340000"}}]}`,
		`{"results":[{"adGroup":{"resourceName":"customers/1/adGroups/7","id":"7","name":"g","status":"ENABLED","cpcBidMicros":"990000","campaign":"customers/1/campaigns/5"}},{"adGroupAd":{"resourceName":"customers/1/adGroupAds/7~8","status":"REMOVED","adGroup":"customers/1/adGroups/7","ad":{"resourceName":"customers/1/ads/8","id":"8","name":"ad","finalUrls":["https://x"]}}}]}`,
		`{"results":[{"campaign":{"id":"5"},"segments":{"date":"2026-01-02"},"metrics":{"costMicros":"100","impressions":"2","clicks":"1","conversions":1.5e0,"conversionsValue":12.34,"ctr":0.5}}],"summaryRow":{"metrics":{"clicks":"9"}},"queryResourceConsumption":"12"}`,
		`{"fieldMask":"campaign.id","requestId":"empty"}`,
		`{"results":[]}`,
	}
	for _, b := range batches {
		got, rpc, err := decodeBatch([]byte(b))
		if err != nil || rpc != nil {
			t.Fatalf("decodeBatch(%s): %v %v", b, rpc, err)
		}
		if want := reference(t, []byte(b)); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("decodeBatch(%s)\n got %+v\nwant %+v", b, got, want)
		}
	}
	_, rpc, err := decodeBatch([]byte(`{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"m","details":[{"errors":[{"errorCode":{"quotaError":"RESOURCE_EXHAUSTED"}}]}]}}`))
	if err != nil || rpc == nil || rpc.Status != "RESOURCE_EXHAUSTED" || len(rpc.Details) != 1 {
		t.Fatalf("error element: %+v %v", rpc, err)
	}
}

func TestDecodeBatchRejectsMalformed(t *testing.T) {
	t.Parallel()
	bad := []string{
		``, `[]`, `{`, `{"results":[{"campaign":{"id":"1"}]}`, `{"results":[{"campaign":{"id":"1"}},]}`,
		`{"results":[{"campaign":{"name":"unterminated}}]}`, "{\"results\":[{\"campaign\":{\"name\":\"a\nb\"}}]}",
		`{"results":[{"campaign":{"id":1.5}}]}`, `{"results":[{"campaign":{"id":"12a"}}]}`,
		`{"results":[{"metrics":{"clicks":"1"}}]} trailing`, `{"results":[{"x":01}]}`, `{"results":[{"x":tru}]}`,
		`{"a":1,}`, `{"results":[{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}]}`,
	}
	for _, b := range bad {
		if rows, _, err := decodeBatch([]byte(b)); err == nil {
			t.Errorf("decodeBatch(%q) = %+v; want an error", b, rows)
		}
	}
}

// The fake's real streams decode the same both ways.
func TestDecodeBatchOnFakeStreams(t *testing.T) {
	t.Parallel()
	f := googleadsfake.New(t, googleadsfake.WithBatchSize(7))
	ids := f.Seed(2, 5, 10)
	tok := f.Grant(ids...)
	queries := []string{qCustomer, qClients, qCampaign, qAdGroups, qAds, "SELECT campaign.id, segments.date, metrics.cost_micros, metrics.impressions, metrics.clicks, metrics.conversions, metrics.conversions_value FROM campaign WHERE segments.date BETWEEN '" + time.Now().AddDate(0, 0, -20).Format(time.DateOnly) + "' AND '" + time.Now().AddDate(0, 0, 2).Format(time.DateOnly) + "'"}
	for _, id := range ids {
		for _, q := range queries {
			body, _ := json.Marshal(map[string]string{"query": q})
			req, _ := http.NewRequest(http.MethodPost, f.APIBase()+"/"+APIVersion+"/customers/"+id+"/googleAds:searchStream", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var batches []json.RawMessage
			if err := json.Unmarshal(b, &batches); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			n := 0
			for _, raw := range batches {
				got, _, err := decodeBatch(raw)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				if want := reference(t, raw); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: decodeBatch differs from encoding/json\n got %+v\nwant %+v", q, got, want)
				}
				n += len(got)
			}
			if n == 0 {
				t.Errorf("%s: no rows", q)
			}
		}
	}
}

// Batches are split by a byte scanner: braces and escaped quotes inside
// strings, whitespace between batches and batches larger than the read
// buffer must not confuse it.
func TestSearchStreamSplitsBatches(t *testing.T) {
	t.Parallel()
	tricky := `na}me {with} \"quotes\" \\ and ] [`
	long := strings.Repeat("x", 200<<10)
	stream := " [\n" +
		`{"results":[{"campaign":{"id":"1","name":"` + tricky + `"}}]}` + " ,\n " +
		`{"results":[{"campaign":{"id":"2","name":"` + long + `"}},{"campaign":{"id":"3","name":"\\"}}]}` +
		",{}" + " ]\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, stream) }))
	defer srv.Close()
	c := New(platforms.Endpoints{APIBase: srv.URL, OAuthBase: srv.URL})
	var names []string
	err := c.searchStream(context.Background(), platforms.Token{AccessToken: "t"}, "1", "", "q", func(rows []row) error {
		for _, r := range rows {
			names = append(names, r.Campaign.ID.String()+":"+r.Campaign.Name)
		}
		return nil
	})
	want := []string{`1:na}me {with} "quotes" \ and ] [`, "2:" + long, `3:\`}
	if err != nil || !reflect.DeepEqual(names, want) {
		t.Fatalf("names %q, err %v", names, err)
	}
	for _, bad := range []string{`[{"results":[]}`, `[{"results":[]} {"results":[]}]`, `[{"results":[]}] x`, `["x"]`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, bad) }))
		c := New(platforms.Endpoints{APIBase: srv.URL, OAuthBase: srv.URL})
		err := c.searchStream(context.Background(), platforms.Token{AccessToken: "t"}, "1", "", "q", func([]row) error { return nil })
		srv.Close()
		if platforms.ErrorKindOf(err) != platforms.ErrorTransient || err == nil {
			t.Errorf("stream %q: %v; want a TRANSIENT malformed-response error", bad, err)
		}
	}
}
