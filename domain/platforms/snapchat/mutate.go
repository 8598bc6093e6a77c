package snapchat

// Reading one campaign back and changing it, per
// https://developers.snap.com/api/marketing-api/Ads-API/campaigns (GET
// /v1/campaigns/{id}; update: PUT /v1/adaccounts/{ad_account_id}/campaigns
// with {"campaigns":[<the full campaign>]}) and .../ad-squads (GET
// /v1/campaigns/{id}/adsquads; update: PUT /v1/campaigns/{campaign_id}/adsquads
// with {"adsquads":[<full ad squads>]}). Snap updates replace the entity, so
// the client reads the current object, changes one attribute and sends the
// whole object back. Snap takes no idempotency key: a mutation whose
// target value is already in place sends nothing, so a retried job never
// applies twice.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/stratumhq/stratum/domain/platforms"
)

// squadsPerUpdate bounds the ad squads sent in one PUT.
const squadsPerUpdate = 50

// readOnlyAttrs are returned by GET but are not part of an update.
var readOnlyAttrs = []string{"created_at", "updated_at", "delivery_status", "deleted", "created_by_app_id", "created_by_user", "last_updated_by_app_id", "last_updated_by_user"}

// object is an entity as Snap returned it, attribute by attribute.
type object map[string]json.RawMessage

func (o object) str(k string) string {
	var s string
	_ = json.Unmarshal(o[k], &s)
	return s
}

// micro reads an integer micro-currency attribute (false when unset).
func (o object) micro(k string) (int64, bool) {
	raw, ok := o[k]
	if !ok || string(raw) == "null" {
		return 0, false
	}
	var v int64
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, false
	}
	return v, true
}

func (o object) deleted() bool {
	var d bool
	_ = json.Unmarshal(o["deleted"], &d)
	return d
}

func (o object) set(k string, v any) {
	b, _ := json.Marshal(v)
	o[k] = b
}

// forUpdate is o without its read-only attributes.
func (o object) forUpdate() object {
	out := make(object, len(o))
	for k, v := range o {
		out[k] = v
	}
	for _, k := range readOnlyAttrs {
		delete(out, k)
	}
	return out
}

// getCampaign reads one campaign object (deleted ones included).
func (c *Client) getCampaign(ctx context.Context, tok platforms.Token, id string) (object, error) {
	var body struct {
		Campaigns json.RawMessage `json:"campaigns"`
	}
	u := c.apiRoot() + "/campaigns/" + url.PathEscape(id) + "?" + withDeleted().Encode()
	if err := c.call(ctx, tok, http.MethodGet, u, nil, &body); err != nil {
		return nil, err
	}
	items, err := unwrap[object](body.Campaigns, "campaign")
	if err != nil || len(items) != 1 {
		return nil, c.permanent(http.StatusOK, "", "malformed campaign response")
	}
	return items[0], nil
}

// squads lists a campaign's ad squads (deleted ones excluded).
func (c *Client) squads(ctx context.Context, tok platforms.Token, campaignID string) ([]object, error) {
	var out []object
	err := listAll(ctx, c, tok, "/campaigns/"+url.PathEscape(campaignID)+"/adsquads", nil, "adsquads", "adsquad", func(p []object) error {
		for _, o := range p {
			if !o.deleted() {
				out = append(out, o)
			}
		}
		return nil
	})
	return out, err
}

// Campaign reads c's status, daily budget and shared ad squad bid.
func (c *Client) Campaign(ctx context.Context, tok platforms.Token, acct platforms.Account, rc platforms.RemoteCampaign) (platforms.CampaignState, error) {
	obj, err := c.getCampaign(ctx, tok, rc.ExternalID)
	if err != nil {
		return platforms.CampaignState{}, err
	}
	budget, _ := obj.micro("daily_budget_micro")
	st := platforms.CampaignState{Status: status(obj.str("status"), obj.deleted()), DailyBudgetMicros: budget}
	if st.Status == platforms.StatusArchived {
		return st, nil
	}
	squads, err := c.squads(ctx, tok, rc.ExternalID)
	if err != nil {
		return platforms.CampaignState{}, err
	}
	for i, sq := range squads {
		bid, _ := sq.micro("bid_micro")
		switch {
		case i == 0:
			st.BidMicros = bid
		case bid != st.BidMicros:
			st.BidMicros = 0
			return st, nil
		}
	}
	return st, nil
}

// Mutate applies m to the campaign (bids on every ad squad of it).
func (c *Client) Mutate(ctx context.Context, tok platforms.Token, acct platforms.Account, m platforms.Mutation) error {
	switch m.Kind {
	case platforms.MutatePause:
		return c.setCampaign(ctx, tok, acct, m.Campaign.ExternalID, "status", "PAUSED")
	case platforms.MutateResume:
		return c.setCampaign(ctx, tok, acct, m.Campaign.ExternalID, "status", "ACTIVE")
	case platforms.MutateUpdateBudget:
		if m.BudgetMicros <= 0 {
			return c.permanent(0, "", "update_budget needs a positive daily budget")
		}
		return c.setCampaign(ctx, tok, acct, m.Campaign.ExternalID, "daily_budget_micro", m.BudgetMicros)
	case platforms.MutateUpdateBid:
		if m.BidMicros <= 0 {
			return c.permanent(0, "", "update_bid needs a positive bid")
		}
		return c.setBids(ctx, tok, m.Campaign.ExternalID, m.BidMicros)
	default:
		return c.permanent(0, "", fmt.Sprintf("mutation %q is not supported", m.Kind))
	}
}

// setCampaign sets one attribute of a campaign, sending nothing when it
// already has the value.
func (c *Client) setCampaign(ctx context.Context, tok platforms.Token, acct platforms.Account, id, attr string, value any) error {
	obj, err := c.getCampaign(ctx, tok, id)
	if err != nil {
		return err
	}
	if obj.deleted() {
		return c.permanent(http.StatusOK, "", "the campaign was deleted on Snapchat")
	}
	if want, _ := json.Marshal(value); string(obj[attr]) == string(want) {
		return nil
	}
	upd := obj.forUpdate()
	upd.set(attr, value)
	if upd.str("ad_account_id") == "" {
		upd.set("ad_account_id", acct.ExternalID)
	}
	var resp struct {
		Campaigns json.RawMessage `json:"campaigns"`
	}
	u := c.apiRoot() + "/adaccounts/" + url.PathEscape(acct.ExternalID) + "/campaigns"
	if err := c.call(ctx, tok, http.MethodPut, u, map[string][]object{"campaigns": {upd}}, &resp); err != nil {
		return err
	}
	if _, err := unwrap[object](resp.Campaigns, "campaign"); err != nil {
		return c.permanent(http.StatusOK, "", "campaign update refused: "+err.Error())
	}
	return nil
}

// setBids sets bid_micro on every ad squad of the campaign that has
// another bid.
func (c *Client) setBids(ctx context.Context, tok platforms.Token, campaignID string, bid int64) error {
	squads, err := c.squads(ctx, tok, campaignID)
	if err != nil {
		return err
	}
	var todo []object
	for _, sq := range squads {
		if cur, ok := sq.micro("bid_micro"); ok && cur == bid {
			continue
		}
		upd := sq.forUpdate()
		upd.set("bid_micro", bid)
		todo = append(todo, upd)
	}
	u := c.apiRoot() + "/campaigns/" + url.PathEscape(campaignID) + "/adsquads"
	for len(todo) > 0 {
		n := min(len(todo), squadsPerUpdate)
		var resp struct {
			AdSquads json.RawMessage `json:"adsquads"`
		}
		if err := c.call(ctx, tok, http.MethodPut, u, map[string][]object{"adsquads": todo[:n]}, &resp); err != nil {
			return err
		}
		if _, err := unwrap[object](resp.AdSquads, "adsquad"); err != nil {
			return c.permanent(http.StatusOK, "", "ad squad update refused: "+err.Error())
		}
		todo = todo[n:]
	}
	return nil
}
