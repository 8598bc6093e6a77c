package resolvers

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// statementCounter counts the statements bun runs that mention a table.
type statementCounter struct {
	mu    sync.Mutex
	table string
	n     int
}

func (c *statementCounter) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if strings.Contains(e.Query, c.table) {
		c.mu.Lock()
		c.n++
		c.mu.Unlock()
	}
	return ctx
}

func (c *statementCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

func (c *statementCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// A page's metrics and accounts are read once however its nodes' resolvers
// are scheduled. The worst schedule, each node resolving after the previous
// one finished, cost one statement per node while only the dataloaders'
// 16 ms window batched them (CI: a page of four cost one statement more
// than a page of one).
func TestCampaignPageReadsOnceHoweverNodesAreScheduled(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	metricsReads := &statementCounter{table: "ad_campaign_metrics"}
	accountReads := &statementCounter{table: "ad_accounts"}
	tdb.DB.Bun.AddQueryHook(metricsReads)
	tdb.DB.Bun.AddQueryHook(accountReads)
	ps := platforms.NewService(tdb.DB, nil)
	r := &Resolver{DB: tdb.DB, Svc: Services{Platforms: ps}}

	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	account := uuid.New()
	var items []platforms.Campaign
	require.NoError(t, tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		conn := uuid.New()
		if _, err := tx.ExecContext(ctx, `INSERT INTO platform_connections (tenant_id, id, platform, status, sandbox, token_sealed) VALUES (?, ?, 'META', 'OK', false, 'x'::bytea)`, tenant, conn); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ad_accounts (tenant_id, id, connection_id, platform, external_id, name, currency, time_zone)
			VALUES (?, ?, ?, 'META', 'act_1', 'Account one', 'USD', 'UTC')`, tenant, account, conn); err != nil {
			return err
		}
		for i := 0; i < 4; i++ {
			c := platforms.Campaign{TenantID: tenant, ID: uuid.New(), Platform: "META", AccountID: "act_1", ExternalID: uuid.NewString(),
				Name: "campaign", Status: "ACTIVE", Currency: "USD", AdAccountID: &account, CreatedAt: day, UpdatedAt: day}
			if _, err := tx.NewInsert().Model(&c).Exec(ctx); err != nil {
				return err
			}
			m := &platforms.DailyMetrics{TenantID: tenant, CampaignID: c.ID, Day: day, SpendMicros: int64(i+1) * 1_000_000, Impressions: 100, Clicks: 1}
			if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
				return err
			}
			items = append(items, c)
		}
		return nil
	}))

	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{TenantID: tenant})
	ctx = context.WithValue(ctx, loadersKey{}, &lazyLoaders{r: r})
	l := r.campaignLoadersOf(ctx)
	require.NotNil(t, l)
	l.notePage(items)
	metricsBefore, accountsBefore := metricsReads.count(), accountReads.count()

	// Each node resolves after the previous one has its answer.
	for i, c := range items {
		obj := &model.Campaign{ID: relay.GlobalID(relay.TypeCampaign, c.ID), Currency: "USD"}
		m, err := r.campaignMetrics(ctx, obj, "2026-11-01", "2026-11-03", nil)
		require.NoError(t, err)
		require.Equal(t, int64(i+1)*1_000_000, mustMicros(t, m.Totals.Spend.Micros), "each campaign gets its own metrics")
		a, err := r.campaignAccount(ctx, obj)
		require.NoError(t, err)
		require.NotNil(t, a)
		require.Equal(t, "Account one", a.Name)
	}
	require.Equal(t, 1, metricsReads.count()-metricsBefore, "one metrics read for the page")
	require.Equal(t, 1, accountReads.count()-accountsBefore, "one account read for the page")

	// Positive control: another range is another read, still one for the page.
	for _, c := range items {
		obj := &model.Campaign{ID: relay.GlobalID(relay.TypeCampaign, c.ID), Currency: "USD"}
		_, err := r.campaignMetrics(ctx, obj, "2026-10-01", "2026-11-03", nil)
		require.NoError(t, err)
	}
	require.Equal(t, 2, metricsReads.count()-metricsBefore, "a second range reads once more")
}

func mustMicros(t *testing.T, s string) int64 {
	t.Helper()
	var v int64
	for _, ch := range s {
		require.True(t, ch >= '0' && ch <= '9', "micros %q", s)
		v = v*10 + int64(ch-'0')
	}
	return v
}
