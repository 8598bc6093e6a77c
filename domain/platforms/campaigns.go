package platforms

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/money"
	"github.com/stratumhq/stratum/internal/relay"
)

// CampaignArchived is the status of a campaign removed or archived on its
// platform (kept for its history).
const CampaignArchived = "ARCHIVED"

// MaxSearchLength bounds CampaignQuery.Search, in characters.
const MaxSearchLength = 100

// Campaign orderings (the GraphQL CampaignOrderField enum). The metric
// orderings (SPEND, ROAS, CPA) compare the sums of the order's date range;
// campaigns without a value (ROAS without spend, CPA without conversions)
// come last in either direction. Amounts are compared as stored, in each
// campaign's own currency: across currencies the order is by number, not
// by value.
const (
	OrderCreatedAt = "CREATED_AT"
	OrderName      = "NAME"
	OrderSpend     = "SPEND"
	OrderROAS      = "ROAS"
	OrderCPA       = "CPA"
)

// CampaignOrder is how CampaignPage sorts. From and To (inclusive days) are
// required by the metric orderings and ignored by the others.
type CampaignOrder struct {
	Field    string
	Desc     bool
	From, To time.Time
}

// CampaignQuery filters and sorts CampaignPage. Empty fields mean "any";
// the zero Order is newest first.
type CampaignQuery struct {
	Platform string
	Status   string
	// Search keeps campaigns whose name contains it, ignoring case
	// (at most MaxSearchLength characters; LIKE wildcards match literally).
	Search string
	Order  CampaignOrder
}

// sortKey is an ordering's SQL sort expression and the type its cursor
// value is cast back to. The expressions hold no input: the date range is
// bound in the metrics join.
var sortKeys = map[string]struct{ expr, typ string }{
	OrderCreatedAt: {"c.created_at", "timestamptz"},
	OrderName:      {"lower(c.name)", "text"},
	OrderSpend:     {"COALESCE(agg.spend, 0)", "numeric"},
	OrderROAS:      {"(agg.revenue / NULLIF(agg.spend, 0))", "numeric"},
	OrderCPA:       {"(agg.spend / NULLIF(agg.conversions, 0) / 1000000)", "numeric"},
}

func isMetricOrder(field string) bool {
	return field == OrderSpend || field == OrderROAS || field == OrderCPA
}

// validate checks q, naming the GraphQL argument of a bad value.
func (q *CampaignQuery) validate() error {
	if q.Platform != "" && !Valid(q.Platform) {
		return apperr.Invalid([]string{"platform"}, "unknown platform %q", q.Platform)
	}
	switch q.Status {
	case "", CampaignActive, CampaignPaused, CampaignArchived:
	default:
		return apperr.Invalid([]string{"status"}, "unknown campaign status %q", q.Status)
	}
	if !utf8.ValidString(q.Search) || utf8.RuneCountInString(q.Search) > MaxSearchLength {
		return apperr.Invalid([]string{"search"}, "search must be at most %d characters", MaxSearchLength)
	}
	if q.Order.Field == "" {
		q.Order = CampaignOrder{Field: OrderCreatedAt, Desc: true}
	}
	if _, ok := sortKeys[q.Order.Field]; !ok {
		return apperr.Invalid([]string{"orderBy", "field"}, "unknown order %q", q.Order.Field)
	}
	if isMetricOrder(q.Order.Field) {
		if q.Order.From.IsZero() || q.Order.To.IsZero() {
			return apperr.Invalid([]string{"orderBy", "from"}, "ordering by %s needs from and to", q.Order.Field)
		}
		return ValidateRange([]string{"orderBy"}, q.Order.From, q.Order.To)
	}
	return nil
}

// filter adds q's filters to sel (a select from ad_campaigns AS c).
func (q *CampaignQuery) filter(sel *bun.SelectQuery) *bun.SelectQuery {
	if q.Platform != "" {
		sel = sel.Where("c.platform = ?", q.Platform)
	}
	if q.Status != "" {
		sel = sel.Where("c.status = ?", q.Status)
	}
	if q.Search != "" {
		sel = sel.Where(`lower(c.name) LIKE ? ESCAPE '\'`, likeContains(q.Search))
	}
	return sel
}

// likeContains returns the LIKE pattern matching s anywhere, its
// wildcards and escape character taken literally (ESCAPE '\').
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

// campaignRow is a campaign with its sort value as text (NULL for a
// metric ordering without a value), which its cursor carries.
type campaignRow struct {
	Campaign `bun:",extend"`
	SortKey  *string `bun:"sort_key"`
}

// campaignCursor is a position in one ordering: the sort value as the
// database printed it, and the id breaking ties. Its order and direction
// are part of it so a cursor of another ordering is refused.
type campaignCursor struct {
	order string
	null  bool
	key   string
	id    uuid.UUID
}

func (c campaignCursor) String() string {
	n := "0"
	if c.null {
		n = "1"
	}
	return base64.RawURLEncoding.EncodeToString([]byte("c1|" + c.order + "|" + n + "|" + c.id.String() + "|" + c.key))
}

func orderTag(o CampaignOrder) string {
	dir := "A"
	if o.Desc {
		dir = "D"
	}
	tag := o.Field + ":" + dir
	if isMetricOrder(o.Field) {
		tag += ":" + o.From.Format(time.DateOnly) + ":" + o.To.Format(time.DateOnly)
	}
	return tag
}

func parseCampaignCursor(field, s, order string) (campaignCursor, error) {
	bad := apperr.Invalid([]string{field}, "not a cursor of this ordering (use a cursor this connection returned)")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return campaignCursor{}, bad
	}
	parts := strings.SplitN(string(b), "|", 5)
	if len(parts) != 5 || parts[0] != "c1" || parts[1] != order || (parts[2] != "0" && parts[2] != "1") {
		return campaignCursor{}, bad
	}
	id, err := uuid.Parse(parts[3])
	if err != nil || !utf8.ValidString(parts[4]) || strings.ContainsRune(parts[4], 0) {
		return campaignCursor{}, bad
	}
	orderField, _, _ := strings.Cut(order, ":")
	if parts[2] == "0" && !validSortKey(sortKeys[orderField].typ, parts[4]) {
		return campaignCursor{}, bad
	}
	return campaignCursor{order: order, null: parts[2] == "1", id: id, key: parts[4]}, nil
}

// numericKey is the text of a numeric sort value as PostgreSQL writes it.
var numericKey = regexp.MustCompile(`^-?[0-9]{1,40}(\.[0-9]{1,40})?$`)

// validSortKey reports whether key, a cursor's sort value, is one a column
// of type typ could have written (the key is cast to typ in SQL).
func validSortKey(typ, key string) bool {
	switch typ {
	case "numeric":
		return numericKey.MatchString(key)
	case "timestamptz":
		for _, layout := range []string{"2006-01-02 15:04:05.999999-07", "2006-01-02 15:04:05.999999-07:00"} {
			if t, err := time.Parse(layout, key); err == nil && t.Year() >= 1 && t.Year() <= 9999 {
				return true
			}
		}
		return false
	}
	return true
}

// CampaignPage pages tenant's stored campaigns matching q. Pages are keyset
// pages on (sort value, id), nulls last, so they stay stable while
// campaigns are added; under a metric ordering a campaign whose metrics
// change between two pages can move across the page boundary (it is then
// seen twice or not at all), as with any ordering by a changing value.
func (s *Service) CampaignPage(ctx context.Context, tenant uuid.UUID, q CampaignQuery, args relay.Args) (page *relay.Page[Campaign], err error) {
	defer derrors.Wrap(&err, "platforms.Service.CampaignPage(%v)", tenant)
	if err := q.validate(); err != nil {
		return nil, err
	}
	limit, backward, err := pageSize(args)
	if err != nil {
		return nil, err
	}
	tag := orderTag(q.Order)
	var after, before *campaignCursor
	if args.After != nil {
		c, err := parseCampaignCursor("after", *args.After, tag)
		if err != nil {
			return nil, err
		}
		after = &c
	}
	if args.Before != nil {
		c, err := parseCampaignCursor("before", *args.Before, tag)
		if err != nil {
			return nil, err
		}
		before = &c
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		sel := q.filter(tx.NewSelect().Model((*campaignRow)(nil)))
		total, err := sel.Clone().Count(ctx)
		if err != nil {
			return err
		}
		key := sortKeys[q.Order.Field]
		if isMetricOrder(q.Order.Field) {
			sel = sel.Join(`LEFT JOIN LATERAL (SELECT sum(m.spend_micros)::numeric AS spend, sum(m.revenue_micros)::numeric AS revenue,
				sum(m.conversions)::numeric AS conversions FROM ad_campaign_metrics m
				WHERE m.tenant_id = c.tenant_id AND m.campaign_id = c.id AND m.day BETWEEN ?::date AND ?::date) agg ON true`,
				q.Order.From.Format(time.DateOnly), q.Order.To.Format(time.DateOnly))
		}
		sel = sel.ColumnExpr("c.*").ColumnExpr(fmt.Sprintf("(%s)::text AS sort_key", key.expr))
		// desc is the direction rows are read in: the ordering's, or its
		// reverse when paging backwards.
		desc := q.Order.Desc != backward
		if after != nil {
			cond, condArgs := keysetCond(key.expr, key.typ, q.Order.Desc, false, *after)
			sel = sel.Where(cond, condArgs...)
		}
		if before != nil {
			cond, condArgs := keysetCond(key.expr, key.typ, q.Order.Desc, true, *before)
			sel = sel.Where(cond, condArgs...)
		}
		dir, nulls := "ASC", "ASC"
		if desc {
			dir = "DESC"
		}
		if backward {
			nulls = "DESC"
		}
		var rows []campaignRow
		if err := sel.OrderExpr(fmt.Sprintf("(%s) IS NULL %s, %s %s, c.id %s", key.expr, nulls, key.expr, dir, dir)).
			Limit(int64(limit+1)).Scan(ctx, &rows); err != nil {
			return err
		}
		page = campaignPage(rows, limit, backward, tag, args, int(total))
		return nil
	})
	return page, err
}

// keysetCond is the condition selecting the rows after c (or before c,
// when before) in the order (value IS NULL, value, id), the value and id
// descending when desc and nulls always last.
func keysetCond(expr, typ string, desc, before bool, c campaignCursor) (string, []any) {
	op := ">"
	if desc != before {
		op = "<"
	}
	v := "(" + expr + ")"
	switch {
	case c.null && !before:
		return fmt.Sprintf("%s IS NULL AND c.id %s ?", v, op), []any{c.id}
	case c.null && before:
		return fmt.Sprintf("(%s IS NOT NULL OR c.id %s ?)", v, op), []any{c.id}
	case !before:
		return fmt.Sprintf("(%[1]s IS NULL OR %[1]s %[2]s ?::%[3]s OR (%[1]s = ?::%[3]s AND c.id %[2]s ?))", v, op, typ), []any{c.key, c.key, c.id}
	default:
		return fmt.Sprintf("(%[1]s %[2]s ?::%[3]s OR (%[1]s = ?::%[3]s AND c.id %[2]s ?))", v, op, typ), []any{c.key, c.key, c.id}
	}
}

// pageSize reads first/last as relay.Paginate does.
func pageSize(args relay.Args) (limit int, backward bool, err error) {
	if args.First != nil && args.Last != nil {
		return 0, false, apperr.Invalid([]string{"first"}, "give first or last, not both")
	}
	limit, f := relay.DefaultPageSize, "first"
	switch {
	case args.First != nil:
		limit = *args.First
	case args.Last != nil:
		limit, backward, f = *args.Last, true, "last"
	}
	if limit < 0 || limit > relay.MaxPageSize {
		return 0, false, apperr.Invalid([]string{f}, "%s must be between 0 and %d", f, relay.MaxPageSize)
	}
	return limit, backward, nil
}

// campaignPage trims the limit+1 rows read to a page with cursors.
func campaignPage(rows []campaignRow, limit int, backward bool, tag string, args relay.Args, total int) *relay.Page[Campaign] {
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	if backward {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	p := &relay.Page[Campaign]{Items: make([]Campaign, len(rows)), Cursors: make([]string, len(rows)), TotalCount: total}
	for i, r := range rows {
		p.Items[i] = r.Campaign
		c := campaignCursor{order: tag, id: r.ID, null: r.SortKey == nil}
		if r.SortKey != nil {
			c.key = *r.SortKey
		}
		p.Cursors[i] = c.String()
	}
	if n := len(p.Cursors); n > 0 {
		p.Info.StartCursor, p.Info.EndCursor = &p.Cursors[0], &p.Cursors[n-1]
	}
	if backward {
		p.Info.HasPreviousPage, p.Info.HasNextPage = more, args.Before != nil
	} else {
		p.Info.HasNextPage, p.Info.HasPreviousPage = more, args.After != nil
	}
	return p
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

// AdAccountsByID returns tenant's ad accounts with the given ids, by id
// (missing ones are absent).
func (s *Service) AdAccountsByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (out map[uuid.UUID]*AdAccount, err error) {
	defer derrors.Wrap(&err, "platforms.Service.AdAccountsByID(%v)", tenant)
	out = make(map[uuid.UUID]*AdAccount, len(ids))
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var as []AdAccount
		if err := tx.NewSelect().Model(&as).Where("aa.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
			return err
		}
		for i := range as {
			out[as[i].ID] = &as[i]
		}
		return nil
	})
	return out, err
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
