package googleads

// A small decoder for GoogleAdsRow JSON (proto3 JSON, RFC 8259): a stream
// of metric rows is the hot path of a sync, and encoding/json's reflection
// costs several times the HTTP transfer. decodeRow fills the same row
// struct encoding/json would (TestDecodeRowMatchesEncodingJSON checks
// that), ignoring unknown fields of any shape.

import (
	"encoding/json"
	"errors"
	"fmt"
)

var errSyntax = errors.New("googleads: malformed JSON in a result row")

// maxDepth bounds nesting (Google rows nest four levels at most).
const maxDepth = 64

// decodeBatch parses one SearchGoogleAdsStreamResponse: its results, and
// its error when the element is {"error": ...} instead.
func decodeBatch(b []byte) ([]row, *rpcError, error) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, nil, errSyntax
	}
	var rows []row
	var rpc *rpcError
	i = skipWS(b, i+1)
	for i < len(b) && b[i] != '}' {
		key, end, err := rawStr(b, i)
		if err != nil {
			return nil, nil, err
		}
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, nil, errSyntax
		}
		i = skipWS(b, i+1)
		start := i
		switch {
		case string(key) == "results" && i < len(b) && b[i] == '[':
			i = skipWS(b, i+1)
			for i < len(b) && b[i] != ']' {
				var stack [8][]byte
				rows = append(rows, row{})
				if i, err = walk(b, i, stack[:0], &rows[len(rows)-1], 0); err != nil {
					return nil, nil, err
				}
				if i = skipWS(b, i); i < len(b) && b[i] == ',' {
					if i = skipWS(b, i+1); i < len(b) && b[i] == ']' {
						return nil, nil, errSyntax
					}
				} else if i >= len(b) || b[i] != ']' {
					return nil, nil, errSyntax
				}
			}
			i++
		default:
			if i, err = walk(b, i, nil, &row{}, 0); err != nil {
				return nil, nil, err
			}
			if string(key) == "error" {
				rpc = &rpcError{}
				if err := json.Unmarshal(b[start:i], rpc); err != nil {
					return nil, nil, errSyntax
				}
			}
		}
		if i = skipWS(b, i); i < len(b) && b[i] == ',' {
			i = skipWS(b, i+1)
			if i < len(b) && b[i] == '}' {
				return nil, nil, errSyntax
			}
		} else if i >= len(b) || b[i] != '}' {
			return nil, nil, errSyntax
		}
	}
	if i >= len(b) || skipWS(b, i+1) != len(b) {
		return nil, nil, errSyntax
	}
	return rows, rpc, nil
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// walk parses the value at b[i:] under path, assigning leaves to r, and
// returns the index after it.
func walk(b []byte, i int, path [][]byte, r *row, depth int) (int, error) {
	if i >= len(b) || depth > maxDepth {
		return 0, errSyntax
	}
	switch c := b[i]; {
	case c == '{':
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		for {
			if i >= len(b) || b[i] != '"' {
				return 0, errSyntax
			}
			key, end, err := rawStr(b, i)
			if err != nil {
				return 0, err
			}
			i = skipWS(b, end)
			if i >= len(b) || b[i] != ':' {
				return 0, errSyntax
			}
			sub := path
			if len(path) < cap(path) {
				sub = append(path, key)
			}
			if i, err = walk(b, skipWS(b, i+1), sub, r, depth+1); err != nil {
				return 0, err
			}
			i = skipWS(b, i)
			if i < len(b) && b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				return i + 1, nil
			}
			return 0, errSyntax
		}
	case c == '[':
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, nil
		}
		for {
			var err error
			// Array elements are never row fields Stratum reads: skip them.
			if i, err = walk(b, i, path[:len(path):len(path)], &row{}, depth+1); err != nil {
				return 0, err
			}
			i = skipWS(b, i)
			if i < len(b) && b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if i < len(b) && b[i] == ']' {
				return i + 1, nil
			}
			return 0, errSyntax
		}
	case c == '"':
		v, end, err := rawStr(b, i)
		if err != nil {
			return 0, err
		}
		return end, assign(r, path, v, true)
	default:
		end, ok := literal(b, i)
		if !ok {
			return 0, errSyntax
		}
		return end, assign(r, path, b[i:end], false)
	}
}

// literal scans true, false, null or a JSON number at b[i:].
func literal(b []byte, i int) (int, bool) {
	for _, w := range [...]string{"true", "false", "null"} {
		if len(b)-i >= len(w) && string(b[i:i+len(w)]) == w {
			return i + len(w), true
		}
	}
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	digits := func() int {
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j - k
	}
	switch n := digits(); {
	case n == 0, n > 1 && b[j-n] == '0':
		return 0, false
	}
	if j < len(b) && b[j] == '.' {
		j++
		if digits() == 0 {
			return 0, false
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	return j, true
}

// rawStr returns the JSON string at b[i] (unescaped; without escapes it
// aliases b) and the index after it.
func rawStr(b []byte, i int) ([]byte, int, error) {
	escaped := false
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			if !escaped {
				return b[i+1 : j], j + 1, nil
			}
			var s string
			if err := json.Unmarshal(b[i:j+1], &s); err != nil {
				return nil, 0, errSyntax
			}
			return []byte(s), j + 1, nil
		default:
			if b[j] < 0x20 {
				return nil, 0, errSyntax
			}
		}
	}
	return nil, 0, errSyntax
}

// assign stores a leaf value at path ("campaign","id") in r.
func assign(r *row, path [][]byte, v []byte, quoted bool) error {
	if len(path) < 2 || string(v) == "null" && !quoted {
		return nil
	}
	if len(path) == 3 {
		if string(path[0]) == "adGroupAd" && string(path[1]) == "ad" {
			if r.AdGroupAd == nil {
				r.AdGroupAd = &adGroupAdRow{}
			}
			a := &r.AdGroupAd.Ad
			switch string(path[2]) {
			case "resourceName":
				a.ResourceName = string(v)
			case "id":
				return setI64(&a.ID, v)
			case "name":
				a.Name = string(v)
			}
		}
		return nil
	}
	if len(path) != 2 {
		return nil
	}
	k := path[1]
	switch string(path[0]) {
	case "metrics":
		if r.Metrics == nil {
			r.Metrics = &metricsRow{}
		}
		m := r.Metrics
		switch string(k) {
		case "costMicros":
			return setI64(&m.CostMicros, v)
		case "impressions":
			return setI64(&m.Impressions, v)
		case "clicks":
			return setI64(&m.Clicks, v)
		case "conversions":
			m.Conversions = json.Number(v)
		case "conversionsValue":
			m.ConversionsValue = json.Number(v)
		}
	case "segments":
		if r.Segments == nil {
			r.Segments = &segmentsRow{}
		}
		if string(k) == "date" {
			r.Segments.Date = string(v)
		}
	case "campaign":
		if r.Campaign == nil {
			r.Campaign = &campaignRow{}
		}
		c := r.Campaign
		switch string(k) {
		case "resourceName":
			c.ResourceName = string(v)
		case "id":
			return setI64(&c.ID, v)
		case "name":
			c.Name = string(v)
		case "status":
			c.Status = string(v)
		case "advertisingChannelType":
			c.AdvertisingChannelType = string(v)
		case "campaignBudget":
			c.CampaignBudget = string(v)
		}
	case "campaignBudget":
		if r.CampaignBudget == nil {
			r.CampaignBudget = &budgetRow{}
		}
		switch string(k) {
		case "resourceName":
			r.CampaignBudget.ResourceName = string(v)
		case "id":
			return setI64(&r.CampaignBudget.ID, v)
		case "amountMicros":
			return setI64(&r.CampaignBudget.AmountMicros, v)
		}
	case "adGroup":
		if r.AdGroup == nil {
			r.AdGroup = &adGroupRow{}
		}
		g := r.AdGroup
		switch string(k) {
		case "resourceName":
			g.ResourceName = string(v)
		case "id":
			return setI64(&g.ID, v)
		case "name":
			g.Name = string(v)
		case "status":
			g.Status = string(v)
		case "cpcBidMicros":
			return setI64(&g.CpcBidMicros, v)
		case "campaign":
			g.Campaign = string(v)
		}
	case "adGroupAd":
		if r.AdGroupAd == nil {
			r.AdGroupAd = &adGroupAdRow{}
		}
		switch string(k) {
		case "resourceName":
			r.AdGroupAd.ResourceName = string(v)
		case "status":
			r.AdGroupAd.Status = string(v)
		case "adGroup":
			r.AdGroupAd.AdGroup = string(v)
		}
	case "customer":
		return assignCustomer(r, k, v)
	case "customerClient":
		return assignClient(r, k, v)
	}
	return nil
}

func assignCustomer(r *row, k, v []byte) error {
	if r.Customer == nil {
		r.Customer = &customerRow{}
	}
	c := r.Customer
	switch string(k) {
	case "resourceName":
		c.ResourceName = string(v)
	case "id":
		return setI64(&c.ID, v)
	case "descriptiveName":
		c.DescriptiveName = string(v)
	case "currencyCode":
		c.CurrencyCode = string(v)
	case "timeZone":
		c.TimeZone = string(v)
	case "manager":
		c.Manager = string(v) == "true"
	case "status":
		c.Status = string(v)
	}
	return nil
}

func assignClient(r *row, k, v []byte) error {
	if r.CustomerClient == nil {
		r.CustomerClient = &customerClientRow{}
	}
	c := r.CustomerClient
	switch string(k) {
	case "resourceName":
		c.ResourceName = string(v)
	case "clientCustomer":
		c.ClientCustomer = string(v)
	case "id":
		return setI64(&c.ID, v)
	case "level":
		return setI64(&c.Level, v)
	case "descriptiveName":
		c.DescriptiveName = string(v)
	case "currencyCode":
		c.CurrencyCode = string(v)
	case "timeZone":
		c.TimeZone = string(v)
	case "manager":
		c.Manager = string(v) == "true"
	case "status":
		c.Status = string(v)
	}
	return nil
}

func setI64(dst *i64, v []byte) error {
	if err := dst.UnmarshalJSON(v); err != nil {
		return fmt.Errorf("%w: %v", errSyntax, err)
	}
	return nil
}
