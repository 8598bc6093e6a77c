package meta

// A fast decoder for one page of /insights. Insight pages are the bulk of
// what a sync reads (1,000 campaigns × 90 days is 90,000 rows) and
// reflection-based encoding/json spends most of the client's time on them.
// This decoder reads only the page shape Meta documents — {"data":[rows],
// "paging":{…}} with string-valued metrics and action lists of
// {"action_type","value"} strings — and gives up on anything else (an
// escape sequence, a number where a string is expected, malformed JSON), in
// which case the caller decodes the page with encoding/json instead. So it
// is never the only judge of a body's meaning.
// https://developers.facebook.com/docs/marketing-api/reference/ad-account/insights/

import "encoding/json"

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

type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// is consumes c (after white space) if it is next.
func (s *scanner) is(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string without escapes (ok false otherwise).
func (s *scanner) str() (string, bool) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", false
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			return string(s.b[start:j]), true
		case c == '\\' || c < 0x20:
			return "", false
		}
	}
	return "", false
}

// skip passes over any JSON value (strings with escapes included).
func (s *scanner) skip() bool {
	s.ws()
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '"':
		for j := s.i + 1; j < len(s.b); j++ {
			switch s.b[j] {
			case '\\':
				j++
			case '"':
				s.i = j + 1
				return true
			}
		}
		return false
	case '{':
		s.i++
		if s.is('}') {
			return true
		}
		for {
			if _, ok := s.str(); !ok || !s.is(':') || !s.skip() {
				return false
			}
			if s.is('}') {
				return true
			}
			if !s.is(',') {
				return false
			}
		}
	case '[':
		s.i++
		if s.is(']') {
			return true
		}
		for {
			if !s.skip() {
				return false
			}
			if s.is(']') {
				return true
			}
			if !s.is(',') {
				return false
			}
		}
	default: // number, true, false, null
		j := s.i
		for j < len(s.b) {
			c := s.b[j]
			if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t' {
				break
			}
			j++
		}
		if j == s.i {
			return false
		}
		lit := s.b[s.i:j]
		s.i = j
		return json.Valid(lit)
	}
}

// object reads {"k": v, …}, calling field for each key; field consumes the
// value and reports whether it could.
func (s *scanner) object(field func(key string) bool) bool {
	if !s.is('{') {
		return false
	}
	if s.is('}') {
		return true
	}
	for {
		k, ok := s.str()
		if !ok || !s.is(':') || !field(k) {
			return false
		}
		if s.is('}') {
			return true
		}
		if !s.is(',') {
			return false
		}
	}
}

// array reads [v, …], calling elem for each element.
func (s *scanner) array(elem func() bool) bool {
	if !s.is('[') {
		return false
	}
	if s.is(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.is(']') {
			return true
		}
		if !s.is(',') {
			return false
		}
	}
}

// into reads a string value into dst.
func (s *scanner) into(dst *string) bool {
	v, ok := s.str()
	*dst = v
	return ok
}

func (s *scanner) actions(dst *[]actionStat) bool {
	*dst = nil // a repeated key replaces, as in encoding/json
	return s.array(func() bool {
		var a actionStat
		ok := s.object(func(k string) bool {
			switch k {
			case "action_type":
				return s.into(&a.ActionType)
			case "value":
				return s.into(&a.Value)
			default:
				return s.skip()
			}
		})
		*dst = append(*dst, a)
		return ok
	})
}

func (s *scanner) row(r *insightRow) bool {
	return s.object(func(k string) bool {
		switch k {
		case "campaign_id":
			return s.into(&r.CampaignID)
		case "date_start":
			return s.into(&r.DateStart)
		case "date_stop":
			return s.into(&r.DateStop)
		case "spend":
			return s.into(&r.Spend)
		case "impressions":
			return s.into(&r.Impressions)
		case "clicks":
			return s.into(&r.Clicks)
		case "actions":
			return s.actions(&r.Actions)
		case "action_values":
			return s.actions(&r.ActionValues)
		default:
			return s.skip()
		}
	})
}

// fastInsightsPage decodes the documented page shape; ok false means "use
// encoding/json".
func fastInsightsPage(raw []byte) (insightsPage, bool) {
	s := &scanner{b: raw}
	var p insightsPage
	ok := s.object(func(k string) bool {
		switch k {
		case "data":
			p.Data = make([]insightRow, 0, pageLimit)
			return s.array(func() bool {
				p.Data = append(p.Data, insightRow{})
				return s.row(&p.Data[len(p.Data)-1])
			})
		case "paging":
			s.ws()
			start := s.i
			return s.skip() && json.Unmarshal(raw[start:s.i], &p.Paging) == nil
		default:
			return s.skip()
		}
	})
	s.ws()
	return p, ok && s.i == len(raw)
}
