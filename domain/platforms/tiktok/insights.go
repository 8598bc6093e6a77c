package tiktok

// Daily campaign metrics from the synchronous integrated report:
//   - Report integrated get: https://business-api.tiktok.com/portal/docs?id=1740302848100353
//
// GET /open_api/v1.3/report/integrated/get/ with advertiser_id,
// report_type=BASIC, data_level=AUCTION_CAMPAIGN,
// dimensions=["campaign_id","stat_time_day"], metrics=[…], start_date and
// end_date (YYYY-MM-DD, in the advertiser's time zone; with stat_time_day
// the span is at most 30 days, so longer ranges are fetched in 30-day
// chunks), page and page_size (1–1000) →
// data {"list":[{"dimensions":{"campaign_id":"…","stat_time_day":"2026-01-31 00:00:00"},
// "metrics":{"spend":"12.34",…}}],"page_info":{…}}. Metric values are
// strings.
//
// Metrics: spend (advertiser currency), impressions, clicks, conversion
// (conversions of the optimization event) and total_complete_payment_rate
// — despite its name the documented "total value of complete payment"
// (purchase value, advertiser currency), the conversion value Stratum
// uses for ROAS.

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// MaxReportDays is the longest start_date–end_date span of one daily report.
const MaxReportDays = 30

// ReportMetrics are the metrics Stratum requests.
var ReportMetrics = []string{"spend", "impressions", "clicks", "conversion", "total_complete_payment_rate"}

// ReportDimensions are the report's dimensions: one row per campaign and day.
var ReportDimensions = []string{"campaign_id", "stat_time_day"}

type reportRow struct {
	Dimensions struct {
		CampaignID  flexID `json:"campaign_id"`
		StatTimeDay string `json:"stat_time_day"`
	} `json:"dimensions"`
	// Metrics are strings in reports (documented); numbers are accepted
	// too. Pages are read by fastReport, encoding/json being the fallback.
	Metrics struct {
		Spend       decimal `json:"spend"`
		Impressions decimal `json:"impressions"`
		Clicks      decimal `json:"clicks"`
		Conversion  decimal `json:"conversion"`
		Value       decimal `json:"total_complete_payment_rate"`
	} `json:"metrics"`
}

// ReportQuery is the query of one report page; the fake's serving
// benchmark uses it to request exactly what the client does.
func ReportQuery(advertiserID, start, end string, page int) url.Values {
	q := url.Values{}
	q.Set("advertiser_id", advertiserID)
	q.Set("report_type", "BASIC")
	q.Set("data_level", "AUCTION_CAMPAIGN")
	q.Set("dimensions", jsonParam(ReportDimensions))
	q.Set("metrics", jsonParam(ReportMetrics))
	q.Set("start_date", start)
	q.Set("end_date", end)
	q.Set("page", strconv.Itoa(page))
	q.Set("page_size", strconv.Itoa(PageSize))
	return q
}

// Chunks splits [from, to] into spans of at most MaxReportDays days.
func Chunks(from, to string) ([][2]string, error) {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, fmt.Errorf("tiktok: from %q is not YYYY-MM-DD", from)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, fmt.Errorf("tiktok: to %q is not YYYY-MM-DD", to)
	}
	if t.Before(f) {
		return nil, fmt.Errorf("tiktok: to %s is before from %s", to, from)
	}
	var out [][2]string
	for start := f; !start.After(t); start = start.AddDate(0, 0, MaxReportDays) {
		end := start.AddDate(0, 0, MaxReportDays-1)
		if end.After(t) {
			end = t
		}
		out = append(out, [2]string{start.Format(time.DateOnly), end.Format(time.DateOnly)})
	}
	return out, nil
}

// Insights pages through acct's daily campaign metrics for [from, to].
func (c *Client) Insights(ctx context.Context, tok platforms.Token, acct platforms.Account, from, to string, fn func([]platforms.Insight) error) error {
	chunks, err := Chunks(from, to)
	if err != nil {
		return err
	}
	for _, ch := range chunks {
		q := ReportQuery(acct.ExternalID, ch[0], ch[1], 1)
		err := pages(ctx, c, tok.AccessToken, "report/integrated/get", q, func(rows []reportRow) error {
			out := make([]platforms.Insight, 0, len(rows))
			for _, r := range rows {
				in, err := r.insight()
				if err != nil {
					return err
				}
				out = append(out, in)
			}
			return fn(out)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (r reportRow) insight() (platforms.Insight, error) {
	in := platforms.Insight{CampaignExternalID: string(r.Dimensions.CampaignID)}
	day, _, _ := strings.Cut(r.Dimensions.StatTimeDay, " ")
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return in, badMetric("stat_time_day", r.Dimensions.StatTimeDay)
	}
	in.Day = day
	var err error
	if in.SpendMicros, err = r.Metrics.Spend.micros(); err != nil {
		return in, err
	}
	if in.ConversionValueMicros, err = r.Metrics.Value.micros(); err != nil {
		return in, err
	}
	if in.Impressions, err = count(r.Metrics.Impressions, "impressions"); err != nil {
		return in, err
	}
	if in.Clicks, err = count(r.Metrics.Clicks, "clicks"); err != nil {
		return in, err
	}
	if r.Metrics.Conversion != "" && r.Metrics.Conversion != "-" {
		if in.Conversions, err = strconv.ParseFloat(string(r.Metrics.Conversion), 64); err != nil {
			return in, badMetric("conversion", string(r.Metrics.Conversion))
		}
	}
	return in, nil
}

func count(d decimal, name string) (int64, error) {
	if d == "" || d == "-" {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(d), 10, 64)
	if err != nil {
		return 0, badMetric(name, string(d))
	}
	return n, nil
}

func badMetric(name, value string) error {
	return &platforms.APIError{Platform: platforms.TikTok, Kind: platforms.ErrorPermanent, Code: "BAD_RESPONSE", Message: fmt.Sprintf("TikTok sent %s %q, which is not the documented format", name, value)}
}
