package platforms

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/relay"
)

// CampaignPage pages tenant's stored campaigns (of platform, when not
// empty), newest first.
func (s *Service) CampaignPage(ctx context.Context, tenant uuid.UUID, platform string, args relay.Args) (page *relay.Page[Campaign], err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*Campaign)(nil))
		if platform != "" {
			q = q.Where("c.platform = ?", platform)
		}
		page, err = relay.Paginate(ctx, q, args, "c.created_at", "c.id",
			func(c *Campaign) relay.Cursor { return relay.Cursor{At: c.CreatedAt, ID: c.ID} })
		return err
	})
	return page, err
}

// CampaignsByID returns tenant's campaigns with the given ids, by id
// (missing ones are absent).
func (s *Service) CampaignsByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Campaign, error) {
	cs, err := s.Campaigns(ctx, tenant, CampaignFilter{CampaignIDs: ids})
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]*Campaign, len(cs))
	for i := range cs {
		out[cs[i].ID] = &cs[i]
	}
	return out, nil
}
