package cdp

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// A funnel report (docs/adr/0021, "Funnel semantics"), in one SQL
// statement over cdp_events:
//
//   - A profile enters with a first-step event whose timestamp is in
//     [from, to). Each later step is the earliest event of that step
//     strictly after the previous step's and at most the window after the
//     entry (events after `to` count, up to to + window). Taking the
//     earliest is optimal: it leaves the most room for the next steps.
//   - A profile with several entries counts once, with the entry that got
//     furthest (the earliest of those; then the smallest breakdown value).
//   - A step's entered count is the profiles that reached it; its medians
//     are over those profiles' times from the previous step and from the
//     entry (percentile_cont(0.5): the mean of the two middle values for
//     an even count).
//   - The breakdown puts each profile in the group of its entry's
//     first-step property (or its profile trait) at the path, as text
//     (null: absent); the MaxBreakdownGroups groups with the most profiles
//     (ties by value, byte order, null first) are reported, the rest
//     summed in one "other" group.
//
// Events are attributed to profiles as for RFM (rfm.go). Every value —
// names, paths, operands, times — is a bound parameter; only the query's
// shape (how many steps, which operator) comes from Go.

// Funnel report bounds.
const (
	MaxBreakdownGroups = 10
	MaxFunnelRange     = 366 * 24 * time.Hour
)

// BreakdownSource says where a breakdown's value comes from.
type BreakdownSource string

// Breakdown sources.
const (
	BreakdownEventProperty BreakdownSource = "EVENT_PROPERTY"
	BreakdownProfileTrait  BreakdownSource = "PROFILE_TRAIT"
)

// Breakdown splits a report by a value.
type Breakdown struct {
	Source BreakdownSource
	Path   []string
}

// FunnelStepResult is one step's figures.
type FunnelStepResult struct {
	// Entered is how many profiles reached the step.
	Entered int64
	// MedianFromPrevious and MedianFromStart are the median seconds from
	// the previous step and from the entry (nil for the first step and
	// for a step nobody reached).
	MedianFromPrevious *float64
	MedianFromStart    *float64
}

// FunnelGroup is a breakdown group's steps.
type FunnelGroup struct {
	// Value is the group's value (nil: the property is absent); Other
	// marks the sum of the groups past MaxBreakdownGroups.
	Value *string
	Other bool
	Steps []FunnelStepResult
}

// FunnelReport is a funnel's figures over a range.
type FunnelReport struct {
	Funnel   *Funnel
	From, To time.Time
	Steps    []FunnelStepResult
	// Groups are the breakdown's groups (nil without a breakdown), most
	// profiles first, "other" last.
	Groups []FunnelGroup
}

// validateReport checks a report's range and breakdown.
func validateReport(from, to time.Time, b *Breakdown) error {
	if !from.Before(to) {
		return apperr.Invalid([]string{"to"}, "to must be after from")
	}
	if to.Sub(from) > MaxFunnelRange {
		return apperr.Invalid([]string{"to"}, "a report covers at most %d days", int(MaxFunnelRange.Hours()/24))
	}
	if b != nil {
		if b.Source != BreakdownEventProperty && b.Source != BreakdownProfileTrait {
			return apperr.Invalid([]string{"breakdownBy", "source"}, "unknown breakdown source")
		}
		if err := ValidatePath(b.Path, []string{"breakdownBy", "path"}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Funnels) reportTimeout() time.Duration {
	if s.ReportTimeout > 0 {
		return s.ReportTimeout
	}
	return DefaultFunnelReportTimeout
}

// Report computes funnel id's report over [from, to), split by b when
// set. The statement is bounded by ReportTimeout (THROTTLED when it runs
// out).
func (s *Funnels) Report(ctx context.Context, tenant, id uuid.UUID, from, to time.Time, b *Breakdown) (_ *FunnelReport, err error) {
	defer derrors.Wrap(&err, "cdp.Funnels.Report(%v, %v)", tenant, id)
	if err := validateReport(from, to, b); err != nil {
		return nil, err
	}
	rep := &FunnelReport{From: from, To: to, Funnel: new(Funnel)}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := scanFunnelTx(ctx, tx, rep.Funnel, id); err != nil {
			return err
		}
		if err := setStatementTimeout(ctx, tx, s.reportTimeout()); err != nil {
			return err
		}
		// The CTEs' row estimates are guesses; a nested loop over two of
		// them is quadratic when the guess is low. Every join of the
		// report is an equality (hash or merge join).
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_nestloop = off"); err != nil {
			return err
		}
		q, args := funnelSQL(tenant, rep.Funnel, from, to, b)
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return mapTimeout(err, "the funnel report")
		}
		defer rows.Close()
		n := len(rep.Funnel.Steps)
		for rows.Next() {
			var gset int
			var g FunnelGroup
			g.Steps = make([]FunnelStepResult, n)
			dst := []any{&gset, &g.Value, &g.Other}
			for k := range g.Steps {
				dst = append(dst, &g.Steps[k].Entered, &g.Steps[k].MedianFromPrevious, &g.Steps[k].MedianFromStart)
			}
			if err := rows.Scan(dst...); err != nil {
				return err
			}
			if gset != 0 {
				rep.Steps = g.Steps
			} else if b != nil {
				rep.Groups = append(rep.Groups, g)
			}
		}
		return mapTimeout(rows.Err(), "the funnel report")
	})
	if err != nil {
		return nil, err
	}
	if rep.Steps == nil { // nobody entered: no rows at all
		rep.Steps = make([]FunnelStepResult, len(rep.Funnel.Steps))
	}
	if b != nil && rep.Groups == nil {
		rep.Groups = []FunnelGroup{}
	}
	SortFunnelGroups(rep.Groups)
	return rep, nil
}

// SortFunnelGroups orders groups as reports list them: most entered
// first, then by value (byte order, absent first), "other" last.
func SortFunnelGroups(gs []FunnelGroup) {
	slices.SortFunc(gs, func(a, b FunnelGroup) int {
		if a.Other != b.Other {
			if a.Other {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(b.Steps[0].Entered, a.Steps[0].Entered); c != 0 {
			return c
		}
		return CompareGroupValues(a.Value, b.Value)
	})
}

// CompareGroupValues orders breakdown values: absent first, then by
// bytes (PostgreSQL's "C" collation).
func CompareGroupValues(a, b *string) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return strings.Compare(*a, *b)
}

func scanFunnelTx(ctx context.Context, tx bun.Tx, f *Funnel, id uuid.UUID) error {
	return db.ScanByID(ctx, tx, f, id, db.NoLock, funnelNotFound)
}

// filterSQL is a step's condition on e.properties.
func filterSQL(f *PropertyFilter) (string, []any) {
	val := "(e.properties #>> ?::text[])"
	path := pgdialect.Array(f.Path)
	switch f.Operator {
	case FilterEquals:
		return val + " = ?", []any{path, f.Value}
	case FilterNotEquals:
		return val + " IS DISTINCT FROM ?", []any{path, f.Value}
	case FilterGreaterThan, FilterLessThan:
		op := ">"
		if f.Operator == FilterLessThan {
			op = "<"
		}
		return "CASE WHEN " + val + " ~ ? THEN " + val + "::numeric " + op + " ?::numeric ELSE false END",
			[]any{path, decimalPattern, path, f.Value}
	case FilterContains:
		return "strpos(" + val + ", ?) > 0", []any{path, f.Value}
	}
	return "false", nil
}

// funnelSQL builds the report's statement (see the top of the file).
// Its rows: grouping-set marker (non-zero: the total), the group's value,
// whether it is "other", then per step: entered, median from previous,
// median from start.
func funnelSQL(tenant uuid.UUID, f *Funnel, from, to time.Time, b *Breakdown) (string, []any) {
	n := len(f.Steps)
	var q strings.Builder
	var args []any
	add := func(sql string, a ...any) {
		q.WriteString(sql)
		args = append(args, a...)
	}
	names := make([]string, 0, n)
	for _, st := range f.Steps {
		if !slices.Contains(names, st.Event) {
			names = append(names, st.Event)
		}
	}
	window := f.WindowSeconds
	add(`WITH m AS MATERIALIZED (SELECT coalesce(iu.profile_id, ia.profile_id) AS pid, e."timestamp" AS at`)
	if b != nil && b.Source == BreakdownEventProperty {
		add(`, e.properties #>> ?::text[] AS g`, pgdialect.Array(b.Path))
	} else {
		add(`, NULL::text AS g`)
	}
	for k, st := range f.Steps {
		add(`, coalesce(e.event = ?`, st.Event)
		if st.Filter != nil {
			cond, a := filterSQL(st.Filter)
			add(" AND ("+cond+")", a...)
		}
		add(fmt.Sprintf(`, false) AS s%d`, k+1))
	}
	add(`
		FROM cdp_events e
		LEFT JOIN cdp_identifiers iu ON iu.tenant_id = e.tenant_id AND iu.type = 'USER_ID' AND iu.value = e.user_id
		LEFT JOIN cdp_identifiers ia ON ia.tenant_id = e.tenant_id AND ia.type = 'ANONYMOUS_ID' AND ia.value = e.anonymous_id
		WHERE e.tenant_id = ? AND e.type = 'track' AND e.event = ANY(?::text[])
			AND e."timestamp" >= ? AND e."timestamp" <= ? AND e.received_at >= ?)`,
		tenant, pgdialect.Array(names), from, to.Add(f.Window()), from.Add(-EventClockSlack))
	// nx: for each (profile, time) with events, the earliest event of each
	// later step strictly after that time (a RANGE frame starting 1 µs on:
	// timestamps have microsecond precision). A step's time is then one
	// equality join away from the previous step's, however many events a
	// profile has.
	nx := ""
	for k := 2; k <= n; k++ {
		nx += fmt.Sprintf(", min(at) FILTER (WHERE s%d) OVER w AS n%d", k, k)
	}
	add(`, nx AS MATERIALIZED (SELECT DISTINCT ON (pid, at) pid, at` + nx + ` FROM m WHERE pid IS NOT NULL
		WINDOW w AS (PARTITION BY pid ORDER BY at RANGE BETWEEN '1 microsecond'::interval FOLLOWING AND UNBOUNDED FOLLOWING))`)
	add(`, c1 AS (SELECT pid, g, at AS t1 FROM m WHERE s1 AND pid IS NOT NULL AND at >= ? AND at < ?)`, from, to)
	for k := 2; k <= n; k++ {
		add(fmt.Sprintf(`, c%d AS (SELECT c.*, CASE WHEN x.n%d <= c.t1 + make_interval(secs => ?) THEN x.n%d END AS t%d FROM c%d c
			LEFT JOIN nx x ON x.pid = c.pid AND x.at = c.t%d)`, k, k, k, k, k-1, k-1), window)
	}
	depth := "CASE"
	for k := n; k >= 2; k-- {
		depth += fmt.Sprintf(" WHEN t%d IS NOT NULL THEN %d", k, k)
	}
	depth += " ELSE 1 END"
	add(fmt.Sprintf(`, best AS (SELECT DISTINCT ON (pid) *, %s AS depth FROM c%d ORDER BY pid, depth DESC, t1, g COLLATE "C" NULLS FIRST)`, depth, n))
	if b != nil && b.Source == BreakdownProfileTrait {
		add(`, grouped AS (SELECT best.*, p.traits #>> ?::text[] AS gv FROM best
			LEFT JOIN cdp_profiles p ON p.tenant_id = ? AND p.id = best.pid)`, pgdialect.Array(b.Path), tenant)
	} else {
		add(`, grouped AS (SELECT best.*, best.g AS gv FROM best)`)
	}
	add(`, top AS MATERIALIZED (SELECT gv FROM grouped GROUP BY gv ORDER BY count(*) DESC, gv COLLATE "C" NULLS FIRST LIMIT ?)
		, lab AS (SELECT grouped.*, EXISTS (SELECT 1 FROM top WHERE top.gv IS NOT DISTINCT FROM grouped.gv) AS intop FROM grouped)
		, lab2 AS (SELECT lab.*, CASE WHEN intop THEN gv END AS gk, NOT intop AS other FROM lab)
		SELECT GROUPING(gk, other) AS gset, gk, coalesce(other, false) AS other`, MaxBreakdownGroups)
	for k := 1; k <= n; k++ {
		add(fmt.Sprintf(`, count(*) FILTER (WHERE depth >= %d) AS n%d`, k, k))
		if k == 1 {
			add(`, NULL::float8, NULL::float8`)
			continue
		}
		add(fmt.Sprintf(`, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t%d - t%d)::float8) FILTER (WHERE depth >= %d)`, k, k-1, k))
		add(fmt.Sprintf(`, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t%d - t1)::float8) FILTER (WHERE depth >= %d)`, k, k))
	}
	add(` FROM lab2 GROUP BY GROUPING SETS ((), (gk, other))`)
	return q.String(), args
}
