package tiktok

// Changes Stratum applies, as documented:
//   - Campaign status update: https://business-api.tiktok.com/portal/docs?id=1739320994354178
//     POST /open_api/v1.3/campaign/status/update/
//     {"advertiser_id","campaign_ids":[…] (1–20),"operation_status":"ENABLE"|"DISABLE"|"DELETE"}
//   - Campaign update: https://business-api.tiktok.com/portal/docs?id=1739320422086657
//     POST /open_api/v1.3/campaign/update/ {"advertiser_id","campaign_id","budget"}
//   - Ad group update: https://business-api.tiktok.com/portal/docs?id=1739586761631745
//     POST /open_api/v1.3/adgroup/update/ {"advertiser_id","adgroup_id","bid_price"}
//
// budget and bid_price are JSON numbers in the advertiser's currency with
// at most the currency's decimals (2 for USD, 0 for JPY). None of these
// endpoints takes an idempotency key: setting a status, budget or bid is
// idempotent by nature, and the executor reads the campaign back
// (Campaign) before retrying.

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/money"
)

// amount writes micros as the JSON number TikTok takes: rounded (half away
// from zero) to the currency's minor unit, never through a float.
func amount(currency string, micros int64) json.Number {
	exact := money.MinorToMicros(currency, money.MicrosToMinor(currency, micros))
	return json.Number(money.FormatMicros(currency, exact))
}

type statusUpdate struct {
	AdvertiserID    string   `json:"advertiser_id"`
	CampaignIDs     []string `json:"campaign_ids"`
	OperationStatus string   `json:"operation_status"`
}

type campaignUpdate struct {
	AdvertiserID string      `json:"advertiser_id"`
	CampaignID   string      `json:"campaign_id"`
	Budget       json.Number `json:"budget"`
}

type adGroupUpdate struct {
	AdvertiserID string      `json:"advertiser_id"`
	AdgroupID    string      `json:"adgroup_id"`
	BidPrice     json.Number `json:"bid_price"`
}

func refuse(format string, args ...any) error {
	return &platforms.APIError{Platform: platforms.TikTok, Kind: platforms.ErrorPermanent, Code: "INVALID_MUTATION", Message: fmt.Sprintf(format, args...)}
}

// Mutate applies m to the campaign m.Campaign.ExternalID of acct.
func (c *Client) Mutate(ctx context.Context, tok platforms.Token, acct platforms.Account, m platforms.Mutation) error {
	id := m.Campaign.ExternalID
	if id == "" {
		return refuse("the mutation names no campaign")
	}
	switch m.Kind {
	case platforms.MutatePause, platforms.MutateResume:
		op := "DISABLE"
		if m.Kind == platforms.MutateResume {
			op = "ENABLE"
		}
		return c.post(ctx, tok.AccessToken, "campaign/status/update", statusUpdate{AdvertiserID: acct.ExternalID, CampaignIDs: []string{id}, OperationStatus: op}, nil)
	case platforms.MutateUpdateBudget:
		if money.MicrosToMinor(acct.Currency, m.BudgetMicros) <= 0 {
			return refuse("a daily budget must be positive")
		}
		return c.post(ctx, tok.AccessToken, "campaign/update", campaignUpdate{AdvertiserID: acct.ExternalID, CampaignID: id, Budget: amount(acct.Currency, m.BudgetMicros)}, nil)
	case platforms.MutateUpdateBid:
		return c.updateBids(ctx, tok, acct, id, m.BidMicros)
	default:
		return refuse("TikTok cannot apply %q", m.Kind)
	}
}

// updateBids sets bid_price on every live ad group of the campaign that
// does not have it already (so a retry only touches what is left).
func (c *Client) updateBids(ctx context.Context, tok platforms.Token, acct platforms.Account, campaignID string, bidMicros int64) error {
	if money.MicrosToMinor(acct.Currency, bidMicros) <= 0 {
		return refuse("a bid must be positive")
	}
	groups, err := c.campaignAdGroups(ctx, tok, acct, campaignID)
	if err != nil {
		return err
	}
	want := amount(acct.Currency, bidMicros)
	wantMicros, _ := money.ParseMicros(want.String())
	live := 0
	for _, g := range groups {
		rg, err := g.remote()
		if err != nil {
			return err
		}
		if rg.Status == platforms.StatusArchived {
			continue
		}
		live++
		if rg.BidMicros == wantMicros {
			continue
		}
		body := adGroupUpdate{AdvertiserID: acct.ExternalID, AdgroupID: rg.ExternalID, BidPrice: want}
		if err := c.post(ctx, tok.AccessToken, "adgroup/update", body, nil); err != nil {
			return err
		}
	}
	if live == 0 {
		return refuse("campaign %s has no ad group to set a bid on", campaignID)
	}
	return nil
}
