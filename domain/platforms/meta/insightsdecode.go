package meta

// A fast decoder for one page of /insights. Insight pages are the bulk of
// what a sync reads (1,000 campaigns × 90 days is 90,000 rows) and
// reflection-based encoding/json spends most of the client's time on them.
// This decoder reads only the page shape Meta documents — {"data":[rows],
// "paging":{…}} with string-valued metrics and action lists of
// {"action_type","value"} strings (of which it keeps the conversion types
// only, the rest being unused) — and gives up on anything else (a
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
	*dst = string(plain(s))
}

// plain reads a string value's bytes (a view into the page); one that
// needs decoding is left to encoding/json.
func plain(s *jsonscan.Scanner) []byte {
	v, ok := s.String()
	if !ok {
		s.Fail(errDecline)
	}
	return v
}

// interner shares the strings a page repeats (its days, its campaign ids
// — a page lists a campaign's days one after another), so each row does
// not allocate them again. Bounded: past maxInterned distinct values it
// allocates as usual.
type interner struct {
	days     map[string]string
	campaign string
}

const maxInterned = 64

func (in *interner) day(s *jsonscan.Scanner, dst *string) {
	v := plain(s)
	if d, ok := in.days[string(v)]; ok {
		*dst = d
		return
	}
	*dst = string(v)
	if len(in.days) < maxInterned {
		in.days[*dst] = *dst
	}
}

func (in *interner) campaignID(s *jsonscan.Scanner, dst *string) {
	v := plain(s)
	if string(v) != in.campaign {
		in.campaign = string(v)
	}
	*dst = in.campaign
}

// actions reads an AdsActionStats list, keeping only the entry a row's
// insight uses (conversionStat: the most preferred of
// ConversionActionTypes present), with the type as the constant string:
// the other entries cost no allocation.
func actions(s *jsonscan.Scanner, dst *[]actionStat) {
	*dst = nil // a repeated key replaces, as in encoding/json
	// Only the most preferred entry is kept (its first occurrence):
	// conversionStat would pick that one from the whole list.
	best, kept := len(ConversionActionTypes), actionStat{}
	s.EnterArray()
	for s.More() {
		var typ, val []byte
		s.EnterObject()
		for s.More() {
			switch string(s.Key()) {
			case "action_type":
				typ = plain(s)
			case "value":
				val = plain(s)
			default:
				s.Skip()
			}
		}
		for i, t := range ConversionActionTypes[:best] {
			if string(typ) == t {
				best, kept = i, actionStat{ActionType: t, Value: string(val)}
				break
			}
		}
	}
	if best < len(ConversionActionTypes) {
		*dst = []actionStat{kept}
	}
}

func row(s *jsonscan.Scanner, in *interner, r *insightRow) {
	s.EnterObject()
	for s.More() {
		switch string(s.Key()) {
		case "campaign_id":
			in.campaignID(s, &r.CampaignID)
		case "date_start":
			in.day(s, &r.DateStart)
		case "date_stop":
			in.day(s, &r.DateStop)
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
	in := interner{days: map[string]string{}}
	s.EnterObject()
	for s.More() {
		switch string(s.Key()) {
		case "data":
			p.Data = make([]insightRow, 0, pageLimit)
			s.EnterArray()
			for s.More() {
				p.Data = append(p.Data, insightRow{})
				row(&s, &in, &p.Data[len(p.Data)-1])
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
