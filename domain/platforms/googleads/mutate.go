package googleads

// Mutations:
//   https://developers.google.com/google-ads/api/rest/common/mutate
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.campaigns/mutate
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.campaignBudgets/mutate
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.adGroups/mutate
//   https://developers.google.com/google-ads/api/reference/rpc/latest/CampaignOperation (update + update_mask)
//   https://developers.google.com/google-ads/api/reference/rpc/latest/CampaignBudget (amount_micros)
//   https://developers.google.com/google-ads/api/reference/rpc/latest/CampaignBudgetErrorEnum.CampaignBudgetError
//     (NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT: amounts are whole minor units)
//   https://protobuf.dev/reference/protobuf/google.protobuf/#field-mask (JSON FieldMask: comma-separated lowerCamelCase paths)
//
// Google Ads mutates take no idempotency key; every mutation here sets an
// absolute value (status, amount, bid), so repeating one is harmless, and
// the executor reads the campaign back (Campaign) before retrying.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/money"
)

// operation is one update operation of a *:mutate request.
type operation struct {
	UpdateMask string         `json:"updateMask"`
	Update     map[string]any `json:"update"`
}

type mutateRequest struct {
	Operations []operation `json:"operations"`
}

// Mutate applies m to acct's campaign m.Campaign.ExternalID: pause/resume
// through campaigns:mutate (status PAUSED/ENABLED), update_budget through
// campaignBudgets:mutate (the campaign's budget, read first when BudgetID
// is unknown), update_bid through adGroups:mutate on every non-removed ad
// group of the campaign. Amounts are rounded to the currency's minor unit
// (half away from zero), as Google refuses finer amounts.
func (c *Client) Mutate(ctx context.Context, tok platforms.Token, acct platforms.Account, m platforms.Mutation) error {
	cid, err := customerID(acct.ExternalID)
	if err != nil {
		return err
	}
	camp, err := customerID(m.Campaign.ExternalID)
	if err != nil {
		return err
	}
	lid, err := login(acct)
	if err != nil {
		return err
	}
	switch m.Kind {
	case platforms.MutatePause, platforms.MutateResume:
		st := "PAUSED"
		if m.Kind == platforms.MutateResume {
			st = "ENABLED"
		}
		op := operation{UpdateMask: "status", Update: map[string]any{"resourceName": "customers/" + cid + "/campaigns/" + camp, "status": st}}
		return c.mutate(ctx, tok, cid, lid, "campaigns", []operation{op})
	case platforms.MutateUpdateBudget:
		return c.updateBudget(ctx, tok, acct, cid, lid, m)
	case platforms.MutateUpdateBid:
		return c.updateBid(ctx, tok, acct, cid, lid, camp, m)
	default:
		return permanent("UNSUPPORTED_MUTATION", fmt.Sprintf("mutation %q is not supported on Google Ads", m.Kind))
	}
}

func (c *Client) updateBudget(ctx context.Context, tok platforms.Token, acct platforms.Account, cid, lid string, m platforms.Mutation) error {
	amount := roundToUnit(acct.Currency, m.BudgetMicros)
	if amount <= 0 {
		return permanent("INVALID_BUDGET", "the budget must be at least one minor unit of the account's currency")
	}
	budget := m.Campaign.BudgetID
	if budget == "" {
		rc, err := c.readCampaign(ctx, tok, acct, m.Campaign.ExternalID)
		if err != nil {
			return err
		}
		budget = rc.BudgetID
		if budget == "" {
			return permanent("NO_BUDGET", "the campaign has no campaign budget")
		}
	}
	bid, err := customerID(budget)
	if err != nil {
		return err
	}
	op := operation{UpdateMask: "amountMicros", Update: map[string]any{
		"resourceName": "customers/" + cid + "/campaignBudgets/" + bid,
		"amountMicros": strconv.FormatInt(amount, 10),
	}}
	return c.mutate(ctx, tok, cid, lid, "campaignBudgets", []operation{op})
}

func (c *Client) updateBid(ctx context.Context, tok platforms.Token, acct platforms.Account, cid, lid, camp string, m platforms.Mutation) error {
	bid := roundToUnit(acct.Currency, m.BidMicros)
	if bid <= 0 {
		return permanent("INVALID_BID", "the bid must be at least one minor unit of the account's currency")
	}
	groups, err := c.adGroups(ctx, tok, acct, camp)
	if err != nil {
		return err
	}
	if len(groups) == 0 {
		return permanent("NO_AD_GROUPS", "the campaign has no ad groups to set a bid on")
	}
	ops := make([]operation, 0, len(groups))
	for _, g := range groups {
		ops = append(ops, operation{UpdateMask: "cpcBidMicros", Update: map[string]any{
			"resourceName": "customers/" + cid + "/adGroups/" + g.ExternalID,
			"cpcBidMicros": strconv.FormatInt(bid, 10),
		}})
	}
	for len(ops) > 0 {
		n := min(len(ops), maxOpsPerRequest)
		if err := c.mutate(ctx, tok, cid, lid, "adGroups", ops[:n]); err != nil {
			return err
		}
		ops = ops[n:]
	}
	return nil
}

// mutate POSTs ops to customers/{cid}/{service}:mutate.
func (c *Client) mutate(ctx context.Context, tok platforms.Token, cid, lid, service string, ops []operation) error {
	resp, err := c.call(ctx, tok, http.MethodPost, "customers/"+cid+"/"+service+":mutate", lid, mutateRequest{Operations: ops})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBodyBytes))
	return nil
}

// roundToUnit rounds micros to whole minor units of currency.
func roundToUnit(currency string, micros int64) int64 {
	return money.MinorToMicros(currency, money.MicrosToMinor(currency, micros))
}
