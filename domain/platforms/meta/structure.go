package meta

// Ad accounts, campaigns, ad sets and ads.
// https://developers.facebook.com/docs/marketing-api/reference/user/adaccounts/
// https://developers.facebook.com/docs/marketing-api/reference/ad-account/
// https://developers.facebook.com/docs/marketing-api/reference/ad-account/campaigns/
// https://developers.facebook.com/docs/marketing-api/reference/ad-campaign-group/
// https://developers.facebook.com/docs/marketing-api/reference/ad-account/adsets/
// https://developers.facebook.com/docs/marketing-api/reference/ad-campaign/
// https://developers.facebook.com/docs/marketing-api/reference/ad-account/ads/
// https://developers.facebook.com/docs/marketing-api/reference/adgroup/

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/money"
)

// Fields asked for on each edge.
const (
	accountFields  = "id,name,currency,timezone_name,account_status"
	campaignFields = "id,name,status,objective,daily_budget"
	adSetFields    = "id,name,campaign_id,status,daily_budget,bid_amount"
	adFields       = "id,name,adset_id,status"
	// maxAccounts bounds Accounts (a user rarely sees more than a few hundred).
	maxAccounts = 10_000
)

// accountStatuses names Meta's numeric account_status values.
var accountStatuses = map[int]string{
	1: "ACTIVE", 2: "DISABLED", 3: "UNSETTLED", 7: "PENDING_RISK_REVIEW",
	8: "PENDING_SETTLEMENT", 9: "IN_GRACE_PERIOD", 100: "PENDING_CLOSURE",
	101: "CLOSED", 201: "ANY_ACTIVE", 202: "ANY_CLOSED",
}

// Accounts lists GET /me/adaccounts.
func (c *Client) Accounts(ctx context.Context, tok platforms.Token) ([]platforms.Account, error) {
	var out []platforms.Account
	err := list(ctx, "me/adaccounts", func(after string) (paging, int, error) {
		var page struct {
			Data []struct {
				ID            string `json:"id"`
				Name          string `json:"name"`
				Currency      string `json:"currency"`
				TimezoneName  string `json:"timezone_name"`
				AccountStatus int    `json:"account_status"`
			} `json:"data"`
			Paging paging `json:"paging"`
		}
		if err := c.get(ctx, tok.AccessToken, "me/adaccounts", listQuery(accountFields, after), &page); err != nil {
			return paging{}, 0, err
		}
		for _, a := range page.Data {
			if len(out) >= maxAccounts {
				return paging{}, 0, nil
			}
			st, ok := accountStatuses[a.AccountStatus]
			if !ok {
				st = strconv.Itoa(a.AccountStatus)
			}
			out = append(out, platforms.Account{ExternalID: a.ID, Name: a.Name, Currency: a.Currency, TimeZone: a.TimezoneName, Status: st})
		}
		return page.Paging, len(page.Data), nil
	})
	return out, err
}

// Status maps a Meta configured status (campaign, ad set or ad "status")
// to the contract's words. Meta's statuses are ACTIVE, PAUSED, DELETED and
// ARCHIVED; anything unknown counts as paused (not delivering).
func Status(s string) string {
	switch s {
	case "ACTIVE":
		return platforms.StatusActive
	case "DELETED", "ARCHIVED":
		return platforms.StatusArchived
	default:
		return platforms.StatusPaused
	}
}

// minorMicros converts a budget field (an integer string in the currency's
// minor unit, "" when unset) to micros.
func minorMicros(currency, field, v string) (int64, error) {
	if v == "" || v == "0" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "malformed_response", Message: fmt.Sprintf("%s %q is not an amount in minor units", field, v)}
	}
	return money.MinorToMicros(currency, n), nil
}

// campaignJSON is a campaign node.
type campaignJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Status      string `json:"status"`
	Objective   string `json:"objective"`
	DailyBudget string `json:"daily_budget"`
}

func (j campaignJSON) remote(currency string) (platforms.RemoteCampaign, error) {
	b, err := minorMicros(currency, "daily_budget", j.DailyBudget)
	return platforms.RemoteCampaign{ExternalID: j.ID, Name: j.Name, Status: Status(j.Status), Objective: j.Objective, DailyBudgetMicros: b}, err
}

// adSetJSON is an ad set node.
type adSetJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	CampaignID  string `json:"campaign_id"`
	Status      string `json:"status"`
	DailyBudget string `json:"daily_budget"`
	BidAmount   any    `json:"bid_amount"` // documented as an integer; tolerated as a string
}

func (j adSetJSON) remote(currency string) (platforms.RemoteAdGroup, error) {
	b, err := minorMicros(currency, "daily_budget", j.DailyBudget)
	if err != nil {
		return platforms.RemoteAdGroup{}, err
	}
	bid, err := minorMicros(currency, "bid_amount", numberString(j.BidAmount))
	return platforms.RemoteAdGroup{ExternalID: j.ID, CampaignExternalID: j.CampaignID, Name: j.Name, Status: Status(j.Status), DailyBudgetMicros: b, BidMicros: bid}, err
}

// numberString renders a JSON number or string field as its digits.
func numberString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64: // encoding/json's number; bid amounts are far below 2^53
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return ""
	}
}

// accountPath is the account node path, "act_<id>" (ExternalID may be
// given with or without the prefix).
func accountPath(acct platforms.Account) (string, error) {
	id := strings.TrimPrefix(acct.ExternalID, "act_")
	if id == "" || strings.ContainsAny(id, "/?#&") {
		return "", &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "bad_account", Message: fmt.Sprintf("%q is not a Meta ad account id", acct.ExternalID)}
	}
	return "act_" + id, nil
}

// nodePath checks an object id used as a path.
func nodePath(id string) (string, error) {
	if id == "" || strings.ContainsAny(id, "/?#&") {
		return "", &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "bad_id", Message: fmt.Sprintf("%q is not a Meta object id", id)}
	}
	return id, nil
}

// Structure pages through the account's campaigns, then ad sets, then ads.
func (c *Client) Structure(ctx context.Context, tok platforms.Token, acct platforms.Account, fn func(platforms.StructurePage) error) error {
	act, err := accountPath(acct)
	if err != nil {
		return err
	}
	err = list(ctx, act+"/campaigns", func(after string) (paging, int, error) {
		var page struct {
			Data   []campaignJSON `json:"data"`
			Paging paging         `json:"paging"`
		}
		if err := c.get(ctx, tok.AccessToken, act+"/campaigns", listQuery(campaignFields, after), &page); err != nil {
			return paging{}, 0, err
		}
		sp := platforms.StructurePage{Campaigns: make([]platforms.RemoteCampaign, 0, len(page.Data))}
		for _, j := range page.Data {
			rc, err := j.remote(acct.Currency)
			if err != nil {
				return paging{}, 0, err
			}
			sp.Campaigns = append(sp.Campaigns, rc)
		}
		return page.Paging, len(page.Data), emit(fn, sp)
	})
	if err != nil {
		return err
	}
	err = list(ctx, act+"/adsets", func(after string) (paging, int, error) {
		var page struct {
			Data   []adSetJSON `json:"data"`
			Paging paging      `json:"paging"`
		}
		if err := c.get(ctx, tok.AccessToken, act+"/adsets", listQuery(adSetFields, after), &page); err != nil {
			return paging{}, 0, err
		}
		sp := platforms.StructurePage{AdGroups: make([]platforms.RemoteAdGroup, 0, len(page.Data))}
		for _, j := range page.Data {
			rg, err := j.remote(acct.Currency)
			if err != nil {
				return paging{}, 0, err
			}
			sp.AdGroups = append(sp.AdGroups, rg)
		}
		return page.Paging, len(page.Data), emit(fn, sp)
	})
	if err != nil {
		return err
	}
	return list(ctx, act+"/ads", func(after string) (paging, int, error) {
		var page struct {
			Data []struct {
				ID      string `json:"id"`
				Name    string `json:"name"`
				AdSetID string `json:"adset_id"`
				Status  string `json:"status"`
			} `json:"data"`
			Paging paging `json:"paging"`
		}
		if err := c.get(ctx, tok.AccessToken, act+"/ads", listQuery(adFields, after), &page); err != nil {
			return paging{}, 0, err
		}
		sp := platforms.StructurePage{Ads: make([]platforms.RemoteAd, 0, len(page.Data))}
		for _, j := range page.Data {
			sp.Ads = append(sp.Ads, platforms.RemoteAd{ExternalID: j.ID, AdGroupExternalID: j.AdSetID, Name: j.Name, Status: Status(j.Status)})
		}
		return page.Paging, len(page.Data), emit(fn, sp)
	})
}

// emit calls fn with a non-empty page.
func emit(fn func(platforms.StructurePage) error, sp platforms.StructurePage) error {
	if len(sp.Campaigns)+len(sp.AdGroups)+len(sp.Ads) == 0 {
		return nil
	}
	return fn(sp)
}

// campaignAdSets lists GET /<campaign_id>/adsets.
func (c *Client) campaignAdSets(ctx context.Context, tok platforms.Token, acct platforms.Account, campaignID string) ([]platforms.RemoteAdGroup, error) {
	var out []platforms.RemoteAdGroup
	err := list(ctx, campaignID+"/adsets", func(after string) (paging, int, error) {
		var page struct {
			Data   []adSetJSON `json:"data"`
			Paging paging      `json:"paging"`
		}
		if err := c.get(ctx, tok.AccessToken, campaignID+"/adsets", listQuery(adSetFields, after), &page); err != nil {
			return paging{}, 0, err
		}
		for _, j := range page.Data {
			rg, err := j.remote(acct.Currency)
			if err != nil {
				return paging{}, 0, err
			}
			out = append(out, rg)
		}
		return page.Paging, len(page.Data), nil
	})
	return out, err
}

// Campaign reads GET /<campaign_id> (status, daily_budget) and the bids of
// its ad sets.
func (c *Client) Campaign(ctx context.Context, tok platforms.Token, acct platforms.Account, rc platforms.RemoteCampaign) (platforms.CampaignState, error) {
	id, err := nodePath(rc.ExternalID)
	if err != nil {
		return platforms.CampaignState{}, err
	}
	var j campaignJSON
	if err := c.get(ctx, tok.AccessToken, id, url.Values{"fields": {campaignFields}}, &j); err != nil {
		return platforms.CampaignState{}, err
	}
	cur, err := j.remote(acct.Currency)
	if err != nil {
		return platforms.CampaignState{}, err
	}
	sets, err := c.campaignAdSets(ctx, tok, acct, id)
	if err != nil {
		return platforms.CampaignState{}, err
	}
	st := platforms.CampaignState{Status: cur.Status, DailyBudgetMicros: cur.DailyBudgetMicros}
	for i, s := range sets {
		if i == 0 {
			st.BidMicros = s.BidMicros
		} else if s.BidMicros != st.BidMicros {
			st.BidMicros = 0
			break
		}
	}
	return st, nil
}
