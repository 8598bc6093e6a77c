package resolvers

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/money"
	"github.com/stratumhq/stratum/internal/relay"
)

// campaignQuery translates the campaigns arguments.
func campaignQuery(platform *model.Platform, status *model.CampaignStatus, search *string, orderBy *model.CampaignOrder) (platforms.CampaignQuery, error) {
	q := platforms.CampaignQuery{Platform: platformArg(platform)}
	if status != nil {
		q.Status = string(*status)
	}
	if search != nil {
		q.Search = *search
	}
	if orderBy == nil {
		return q, nil
	}
	q.Order = platforms.CampaignOrder{Field: string(orderBy.Field), Desc: orderBy.Direction == nil || *orderBy.Direction == model.OrderDirectionDesc}
	var err error
	if orderBy.From != nil {
		if q.Order.From, err = parseDay(*orderBy.From, "orderBy", "from"); err != nil {
			return q, err
		}
	}
	if orderBy.To != nil {
		q.Order.To, err = parseDay(*orderBy.To, "orderBy", "to")
	}
	return q, err
}

// parseDay parses a YYYY-MM-DD argument (BAD_USER_INPUT at path otherwise).
func parseDay(s string, path ...string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != len(time.DateOnly) {
		return time.Time{}, apperr.Invalid(path, "%q is not a date (YYYY-MM-DD)", s)
	}
	return d, nil
}

func moneyModel(currency string, micros int64) *model.Money {
	return &model.Money{Micros: strconv.FormatInt(micros, 10), Amount: money.Float(micros), Currency: currency,
		Formatted: money.FormatMicros(currency, micros)}
}

func optFloat(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

func cpaModel(currency string, m platforms.MetricSums) *model.Money {
	v, ok := m.CPAMicros()
	if !ok {
		return nil
	}
	return moneyModel(currency, v)
}

func metricValuesModel(currency string, m platforms.MetricSums) *model.CampaignMetricValues {
	return &model.CampaignMetricValues{Spend: moneyModel(currency, m.SpendMicros), Impressions: float64(m.Impressions), Clicks: float64(m.Clicks),
		Conversions: m.Conversions, ConversionValue: moneyModel(currency, m.RevenueMicros), Roas: optFloat(m.ROAS()), Cpa: cpaModel(currency, m),
		Ctr: optFloat(m.CTR())}
}

func campaignMetricsModel(currency string, m *platforms.CampaignMetrics) *model.CampaignMetrics {
	out := &model.CampaignMetrics{Points: make([]*model.CampaignMetricPoint, len(m.Points)), Totals: metricValuesModel(currency, m.Totals)}
	for i, p := range m.Points {
		v := metricValuesModel(currency, p.MetricSums)
		out.Points[i] = &model.CampaignMetricPoint{Date: p.Date.Format(time.DateOnly), Spend: v.Spend, Impressions: v.Impressions, Clicks: v.Clicks,
			Conversions: v.Conversions, ConversionValue: v.ConversionValue, Roas: v.Roas, Cpa: v.Cpa, Ctr: v.Ctr}
	}
	return out
}

// --- per-request loaders of the campaigns screen -----------------------------

// metricsKey is one campaign's metrics over one range.
type metricsKey struct {
	campaign uuid.UUID
	r        platforms.MetricsRange
}

// campaignLoaders batch a page's campaign→account and campaign→metrics
// edges into one query each (one per distinct range for metrics).
//
// A campaigns page notes its members (notePage) before their fields
// resolve; a member's first account read, and its first metrics read per
// range, reads every member of its page at once and the others wait for
// that read. A page therefore costs the statements of one campaign however
// its nodes' resolvers are scheduled: the dataloaders alone batch only
// what arrives within their 16 ms window, which a busy machine does not
// promise (CI saw a page of four cost one statement more than a page of
// one). Campaigns reached otherwise (node(id:), an action's campaign) use
// the dataloaders.
type campaignLoaders struct {
	accounts *dataloadgen.Loader[uuid.UUID, *platforms.AdAccount]
	metrics  *dataloadgen.Loader[metricsKey, *platforms.CampaignMetrics]

	mu    sync.Mutex
	pages map[uuid.UUID]*campaignPage
}

// campaignPage is one listed page of campaigns.
type campaignPage struct {
	ids       []uuid.UUID
	accountOf map[uuid.UUID]*uuid.UUID
	accounts  []uuid.UUID

	accountsRead onceValue[map[uuid.UUID]*platforms.AdAccount]
	mu           sync.Mutex
	metricsRead  map[platforms.MetricsRange]*onceValue[map[uuid.UUID]*platforms.CampaignMetrics]
}

// onceValue computes a value once; every caller gets that value.
type onceValue[V any] struct {
	once sync.Once
	v    V
	err  error
}

func (o *onceValue[V]) get(f func() (V, error)) (V, error) {
	o.once.Do(func() { o.v, o.err = f() })
	return o.v, o.err
}

// notePage records a listed page (see campaignLoaders).
func (l *campaignLoaders) notePage(items []platforms.Campaign) {
	p := &campaignPage{accountOf: make(map[uuid.UUID]*uuid.UUID, len(items)),
		metricsRead: map[platforms.MetricsRange]*onceValue[map[uuid.UUID]*platforms.CampaignMetrics]{}}
	seen := map[uuid.UUID]bool{}
	for i := range items {
		c := &items[i]
		p.ids = append(p.ids, c.ID)
		p.accountOf[c.ID] = c.AdAccountID
		if c.AdAccountID != nil && !seen[*c.AdAccountID] {
			seen[*c.AdAccountID] = true
			p.accounts = append(p.accounts, *c.AdAccountID)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pages == nil {
		l.pages = map[uuid.UUID]*campaignPage{}
	}
	for _, id := range p.ids {
		l.pages[id] = p
	}
}

// pageOfIf is the page campaign was listed on, nil when none was (or l is nil).
func (l *campaignLoaders) pageOfIf(campaign uuid.UUID) *campaignPage {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pages[campaign]
}

// metricsOnce is the page's once-read of range rg.
func (p *campaignPage) metricsOnce(rg platforms.MetricsRange) *onceValue[map[uuid.UUID]*platforms.CampaignMetrics] {
	p.mu.Lock()
	defer p.mu.Unlock()
	o := p.metricsRead[rg]
	if o == nil {
		o = new(onceValue[map[uuid.UUID]*platforms.CampaignMetrics])
		p.metricsRead[rg] = o
	}
	return o
}

func (r *Resolver) newCampaignLoaders() *campaignLoaders {
	return &campaignLoaders{
		accounts: dataloadgen.NewMappedLoader(mapped(r.Svc.Platforms.AdAccountsByID)),
		metrics:  dataloadgen.NewMappedLoader(r.fetchMetrics),
	}
}

// fetchMetrics groups keys by range and reads each range's campaigns at once.
func (r *Resolver) fetchMetrics(ctx context.Context, keys []metricsKey) (map[metricsKey]*platforms.CampaignMetrics, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	byRange := map[platforms.MetricsRange][]uuid.UUID{}
	for _, k := range keys {
		byRange[k.r] = append(byRange[k.r], k.campaign)
	}
	out := make(map[metricsKey]*platforms.CampaignMetrics, len(keys))
	for rg, ids := range byRange {
		m, err := r.Svc.Platforms.CampaignMetricsByID(ctx, tenant, ids, rg)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			out[metricsKey{id, rg}] = m[id]
		}
	}
	return out, nil
}

func (r *Resolver) campaignLoadersOf(ctx context.Context) *campaignLoaders {
	z, ok := ctx.Value(loadersKey{}).(*lazyLoaders)
	if !ok {
		return nil
	}
	z.campaignOnce.Do(func() { z.campaignLoaders = r.newCampaignLoaders() })
	return z.campaignLoaders
}

// campaignAccount is obj's ad account, nil when it has none.
func (r *Resolver) campaignAccount(ctx context.Context, obj *model.Campaign) (*platforms.AdAccount, error) {
	id, err := relay.ParseTypedID(obj.ID, relay.TypeCampaign)
	if err != nil {
		return nil, err
	}
	l := r.campaignLoadersOf(ctx)
	if p := l.pageOfIf(id); p != nil {
		account := p.accountOf[id]
		if account == nil {
			return nil, nil
		}
		m, err := p.accountsRead.get(func() (map[uuid.UUID]*platforms.AdAccount, error) {
			return mapped(r.Svc.Platforms.AdAccountsByID)(ctx, p.accounts)
		})
		return m[*account], err
	}
	c, err := r.campaign(ctx, id)
	if c == nil || c.AdAccountID == nil || err != nil {
		return nil, err
	}
	if l != nil {
		return l.accounts.Load(ctx, *c.AdAccountID)
	}
	m, err := mapped(r.Svc.Platforms.AdAccountsByID)(ctx, []uuid.UUID{*c.AdAccountID})
	return m[*c.AdAccountID], err
}

// campaignMetrics answers Campaign.metrics.
func (r *Resolver) campaignMetrics(ctx context.Context, obj *model.Campaign, from, to string, granularity *model.MetricGranularity) (*model.CampaignMetrics, error) {
	id, err := relay.ParseTypedID(obj.ID, relay.TypeCampaign)
	if err != nil {
		return nil, err
	}
	rg := platforms.MetricsRange{Granularity: platforms.GranularityDay}
	if granularity != nil {
		rg.Granularity = string(*granularity)
	}
	if rg.From, err = parseDay(from, "from"); err != nil {
		return nil, err
	}
	if rg.To, err = parseDay(to, "to"); err != nil {
		return nil, err
	}
	if err := rg.Validate(); err != nil {
		return nil, err
	}
	var m *platforms.CampaignMetrics
	l := r.campaignLoadersOf(ctx)
	if p := l.pageOfIf(id); p != nil {
		var all map[uuid.UUID]*platforms.CampaignMetrics
		all, err = p.metricsOnce(rg).get(func() (map[uuid.UUID]*platforms.CampaignMetrics, error) {
			tenant, err := tenantOf(ctx)
			if err != nil {
				return nil, err
			}
			return r.Svc.Platforms.CampaignMetricsByID(ctx, tenant, p.ids, rg)
		})
		m = all[id]
	} else if l != nil {
		m, err = l.metrics.Load(ctx, metricsKey{id, rg})
	} else {
		var all map[metricsKey]*platforms.CampaignMetrics
		all, err = r.fetchMetrics(ctx, []metricsKey{{id, rg}})
		m = all[metricsKey{id, rg}]
	}
	if err != nil || m == nil {
		return nil, err
	}
	return campaignMetricsModel(obj.Currency, m), nil
}

// campaignTotals answers CampaignConnection.totals: the page's filter summed per currency.
func (r *Resolver) campaignTotals(ctx context.Context, obj *model.CampaignConnection, from, to string) ([]*model.CurrencyMetricTotals, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	f, err := parseDay(from, "from")
	if err != nil {
		return nil, err
	}
	t, err := parseDay(to, "to")
	if err != nil {
		return nil, err
	}
	sums, err := r.Svc.Platforms.CampaignTotals(ctx, tenant, obj.Query, f, t)
	if err != nil {
		return nil, err
	}
	out := make([]*model.CurrencyMetricTotals, len(sums))
	for i, s := range sums {
		out[i] = &model.CurrencyMetricTotals{Currency: s.Currency, Campaigns: s.Campaigns, Totals: metricValuesModel(s.Currency, s.MetricSums)}
	}
	return out, nil
}
