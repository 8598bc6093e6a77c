package snapchat

// Accounts and structure, per
// https://developers.snap.com/api/marketing-api/Ads-API/organizations
// (GET /v1/me/organizations), .../ad-accounts (GET
// /v1/organizations/{organization_id}/adaccounts: id, name, currency,
// timezone, status), .../campaigns (GET /v1/adaccounts/{id}/campaigns;
// status ACTIVE or PAUSED, daily_budget_micro, deleted with
// read_deleted_entities=true), .../ad-squads (GET
// /v1/adaccounts/{id}/adsquads and /v1/campaigns/{id}/adsquads; bid_micro,
// daily_budget_micro) and .../ads (GET /v1/adaccounts/{id}/ads).

import (
	"context"
	"net/url"

	"github.com/stratumhq/stratum/domain/platforms"
)

// maxAccounts bounds Accounts.
const maxAccounts = 10_000

type organization struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type adAccount struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Currency       string `json:"currency"`
	Timezone       string `json:"timezone"`
	Status         string `json:"status"`
	OrganizationID string `json:"organization_id"`
}

type campaign struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Status           string `json:"status"`
	Objective        string `json:"objective"`
	DailyBudgetMicro *int64 `json:"daily_budget_micro"`
	Deleted          bool   `json:"deleted"`
}

type adSquad struct {
	ID               string `json:"id"`
	CampaignID       string `json:"campaign_id"`
	Name             string `json:"name"`
	Status           string `json:"status"`
	BidMicro         *int64 `json:"bid_micro"`
	DailyBudgetMicro *int64 `json:"daily_budget_micro"`
	Deleted          bool   `json:"deleted"`
}

type ad struct {
	ID        string `json:"id"`
	AdSquadID string `json:"ad_squad_id"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Deleted   bool   `json:"deleted"`
}

// status maps Snap's entity status (ACTIVE, PAUSED; deleted entities carry
// deleted=true) to the contract's words.
func status(s string, deleted bool) string {
	switch {
	case deleted:
		return platforms.StatusArchived
	case s == "ACTIVE":
		return platforms.StatusActive
	case s == "PAUSED":
		return platforms.StatusPaused
	default:
		return platforms.StatusArchived
	}
}

func val(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// withDeleted asks for deleted entities too, so archived ones are seen.
func withDeleted() url.Values { return url.Values{"read_deleted_entities": {"true"}} }

// Accounts lists the ad accounts of every organization tok can see.
func (c *Client) Accounts(ctx context.Context, tok platforms.Token) ([]platforms.Account, error) {
	var orgs []organization
	err := listAll(ctx, c, tok, "/me/organizations", nil, "organizations", "organization", func(p []organization) error {
		orgs = append(orgs, p...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []platforms.Account
	for _, o := range orgs {
		err := listAll(ctx, c, tok, "/organizations/"+url.PathEscape(o.ID)+"/adaccounts", nil, "adaccounts", "adaccount", func(p []adAccount) error {
			for _, a := range p {
				if len(out) == maxAccounts {
					return c.permanent(0, "", "more ad accounts than the client reads")
				}
				out = append(out, platforms.Account{ExternalID: a.ID, Name: a.Name, Currency: a.Currency, TimeZone: a.Timezone, ParentID: o.ID, Status: a.Status})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Structure pages through acct's campaigns, then ad squads, then ads.
func (c *Client) Structure(ctx context.Context, tok platforms.Token, acct platforms.Account, fn func(platforms.StructurePage) error) error {
	base := "/adaccounts/" + url.PathEscape(acct.ExternalID)
	err := listAll(ctx, c, tok, base+"/campaigns", withDeleted(), "campaigns", "campaign", func(p []campaign) error {
		page := platforms.StructurePage{Campaigns: make([]platforms.RemoteCampaign, 0, len(p))}
		for _, x := range p {
			page.Campaigns = append(page.Campaigns, platforms.RemoteCampaign{
				ExternalID: x.ID, Name: x.Name, Status: status(x.Status, x.Deleted), Objective: x.Objective,
				DailyBudgetMicros: val(x.DailyBudgetMicro),
			})
		}
		return fn(page)
	})
	if err != nil {
		return err
	}
	err = listAll(ctx, c, tok, base+"/adsquads", withDeleted(), "adsquads", "adsquad", func(p []adSquad) error {
		page := platforms.StructurePage{AdGroups: make([]platforms.RemoteAdGroup, 0, len(p))}
		for _, x := range p {
			page.AdGroups = append(page.AdGroups, platforms.RemoteAdGroup{
				ExternalID: x.ID, CampaignExternalID: x.CampaignID, Name: x.Name, Status: status(x.Status, x.Deleted),
				DailyBudgetMicros: val(x.DailyBudgetMicro), BidMicros: val(x.BidMicro),
			})
		}
		return fn(page)
	})
	if err != nil {
		return err
	}
	return listAll(ctx, c, tok, base+"/ads", withDeleted(), "ads", "ad", func(p []ad) error {
		page := platforms.StructurePage{Ads: make([]platforms.RemoteAd, 0, len(p))}
		for _, x := range p {
			page.Ads = append(page.Ads, platforms.RemoteAd{ExternalID: x.ID, AdGroupExternalID: x.AdSquadID, Name: x.Name, Status: status(x.Status, x.Deleted)})
		}
		return fn(page)
	})
}
