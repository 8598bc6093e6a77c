package platforms

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/money"
	"github.com/stratumhq/stratum/internal/relay"
)

// CampaignPage pages tenant's stored campaigns (of platform, when not
// empty), newest first.
func (s *Service) CampaignPage(ctx context.Context, tenant uuid.UUID, platform string, args relay.Args) (page *relay.Page[Campaign], err error) {
	defer derrors.Wrap(&err, "platforms.Service.CampaignPage(%v)", tenant)
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

// ActiveDailyBudgetTx returns the sum of the daily budgets of the tenant's
// active campaigns, in the caller's tenant transaction (the trust gate reads
// it with the rest of its inputs in one transaction).
func ActiveDailyBudgetTx(ctx context.Context, tx bun.IDB) (_ float64, err error) {
	defer derrors.Wrap(&err, "platforms.ActiveDailyBudgetTx")
	var total int64
	if err := tx.NewSelect().Model((*Campaign)(nil)).ColumnExpr("COALESCE(sum(daily_budget_micros), 0)").
		Where("status = ?", CampaignActive).Scan(ctx, &total); err != nil {
		return 0, err
	}
	return money.Float(total), nil
}

// ReturnTx returns campaign's spend and revenue over the last days days
// (today included; days are UTC dates and today is the transaction's,
// db.TxNow), in the caller's tenant transaction (whose fn context ctx is);
// the trust gate computes the campaign's ROAS from them.
func ReturnTx(ctx context.Context, tx bun.IDB, campaign uuid.UUID, days int) (spend, revenue float64, err error) {
	defer derrors.Wrap(&err, "platforms.ReturnTx(%v, %d)", campaign, days)
	today := db.TxNow(ctx).Format(time.DateOnly)
	var spendMicros, revenueMicros int64
	if err := tx.NewSelect().Model((*DailyMetrics)(nil)).ColumnExpr("COALESCE(sum(spend_micros), 0) AS spend, COALESCE(sum(revenue_micros), 0) AS revenue").
		Where("campaign_id = ? AND day > (?::date - ?::int)", campaign, today, days).Scan(ctx, &spendMicros, &revenueMicros); err != nil {
		return 0, 0, err
	}
	return money.Float(spendMicros), money.Float(revenueMicros), nil
}
