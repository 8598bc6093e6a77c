package tiktok

// Campaigns, ad groups and ads, as documented:
//   - Get campaigns: https://business-api.tiktok.com/portal/docs?id=1739315828649986
//   - Get ad groups: https://business-api.tiktok.com/portal/docs?id=1739314558673922
//   - Get ads:       GET /open_api/v1.3/ad/get/ (same parameters; https://github.com/tiktok/tiktok-business-api-sdk js_sdk/docs/AdApi.md)
//
// GET /open_api/v1.3/{campaign,adgroup,ad}/get/ with advertiser_id,
// fields (JSON array), filtering (JSON object, e.g. {"campaign_ids":[…]}),
// page and page_size (1–1000) → data {"list":[…],"page_info":{…}}.
// Statuses: operation_status ENABLE / DISABLE, and secondary_status
// *_STATUS_DELETE for deleted entities. budget and bid_price are numbers
// in the advertiser's currency; budget_mode BUDGET_MODE_DAY (or
// BUDGET_MODE_DYNAMIC_DAILY_BUDGET) makes budget a daily budget.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/money"
)

var (
	campaignFields = []string{"campaign_id", "campaign_name", "objective_type", "budget", "budget_mode", "operation_status", "secondary_status"}
	adGroupFields  = []string{"adgroup_id", "campaign_id", "adgroup_name", "budget", "budget_mode", "bid_type", "bid_price", "operation_status", "secondary_status"}
	adFields       = []string{"ad_id", "adgroup_id", "ad_name", "operation_status", "secondary_status"}
)

// decimal is a money amount as TikTok writes it: a JSON number (or, in
// reports, a string), kept as its text so it converts to micros exactly.
type decimal string

func (d *decimal) UnmarshalJSON(b []byte) error {
	s, err := literal(b)
	*d = decimal(s)
	return err
}

// literal is the text of a JSON string or number literal (null: ""),
// unquoted without a second decoding pass when the string has no escapes
// (report pages hold five of these per row).
func literal(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		return "", nil
	case len(b) >= 2 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0:
		return string(b[1 : len(b)-1]), nil
	case len(b) > 0 && b[0] == '"':
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	default:
		return string(b), nil
	}
}

// micros converts d exactly; "" and "-" (TikTok's "no data") are 0.
func (d decimal) micros() (int64, error) {
	if d == "" || d == "-" {
		return 0, nil
	}
	m, err := money.ParseMicros(string(d))
	if err != nil {
		return 0, &platforms.APIError{Platform: platforms.TikTok, Kind: platforms.ErrorPermanent, Code: "BAD_RESPONSE", Message: fmt.Sprintf("TikTok sent the amount %q, which is not an exact decimal", string(d))}
	}
	return m, nil
}

type campaignRow struct {
	CampaignID      flexID  `json:"campaign_id"`
	CampaignName    string  `json:"campaign_name"`
	ObjectiveType   string  `json:"objective_type"`
	Budget          decimal `json:"budget"`
	BudgetMode      string  `json:"budget_mode"`
	OperationStatus string  `json:"operation_status"`
	SecondaryStatus string  `json:"secondary_status"`
}

type adGroupRow struct {
	AdgroupID       flexID  `json:"adgroup_id"`
	CampaignID      flexID  `json:"campaign_id"`
	AdgroupName     string  `json:"adgroup_name"`
	Budget          decimal `json:"budget"`
	BudgetMode      string  `json:"budget_mode"`
	BidType         string  `json:"bid_type"`
	BidPrice        decimal `json:"bid_price"`
	OperationStatus string  `json:"operation_status"`
	SecondaryStatus string  `json:"secondary_status"`
}

type adRow struct {
	AdID            flexID `json:"ad_id"`
	AdgroupID       flexID `json:"adgroup_id"`
	AdName          string `json:"ad_name"`
	OperationStatus string `json:"operation_status"`
	SecondaryStatus string `json:"secondary_status"`
}

// status maps TikTok's statuses to the contract's: deleted entities are
// archived, ENABLE is active, anything else (DISABLE, FROZEN) paused.
func status(operation, secondary string) string {
	switch {
	case strings.HasSuffix(secondary, "_STATUS_DELETE"):
		return platforms.StatusArchived
	case operation == "ENABLE":
		return platforms.StatusActive
	default:
		return platforms.StatusPaused
	}
}

// dailyBudget is budget in micros when budgetMode makes it a daily budget.
func dailyBudget(budget decimal, budgetMode string) (int64, error) {
	if budgetMode != "BUDGET_MODE_DAY" && budgetMode != "BUDGET_MODE_DYNAMIC_DAILY_BUDGET" {
		return 0, nil
	}
	return budget.micros()
}

func (r campaignRow) remote() (platforms.RemoteCampaign, error) {
	b, err := dailyBudget(r.Budget, r.BudgetMode)
	return platforms.RemoteCampaign{
		ExternalID:        string(r.CampaignID),
		Name:              r.CampaignName,
		Status:            status(r.OperationStatus, r.SecondaryStatus),
		Objective:         r.ObjectiveType,
		DailyBudgetMicros: b,
	}, err
}

func (r adGroupRow) remote() (platforms.RemoteAdGroup, error) {
	b, err := dailyBudget(r.Budget, r.BudgetMode)
	if err != nil {
		return platforms.RemoteAdGroup{}, err
	}
	g := platforms.RemoteAdGroup{
		ExternalID:         string(r.AdgroupID),
		CampaignExternalID: string(r.CampaignID),
		Name:               r.AdgroupName,
		Status:             status(r.OperationStatus, r.SecondaryStatus),
		DailyBudgetMicros:  b,
	}
	if r.BidType != "BID_TYPE_NO_BID" {
		if g.BidMicros, err = r.BidPrice.micros(); err != nil {
			return platforms.RemoteAdGroup{}, err
		}
	}
	return g, nil
}

// listPage is a list response's data.
type listPage[T any] struct {
	List     []T      `json:"list"`
	PageInfo pageInfo `json:"page_info"`
}

// pages calls the list endpoint name page by page (page_size PageSize) and
// hands each page's rows to fn, in order, one request at a time.
func pages[T any](ctx context.Context, c *Client, token, name string, q url.Values, fn func([]T) error) error {
	q.Set("page_size", strconv.Itoa(PageSize))
	for page := 1; ; page++ {
		if page > maxPages {
			return &platforms.APIError{Platform: platforms.TikTok, Kind: platforms.ErrorPermanent, Code: "TOO_MANY_PAGES", Message: fmt.Sprintf("%s has more than %d pages", name, maxPages)}
		}
		q.Set("page", strconv.Itoa(page))
		a, err := c.fetchGet(ctx, token, name, q)
		if err != nil {
			return err
		}
		var p listPage[T]
		if err := decodePage(a, name, &p); err != nil {
			return err
		}
		if len(p.List) > 0 {
			if err := fn(p.List); err != nil {
				return err
			}
		}
		if len(p.List) == 0 || page >= p.PageInfo.TotalPage {
			return nil
		}
	}
}

// decodePage decodes a list page, report pages through fastReport first.
func decodePage[T any](a *answer, name string, p *listPage[T]) error {
	if rp, ok := any(p).(*listPage[reportRow]); ok && a.resp.StatusCode == http.StatusOK {
		if fastReport(a.body, rp) {
			return nil
		}
		*rp = listPage[reportRow]{}
	}
	return a.decode(name, p)
}

// Structure pages through acct's campaigns, then ad groups, then ads.
func (c *Client) Structure(ctx context.Context, tok platforms.Token, acct platforms.Account, fn func(platforms.StructurePage) error) error {
	query := func(fields []string) url.Values {
		q := url.Values{}
		q.Set("advertiser_id", acct.ExternalID)
		q.Set("fields", jsonParam(fields))
		return q
	}
	err := pages(ctx, c, tok.AccessToken, "campaign/get", query(campaignFields), func(rows []campaignRow) error {
		page := platforms.StructurePage{Campaigns: make([]platforms.RemoteCampaign, 0, len(rows))}
		for _, r := range rows {
			rc, err := r.remote()
			if err != nil {
				return err
			}
			page.Campaigns = append(page.Campaigns, rc)
		}
		return fn(page)
	})
	if err != nil {
		return err
	}
	err = pages(ctx, c, tok.AccessToken, "adgroup/get", query(adGroupFields), func(rows []adGroupRow) error {
		page := platforms.StructurePage{AdGroups: make([]platforms.RemoteAdGroup, 0, len(rows))}
		for _, r := range rows {
			g, err := r.remote()
			if err != nil {
				return err
			}
			page.AdGroups = append(page.AdGroups, g)
		}
		return fn(page)
	})
	if err != nil {
		return err
	}
	return pages(ctx, c, tok.AccessToken, "ad/get", query(adFields), func(rows []adRow) error {
		page := platforms.StructurePage{Ads: make([]platforms.RemoteAd, 0, len(rows))}
		for _, r := range rows {
			page.Ads = append(page.Ads, platforms.RemoteAd{
				ExternalID:        string(r.AdID),
				AdGroupExternalID: string(r.AdgroupID),
				Name:              r.AdName,
				Status:            status(r.OperationStatus, r.SecondaryStatus),
			})
		}
		return fn(page)
	})
}

// campaignAdGroups lists the ad groups of one campaign.
func (c *Client) campaignAdGroups(ctx context.Context, tok platforms.Token, acct platforms.Account, campaignID string) ([]adGroupRow, error) {
	q := url.Values{}
	q.Set("advertiser_id", acct.ExternalID)
	q.Set("fields", jsonParam(adGroupFields))
	q.Set("filtering", jsonParam(map[string][]string{"campaign_ids": {campaignID}}))
	var all []adGroupRow
	err := pages(ctx, c, tok.AccessToken, "adgroup/get", q, func(rows []adGroupRow) error {
		all = append(all, rows...)
		return nil
	})
	return all, err
}

// Campaign reads one campaign's status, daily budget and its ad groups'
// shared bid.
func (c *Client) Campaign(ctx context.Context, tok platforms.Token, acct platforms.Account, rc platforms.RemoteCampaign) (platforms.CampaignState, error) {
	q := url.Values{}
	q.Set("advertiser_id", acct.ExternalID)
	q.Set("fields", jsonParam(campaignFields))
	q.Set("filtering", jsonParam(map[string][]string{"campaign_ids": {rc.ExternalID}}))
	q.Set("page", "1")
	q.Set("page_size", "1")
	var p listPage[campaignRow]
	if err := c.get(ctx, tok.AccessToken, "campaign/get", q, &p); err != nil {
		return platforms.CampaignState{}, err
	}
	if len(p.List) == 0 || string(p.List[0].CampaignID) != rc.ExternalID {
		return platforms.CampaignState{}, &platforms.APIError{Platform: platforms.TikTok, Kind: platforms.ErrorPermanent, Code: "NOT_FOUND", Message: fmt.Sprintf("TikTok has no campaign %s in advertiser %s (deleted campaigns are not listed)", rc.ExternalID, acct.ExternalID)}
	}
	got, err := p.List[0].remote()
	if err != nil {
		return platforms.CampaignState{}, err
	}
	st := platforms.CampaignState{Status: got.Status, DailyBudgetMicros: got.DailyBudgetMicros}
	groups, err := c.campaignAdGroups(ctx, tok, acct, rc.ExternalID)
	if err != nil {
		return platforms.CampaignState{}, err
	}
	st.BidMicros, err = sharedBid(groups)
	return st, err
}

// sharedBid is the bid every live ad group has, or 0 when they differ or
// none has a manual bid.
func sharedBid(groups []adGroupRow) (int64, error) {
	var bid int64
	for _, g := range groups {
		rg, err := g.remote()
		if err != nil {
			return 0, err
		}
		switch {
		case rg.Status == platforms.StatusArchived:
			continue
		case rg.BidMicros == 0 || bid != 0 && rg.BidMicros != bid:
			return 0, nil
		}
		bid = rg.BidMicros
	}
	return bid, nil
}
