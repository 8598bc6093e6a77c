package model

import (
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/relay"
)

// CampaignConnection is a page of campaigns; it keeps the filter the page
// was read with so that its totals field sums the same campaigns.
type CampaignConnection struct {
	Edges      []*CampaignEdge `json:"edges"`
	PageInfo   *relay.PageInfo `json:"pageInfo"`
	TotalCount int             `json:"totalCount"`
	// Query is the page's filter (not sent to clients).
	Query platforms.CampaignQuery `json:"-"`
}
