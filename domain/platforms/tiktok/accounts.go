package tiktok

// Advertisers a token can see, as documented:
//   - Get authorized advertisers: https://business-api.tiktok.com/portal/docs?id=1738455508553729
//     GET /open_api/v1.3/oauth2/advertiser/get/?app_id=…&secret=… (Access-Token)
//     → data {"list":[{"advertiser_id","advertiser_name"}]}
//   - Advertiser info (API for Business docs, "Get ad account details"):
//     GET /open_api/v1.3/advertiser/info/?advertiser_ids=[…]&fields=[…]
//     (at most 100 ids per call) → data {"list":[{"advertiser_id","name",
//     "currency","timezone","display_timezone","status"}]}

import (
	"context"
	"net/url"

	"github.com/stratumhq/stratum/domain/platforms"
)

// maxAdvertisers bounds the advertisers one grant lists.
const maxAdvertisers = 5000

// infoBatch is advertiser/info's documented maximum of ids per call.
const infoBatch = 100

// advertiserInfoFields are the advertiser/info fields Stratum reads.
var advertiserInfoFields = []string{"advertiser_id", "name", "currency", "timezone", "display_timezone", "status"}

type authorizedAdvertisers struct {
	List []struct {
		AdvertiserID   flexID `json:"advertiser_id"`
		AdvertiserName string `json:"advertiser_name"`
	} `json:"list"`
}

type advertiserInfo struct {
	List []struct {
		AdvertiserID    flexID `json:"advertiser_id"`
		Name            string `json:"name"`
		Currency        string `json:"currency"`
		Timezone        string `json:"timezone"`
		DisplayTimezone string `json:"display_timezone"`
		Status          string `json:"status"`
	} `json:"list"`
}

// Accounts lists the advertisers tok was authorized for, with their
// currency and time zone.
func (c *Client) Accounts(ctx context.Context, tok platforms.Token) ([]platforms.Account, error) {
	q := url.Values{}
	q.Set("app_id", c.e.ClientID)
	q.Set("secret", c.e.ClientSecret)
	var auth authorizedAdvertisers
	if err := c.get(ctx, tok.AccessToken, "oauth2/advertiser/get", q, &auth); err != nil {
		return nil, err
	}
	if len(auth.List) > maxAdvertisers {
		auth.List = auth.List[:maxAdvertisers]
	}
	ids := make([]string, 0, len(auth.List))
	names := make(map[string]string, len(auth.List))
	for _, a := range auth.List {
		ids = append(ids, string(a.AdvertiserID))
		names[string(a.AdvertiserID)] = a.AdvertiserName
	}
	accounts := make([]platforms.Account, 0, len(ids))
	for start := 0; start < len(ids); start += infoBatch {
		batch := ids[start:min(start+infoBatch, len(ids))]
		q := url.Values{}
		q.Set("advertiser_ids", jsonParam(batch))
		q.Set("fields", jsonParam(advertiserInfoFields))
		var info advertiserInfo
		if err := c.get(ctx, tok.AccessToken, "advertiser/info", q, &info); err != nil {
			return nil, err
		}
		for _, a := range info.List {
			acct := platforms.Account{
				ExternalID: string(a.AdvertiserID),
				Name:       a.Name,
				Currency:   a.Currency,
				TimeZone:   a.DisplayTimezone,
				Status:     a.Status,
			}
			if acct.Name == "" {
				acct.Name = names[acct.ExternalID]
			}
			if acct.TimeZone == "" {
				acct.TimeZone = a.Timezone
			}
			accounts = append(accounts, acct)
		}
	}
	return accounts, nil
}
