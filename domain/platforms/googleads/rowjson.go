package googleads

// A small decoder for GoogleAdsRow JSON (proto3 JSON, RFC 8259): a stream
// of metric rows is the hot path of a sync, and encoding/json's reflection
// costs several times the HTTP transfer. decodeBatch fills the same row
// structs encoding/json would (TestDecodeBatchMatchesEncodingJSON checks
// that), ignoring unknown fields of any shape.

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/stratumhq/stratum/internal/jsonscan"
)

var errSyntax = errors.New("googleads: malformed JSON in a result row")

// maxDepth bounds nesting (Google rows nest four levels at most).
const maxDepth = 64

// decodeBatch parses one SearchGoogleAdsStreamResponse: its results, and
// its error when the element is {"error": ...} instead. The reading is
// internal/jsonscan's; this file maps the paths of leaf values to row
// fields.
func decodeBatch(b []byte) ([]row, *rpcError, error) {
	s := jsonscan.New(b)
	s.MaxDepth = maxDepth
	var rows []row
	var rpc *rpcError
	s.EnterObject()
	for s.More() {
		switch key := s.Key(); {
		case string(key) == "results" && s.Peek() == jsonscan.Array:
			s.EnterArray()
			for s.More() {
				var stack [8][]byte
				rows = append(rows, row{})
				walk(&s, stack[:0], &rows[len(rows)-1])
			}
		case string(key) == "error":
			if raw := s.Raw(); raw != nil {
				rpc = &rpcError{}
				if err := json.Unmarshal(raw, rpc); err != nil {
					s.Fail(errSyntax)
				}
			}
		default:
			s.Skip()
		}
	}
	if err := s.End(); err != nil {
		if !errors.Is(err, errSyntax) {
			err = fmt.Errorf("%w: %v", errSyntax, err)
		}
		return nil, nil, err
	}
	return rows, rpc, nil
}

// walk reads the value at s under path, assigning its leaves to r.
func walk(s *jsonscan.Scanner, path [][]byte, r *row) {
	var err error
	switch s.Peek() {
	case jsonscan.Object:
		s.EnterObject()
		for s.More() {
			key := s.Key()
			sub := path
			if len(path) < cap(path) {
				sub = append(path, key)
			}
			walk(s, sub, r)
		}
		return
	case jsonscan.Array:
		// Array elements are never row fields Stratum reads: skip them.
		s.Skip()
		return
	case jsonscan.String:
		if v, _ := s.String(); s.Err() == nil {
			err = assign(r, path, v, true)
		}
	case jsonscan.Number:
		if v := s.Number(); v != nil {
			err = assign(r, path, v, false)
		}
	default: // true, false or null (Raw refuses anything else)
		if v := s.Raw(); v != nil {
			err = assign(r, path, v, false)
		}
	}
	if err != nil {
		s.Fail(err)
	}
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
