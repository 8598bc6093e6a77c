package cdp

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// RFM scores (issue 14, docs/adr/0021): each live profile with a purchase
// in the tenant's lookback gets a recency, frequency and monetary score of
// 1 (worst) to 5 (best), the quintile of its value among those profiles,
// and the named cell its R and F scores fall in. A refresh (the
// cdp.rfm_refresh job, periodic and on demand) recomputes every score in
// one SQL statement and replaces the stored ones (cdp_profile_rfm) and the
// per-cell summary (cdp_rfm_reports).
//
// Values: recency is the profile's latest purchase time, frequency its
// purchases, monetary the sum of their values in micros — the value
// property (or, by default, properties.revenue, else properties.total) as
// a JSON number or a decimal string ("12.50"), at most 1e9 in absolute
// value; anything else counts as 0. A purchase is a track event with one
// of the purchase event names whose timestamp is in (now − lookback, now].
// Its profile is the live profile of its userId, else of its anonymousId
// (as the profile timeline finds it); events of ids not yet resolved count
// for nobody. Events reported more than EventClockSlack after they were
// received (a client clock in the future) are not read: the bound lets
// PostgreSQL skip the partitions received before the lookback.
//
// Quintiles: ntile(5) over the profiles ordered by the value, ties broken
// by profile id; then every profile whose value equals another's gets the
// lowest score among them, so equal values never score differently (a
// tenant where most customers bought once has them all at F=1).

// RFM defaults and bounds.
const (
	DefaultRFMLookbackDays = 365
	MaxRFMLookbackDays     = 3650
	MaxRFMEventNames       = 20
	MaxRFMEventName        = 200
	MaxRFMValueProperty    = 100
	// EventClockSlack is how far after its reception an event's timestamp
	// may be and still be read by the RFM and funnel queries.
	EventClockSlack = 24 * time.Hour
	// RFMRefreshTimeout bounds a refresh's statement.
	RFMRefreshTimeout = 50 * time.Second
)

// RFM cells (the names the scores' table stores).
const (
	RFMChampions      = "Champions"
	RFMLoyal          = "Loyal"
	RFMPotentialLoyal = "Potential Loyal"
	RFMNew            = "New"
	RFMPromising      = "Promising"
	RFMNeedAttention  = "Need Attention"
	RFMAtRisk         = "At Risk"
	RFMCantLose       = "Can't Lose"
	RFMHibernating    = "Hibernating"
	RFMLost           = "Lost"
)

// RFMCells are the cells in report order (best first).
var RFMCells = []string{RFMChampions, RFMLoyal, RFMPotentialLoyal, RFMNew, RFMPromising, RFMNeedAttention, RFMAtRisk,
	RFMCantLose, RFMHibernating, RFMLost}

// RFMCell names the cell of a recency and frequency score (1–5 each):
// the common ten-segment R×F map, with its "About to Sleep" (R 3, F 1–2)
// folded into Need Attention and its R 1, F 1–2 named Lost.
//
//	      F1        F2        F3        F4        F5
//	R5    New       PotLoyal  PotLoyal  Champions Champions
//	R4    Promising PotLoyal  PotLoyal  Loyal     Loyal
//	R3    NeedAtt   NeedAtt   NeedAtt   Loyal     Loyal
//	R2    Hibern.   Hibern.   At Risk   At Risk   Can't Lose
//	R1    Lost      Lost      At Risk   At Risk   Can't Lose
func RFMCell(r, f int) string {
	switch {
	case r >= 4 && f >= 4:
		if r == 5 {
			return RFMChampions
		}
		return RFMLoyal
	case r == 3 && f >= 4:
		return RFMLoyal
	case r >= 4 && f >= 2:
		return RFMPotentialLoyal
	case r == 5:
		return RFMNew
	case r == 4:
		return RFMPromising
	case r == 3:
		return RFMNeedAttention
	case f == 5:
		return RFMCantLose
	case f >= 3:
		return RFMAtRisk
	case r == 2:
		return RFMHibernating
	}
	return RFMLost
}

// RFMSettings are a tenant's RFM inputs.
type RFMSettings struct {
	LookbackDays int
	// EventNames are the purchase events' names.
	EventNames []string
	// ValueProperty is the purchase's value property; nil: revenue, else
	// total.
	ValueProperty *string
}

// DefaultRFMSettings are the settings of a tenant that set none.
func DefaultRFMSettings() RFMSettings {
	return RFMSettings{LookbackDays: DefaultRFMLookbackDays, EventNames: []string{OrderCompleted}}
}

// RFMScore is a profile's stored score.
type RFMScore struct {
	ProfileID  uuid.UUID `bun:"profile_id"`
	R          int       `bun:"r"`
	F          int       `bun:"f"`
	M          int       `bun:"m"`
	Segment    string    `bun:"segment"`
	ComputedAt time.Time `bun:"computed_at"`
}

// RFMCellSummary is one cell of a report.
type RFMCellSummary struct {
	Name          string `json:"name"`
	Count         int64  `json:"count"`
	RevenueMicros int64  `json:"revenueMicros"`
}

// RFMReport is the latest refresh's summary; ComputedAt is nil before the
// first (the cells are then all empty).
type RFMReport struct {
	ComputedAt   *time.Time
	LookbackDays int
	Profiles     int
	Cells        []RFMCellSummary
}

// RFM computes and reads RFM scores. Build it with NewRFM.
type RFM struct {
	DB *db.DB
	// Enqueue inserts the cdp.rfm_refresh job of tenant in tx
	// (jobs.RFMRefreshHook); without it RequestRefresh fails.
	Enqueue func(ctx context.Context, tx bun.Tx, tenant uuid.UUID) error
	// OnMembershipChanged is told of the membership changes of the segments
	// a refresh recomputes (see MembershipHook).
	OnMembershipChanged MembershipHook
}

// NewRFM returns the RFM service over d.
func NewRFM(d *db.DB) *RFM { return &RFM{DB: d} }

// Settings returns the tenant's RFM settings (the defaults where unset).
func (s *RFM) Settings(ctx context.Context, tenant uuid.UUID) (_ RFMSettings, err error) {
	defer derrors.Wrap(&err, "cdp.RFM.Settings(%v)", tenant)
	var st RFMSettings
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var e error
		st, e = rfmSettingsTx(ctx, tx, tenant)
		return e
	})
	return st, err
}

func rfmSettingsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (RFMSettings, error) {
	st := DefaultRFMSettings()
	var row struct {
		Lookback *int     `bun:"lookback_days"`
		Names    []string `bun:"event_names,array"`
		Value    *string  `bun:"value_property"`
	}
	err := tx.NewRaw("SELECT lookback_days, event_names, value_property FROM cdp_rfm_settings WHERE tenant_id = ?", tenant).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read rfm settings: %w", err)
	}
	if row.Lookback != nil {
		st.LookbackDays = *row.Lookback
	}
	if len(row.Names) > 0 {
		st.EventNames = row.Names
	}
	st.ValueProperty = row.Value
	return st, nil
}

// ValidateRFMSettings checks settings (nil fields take the defaults) and
// returns them completed, or BAD_USER_INPUT naming the field under
// input.
func ValidateRFMSettings(lookback *int, names []string, value *string) (RFMSettings, error) {
	st := DefaultRFMSettings()
	if lookback != nil {
		if *lookback < 1 || *lookback > MaxRFMLookbackDays {
			return st, apperr.Invalid([]string{"input", "lookbackDays"}, "the lookback is 1 to %d days", MaxRFMLookbackDays)
		}
		st.LookbackDays = *lookback
	}
	if names != nil {
		if len(names) < 1 || len(names) > MaxRFMEventNames {
			return st, apperr.Invalid([]string{"input", "eventNames"}, "list 1 to %d purchase event names", MaxRFMEventNames)
		}
		out := make([]string, 0, len(names))
		for i, n := range names {
			n = strings.TrimSpace(n)
			if n == "" || utf8.RuneCountInString(n) > MaxRFMEventName {
				return st, apperr.Invalid([]string{"input", "eventNames", fmt.Sprint(i)}, "an event name is 1 to %d characters", MaxRFMEventName)
			}
			out = append(out, n)
		}
		slices.Sort(out)
		st.EventNames = slices.Compact(out)
	}
	if value != nil {
		v := strings.TrimSpace(*value)
		if v == "" || utf8.RuneCountInString(v) > MaxRFMValueProperty {
			return st, apperr.Invalid([]string{"input", "valueProperty"}, "the value property is 1 to %d characters", MaxRFMValueProperty)
		}
		st.ValueProperty = &v
	}
	return st, nil
}

// UpdateSettings replaces the tenant's RFM settings (a nil field restores
// its default) after ValidateRFMSettings; they apply from the next
// refresh on. Audited.
func (s *RFM) UpdateSettings(ctx context.Context, tenant uuid.UUID, lookback *int, names []string, value *string) (_ RFMSettings, err error) {
	defer derrors.Wrap(&err, "cdp.RFM.UpdateSettings(%v)", tenant)
	st, err := ValidateRFMSettings(lookback, names, value)
	if err != nil {
		return st, err
	}
	var storedNames any
	if names != nil {
		storedNames = pgdialect.Array(st.EventNames)
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO cdp_rfm_settings (tenant_id, lookback_days, event_names, value_property, updated_at)
			VALUES (?, ?, ?::text[], ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET lookback_days = EXCLUDED.lookback_days, event_names = EXCLUDED.event_names,
				value_property = EXCLUDED.value_property, updated_at = EXCLUDED.updated_at`,
			tenant, lookback, storedNames, st.ValueProperty, s.DB.Now(ctx))
		if err != nil {
			return fmt.Errorf("save rfm settings: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "rfm.update_settings", TargetType: relay.TypeTenant,
			TargetID: tenant, Details: map[string]any{"lookbackDays": st.LookbackDays, "eventNames": len(st.EventNames),
				"valueProperty": st.ValueProperty != nil}})
	})
	return st, err
}

// RequestRefresh enqueues the tenant's refresh (one at a time: a request
// while one waits joins it). Audited.
func (s *RFM) RequestRefresh(ctx context.Context, tenant uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "cdp.RFM.RequestRefresh(%v)", tenant)
	if s.Enqueue == nil {
		return errors.New("no job queue to refresh with")
	}
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := s.Enqueue(ctx, tx, tenant); err != nil {
			return fmt.Errorf("enqueue refresh: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "rfm.refresh", TargetType: relay.TypeTenant, TargetID: tenant})
	})
}

// valueMicrosSQL is the SQL of a purchase's value in micros from the
// properties of event e (parameters: the decimal pattern, then the
// property name(s) of settings).
func valueMicrosSQL(st RFMSettings) (string, []any) {
	one := func() string {
		return `CASE WHEN jsonb_typeof(e.properties -> ?) IN ('number', 'string') AND btrim(e.properties ->> ?) ~ ? THEN
			CASE WHEN abs(btrim(e.properties ->> ?)::numeric) <= 1e9 THEN round(btrim(e.properties ->> ?)::numeric * 1000000)::bigint END END`
	}
	args := func(key string) []any { return []any{key, key, decimalPattern, key, key} }
	if st.ValueProperty != nil {
		return "coalesce(" + one() + ", 0)", args(*st.ValueProperty)
	}
	return "coalesce(" + one() + ", " + one() + ", 0)", append(args("revenue"), args("total")...)
}

// decimalPattern is a decimal number as the RFM and funnel queries read
// one (a JSON number's text always matches; so does a string like "12.50").
const decimalPattern = `^-?[0-9]+(\.[0-9]+)?$`

// cellMap is the 25 (r, f) → cell rows of RFMCell as three arrays.
func cellMap() (rs, fs []int, names []string) {
	for r := 1; r <= 5; r++ {
		for f := 1; f <= 5; f++ {
			rs, fs, names = append(rs, r), append(fs, f), append(names, RFMCell(r, f))
		}
	}
	return rs, fs, names
}

// Refresh recomputes the tenant's scores as of now (the database clock)
// and replaces the stored ones and the report, in one transaction (a
// concurrent refresh of the tenant waits for it).
func (s *RFM) Refresh(ctx context.Context, tenant uuid.UUID) (_ *RFMReport, err error) {
	defer derrors.Wrap(&err, "cdp.RFM.Refresh(%v)", tenant)
	var rep *RFMReport
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := db.LockTx(ctx, tx, "cdp_rfm:"+tenant.String()); err != nil {
			return err
		}
		if err := setStatementTimeout(ctx, tx, RFMRefreshTimeout); err != nil {
			return err
		}
		// As in the funnel report: the CTEs' estimates are guesses, and a
		// nested loop on a low one is quadratic; every join is an equality.
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_nestloop = off"); err != nil {
			return err
		}
		st, err := rfmSettingsTx(ctx, tx, tenant)
		if err != nil {
			return err
		}
		now := s.DB.Now(ctx)
		if _, err := tx.ExecContext(ctx, "DELETE FROM cdp_profile_rfm WHERE tenant_id = ?", tenant); err != nil {
			return fmt.Errorf("clear scores: %w", err)
		}
		rep, err = s.scoreTx(ctx, tx, tenant, st, now)
		if err != nil {
			return err
		}
		cells, err := marshalCells(rep.Cells)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO cdp_rfm_reports (tenant_id, computed_at, lookback_days, profiles, cells)
			VALUES (?, ?, ?, ?, ?::jsonb) ON CONFLICT (tenant_id) DO UPDATE SET computed_at = EXCLUDED.computed_at,
				lookback_days = EXCLUDED.lookback_days, profiles = EXCLUDED.profiles, cells = EXCLUDED.cells`,
			tenant, now, st.LookbackDays, rep.Profiles, cells)
		if err != nil {
			return err
		}
		// Dynamic segments with RFM conditions follow the new scores in the
		// same transaction (docs/adr/0020), planned as usual.
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_nestloop = on"); err != nil {
			return err
		}
		return refreshRFMSegmentsTx(ctx, tx, tenant, now, s.OnMembershipChanged)
	})
	return rep, err
}

// scoreTx computes and inserts the scores, returning the per-cell sums.
func (s *RFM) scoreTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, st RFMSettings, now time.Time) (*RFMReport, error) {
	start := now.AddDate(0, 0, -st.LookbackDays)
	value, vargs := valueMicrosSQL(st)
	rs, fs, names := cellMap()
	args := append([]any{}, vargs...)
	args = append(args, tenant, pgdialect.Array(st.EventNames), start, now, start.Add(-EventClockSlack),
		pgdialect.Array(rs), pgdialect.Array(fs), pgdialect.Array(names), tenant, now)
	var rows []struct {
		Segment string `bun:"segment"`
		Count   int64  `bun:"n"`
		Micros  int64  `bun:"micros"`
	}
	err := tx.NewRaw(`WITH ev AS (
			SELECT coalesce(iu.profile_id, ia.profile_id) AS profile_id, e."timestamp" AS at, `+value+` AS micros
			FROM cdp_events e
			LEFT JOIN cdp_identifiers iu ON iu.tenant_id = e.tenant_id AND iu.type = 'USER_ID' AND iu.value = e.user_id
			LEFT JOIN cdp_identifiers ia ON ia.tenant_id = e.tenant_id AND ia.type = 'ANONYMOUS_ID' AND ia.value = e.anonymous_id
			WHERE e.tenant_id = ? AND e.type = 'track' AND e.event = ANY(?::text[])
				AND e."timestamp" > ? AND e."timestamp" <= ? AND e.received_at >= ?
		), agg AS (
			SELECT profile_id, max(at) AS last_at, count(*) AS n, sum(micros) AS micros
			FROM ev WHERE profile_id IS NOT NULL GROUP BY profile_id
		), q AS (
			SELECT profile_id, last_at, n, micros,
				ntile(5) OVER (ORDER BY last_at, profile_id) AS r0,
				ntile(5) OVER (ORDER BY n, profile_id) AS f0,
				ntile(5) OVER (ORDER BY micros, profile_id) AS m0
			FROM agg
		), sc AS (
			SELECT profile_id, micros, min(r0) OVER (PARTITION BY last_at) AS r, min(f0) OVER (PARTITION BY n) AS f,
				min(m0) OVER (PARTITION BY micros) AS m
			FROM q
		), cell AS (
			SELECT * FROM unnest(?::int[], ?::int[], ?::text[]) AS c(r, f, name)
		), scored AS (
			SELECT sc.profile_id, sc.micros, sc.r, sc.f, sc.m, cell.name AS segment FROM sc JOIN cell USING (r, f)
		), ins AS (
			INSERT INTO cdp_profile_rfm (tenant_id, profile_id, r, f, m, segment, computed_at)
			SELECT ?, profile_id, r, f, m, segment, ? FROM scored
		)
		SELECT segment, count(*) AS n, coalesce(sum(micros), 0)::bigint AS micros FROM scored GROUP BY segment`, args...).Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, mapTimeout(fmt.Errorf("score: %w", err), "the RFM refresh")
	}
	by := map[string]RFMCellSummary{}
	rep := &RFMReport{ComputedAt: &now, LookbackDays: st.LookbackDays}
	for _, r := range rows {
		by[r.Segment] = RFMCellSummary{Name: r.Segment, Count: r.Count, RevenueMicros: r.Micros}
		rep.Profiles += int(r.Count)
	}
	for _, c := range RFMCells {
		x := by[c]
		x.Name = c
		rep.Cells = append(rep.Cells, x)
	}
	return rep, nil
}

// Report returns the latest refresh's summary.
func (s *RFM) Report(ctx context.Context, tenant uuid.UUID) (_ *RFMReport, err error) {
	defer derrors.Wrap(&err, "cdp.RFM.Report(%v)", tenant)
	rep := &RFMReport{}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var row struct {
			ComputedAt time.Time        `bun:"computed_at"`
			Lookback   int              `bun:"lookback_days"`
			Profiles   int              `bun:"profiles"`
			Cells      []RFMCellSummary `bun:"cells,type:jsonb"`
		}
		err := tx.NewRaw("SELECT computed_at, lookback_days, profiles, cells FROM cdp_rfm_reports WHERE tenant_id = ?", tenant).Scan(ctx, &row)
		if errors.Is(err, sql.ErrNoRows) {
			st, err := rfmSettingsTx(ctx, tx, tenant)
			rep.LookbackDays = st.LookbackDays
			return err
		}
		if err != nil {
			return err
		}
		rep.ComputedAt, rep.LookbackDays, rep.Profiles, rep.Cells = &row.ComputedAt, row.Lookback, row.Profiles, row.Cells
		return nil
	})
	if err != nil {
		return nil, err
	}
	by := map[string]RFMCellSummary{}
	for _, c := range rep.Cells {
		by[c.Name] = c
	}
	rep.Cells = rep.Cells[:0]
	for _, c := range RFMCells {
		x := by[c]
		x.Name = c
		rep.Cells = append(rep.Cells, x)
	}
	return rep, nil
}

// Score returns the stored score of live profile id (nil when it has
// none, and for an absorbed profile: scores are the survivors').
func (s *RFM) Score(ctx context.Context, tenant, id uuid.UUID) (_ *RFMScore, err error) {
	defer derrors.Wrap(&err, "cdp.RFM.Score(%v, %v)", tenant, id)
	m, err := s.ScoresOf(ctx, tenant, []uuid.UUID{id})
	return m[id], err
}

// ScoresOf is Score of many profiles in one query (the dataloader of
// Profile.rfm): the stored score of each id that has one.
func (s *RFM) ScoresOf(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (_ map[uuid.UUID]*RFMScore, err error) {
	defer derrors.Wrap(&err, "cdp.RFM.ScoresOf(%v, %d profiles)", tenant, len(ids))
	out := make(map[uuid.UUID]*RFMScore, len(ids))
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var rows []RFMScore
		err := tx.NewRaw("SELECT profile_id, r, f, m, segment, computed_at FROM cdp_profile_rfm WHERE tenant_id = ? AND profile_id = ANY(?)",
			tenant, pgdialect.Array(ids)).Scan(ctx, &rows)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for i := range rows {
			out[rows[i].ProfileID] = &rows[i]
		}
		return nil
	})
	return out, err
}

// Scores returns every stored score of the tenant (tests and exports;
// bounded by the tenant's customers).
func (s *RFM) Scores(ctx context.Context, tenant uuid.UUID) (_ []RFMScore, err error) {
	defer derrors.Wrap(&err, "cdp.RFM.Scores(%v)", tenant)
	var out []RFMScore
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw("SELECT profile_id, r, f, m, segment, computed_at FROM cdp_profile_rfm WHERE tenant_id = ? ORDER BY profile_id",
			tenant).Scan(ctx, &out)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return out, err
}

// CellMembers pages the live profiles of an RFM cell, most recently seen
// first, with their identifiers.
func (s *RFM) CellMembers(ctx context.Context, tenant uuid.UUID, cell string, args relay.Args) (_ *relay.Page[Profile], err error) {
	defer derrors.Wrap(&err, "cdp.RFM.CellMembers(%v, %q)", tenant, cell)
	if !slices.Contains(RFMCells, cell) {
		return nil, apperr.Invalid([]string{"segment"}, "unknown RFM cell")
	}
	var p *relay.Page[Profile]
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*Profile)(nil)).Where("p.tenant_id = ?", tenant).Where("p.merged_into IS NULL").
			Where("p.id IN (SELECT profile_id FROM cdp_profile_rfm WHERE tenant_id = ? AND segment = ?)", tenant, cell)
		var err error
		p, err = relay.Paginate(ctx, q, args, "p.last_seen_at", "p.id", func(x *Profile) relay.Cursor {
			return relay.Cursor{At: x.LastSeenAt, ID: x.ID}
		})
		if err != nil {
			return err
		}
		return fillIdentifiersTx(ctx, tx, tenant, p.Items)
	})
	return p, err
}

func marshalCells(cells []RFMCellSummary) (string, error) {
	b, err := json.Marshal(cells)
	return string(b), err
}

// mapTimeout turns a statement cancelled by its statement_timeout into a
// THROTTLED error that says what took too long.
func mapTimeout(err error, what string) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "57014" {
		return apperr.New(apperr.Throttled, "%s took too long and was stopped; narrow it (a shorter date range, fewer steps) or try again later", what)
	}
	return err
}
