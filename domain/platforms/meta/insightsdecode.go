package meta

// A fast decoder for one page of /insights. Insight pages are the bulk of
// what a sync reads (1,000 campaigns × 90 days is 90,000 rows) and
// reflection-based encoding/json spends most of the client's time on them.
// This decoder reads only the page shape Meta documents — {"data":[rows],
// "paging":{…}} with string-valued metrics and action lists of
// {"action_type","value"} strings — and gives up on anything else (a
// string it keeps that needs decoding, a number where a string is
// expected, malformed JSON), in which case the caller decodes the page
// with encoding/json instead. So it is never the only judge of a body's
// meaning. The reading itself is internal/jsonscan's.
// https://developers.facebook.com/docs/marketing-api/reference/ad-account/insights/

import (
	"encoding/json"
	"errors"

	"github.com/stratumhq/stratum/internal/jsonscan"
)

// insightsPage is one decoded page.
type insightsPage struct {
	Data   []insightRow `json:"data"`
	Paging paging       `json:"paging"`
}

// decodeInsightsPage decodes raw, fast when it can.
func decodeInsightsPage(raw []byte) (insightsPage, error) {
	if p, ok := fastInsightsPage(raw); ok {
		return p, nil
	}
	var p insightsPage
	err := json.Unmarshal(raw, &p)
	return p, err
}

// errDecline stops the fast decoder on a page it leaves to encoding/json.
var errDecline = errors.New("meta: insights page left to encoding/json")

// into reads a string value into dst; one that needs decoding (escapes,
// invalid UTF-8) is left to encoding/json.
func into(s *jsonscan.Scanner, dst *string) {
	v, plain := s.String()
	if !plain {
		s.Fail(errDecline)
	}
	*dst = string(v)
}

func actions(s *jsonscan.Scanner, dst *[]actionStat) {
	*dst = nil // a repeated key replaces, as in encoding/json
	s.EnterArray()
	for s.More() {
		var a actionStat
		s.EnterObject()
		for s.More() {
			switch string(s.Key()) {
			case "action_type":
				into(s, &a.ActionType)
			case "value":
				into(s, &a.Value)
			default:
				s.Skip()
			}
		}
		*dst = append(*dst, a)
	}
}

func row(s *jsonscan.Scanner, r *insightRow) {
	s.EnterObject()
	for s.More() {
		switch string(s.Key()) {
		case "campaign_id":
			into(s, &r.CampaignID)
		case "date_start":
			into(s, &r.DateStart)
		case "date_stop":
			into(s, &r.DateStop)
		case "spend":
			into(s, &r.Spend)
		case "impressions":
			into(s, &r.Impressions)
		case "clicks":
			into(s, &r.Clicks)
		case "actions":
			actions(s, &r.Actions)
		case "action_values":
			actions(s, &r.ActionValues)
		default:
			s.Skip()
		}
	}
}

// fastInsightsPage decodes the documented page shape; ok false means "use
// encoding/json".
func fastInsightsPage(raw []byte) (insightsPage, bool) {
	s := jsonscan.New(raw)
	var p insightsPage
	s.EnterObject()
	for s.More() {
		switch string(s.Key()) {
		case "data":
			p.Data = make([]insightRow, 0, pageLimit)
			s.EnterArray()
			for s.More() {
				p.Data = append(p.Data, insightRow{})
				row(&s, &p.Data[len(p.Data)-1])
			}
		case "paging":
			if v := s.Raw(); v != nil && json.Unmarshal(v, &p.Paging) != nil {
				s.Fail(errDecline)
			}
		default:
			s.Skip()
		}
	}
	return p, s.End() == nil
}
