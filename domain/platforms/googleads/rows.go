package googleads

// GoogleAdsRow and the resources read here, as proto3 JSON (lowerCamelCase
// names, int64 as strings, doubles as numbers):
//   https://developers.google.com/google-ads/api/reference/rpc/latest/GoogleAdsRow
//   https://developers.google.com/google-ads/api/fields/latest/customer
//   https://developers.google.com/google-ads/api/fields/latest/customer_client
//   https://developers.google.com/google-ads/api/fields/latest/campaign
//   https://developers.google.com/google-ads/api/fields/latest/ad_group
//   https://developers.google.com/google-ads/api/fields/latest/ad_group_ad
//   https://developers.google.com/google-ads/api/fields/latest/metrics (conversions_value is a double)
//   https://protobuf.dev/programming-guides/json/ (int64 as JSON strings)

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/stratumhq/stratum/internal/money"
)

// row is one GoogleAdsRow with the fields Stratum selects.
type row struct {
	Customer       *customerRow       `json:"customer"`
	CustomerClient *customerClientRow `json:"customerClient"`
	Campaign       *campaignRow       `json:"campaign"`
	CampaignBudget *budgetRow         `json:"campaignBudget"`
	AdGroup        *adGroupRow        `json:"adGroup"`
	AdGroupAd      *adGroupAdRow      `json:"adGroupAd"`
	Segments       *segmentsRow       `json:"segments"`
	Metrics        *metricsRow        `json:"metrics"`
}

type customerRow struct {
	ResourceName    string `json:"resourceName"`
	ID              i64    `json:"id"`
	DescriptiveName string `json:"descriptiveName"`
	CurrencyCode    string `json:"currencyCode"`
	TimeZone        string `json:"timeZone"`
	Manager         bool   `json:"manager"`
	Status          string `json:"status"`
}

type customerClientRow struct {
	ResourceName    string `json:"resourceName"`
	ClientCustomer  string `json:"clientCustomer"`
	ID              i64    `json:"id"`
	Level           i64    `json:"level"`
	DescriptiveName string `json:"descriptiveName"`
	CurrencyCode    string `json:"currencyCode"`
	TimeZone        string `json:"timeZone"`
	Manager         bool   `json:"manager"`
	Status          string `json:"status"`
}

type campaignRow struct {
	ResourceName           string `json:"resourceName"`
	ID                     i64    `json:"id"`
	Name                   string `json:"name"`
	Status                 string `json:"status"`
	AdvertisingChannelType string `json:"advertisingChannelType"`
	CampaignBudget         string `json:"campaignBudget"`
}

type budgetRow struct {
	ResourceName string `json:"resourceName"`
	ID           i64    `json:"id"`
	AmountMicros i64    `json:"amountMicros"`
}

type adGroupRow struct {
	ResourceName string `json:"resourceName"`
	ID           i64    `json:"id"`
	Name         string `json:"name"`
	Status       string `json:"status"`
	CpcBidMicros i64    `json:"cpcBidMicros"`
	Campaign     string `json:"campaign"`
}

type adGroupAdRow struct {
	ResourceName string `json:"resourceName"`
	Status       string `json:"status"`
	AdGroup      string `json:"adGroup"`
	Ad           struct {
		ResourceName string `json:"resourceName"`
		ID           i64    `json:"id"`
		Name         string `json:"name"`
	} `json:"ad"`
}

type segmentsRow struct {
	Date string `json:"date"`
}

type metricsRow struct {
	CostMicros       i64         `json:"costMicros"`
	Impressions      i64         `json:"impressions"`
	Clicks           i64         `json:"clicks"`
	Conversions      json.Number `json:"conversions"`
	ConversionsValue json.Number `json:"conversionsValue"`
}

// i64 is a proto3 JSON int64: a decimal string ("123") or, leniently, a
// JSON integer; a fraction or exponent is refused, never rounded.
type i64 int64

func (v *i64) UnmarshalJSON(b []byte) error {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	if len(b) == 0 || string(b) == "null" {
		*v = 0
		return nil
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return fmt.Errorf("googleads: %q is not an int64", string(b))
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return fmt.Errorf("googleads: %q is not an int64", string(b))
		}
		n = n*10 + uint64(c-'0')
	}
	if n > 1<<63-1 {
		return fmt.Errorf("googleads: %q overflows int64", string(b))
	}
	*v = i64(n)
	if neg {
		*v = -*v
	}
	return nil
}

func (v i64) String() string { return strconv.FormatInt(int64(v), 10) }

// lastSegment is the id at the end of a resource name
// ("customers/1/campaignBudgets/7" → "7").
func lastSegment(resourceName string) string {
	return resourceName[strings.LastIndexByte(resourceName, '/')+1:]
}

var microsPerUnit = big.NewRat(money.Micro, 1)

// decimalMicros converts a JSON number in currency units (Google's double
// conversions_value, e.g. "12.34" or "1.5E7") to micros exactly from its
// decimal text, rounding half away from zero below a micro. No float is
// involved.
func decimalMicros(n json.Number) (int64, error) {
	if n == "" {
		return 0, nil
	}
	if !strings.ContainsAny(string(n), "eE") {
		if whole, frac, _ := strings.Cut(string(n), "."); len(frac) <= 6 && len(whole) <= 14 {
			// The common case: at most six decimals, parsed exactly.
			return money.ParseMicros(string(n))
		}
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return 0, fmt.Errorf("googleads: %q is not a decimal amount", string(n))
	}
	r.Mul(r, microsPerUnit)
	num, den := new(big.Int).Set(r.Num()), r.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	// round half away from zero: (2*num + den) / (2*den)
	num.Mul(num, big.NewInt(2)).Add(num, den)
	q := num.Quo(num, new(big.Int).Mul(den, big.NewInt(2)))
	if !q.IsInt64() || q.Int64() > 1<<62 {
		return 0, fmt.Errorf("googleads: amount %q is too large", string(n))
	}
	m := q.Int64()
	if neg {
		m = -m
	}
	return m, nil
}

// number parses a JSON number as a float64 (fractional conversions are a
// count, not money).
func number(n json.Number) (float64, error) {
	if n == "" {
		return 0, nil
	}
	return n.Float64()
}
