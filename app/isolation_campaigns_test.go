package app_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/relay"
)

// Isolation of the campaigns screen's fields: tenant A gets a Meta ad
// account (EUR, Berlin) holding one campaign named with the fixture's
// number and one day of spend, besides the simulator's campaigns.

type campaignsFixture struct {
	account, campaign uuid.UUID
	accountName, name string
}

var campaignsFixtures sync.Map // *isoFixture → *campaignsFixture

// campaignsDay is the fixture campaign's day of delivery.
var campaignsDay = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// campaignsOf returns A's account and campaign, making them on first use
// (inside Vars, before the case's snapshot).
func (f *isoFixture) campaignsOf() *campaignsFixture {
	v, _ := campaignsFixtures.LoadOrStore(f, &campaignsFixture{})
	cf := v.(*campaignsFixture)
	if cf.account != uuid.Nil {
		return cf
	}
	cf.account, cf.campaign = uuid.New(), uuid.New()
	cf.accountName, cf.name = fmt.Sprintf("Alpha ads %d secret", f.n), fmt.Sprintf("Alpha campaign %d secret", f.n)
	svc := f.b.srv.App.Services.Platforms
	err := svc.DB.InTenant(context.Background(), f.tenantA, func(ctx context.Context, tx bun.Tx) error {
		now := time.Now()
		conn := &platforms.Connection{TenantID: f.tenantA, ID: uuid.New(), Platform: platforms.Meta, Status: platforms.ConnectionOK,
			ExternalUserID: fmt.Sprintf("iso-%d", f.n), TokenSealed: []byte("sealed"), Scopes: []string{}, CreatedAt: now, UpdatedAt: now}
		acct := &platforms.AdAccount{TenantID: f.tenantA, ID: cf.account, ConnectionID: conn.ID, Platform: platforms.Meta, ExternalID: "act_1",
			Name: cf.accountName, Currency: "EUR", TimeZone: "Europe/Berlin", Selected: true, CreatedAt: now, UpdatedAt: now}
		c := &platforms.Campaign{TenantID: f.tenantA, ID: cf.campaign, Platform: platforms.Meta, AccountID: "act_1", ExternalID: "c1",
			Name: cf.name, Status: platforms.CampaignArchived, AdAccountID: &cf.account, Currency: "EUR", CreatedAt: now, UpdatedAt: now}
		m := &platforms.DailyMetrics{TenantID: f.tenantA, CampaignID: cf.campaign, Day: campaignsDay, SpendMicros: 12_345_678,
			RevenueMicros: 24_691_356, Impressions: 1000, Clicks: 25, Conversions: 2}
		for _, row := range []any{conn, acct, c, m} {
			if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return cf
}

func init() {
	addIsolationCases(map[string]isolationCase{
		// Every new Campaign field, through the screen's filters and a
		// metric ordering: A's control sees its campaign, account and spend.
		"Query.campaigns": {Query: `query($from: String!, $to: String!) {
			campaigns(search: "alpha campaign", status: ARCHIVED, orderBy: {field: ROAS, direction: DESC, from: $from, to: $to}) {
			  totalCount totals(from: $from, to: $to) { currency campaigns totals { spend { micros } } }
			  edges { node { id name state simulated account { id name currency timeZone sandbox }
			    metrics(from: $from, to: $to, granularity: WEEK) { points { date spend { micros } } totals { spend { micros formatted } roas cpa { micros } ctr } } } } } }`,
			Vars: func(f *isoFixture) map[string]any {
				f.campaignsOf()
				return map[string]any{"from": campaignsDay.AddDate(0, 0, -3).Format(time.DateOnly), "to": campaignsDay.AddDate(0, 0, 3).Format(time.DateOnly)}
			}, Viewer: Allowed,
			Sees: func(f *isoFixture) []string {
				cf := f.campaignsOf()
				return []string{cf.name, cf.accountName, relay.GlobalID(relay.TypeCampaign, cf.campaign), relay.GlobalID("AdAccount", cf.account),
					`"micros":"12345678"`, `"formatted":"12.345678"`, `"roas":2`, `"micros":"6172839"`, `"state":"ARCHIVED"`, `"simulated":false`,
					`{"campaigns":1,"currency":"EUR","totals":{"spend":{"micros":"12345678"}}}`}
			}},
	})
}
