package snapchat

// Daily campaign stats, per
// https://developers.snap.com/api/marketing-api/Ads-API/measurement:
// GET /v1/adaccounts/{id}/stats with granularity=DAY and
// breakdown=campaign (ad account stats alone carry spend only), fields
// impressions, swipes (Snap's clicks), spend, conversion_purchases and
// conversion_purchases_value (money in micro-currency), start_time and
// end_time as ISO 8601 timestamps at midnight in the ad account's time zone
// (Snap refuses any other: "Timeseries queries with DAY granularity must
// have a start time that is the start of day (00:00:00) for the account's
// timezone"), at most 32 days per query. The response is
// timeseries_stats[].timeseries_stat.breakdown_stats.campaign[] with one
// timeseries entry per day; paging.next_link is followed when present.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

const (
	// windowDays is the span of one stats query (Snap's limit is 32).
	windowDays = 31
	// maxInsightDays bounds one Insights call.
	maxInsightDays = 3 * 366
	// statsFields are the metrics read.
	statsFields = "impressions,swipes,spend,conversion_purchases,conversion_purchases_value"
	snapTime    = "2006-01-02T15:04:05.000-07:00"
)

type statsPage struct {
	envelope
	TimeseriesStats []struct {
		SubRequestStatus      string `json:"sub_request_status"`
		SubRequestErrorReason string `json:"sub_request_error_reason"`
		TimeseriesStat        struct {
			BreakdownStats struct {
				Campaign []campaignSeries `json:"campaign"`
			} `json:"breakdown_stats"`
		} `json:"timeseries_stat"`
	} `json:"timeseries_stats"`
}

type campaignSeries struct {
	ID         string `json:"id"`
	Timeseries []struct {
		StartTime string `json:"start_time"`
		Stats     struct {
			Impressions              int64   `json:"impressions"`
			Swipes                   int64   `json:"swipes"`
			Spend                    int64   `json:"spend"`
			ConversionPurchases      float64 `json:"conversion_purchases"`
			ConversionPurchasesValue int64   `json:"conversion_purchases_value"`
		} `json:"stats"`
	} `json:"timeseries"`
}

// Insights pages through acct's daily campaign stats for [from, to]
// (YYYY-MM-DD in the account's time zone), one stats query per window of
// up to 31 days, calling fn once per response page, in order, on the
// caller's goroutine. The next page is fetched while fn handles the
// current one (one page ahead, so a slow fn never piles pages up).
func (c *Client) Insights(ctx context.Context, tok platforms.Token, acct platforms.Account, from, to string, fn func([]platforms.Insight) error) error {
	first, err1 := time.Parse(time.DateOnly, from)
	last, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || last.Before(first) || last.Sub(first) > maxInsightDays*24*time.Hour {
		return c.permanent(0, "", fmt.Sprintf("invalid insights range %q–%q", from, to))
	}
	loc, err := time.LoadLocation(acct.TimeZone)
	if err != nil || acct.TimeZone == "" {
		return c.permanent(0, "", fmt.Sprintf("ad account time zone %q is unknown", acct.TimeZone))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan []platforms.Insight)
	fetched := make(chan error, 1)
	go func() {
		defer close(pages)
		fetched <- c.fetchStats(ctx, tok, acct.ExternalID, loc, first, last, func(rows []platforms.Insight) error {
			select {
			case pages <- rows:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	for rows := range pages {
		if err := fn(rows); err != nil {
			cancel()
			for range pages {
			}
			<-fetched
			return err
		}
	}
	return <-fetched
}

// fetchStats runs the windows' queries in order, handing each page's rows
// to emit.
func (c *Client) fetchStats(ctx context.Context, tok platforms.Token, accountID string, loc *time.Location, first, last time.Time, emit func([]platforms.Insight) error) error {
	for ws := first; !ws.After(last); ws = ws.AddDate(0, 0, windowDays) {
		we := ws.AddDate(0, 0, windowDays-1)
		if we.After(last) {
			we = last
		}
		if err := c.statsWindow(ctx, tok, accountID, loc, ws, we, first, last, emit); err != nil {
			return err
		}
	}
	return nil
}

// localMidnight is the start of day d in loc.
func localMidnight(d time.Time, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

func (c *Client) statsWindow(ctx context.Context, tok platforms.Token, accountID string, loc *time.Location, ws, we, first, last time.Time, fn func([]platforms.Insight) error) error {
	q := url.Values{}
	q.Set("granularity", "DAY")
	q.Set("breakdown", "campaign")
	q.Set("fields", statsFields)
	q.Set("omit_empty", "false")
	q.Set("start_time", localMidnight(ws, loc).Format(snapTime))
	q.Set("end_time", localMidnight(we.AddDate(0, 0, 1), loc).Format(snapTime))
	next := c.apiRoot() + "/adaccounts/" + url.PathEscape(accountID) + "/stats?" + q.Encode()
	for n := 0; next != ""; n++ {
		if n == maxPages {
			return c.permanent(0, "", fmt.Sprintf("more than %d stats pages", maxPages))
		}
		var p statsPage
		if err := c.call(ctx, tok, http.MethodGet, next, nil, &p); err != nil {
			return err
		}
		rows, err := c.rows(&p, loc, first, last)
		if err != nil {
			return err
		}
		if err := fn(rows); err != nil {
			return err
		}
		next = p.Paging.NextLink
	}
	return nil
}

// rows flattens one stats page into insights, dating each timeseries
// entry by its start in the account's time zone.
func (c *Client) rows(p *statsPage, loc *time.Location, first, last time.Time) ([]platforms.Insight, error) {
	lo, hi := first.Format(time.DateOnly), last.Format(time.DateOnly)
	days := map[string]string{} // start_time → day; every campaign repeats the same few
	var out []platforms.Insight
	for _, ts := range p.TimeseriesStats {
		if ts.SubRequestStatus != "" && ts.SubRequestStatus != "SUCCESS" && ts.SubRequestStatus != "success" {
			return nil, c.permanent(http.StatusOK, "", "stats sub-request failed: "+ts.SubRequestErrorReason)
		}
		for _, cs := range ts.TimeseriesStat.BreakdownStats.Campaign {
			if out == nil {
				out = make([]platforms.Insight, 0, len(ts.TimeseriesStat.BreakdownStats.Campaign)*len(cs.Timeseries))
			}
			for _, pt := range cs.Timeseries {
				day, ok := days[pt.StartTime]
				if !ok {
					t, err := time.Parse(time.RFC3339Nano, pt.StartTime)
					if err != nil {
						return nil, c.permanent(http.StatusOK, "", "stats entry with a malformed start_time")
					}
					day = t.In(loc).Format(time.DateOnly)
					days[pt.StartTime] = day
				}
				if day < lo || day > hi {
					continue
				}
				out = append(out, platforms.Insight{
					CampaignExternalID: cs.ID, Day: day,
					SpendMicros: pt.Stats.Spend, Impressions: pt.Stats.Impressions, Clicks: pt.Stats.Swipes,
					Conversions: pt.Stats.ConversionPurchases, ConversionValueMicros: pt.Stats.ConversionPurchasesValue,
				})
			}
		}
	}
	return out, nil
}
