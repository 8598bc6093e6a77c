package platforms

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// structureSync pages the account's structure from the platform and
// upserts each page in its own transaction (campaigns with the account's
// currency and money in micros, ad groups, ads); at the end, entities the
// platform no longer reported are ARCHIVED and structure_synced_at is set.
// Ids of new rows are derived from the account and external id, so a page
// written twice (a retried attempt) lands on the same rows.
func (s *Service) structureSync(ctx context.Context, sc *syncCtx) error {
	seenC, seenG, seenA := map[string]bool{}, map[string]bool{}, map[string]bool{}
	groups := map[string]uuid.UUID{} // ad group external id → id
	if sc.campaigns == nil {
		sc.campaigns = map[string]uuid.UUID{}
	}
	pages := 0
	var rows int64
	err := sc.api.Structure(ctx, sc.tok, sc.acct.Remote(), func(p StructurePage) error {
		pages++
		return s.DB.InTenant(ctx, sc.tenant, func(ctx context.Context, tx bun.Tx) error {
			n, err := s.writeStructurePageTx(ctx, tx, sc, p, groups)
			if err != nil {
				return err
			}
			rows += n
			for _, c := range p.Campaigns {
				seenC[c.ExternalID] = true
			}
			for _, g := range p.AdGroups {
				seenG[g.ExternalID] = true
			}
			for _, a := range p.Ads {
				seenA[a.ExternalID] = true
			}
			if sc.run.Kind == SyncStructure {
				sc.run.ProgressDone, sc.run.RowsWritten = pages, sc.run.RowsWritten+n
				sc.run.UpdatedAt = s.DB.Now(ctx)
				if _, err := tx.NewUpdate().Model(sc.run).Column("progress_done", "rows_written", "updated_at").WherePK().Exec(ctx); err != nil {
					return err
				}
				return publishRun(ctx, tx, sc.run)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	err = s.DB.InTenant(ctx, sc.tenant, func(ctx context.Context, tx bun.Tx) error {
		now := s.DB.Now(ctx)
		if _, err := tx.NewUpdate().Table("ad_campaigns").Set("status = ?, updated_at = ?", StatusArchived, now).
			Where("ad_account_id = ? AND status <> ? AND NOT (external_id = ANY(?))", sc.acct.ID, StatusArchived, pgdialect.Array(keys(seenC))).Exec(ctx); err != nil {
			return fmt.Errorf("archive campaigns: %w", err)
		}
		if _, err := tx.NewUpdate().Table("ad_groups").Set("status = ?, updated_at = ?", StatusArchived, now).
			Where("campaign_id IN (SELECT id FROM ad_campaigns WHERE ad_account_id = ?) AND status <> ? AND NOT (external_id = ANY(?))", sc.acct.ID, StatusArchived, pgdialect.Array(keys(seenG))).Exec(ctx); err != nil {
			return fmt.Errorf("archive ad groups: %w", err)
		}
		if _, err := tx.NewUpdate().Table("ads").Set("status = ?, updated_at = ?", StatusArchived, now).
			Where("ad_group_id IN (SELECT g.id FROM ad_groups g JOIN ad_campaigns c ON c.tenant_id = g.tenant_id AND c.id = g.campaign_id WHERE c.ad_account_id = ?) AND status <> ? AND NOT (external_id = ANY(?))", sc.acct.ID, StatusArchived, pgdialect.Array(keys(seenA))).Exec(ctx); err != nil {
			return fmt.Errorf("archive ads: %w", err)
		}
		sc.acct.StructureSyncedAt = &now
		_, err := tx.NewUpdate().Model(sc.acct).Set("structure_synced_at = ?, updated_at = ?", now, now).WherePK().Exec(ctx)
		return err
	})
	if err == nil {
		sc.structureDone = true
		if sc.run.Kind == SyncStructure {
			sc.run.ProgressTotal = pages
		}
	}
	return err
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// writeStructurePageTx upserts one page and returns the rows written.
func (s *Service) writeStructurePageTx(ctx context.Context, tx bun.Tx, sc *syncCtx, p StructurePage, groups map[string]uuid.UUID) (int64, error) {
	now := s.DB.Now(ctx)
	var n int64
	if len(p.Campaigns) > 0 {
		cs := make([]Campaign, 0, len(p.Campaigns))
		dedup := map[string]int{}
		for _, rc := range p.Campaigns {
			c := Campaign{TenantID: sc.tenant, ID: uuid.NewSHA1(sc.acct.ID, []byte("campaign:"+rc.ExternalID)), Platform: sc.conn.Platform,
				AccountID: sc.acct.ExternalID, ExternalID: rc.ExternalID, Name: clip(rc.Name, 500), Status: entityStatus(rc.Status),
				AdAccountID: &sc.acct.ID, Objective: clip(rc.Objective, 100), BudgetID: clip(rc.BudgetID, 200),
				DailyBudgetMicros: max(rc.DailyBudgetMicros, 0), Currency: sc.acct.Currency, CreatedAt: now, UpdatedAt: now}
			if i, ok := dedup[rc.ExternalID]; ok {
				cs[i] = c
				continue
			}
			dedup[rc.ExternalID] = len(cs)
			cs = append(cs, c)
		}
		if _, err := tx.NewInsert().Model(&cs).
			Column("tenant_id", "id", "platform", "account_id", "external_id", "name", "status", "ad_account_id", "objective", "budget_id", "daily_budget_micros", "currency", "created_at", "updated_at").
			On("CONFLICT (tenant_id, platform, external_id) DO UPDATE").
			Set("account_id = EXCLUDED.account_id, name = EXCLUDED.name, status = EXCLUDED.status, ad_account_id = EXCLUDED.ad_account_id, objective = EXCLUDED.objective, budget_id = EXCLUDED.budget_id, daily_budget_micros = EXCLUDED.daily_budget_micros, currency = EXCLUDED.currency, updated_at = EXCLUDED.updated_at").
			Exec(ctx); err != nil {
			return 0, fmt.Errorf("upsert campaigns: %w", err)
		}
		n += int64(len(cs))
	}
	if err := s.loadCampaignIDsTx(ctx, tx, sc); err != nil {
		return 0, err
	}
	if len(p.AdGroups) > 0 {
		gs := make([]AdGroup, 0, len(p.AdGroups))
		dedup := map[string]int{}
		for _, rg := range p.AdGroups {
			cid, ok := sc.campaigns[rg.CampaignExternalID]
			if !ok {
				continue // the platform named a campaign it did not list
			}
			g := AdGroup{TenantID: sc.tenant, ID: uuid.NewSHA1(cid, []byte("adgroup:"+rg.ExternalID)), CampaignID: cid, ExternalID: rg.ExternalID,
				Name: clip(rg.Name, 500), Status: entityStatus(rg.Status), DailyBudgetMicros: max(rg.DailyBudgetMicros, 0), BidMicros: max(rg.BidMicros, 0), UpdatedAt: now}
			if i, ok := dedup[rg.ExternalID]; ok {
				gs[i] = g
				continue
			}
			dedup[rg.ExternalID] = len(gs)
			gs = append(gs, g)
		}
		if len(gs) > 0 {
			if _, err := tx.NewInsert().Model(&gs).On("CONFLICT (tenant_id, campaign_id, external_id) DO UPDATE").
				Set("name = EXCLUDED.name, status = EXCLUDED.status, daily_budget_micros = EXCLUDED.daily_budget_micros, bid_micros = EXCLUDED.bid_micros, updated_at = EXCLUDED.updated_at").
				Exec(ctx); err != nil {
				return 0, fmt.Errorf("upsert ad groups: %w", err)
			}
			for _, g := range gs {
				groups[g.ExternalID] = g.ID
			}
			n += int64(len(gs))
		}
	}
	if len(p.Ads) > 0 {
		if err := s.loadGroupIDsTx(ctx, tx, sc, p.Ads, groups); err != nil {
			return 0, err
		}
		as := make([]Ad, 0, len(p.Ads))
		dedup := map[string]int{}
		for _, ra := range p.Ads {
			gid, ok := groups[ra.AdGroupExternalID]
			if !ok {
				continue
			}
			a := Ad{TenantID: sc.tenant, ID: uuid.NewSHA1(gid, []byte("ad:"+ra.ExternalID)), AdGroupID: gid, ExternalID: ra.ExternalID,
				Name: clip(ra.Name, 500), Status: entityStatus(ra.Status), UpdatedAt: now}
			if i, ok := dedup[ra.ExternalID]; ok {
				as[i] = a
				continue
			}
			dedup[ra.ExternalID] = len(as)
			as = append(as, a)
		}
		if len(as) > 0 {
			if _, err := tx.NewInsert().Model(&as).On("CONFLICT (tenant_id, ad_group_id, external_id) DO UPDATE").
				Set("name = EXCLUDED.name, status = EXCLUDED.status, updated_at = EXCLUDED.updated_at").Exec(ctx); err != nil {
				return 0, fmt.Errorf("upsert ads: %w", err)
			}
			n += int64(len(as))
		}
	}
	return n, nil
}

// entityStatus maps a contract status to a stored one (unknown words are
// PAUSED: not delivering as far as Stratum can tell).
func entityStatus(s string) string {
	switch s {
	case StatusActive, StatusPaused, StatusArchived:
		return s
	}
	return StatusPaused
}

// loadCampaignIDsTx refreshes sc.campaigns from the account's stored
// campaigns.
func (s *Service) loadCampaignIDsTx(ctx context.Context, tx bun.IDB, sc *syncCtx) error {
	var rows []struct {
		ID         uuid.UUID `bun:"id"`
		ExternalID string    `bun:"external_id"`
	}
	if err := tx.NewSelect().Table("ad_campaigns").Column("id", "external_id").Where("ad_account_id = ?", sc.acct.ID).Scan(ctx, &rows); err != nil {
		return fmt.Errorf("campaign ids: %w", err)
	}
	if sc.campaigns == nil {
		sc.campaigns = make(map[string]uuid.UUID, len(rows))
	}
	for _, r := range rows {
		sc.campaigns[r.ExternalID] = r.ID
	}
	return nil
}

// loadGroupIDsTx adds the stored ids of ad groups that ads refer to but
// that earlier pages of this sync did not carry.
func (s *Service) loadGroupIDsTx(ctx context.Context, tx bun.IDB, sc *syncCtx, ads []RemoteAd, groups map[string]uuid.UUID) error {
	var missing []string
	for _, a := range ads {
		if _, ok := groups[a.AdGroupExternalID]; !ok {
			missing = append(missing, a.AdGroupExternalID)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var rows []struct {
		ID         uuid.UUID `bun:"id"`
		ExternalID string    `bun:"external_id"`
	}
	if err := tx.NewSelect().TableExpr("ad_groups AS g").Column("g.id", "g.external_id").
		Join("JOIN ad_campaigns AS c ON c.tenant_id = g.tenant_id AND c.id = g.campaign_id").
		Where("c.ad_account_id = ? AND g.external_id = ANY(?)", sc.acct.ID, pgdialect.Array(missing)).Scan(ctx, &rows); err != nil {
		return fmt.Errorf("ad group ids: %w", err)
	}
	for _, r := range rows {
		groups[r.ExternalID] = r.ID
	}
	return nil
}
