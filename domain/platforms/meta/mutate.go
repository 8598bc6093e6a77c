package meta

// Campaign and ad set updates.
// https://developers.facebook.com/docs/marketing-api/reference/ad-campaign-group/#Updating
// https://developers.facebook.com/docs/marketing-api/reference/ad-campaign/#Updating
// https://developers.facebook.com/docs/marketing-api/bidding/overview

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/money"
)

// Mutate applies m: pause/resume POST /<campaign_id> status=PAUSED|ACTIVE,
// update_budget POST /<campaign_id> daily_budget=<minor units>, update_bid
// POST /<adset_id> bid_amount=<minor units> for every ad set of the
// campaign. Meta takes no idempotency key; every update sets an absolute
// value, so applying it twice leaves the same state.
func (c *Client) Mutate(ctx context.Context, tok platforms.Token, acct platforms.Account, m platforms.Mutation) error {
	id, err := nodePath(m.Campaign.ExternalID)
	if err != nil {
		return err
	}
	switch m.Kind {
	case platforms.MutatePause:
		return c.update(ctx, tok, id, url.Values{"status": {"PAUSED"}})
	case platforms.MutateResume:
		return c.update(ctx, tok, id, url.Values{"status": {"ACTIVE"}})
	case platforms.MutateUpdateBudget:
		minor, err := positiveMinor(acct.Currency, "budget", m.BudgetMicros)
		if err != nil {
			return err
		}
		return c.update(ctx, tok, id, url.Values{"daily_budget": {minor}})
	case platforms.MutateUpdateBid:
		minor, err := positiveMinor(acct.Currency, "bid", m.BidMicros)
		if err != nil {
			return err
		}
		sets, err := c.campaignAdSets(ctx, tok, acct, id)
		if err != nil {
			return err
		}
		if len(sets) == 0 {
			return &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "no_ad_sets", Message: fmt.Sprintf("campaign %s has no ad sets to bid on", id)}
		}
		for _, s := range sets {
			sid, err := nodePath(s.ExternalID)
			if err != nil {
				return err
			}
			if err := c.update(ctx, tok, sid, url.Values{"bid_amount": {minor}}); err != nil {
				return err
			}
		}
		return nil
	default:
		return &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "unsupported_mutation", Message: fmt.Sprintf("mutation %q is not supported", m.Kind)}
	}
}

// positiveMinor converts micros to the currency's minor unit, refusing
// amounts that round to nothing.
func positiveMinor(currency, what string, micros int64) (string, error) {
	minor := money.MicrosToMinor(currency, micros)
	if minor <= 0 {
		return "", &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "bad_amount", Message: fmt.Sprintf("the %s %s %s is not a positive amount in the currency's minor unit", what, money.FormatMicros(currency, micros), currency)}
	}
	return strconv.FormatInt(minor, 10), nil
}

// update POSTs form to /<id>; Meta answers {"success": true}.
func (c *Client) update(ctx context.Context, tok platforms.Token, id string, form url.Values) error {
	var res struct {
		Success bool `json:"success"`
	}
	if err := c.post(ctx, tok.AccessToken, id, form, &res); err != nil {
		return err
	}
	if !res.Success {
		return &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorPermanent, Code: "not_applied", Message: fmt.Sprintf("updating %s did not report success", id)}
	}
	return nil
}
