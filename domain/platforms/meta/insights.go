package meta

// Daily campaign insights.
// https://developers.facebook.com/docs/marketing-api/insights
// https://developers.facebook.com/docs/marketing-api/reference/ad-account/insights/
// https://developers.facebook.com/docs/marketing-api/reference/ads-action-stats/
// https://developers.facebook.com/docs/marketing-api/insights/parameters

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/money"
)

// insightFields are the insight columns read at level=campaign.
const insightFields = "campaign_id,spend,impressions,clicks,actions,action_values"

// ConversionActionTypes are the action types counted as conversions, in
// order of preference; the first one present in a row is used (see doc.go).
var ConversionActionTypes = []string{"omni_purchase", "purchase", "offsite_conversion.fb_pixel_purchase"}

// actionStat is one AdsActionStats entry; value is a decimal string.
type actionStat struct {
	ActionType string `json:"action_type"`
	Value      string `json:"value"`
}

// insightRow is one row of /insights with time_increment=1.
type insightRow struct {
	CampaignID   string       `json:"campaign_id"`
	DateStart    string       `json:"date_start"`
	DateStop     string       `json:"date_stop"`
	Spend        string       `json:"spend"`
	Impressions  string       `json:"impressions"`
	Clicks       string       `json:"clicks"`
	Actions      []actionStat `json:"actions"`
	ActionValues []actionStat `json:"action_values"`
}

// conversionStat picks the preferred conversion action from stats.
func conversionStat(stats []actionStat) (string, bool) {
	for _, t := range ConversionActionTypes {
		for _, s := range stats {
			if s.ActionType == t {
				return s.Value, true
			}
		}
	}
	return "", false
}

func malformed(format string, args ...any) error {
	return &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "malformed_response", Message: fmt.Sprintf(format, args...)}
}

// count parses an integer metric string ("" is 0).
func count(name, v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, malformed("insights %s %q is not an integer", name, v)
	}
	return n, nil
}

func (r insightRow) insight() (platforms.Insight, error) {
	in := platforms.Insight{CampaignExternalID: r.CampaignID, Day: r.DateStart}
	if r.DateStart != r.DateStop {
		return in, malformed("insights row spans %s..%s; time_increment=1 rows are single days", r.DateStart, r.DateStop)
	}
	var err error
	if r.Spend != "" {
		if in.SpendMicros, err = money.ParseMicros(r.Spend); err != nil {
			return in, malformed("insights spend %q: %v", r.Spend, err)
		}
	}
	if in.Impressions, err = count("impressions", r.Impressions); err != nil {
		return in, err
	}
	if in.Clicks, err = count("clicks", r.Clicks); err != nil {
		return in, err
	}
	if v, ok := conversionStat(r.Actions); ok {
		if in.Conversions, err = strconv.ParseFloat(v, 64); err != nil {
			return in, malformed("insights conversions %q is not a number", v)
		}
	}
	if v, ok := conversionStat(r.ActionValues); ok {
		if in.ConversionValueMicros, err = money.ParseMicros(v); err != nil {
			return in, malformed("insights conversion value %q: %v", v, err)
		}
	}
	return in, nil
}

// validDay checks a YYYY-MM-DD day.
func validDay(d string) bool {
	_, err := time.Parse(time.DateOnly, d)
	return err == nil && len(d) == len(time.DateOnly)
}

// Insights pages through GET /act_<id>/insights with level=campaign,
// time_increment=1 and time_range {since: from, until: to}; Meta reports
// days in the account's time zone and spend in its currency.
func (c *Client) Insights(ctx context.Context, tok platforms.Token, acct platforms.Account, from, to string, fn func([]platforms.Insight) error) error {
	act, err := accountPath(acct)
	if err != nil {
		return err
	}
	if !validDay(from) || !validDay(to) || from > to {
		return &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "bad_range", Message: fmt.Sprintf("insights range %q..%q is not two YYYY-MM-DD days in order", from, to)}
	}
	tr, _ := json.Marshal(map[string]string{"since": from, "until": to})
	query := func(after string) url.Values {
		q := listQuery(insightFields, after)
		q.Set("level", "campaign")
		q.Set("time_increment", "1")
		q.Set("time_range", string(tr))
		return q
	}
	edge := act + "/insights"
	pages, stop := c.prefetch(ctx, tok.AccessToken, edge, query)
	defer stop()
	for f := range pages {
		if f.err != nil {
			return f.err
		}
		rows := make([]platforms.Insight, 0, len(f.page.Data))
		for _, r := range f.page.Data {
			in, err := r.insight()
			if err != nil {
				return err
			}
			rows = append(rows, in)
		}
		if len(rows) > 0 {
			if err := fn(rows); err != nil {
				return err
			}
		}
	}
	return nil
}

// fetchedPage is one prefetched page of insights (or the error that ended
// the listing).
type fetchedPage struct {
	page insightsPage
	err  error
}

// prefetch lists the insights edge in a goroutine one page ahead of the
// consumer, so fetching page n+1 overlaps converting and storing page n.
// The channel closes after the last page or the first error; stop cancels
// the goroutine and waits for it (call it before returning).
func (c *Client) prefetch(ctx context.Context, token, edge string, query func(after string) url.Values) (<-chan fetchedPage, func()) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan fetchedPage, 1)
	done := make(chan struct{})
	send := func(f fetchedPage) bool {
		select {
		case out <- f:
			return true
		case <-ctx.Done():
			return false
		}
	}
	go func() {
		defer close(done)
		defer close(out)
		after := ""
		var buf []byte // the previous page's body, decoded: its storage is reused
		for range maxPages {
			raw, err := c.fetchInto(ctx, buf, http.MethodGet, token, edge, query(after))
			var p insightsPage
			if err == nil {
				// The decoded page holds no reference into raw.
				if p, err = decodeInsightsPage(raw); err != nil {
					err = malformed("%s: %v", edge, err)
				}
				buf = raw
			}
			if !send(fetchedPage{page: p, err: err}) || err != nil {
				return
			}
			if p.Paging.Next == "" || p.Paging.Cursors.After == "" || len(p.Data) == 0 {
				return
			}
			after = p.Paging.Cursors.After
		}
		send(fetchedPage{err: &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "too_many_pages", Message: fmt.Sprintf("%s has more than %d pages of %d", edge, maxPages, pageLimit)}})
	}()
	return out, func() { cancel(); <-done }
}
