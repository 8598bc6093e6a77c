package tiktok

import (
	"errors"
	"strconv"
	"strings"

	"github.com/stratumhq/stratum/internal/jsonscan"
)

// A report page is ~1,000 rows of seven short strings; encoding/json's
// reflection costs as much as TikTok's own serving. fastReport reads the
// documented page shape with internal/jsonscan instead. It handles any key
// order, whitespace, unknown keys (skipped) and number or string literals;
// on anything else (a string we keep that needs decoding, a non-zero code,
// a shape it does not expect, malformed JSON) it reports false and the
// caller decodes the page with encoding/json, so the fast path never
// changes a result.

// errDecline stops the fast decoder on a page it leaves to encoding/json.
var errDecline = errors.New("tiktok: report page left to encoding/json")

// lit reads a string (unquoted) or a number's text; null reads as "".
func lit(s *jsonscan.Scanner) string {
	switch s.Peek() {
	case jsonscan.String:
		v, plain := s.String()
		if !plain {
			s.Fail(errDecline)
		}
		return string(v)
	case jsonscan.Number:
		return string(s.Number())
	case jsonscan.Null:
		s.Null()
		return ""
	}
	s.Fail(errDecline)
	return ""
}

// integer reads an int field: a JSON integer, as encoding/json requires.
func integer(s *jsonscan.Scanner) int {
	if s.Peek() != jsonscan.Number {
		s.Fail(errDecline)
		return 0
	}
	n, err := strconv.Atoi(string(s.Number()))
	if err != nil {
		s.Fail(errDecline)
	}
	return n
}

// fastReport decodes a successful report page into p; false means "decode
// it the standard way".
func fastReport(body []byte, p *listPage[reportRow]) bool {
	s := jsonscan.New(body)
	code := -1
	s.EnterObject()
	for s.More() {
		switch string(s.Key()) {
		case "code":
			code = integer(&s)
		case "data":
			s.EnterObject()
			for s.More() {
				switch string(s.Key()) {
				case "list":
					p.List = make([]reportRow, 0, PageSize)
					s.EnterArray()
					for s.More() {
						var r reportRow
						s.EnterObject()
						for s.More() {
							r.field(&s, s.Key())
						}
						p.List = append(p.List, r)
					}
				case "page_info":
					pageInfoFields(&s, &p.PageInfo)
				default:
					s.Skip()
				}
			}
		default:
			s.Skip()
		}
	}
	return s.End() == nil && code == 0
}

func pageInfoFields(s *jsonscan.Scanner, pi *pageInfo) {
	s.EnterObject()
	for s.More() {
		switch string(s.Key()) {
		case "page":
			pi.Page = integer(s)
		case "page_size":
			pi.PageSize = integer(s)
		case "total_number":
			pi.TotalNumber = integer(s)
		case "total_page":
			pi.TotalPage = integer(s)
		default:
			s.Skip()
		}
	}
}

// field reads one key of a report row.
func (r *reportRow) field(s *jsonscan.Scanner, key []byte) {
	switch string(key) {
	case "dimensions":
		s.EnterObject()
		for s.More() {
			switch string(s.Key()) {
			case "campaign_id":
				// flexID takes a string, or a number only if it is all
				// digits.
				number := s.Peek() == jsonscan.Number
				v := lit(s)
				if number && strings.Trim(v, "0123456789") != "" {
					s.Fail(errDecline)
				}
				r.Dimensions.CampaignID = flexID(v)
			case "stat_time_day":
				// A plain string field: a string or null.
				if s.Peek() == jsonscan.Number {
					s.Fail(errDecline)
				}
				r.Dimensions.StatTimeDay = lit(s)
			default:
				s.Skip()
			}
		}
	case "metrics":
		s.EnterObject()
		for s.More() {
			var dst *decimal
			switch string(s.Key()) {
			case "spend":
				dst = &r.Metrics.Spend
			case "impressions":
				dst = &r.Metrics.Impressions
			case "clicks":
				dst = &r.Metrics.Clicks
			case "conversion":
				dst = &r.Metrics.Conversion
			case "total_complete_payment_rate":
				dst = &r.Metrics.Value
			default:
				s.Skip()
				continue
			}
			*dst = decimal(lit(s))
		}
	default:
		s.Skip()
	}
}
