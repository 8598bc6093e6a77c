package senders_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/conversions/capifake"
	"github.com/stratumhq/stratum/domain/conversions/senders"
)

// The client reads the scores the fake Meta reports, per event, with their
// match keys; an event without a composite score is left out.
func TestMetaDatasetQuality(t *testing.T) {
	t.Parallel()
	f := capifake.NewMeta(t)
	f.SetQuality("Purchase", 6.2, map[string]float64{"email": 95, "phone": 40})
	f.SetQuality("Lead", 8, nil)
	c := senders.NewMetaQuality(senders.Config{HTTP: f.Client()})

	got, err := c.DatasetQuality(context.Background(), f.Destination())
	require.NoError(t, err)
	require.Equal(t, []senders.EventQuality{
		{EventName: "Purchase", Score: 6.2, MatchKeys: map[string]float64{"email": 95, "phone": 40}},
		{EventName: "Lead", Score: 8},
	}, got)
	require.Empty(t, f.Errors())
	require.Equal(t, 1, f.Requests())

	t.Run("a token Meta does not know: 401 in Meta's words, no token", func(t *testing.T) {
		d := f.Destination()
		d.Credentials = map[string]string{"pixelId": capifake.MetaPixelID, "accessToken": "EAArevokedToken123456"}
		_, err := c.DatasetQuality(context.Background(), d)
		var qe *senders.QualityError
		require.ErrorAs(t, err, &qe)
		require.Equal(t, http.StatusUnauthorized, qe.Status)
		require.Equal(t, "190", qe.Code)
		require.False(t, qe.Transient)
		require.Contains(t, qe.Message, "Invalid OAuth access token")
		require.NotContains(t, err.Error(), "EAArevokedToken123456")
	})
	t.Run("a pixel the token cannot read", func(t *testing.T) {
		d := f.Destination()
		d.Credentials = map[string]string{"pixelId": "999", "accessToken": capifake.MetaAccessToken}
		_, err := c.DatasetQuality(context.Background(), d)
		var qe *senders.QualityError
		require.ErrorAs(t, err, &qe)
		require.Equal(t, "100/33", qe.Code)
		require.Contains(t, qe.Message, "missing permissions")
	})
	t.Run("rate limited: transient", func(t *testing.T) {
		g := capifake.NewMeta(t)
		g.RateLimitNext(1, 0)
		_, err := senders.NewMetaQuality(senders.Config{HTTP: g.Client()}).DatasetQuality(context.Background(), g.Destination())
		var qe *senders.QualityError
		require.True(t, errors.As(err, &qe) && qe.Transient, "%v", err)
	})
	t.Run("missing credentials: nothing asked", func(t *testing.T) {
		g := capifake.NewMeta(t)
		d := g.Destination()
		delete(d.Credentials, "accessToken")
		_, err := senders.NewMetaQuality(senders.Config{HTTP: g.Client()}).DatasetQuality(context.Background(), d)
		require.ErrorContains(t, err, "lack accessToken")
		require.Zero(t, g.Requests())
	})
}

// The fake refuses what Meta refuses, and fails the test for it; the
// request the client makes passes (the positive control).
func TestMetaQualityFakeRejectsMalformedRequests(t *testing.T) {
	t.Parallel()
	good := url.Values{"dataset_id": {capifake.MetaPixelID}, "fields": {senders.MetaQualityFields}}
	cases := map[string]struct {
		method string
		query  func(url.Values)
		noAuth bool
	}{
		"the client's request": {method: http.MethodGet},
		"POST":                 {method: http.MethodPost},
		"no dataset_id":        {method: http.MethodGet, query: func(v url.Values) { v.Del("dataset_id") }},
		"no fields":            {method: http.MethodGet, query: func(v url.Values) { v.Del("fields") }},
		"a misspelled field": {method: http.MethodGet, query: func(v url.Values) {
			v.Set("fields", "web{event_name,event_match_quality{composite_score},dedup_key_feedback}")
		}},
		"subfields of a scalar": {method: http.MethodGet, query: func(v url.Values) { v.Set("fields", "web{event_name{x},event_match_quality{composite_score}}") }},
		"unbalanced braces":     {method: http.MethodGet, query: func(v url.Values) { v.Set("fields", "web{event_name,event_match_quality{composite_score}") }},
		"no composite score":    {method: http.MethodGet, query: func(v url.Values) { v.Set("fields", "web{event_name}") }},
		"no token":              {method: http.MethodGet, noAuth: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := capifake.NewMeta(t, capifake.Lenient())
			f.SetQuality("Purchase", 5, nil)
			v := url.Values{}
			for k, vs := range good {
				v[k] = append([]string(nil), vs...)
			}
			if tc.query != nil {
				tc.query(v)
			}
			req, err := http.NewRequest(tc.method, f.URL()+"/"+capifake.MetaVersion+"/dataset_quality?"+v.Encode(), nil)
			require.NoError(t, err)
			if !tc.noAuth {
				req.Header.Set("Authorization", "Bearer "+capifake.MetaAccessToken)
			}
			resp, err := f.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			if name == "the client's request" {
				require.Equal(t, http.StatusOK, resp.StatusCode)
				require.Empty(t, f.Errors())
				return
			}
			require.NotEmpty(t, f.Errors(), "the fake must flag it")
			if name != "no composite score" { // Meta answers it, with nothing useful
				require.NotEqual(t, http.StatusOK, resp.StatusCode)
			}
			require.True(t, strings.HasPrefix(f.Errors()[0], "capifake META: "+tc.method), f.Errors()[0])
		})
	}
}
