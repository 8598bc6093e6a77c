package tiktok

import (
	"bytes"
	"strconv"
)

// A report page is ~1,000 rows of seven short strings; encoding/json's
// reflection costs as much as TikTok's own serving. fastReport reads the
// documented page shape with a small scanner instead. It handles any key
// order, whitespace, unknown keys (skipped) and number or string literals;
// on anything else (escapes in a string we keep, a non-zero code, a shape
// it does not expect) it reports false and the caller decodes the page
// with encoding/json, so the fast path never changes a result.

// scanner walks a JSON document.
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

// peek is the next non-space byte (0 at the end).
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) eat(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// str reads a string without escapes (false if it has any).
func (s *scanner) str() (string, bool) {
	raw, ok := s.rawStr()
	return string(raw), ok
}

// rawStr is str without the copy (for keys, compared in place).
func (s *scanner) rawStr() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	end := bytes.IndexByte(s.b[s.i:], '"')
	if end < 0 {
		return nil, false
	}
	raw := s.b[s.i : s.i+end]
	if bytes.IndexByte(raw, '\\') >= 0 {
		return nil, false
	}
	s.i += end + 1
	return raw, true
}

// lit reads a string (unquoted) or a number; null reads as "".
func (s *scanner) lit() (string, bool) {
	switch c := s.peek(); {
	case c == '"':
		return s.str()
	case c == 'n':
		if bytes.HasPrefix(s.b[s.i:], []byte("null")) {
			s.i += 4
			return "", true
		}
		return "", false
	case c == '-' || c >= '0' && c <= '9':
		start := s.i
		for s.i < len(s.b) && bytes.IndexByte([]byte("+-.eE0123456789"), s.b[s.i]) >= 0 {
			s.i++
		}
		v := s.b[start:s.i]
		return string(v), validNumber(v)
	default:
		return "", false
	}
}

// skip passes over any value.
func (s *scanner) skip() bool {
	switch c := s.peek(); c {
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if !s.skipString() {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return true
				}
			}
			s.i++
		}
		return false
	case '"':
		return s.skipString()
	case 't', 'f', 'n':
		for _, w := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(s.b[s.i:], []byte(w)) {
				s.i += len(w)
				return true
			}
		}
		return false
	default:
		_, ok := s.lit()
		return ok
	}
}

// skipString passes over a string, escapes included.
func (s *scanner) skipString() bool {
	s.i++ // opening quote
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
			continue
		case '"':
			s.i++
			return true
		}
		s.i++
	}
	return false
}

// object calls fn for each key; fn must consume the value. The key
// aliases the input: compare it (switch string(key)), do not keep it.
func (s *scanner) object(fn func(key []byte) bool) bool {
	if !s.eat('{') {
		return false
	}
	if s.eat('}') {
		return true
	}
	for {
		key, ok := s.rawStr()
		if !ok || !s.eat(':') || !fn(key) {
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat('}')
	}
}

// array calls fn for each element; fn must consume it.
func (s *scanner) array(fn func() bool) bool {
	if !s.eat('[') {
		return false
	}
	if s.eat(']') {
		return true
	}
	for {
		if !fn() {
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat(']')
	}
}

func (s *scanner) integer() (int, bool) {
	v, ok := s.lit()
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// fastReport decodes a successful report page into p; false means "decode
// it the standard way".
func fastReport(body []byte, p *listPage[reportRow]) bool {
	s := &scanner{b: body}
	code := -1
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case "code":
			n, ok := s.integer()
			code = n
			return ok
		case "data":
			return s.object(func(key []byte) bool {
				switch string(key) {
				case "list":
					p.List = make([]reportRow, 0, PageSize)
					return s.array(func() bool {
						var r reportRow
						ok := s.object(func(key []byte) bool { return r.field(s, key) })
						p.List = append(p.List, r)
						return ok
					})
				case "page_info":
					return s.object(func(key []byte) bool {
						var dst *int
						switch string(key) {
						case "page":
							dst = &p.PageInfo.Page
						case "page_size":
							dst = &p.PageInfo.PageSize
						case "total_number":
							dst = &p.PageInfo.TotalNumber
						case "total_page":
							dst = &p.PageInfo.TotalPage
						default:
							return s.skip()
						}
						n, ok := s.integer()
						*dst = n
						return ok
					})
				default:
					return s.skip()
				}
			})
		default:
			return s.skip()
		}
	})
	s.ws()
	return ok && code == 0 && s.i == len(s.b)
}

// field reads one key of a report row.
func (r *reportRow) field(s *scanner, key []byte) bool {
	switch string(key) {
	case "dimensions":
		return s.object(func(key []byte) bool {
			var v string
			var ok bool
			switch string(key) {
			case "campaign_id":
				v, ok = s.lit()
				r.Dimensions.CampaignID = flexID(v)
			case "stat_time_day":
				v, ok = s.lit()
				r.Dimensions.StatTimeDay = v
			default:
				ok = s.skip()
			}
			return ok
		})
	case "metrics":
		return s.object(func(key []byte) bool {
			var dst *decimal
			switch string(key) {
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
				return s.skip()
			}
			v, ok := s.lit()
			*dst = decimal(v)
			return ok
		})
	default:
		return s.skip()
	}
}

// validNumber checks JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i, n = i+1, n+1
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}
