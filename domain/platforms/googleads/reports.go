package googleads

// Reads, all GAQL through googleAds:searchStream:
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers/listAccessibleCustomers
//   https://developers.google.com/google-ads/api/docs/account-management/listing-accounts (customer_client under a manager)
//   https://developers.google.com/google-ads/api/docs/query/overview (GAQL grammar)
//   https://developers.google.com/google-ads/api/docs/reporting/segmentation (segments.date needs a finite date range)
//   https://developers.google.com/google-ads/api/reference/rpc/latest/CampaignStatusEnum.CampaignStatus
//   https://developers.google.com/google-ads/api/reference/rpc/latest/AdGroupStatusEnum.AdGroupStatus
//   https://developers.google.com/google-ads/api/reference/rpc/latest/AdGroupAdStatusEnum.AdGroupAdStatus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// GAQL queries (the fake validates every field name).
const (
	qCustomer = "SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone, customer.manager, customer.status FROM customer"
	qClients  = "SELECT customer_client.client_customer, customer_client.id, customer_client.descriptive_name, customer_client.currency_code, customer_client.time_zone, customer_client.manager, customer_client.status, customer_client.level FROM customer_client WHERE customer_client.manager = false"
	qCampaign = "SELECT campaign.id, campaign.name, campaign.status, campaign.advertising_channel_type, campaign.campaign_budget, campaign_budget.amount_micros FROM campaign"
	qAdGroups = "SELECT ad_group.id, ad_group.name, ad_group.status, ad_group.cpc_bid_micros, ad_group.campaign FROM ad_group"
	qAds      = "SELECT ad_group_ad.ad.id, ad_group_ad.ad.name, ad_group_ad.status, ad_group_ad.ad_group FROM ad_group_ad"
	qInsights = "SELECT campaign.id, segments.date, metrics.cost_micros, metrics.impressions, metrics.clicks, metrics.conversions, metrics.conversions_value FROM campaign WHERE segments.date BETWEEN '%s' AND '%s'"
)

// status maps Google's ENABLED / PAUSED / REMOVED (the same words for
// campaigns, ad groups and ads) to the contract's; UNKNOWN and UNSPECIFIED
// count as paused (not delivering).
func status(s string) string {
	switch s {
	case "ENABLED":
		return platforms.StatusActive
	case "REMOVED":
		return platforms.StatusArchived
	default:
		return platforms.StatusPaused
	}
}

// Accounts lists the customers tok reaches: each accessible customer that
// is not a manager, and each non-manager client below an accessible manager
// (ParentID: the manager, sent as login-customer-id). A customer reachable
// both ways is listed once, directly. Customers Google refuses to describe
// (e.g. cancelled ones, a PERMANENT error) are skipped.
func (c *Client) Accounts(ctx context.Context, tok platforms.Token) ([]platforms.Account, error) {
	ids, err := c.accessible(ctx, tok)
	if err != nil {
		return nil, err
	}
	var direct, managers []platforms.Account
	for _, id := range ids {
		var cust *customerRow
		err := c.searchStream(ctx, tok, id, "", qCustomer, func(rows []row) error {
			for _, r := range rows {
				if r.Customer != nil {
					cust = r.Customer
				}
			}
			return nil
		})
		if platforms.ErrorKindOf(err) == platforms.ErrorPermanent && err != nil {
			continue
		}
		if err != nil {
			return nil, err
		}
		if cust == nil {
			continue
		}
		a := platforms.Account{ExternalID: id, Name: cust.DescriptiveName, Currency: cust.CurrencyCode, TimeZone: cust.TimeZone, Status: cust.Status}
		if cust.Manager {
			managers = append(managers, a)
		} else {
			direct = append(direct, a)
		}
	}
	seen := map[string]bool{}
	for _, a := range direct {
		seen[a.ExternalID] = true
	}
	for _, m := range managers {
		err := c.searchStream(ctx, tok, m.ExternalID, m.ExternalID, qClients, func(rows []row) error {
			for _, r := range rows {
				cc := r.CustomerClient
				if cc == nil || cc.Manager {
					continue
				}
				id := cc.ID.String()
				if cc.ID == 0 {
					id = lastSegment(cc.ClientCustomer)
				}
				if seen[id] {
					continue
				}
				if len(seen) >= maxCustomers {
					return permanent("TOO_MANY_CUSTOMERS", fmt.Sprintf("more than %d customers", maxCustomers))
				}
				seen[id] = true
				direct = append(direct, platforms.Account{ExternalID: id, Name: cc.DescriptiveName, Currency: cc.CurrencyCode, TimeZone: cc.TimeZone, ParentID: m.ExternalID, Status: cc.Status})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return direct, nil
}

// accessible calls customers:listAccessibleCustomers.
func (c *Client) accessible(ctx context.Context, tok platforms.Token) ([]string, error) {
	resp, err := c.call(ctx, tok, http.MethodGet, "customers:listAccessibleCustomers", "", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		ResourceNames []string `json:"resourceNames"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBodyBytes)).Decode(&out); err != nil {
		return nil, malformed("listAccessibleCustomers response", err)
	}
	if len(out.ResourceNames) > maxCustomers {
		return nil, permanent("TOO_MANY_CUSTOMERS", fmt.Sprintf("more than %d accessible customers", maxCustomers))
	}
	ids := make([]string, 0, len(out.ResourceNames))
	for _, rn := range out.ResourceNames {
		id, err := customerID(strings.TrimPrefix(rn, "customers/"))
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Structure streams acct's campaigns (with their budgets), then ad groups,
// then ads, one StructurePage per searchStream batch.
func (c *Client) Structure(ctx context.Context, tok platforms.Token, acct platforms.Account, fn func(platforms.StructurePage) error) error {
	cid, err := customerID(acct.ExternalID)
	if err != nil {
		return err
	}
	lid, err := login(acct)
	if err != nil {
		return err
	}
	if err := c.searchStream(ctx, tok, cid, lid, qCampaign, func(rows []row) error {
		p := platforms.StructurePage{Campaigns: make([]platforms.RemoteCampaign, 0, len(rows))}
		for _, r := range rows {
			if r.Campaign != nil {
				p.Campaigns = append(p.Campaigns, remoteCampaign(r))
			}
		}
		return fn(p)
	}); err != nil {
		return err
	}
	if err := c.searchStream(ctx, tok, cid, lid, qAdGroups, func(rows []row) error {
		p := platforms.StructurePage{AdGroups: make([]platforms.RemoteAdGroup, 0, len(rows))}
		for _, r := range rows {
			if g := r.AdGroup; g != nil {
				p.AdGroups = append(p.AdGroups, platforms.RemoteAdGroup{ExternalID: g.ID.String(), CampaignExternalID: lastSegment(g.Campaign), Name: g.Name, Status: status(g.Status), BidMicros: int64(g.CpcBidMicros)})
			}
		}
		return fn(p)
	}); err != nil {
		return err
	}
	return c.searchStream(ctx, tok, cid, lid, qAds, func(rows []row) error {
		p := platforms.StructurePage{Ads: make([]platforms.RemoteAd, 0, len(rows))}
		for _, r := range rows {
			if a := r.AdGroupAd; a != nil {
				p.Ads = append(p.Ads, platforms.RemoteAd{ExternalID: a.Ad.ID.String(), AdGroupExternalID: lastSegment(a.AdGroup), Name: a.Ad.Name, Status: status(a.Status)})
			}
		}
		return fn(p)
	})
}

func remoteCampaign(r row) platforms.RemoteCampaign {
	rc := platforms.RemoteCampaign{ExternalID: r.Campaign.ID.String(), Name: r.Campaign.Name, Status: status(r.Campaign.Status), Objective: r.Campaign.AdvertisingChannelType}
	if r.Campaign.CampaignBudget != "" {
		rc.BudgetID = lastSegment(r.Campaign.CampaignBudget)
	}
	if r.CampaignBudget != nil {
		rc.DailyBudgetMicros = int64(r.CampaignBudget.AmountMicros)
	}
	return rc
}

// Insights streams acct's daily campaign metrics for [from, to] (dates in
// the customer's time zone, as segments.date is), one callback per batch.
// Google omits campaign-days without metrics.
func (c *Client) Insights(ctx context.Context, tok platforms.Token, acct platforms.Account, from, to string, fn func([]platforms.Insight) error) error {
	for _, d := range []string{from, to} {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return permanent("INVALID_DATE", fmt.Sprintf("%q is not a YYYY-MM-DD date", d))
		}
	}
	if to < from {
		return permanent("INVALID_DATE", "the date range ends before it starts")
	}
	cid, err := customerID(acct.ExternalID)
	if err != nil {
		return err
	}
	lid, err := login(acct)
	if err != nil {
		return err
	}
	return c.searchStream(ctx, tok, cid, lid, fmt.Sprintf(qInsights, from, to), func(rows []row) error {
		out := make([]platforms.Insight, 0, len(rows))
		for _, r := range rows {
			if r.Campaign == nil || r.Segments == nil || r.Metrics == nil {
				continue
			}
			in, err := insight(r)
			if err != nil {
				return err
			}
			out = append(out, in)
		}
		return fn(out)
	})
}

func insight(r row) (platforms.Insight, error) {
	m := r.Metrics
	value, err := decimalMicros(m.ConversionsValue)
	if err != nil {
		return platforms.Insight{}, malformed("metrics.conversions_value", err)
	}
	conv, err := number(m.Conversions)
	if err != nil {
		return platforms.Insight{}, malformed("metrics.conversions", err)
	}
	return platforms.Insight{
		CampaignExternalID: r.Campaign.ID.String(), Day: r.Segments.Date,
		SpendMicros: int64(m.CostMicros), Impressions: int64(m.Impressions), Clicks: int64(m.Clicks),
		Conversions: conv, ConversionValueMicros: value,
	}, nil
}

// Campaign reads one campaign's status and budget, and its ad groups' bid
// (when all non-removed ad groups share one).
func (c *Client) Campaign(ctx context.Context, tok platforms.Token, acct platforms.Account, rc platforms.RemoteCampaign) (platforms.CampaignState, error) {
	got, err := c.readCampaign(ctx, tok, acct, rc.ExternalID)
	if err != nil {
		return platforms.CampaignState{}, err
	}
	groups, err := c.adGroups(ctx, tok, acct, rc.ExternalID)
	if err != nil {
		return platforms.CampaignState{}, err
	}
	st := platforms.CampaignState{Status: got.Status, DailyBudgetMicros: got.DailyBudgetMicros}
	for i, g := range groups {
		if i == 0 {
			st.BidMicros = g.BidMicros
		} else if g.BidMicros != st.BidMicros {
			st.BidMicros = 0
			break
		}
	}
	return st, nil
}

// readCampaign reads campaign id with its budget.
func (c *Client) readCampaign(ctx context.Context, tok platforms.Token, acct platforms.Account, id string) (platforms.RemoteCampaign, error) {
	cid, err := customerID(acct.ExternalID)
	if err != nil {
		return platforms.RemoteCampaign{}, err
	}
	camp, err := customerID(id)
	if err != nil {
		return platforms.RemoteCampaign{}, err
	}
	lid, err := login(acct)
	if err != nil {
		return platforms.RemoteCampaign{}, err
	}
	var out *platforms.RemoteCampaign
	err = c.searchStream(ctx, tok, cid, lid, qCampaign+" WHERE campaign.id = "+camp, func(rows []row) error {
		for _, r := range rows {
			if r.Campaign != nil {
				rc := remoteCampaign(r)
				out = &rc
			}
		}
		return nil
	})
	if err != nil {
		return platforms.RemoteCampaign{}, err
	}
	if out == nil {
		return platforms.RemoteCampaign{}, permanent("NOT_FOUND", fmt.Sprintf("campaign %s not found in customer %s", camp, cid))
	}
	return *out, nil
}

// adGroups lists the campaign's ad groups that are not removed.
func (c *Client) adGroups(ctx context.Context, tok platforms.Token, acct platforms.Account, campaignID string) ([]platforms.RemoteAdGroup, error) {
	cid, err := customerID(acct.ExternalID)
	if err != nil {
		return nil, err
	}
	camp, err := customerID(campaignID)
	if err != nil {
		return nil, err
	}
	lid, err := login(acct)
	if err != nil {
		return nil, err
	}
	var out []platforms.RemoteAdGroup
	q := qAdGroups + " WHERE campaign.id = " + camp + " AND ad_group.status != 'REMOVED'"
	err = c.searchStream(ctx, tok, cid, lid, q, func(rows []row) error {
		for _, r := range rows {
			if g := r.AdGroup; g != nil {
				out = append(out, platforms.RemoteAdGroup{ExternalID: g.ID.String(), CampaignExternalID: camp, Name: g.Name, Status: status(g.Status), BidMicros: int64(g.CpcBidMicros)})
			}
		}
		return nil
	})
	return out, err
}
