package cdp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
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

// Computed traits (issue 14, docs/adr/0019): a tenant defines a trait as
// an aggregation over the events of one name (with an optional property
// filter) within a time window; every profile's value is kept up to date
// by the batch job as events arrive (trait_apply.go), corrected for the
// window's expiry by a periodic job and filled in for existing events by a
// backfill (trait_jobs.go). This file holds the definitions.

// TraitAggregation is how a trait folds its events.
type TraitAggregation string

// The aggregations.
const (
	AggCount        TraitAggregation = "COUNT"
	AggSum          TraitAggregation = "SUM"
	AggAverage      TraitAggregation = "AVERAGE"
	AggMin          TraitAggregation = "MIN"
	AggMax          TraitAggregation = "MAX"
	AggFirst        TraitAggregation = "FIRST"
	AggLast         TraitAggregation = "LAST"
	AggUniqueCount  TraitAggregation = "UNIQUE_COUNT"
	AggExists       TraitAggregation = "EXISTS"
	AggMostFrequent TraitAggregation = "MOST_FREQUENT"
)

// TraitAggregations lists every aggregation.
var TraitAggregations = []TraitAggregation{AggCount, AggSum, AggAverage, AggMin, AggMax, AggFirst, AggLast, AggUniqueCount, AggExists, AggMostFrequent}

// takesValue reports whether the aggregation reads a value property.
func (a TraitAggregation) takesValue() bool { return a != AggCount && a != AggExists }

// numeric reports whether the aggregation needs numbers.
func (a TraitAggregation) numeric() bool {
	return a == AggSum || a == AggAverage || a == AggMin || a == AggMax
}

// Trait filters name their operator with the funnels' FilterOperator
// (funnel.go: the same five values). A trait's matcher (TraitDefinition.matchFilter,
// trait_state.go) decides: EQUALS and NOT_EQUALS compare the property's
// text (a number as its decimal, a boolean as true/false; NOT_EQUALS also
// takes events without the property), GREATER_THAN and LESS_THAN compare
// numbers (a property that is no number never matches), CONTAINS looks
// for the value in a string property (case-sensitive).

// Bounds of a definition.
const (
	// MaxTraitDefinitions bounds a tenant's trait definitions.
	MaxTraitDefinitions = 100
	// MaxTraitWindowDays bounds a window (two years).
	MaxTraitWindowDays = 730
	maxTraitName       = 100
	maxTraitEvent      = 200
	maxFilterValue     = 200
	// MaxPropertyPathKeys bounds a property path's keys (a.b.c).
	MaxPropertyPathKeys = 5
)

// propertyKey is one key of a property path: letters, digits, _, - and $.
// The path never reaches SQL text (it is matched in Go).
var propertyKey = regexp.MustCompile(`^[A-Za-z0-9_$-]{1,64}$`)

// TraitFilter is a definition's property filter.
type TraitFilter struct {
	Path     []string
	Operator FilterOperator
	Value    string
}

// Backfill states of a definition.
const (
	BackfillPending = "PENDING"
	BackfillRunning = "RUNNING"
	BackfillDone    = "DONE"
)

// TraitDefinition is one computed trait of a tenant.
type TraitDefinition struct {
	bun.BaseModel `bun:"table:cdp_trait_definitions"`

	TenantID    uuid.UUID        `bun:"tenant_id,pk"`
	ID          uuid.UUID        `bun:"id,pk"`
	Name        string           `bun:"name"`
	Aggregation TraitAggregation `bun:"aggregation"`
	Event       string           `bun:"event"`
	FilterPath  []string         `bun:"filter_path,array"`
	FilterOp    *FilterOperator  `bun:"filter_operator"`
	FilterValue *string          `bun:"filter_value"`
	ValuePath   []string         `bun:"value_path,array"`
	// WindowDays nil: all time.
	WindowDays     *int       `bun:"window_days"`
	Version        int        `bun:"version"`
	BackfillStatus string     `bun:"backfill_status"`
	BackfillDone   int64      `bun:"backfill_done"`
	BackfillTotal  int64      `bun:"backfill_total"`
	BackfillAfter  *uuid.UUID `bun:"backfill_after"`
	CreatedAt      time.Time  `bun:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at"`

	// Filter is FilterPath, FilterOp and FilterValue together (nil without
	// a filter); set by load.
	Filter *TraitFilter `bun:"-"`
}

// load fills Filter from the columns.
func (d *TraitDefinition) load() {
	d.Filter = nil
	if d.FilterOp != nil && d.FilterValue != nil && len(d.FilterPath) > 0 {
		d.Filter = &TraitFilter{Path: d.FilterPath, Operator: *d.FilterOp, Value: *d.FilterValue}
	}
}

// TraitDefinitionInput is a definition as created or replaced.
type TraitDefinitionInput struct {
	Name        string
	Aggregation TraitAggregation
	Event       string
	// Filter: a dotted path (plan, order.currency), an operator and a
	// value; nil for none.
	Filter *TraitFilterInput
	// ValueProperty: a dotted path; required by value aggregations,
	// refused by COUNT and EXISTS.
	ValueProperty *string
	// WindowDays nil: all time.
	WindowDays *int
}

// TraitFilterInput is a property filter as given.
type TraitFilterInput struct {
	Property string
	Operator FilterOperator
	Value    string
}

// parsePath splits and checks a dotted property path.
func parsePath(p string, field []string) ([]string, error) {
	keys := strings.Split(strings.TrimSpace(p), ".")
	if len(keys) > MaxPropertyPathKeys {
		return nil, apperr.Invalid(field, "a property path has at most %d keys", MaxPropertyPathKeys)
	}
	for _, k := range keys {
		if !propertyKey.MatchString(k) {
			return nil, apperr.Invalid(field, "a property path is keys of 1 to 64 letters, digits, _, - or $ joined by dots")
		}
	}
	return keys, nil
}

// validate checks in and returns the definition it describes (fields
// under input).
func (in TraitDefinitionInput) validate() (*TraitDefinition, error) {
	f := func(name ...string) []string { return append([]string{"input"}, name...) }
	d := &TraitDefinition{Name: strings.TrimSpace(in.Name), Aggregation: in.Aggregation, Event: strings.TrimSpace(in.Event), WindowDays: in.WindowDays}
	if d.Name == "" || utf8.RuneCountInString(d.Name) > maxTraitName {
		return nil, apperr.Invalid(f("name"), "a trait's name is 1 to %d characters", maxTraitName)
	}
	known := false
	for _, a := range TraitAggregations {
		known = known || a == d.Aggregation
	}
	if !known {
		return nil, apperr.Invalid(f("aggregation"), "unknown aggregation")
	}
	if d.Event == "" || utf8.RuneCountInString(d.Event) > maxTraitEvent {
		return nil, apperr.Invalid(f("event"), "the event name is 1 to %d characters", maxTraitEvent)
	}
	if in.Filter != nil {
		path, err := parsePath(in.Filter.Property, f("filter", "property"))
		if err != nil {
			return nil, err
		}
		if utf8.RuneCountInString(in.Filter.Value) > maxFilterValue {
			return nil, apperr.Invalid(f("filter", "value"), "the value is at most %d characters", maxFilterValue)
		}
		switch in.Filter.Operator {
		case FilterEquals, FilterNotEquals, FilterContains:
		case FilterGreaterThan, FilterLessThan:
			// A plain decimal, as funnels and RFM read one: it is parsed at
			// every matching event, and an exponent could make that a
			// number of millions of digits.
			if !decimalRE.MatchString(strings.TrimSpace(in.Filter.Value)) {
				return nil, apperr.Invalid(f("filter", "value"), "%s compares numbers: the value must be a decimal number such as 12 or -3.25", in.Filter.Operator)
			}
		default:
			return nil, apperr.Invalid(f("filter", "operator"), "unknown operator")
		}
		op, val := in.Filter.Operator, in.Filter.Value
		if op == FilterGreaterThan || op == FilterLessThan {
			val = strings.TrimSpace(val)
		}
		d.FilterPath, d.FilterOp, d.FilterValue = path, &op, &val
	}
	switch {
	case d.Aggregation.takesValue() && (in.ValueProperty == nil || strings.TrimSpace(*in.ValueProperty) == ""):
		return nil, apperr.Invalid(f("valueProperty"), "%s needs the property whose values it aggregates", d.Aggregation)
	case !d.Aggregation.takesValue() && in.ValueProperty != nil && *in.ValueProperty != "":
		return nil, apperr.Invalid(f("valueProperty"), "%s counts events and takes no value property", d.Aggregation)
	case d.Aggregation.takesValue():
		path, err := parsePath(*in.ValueProperty, f("valueProperty"))
		if err != nil {
			return nil, err
		}
		d.ValuePath = path
	}
	if d.WindowDays != nil && (*d.WindowDays < 1 || *d.WindowDays > MaxTraitWindowDays) {
		return nil, apperr.Invalid(f("windowDays"), "the window is 1 to %d days (leave it out for all time)", MaxTraitWindowDays)
	}
	d.load()
	return d, nil
}

// Traits manages a tenant's computed trait definitions and their jobs.
type Traits struct {
	DB *db.DB
	// EnqueueBackfill inserts the backfill job of a definition's version in
	// the transaction that creates or changes it (jobs.TraitBackfillHook).
	// Without it definitions stay PENDING until Backfill is called.
	EnqueueBackfill func(ctx context.Context, tx bun.Tx, tenant, definition uuid.UUID, version int) error
	// OnMembershipChanged is told of the membership changes of the segments
	// with computed-trait conditions that trait jobs recompute (see
	// MembershipHook).
	OnMembershipChanged MembershipHook
}

// lockTraitTenantTx takes the tenant's trait row for a change of its
// definitions (creating it), waiting for the batch jobs applying events. A
// new row counts as reconciled now: the first definition's backfill
// computes every profile from its current identifiers.
func lockTraitTenantTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO cdp_trait_tenants (tenant_id, reconciled_at) VALUES (?, ?)
		ON CONFLICT (tenant_id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id`, tenant, now)
	return err
}

// uniqueName maps the unique name violation to a field error.
func uniqueName(err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return apperr.Invalid([]string{"input", "name"}, "another trait has this name")
	}
	return err
}

// CreateDefinition adds a trait definition (at most MaxTraitDefinitions
// per tenant) and enqueues its backfill.
func (s *Traits) CreateDefinition(ctx context.Context, tenant uuid.UUID, in TraitDefinitionInput) (_ *TraitDefinition, err error) {
	defer derrors.Wrap(&err, "cdp.Traits.CreateDefinition(%s)", tenant)
	d, err := in.validate()
	if err != nil {
		return nil, err
	}
	d.TenantID, d.ID, d.Version, d.BackfillStatus = tenant, uuid.New(), 1, BackfillPending
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := lockTraitTenantTx(ctx, tx, tenant, s.DB.Now(ctx)); err != nil {
			return err
		}
		n, err := tx.NewSelect().Model((*TraitDefinition)(nil)).Where("tenant_id = ?", tenant).Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxTraitDefinitions {
			return apperr.Invalid([]string{"input"}, "a workspace has at most %d computed traits; delete one first", MaxTraitDefinitions)
		}
		d.CreatedAt = s.DB.Now(ctx)
		d.UpdatedAt = d.CreatedAt
		if _, err := tx.NewInsert().Model(d).Exec(ctx); err != nil {
			return uniqueName(err)
		}
		if err := s.enqueue(ctx, tx, d); err != nil {
			return err
		}
		return audit.Record(ctx, tx, traitAudit("trait_definition.create", d))
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Traits) enqueue(ctx context.Context, tx bun.Tx, d *TraitDefinition) error {
	if s.EnqueueBackfill == nil {
		return nil
	}
	return s.EnqueueBackfill(ctx, tx, d.TenantID, d.ID, d.Version)
}

func traitAudit(action string, d *TraitDefinition) audit.Entry {
	return audit.Entry{TenantID: d.TenantID, Action: action, TargetType: TypeTraitDefinition, TargetID: d.ID,
		Details: map[string]any{"name": d.Name, "aggregation": string(d.Aggregation), "event": d.Event}}
}

// TypeTraitDefinition is the global ID type of a trait definition.
const TypeTraitDefinition = "TraitDefinition"

// UpdateDefinition replaces a definition. When what it computes changes
// (anything but its name), its values are dropped and recomputed by a new
// backfill.
func (s *Traits) UpdateDefinition(ctx context.Context, tenant, id uuid.UUID, in TraitDefinitionInput) (_ *TraitDefinition, err error) {
	defer derrors.Wrap(&err, "cdp.Traits.UpdateDefinition(%s, %s)", tenant, id)
	d, err := in.validate()
	if err != nil {
		return nil, err
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := lockTraitTenantTx(ctx, tx, tenant, s.DB.Now(ctx)); err != nil {
			return err
		}
		old, err := definitionTx(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		d.TenantID, d.ID, d.CreatedAt, d.UpdatedAt = tenant, id, old.CreatedAt, s.DB.Now(ctx)
		d.Version, d.BackfillStatus, d.BackfillDone, d.BackfillTotal, d.BackfillAfter =
			old.Version, old.BackfillStatus, old.BackfillDone, old.BackfillTotal, old.BackfillAfter
		recompute := !sameComputation(old, d)
		if recompute {
			d.Version++
			d.BackfillStatus, d.BackfillDone, d.BackfillTotal, d.BackfillAfter = BackfillPending, 0, 0, nil
		}
		if _, err := tx.NewUpdate().Model(d).WherePK().ExcludeColumn("tenant_id", "id", "created_at").Exec(ctx); err != nil {
			return uniqueName(err)
		}
		if recompute {
			if _, err := tx.ExecContext(ctx, `DELETE FROM cdp_computed_traits WHERE tenant_id = ? AND definition_id = ?`, tenant, id); err != nil {
				return fmt.Errorf("drop values: %w", err)
			}
			if err := s.enqueue(ctx, tx, d); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, traitAudit("trait_definition.update", d))
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func sameComputation(a, b *TraitDefinition) bool {
	eqInt := func(x, y *int) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqPath := func(x, y []string) bool { return strings.Join(x, ".") == strings.Join(y, ".") }
	a.load()
	b.load()
	sameFilter := (a.Filter == nil) == (b.Filter == nil) &&
		(a.Filter == nil || (eqPath(a.Filter.Path, b.Filter.Path) && a.Filter.Operator == b.Filter.Operator && a.Filter.Value == b.Filter.Value))
	return a.Aggregation == b.Aggregation && a.Event == b.Event && sameFilter && eqPath(a.ValuePath, b.ValuePath) && eqInt(a.WindowDays, b.WindowDays)
}

// DeleteDefinition removes a definition and every profile's value of it.
func (s *Traits) DeleteDefinition(ctx context.Context, tenant, id uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "cdp.Traits.DeleteDefinition(%s, %s)", tenant, id)
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := lockTraitTenantTx(ctx, tx, tenant, s.DB.Now(ctx)); err != nil {
			return err
		}
		d, err := definitionTx(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		// Deleted first (its row locked): a segment saved meanwhile that
		// names it waits on the row (segment validation reads it FOR
		// SHARE) and then finds it gone; one saved before is seen here.
		if _, err := tx.NewDelete().Model(d).WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := refuseUsedTraitTx(ctx, tx, tenant, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, traitAudit("trait_definition.delete", d))
	})
}

// maxNamedUsers bounds the segment names a refusal lists.
const maxNamedUsers = 5

// refuseUsedTraitTx refuses to delete a computed trait that segments'
// rules name (CONFLICT naming them): they would match on a trait that no
// longer exists until someone noticed.
func refuseUsedTraitTx(ctx context.Context, tx bun.Tx, tenant, id uuid.UUID) error {
	// Placeholders in $n form: bun would read the jsonpath's "?" as one.
	rows, err := tx.Tx.QueryContext(ctx, `SELECT name FROM cdp_segments WHERE tenant_id = $1::uuid
		AND jsonb_path_exists(rules, '$.** ? (@.computedTrait == $id)', jsonb_build_object('id', $2::text))
		ORDER BY name LIMIT $3`, tenant.String(), id.String(), maxNamedUsers+1)
	if err != nil {
		return err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil || len(names) == 0 {
		return err
	}
	list := strings.Join(names[:min(len(names), maxNamedUsers)], "”, “")
	more := ""
	if len(names) > maxNamedUsers {
		more = " and others"
	}
	return apperr.Conflictf("the segments “%s”%s use this computed trait; remove it from their rules first", list, more)
}

// definitionTx reads one definition (NOT_FOUND when tenant has none with id).
func definitionTx(ctx context.Context, tx bun.Tx, tenant, id uuid.UUID) (*TraitDefinition, error) {
	d := new(TraitDefinition)
	err := tx.NewSelect().Model(d).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("no such trait definition")
	}
	if err != nil {
		return nil, err
	}
	d.load()
	return d, nil
}

// Definition reads one definition (NOT_FOUND when tenant has none with id).
func (s *Traits) Definition(ctx context.Context, tenant, id uuid.UUID) (_ *TraitDefinition, err error) {
	defer derrors.Wrap(&err, "cdp.Traits.Definition(%s, %s)", tenant, id)
	var d *TraitDefinition
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		d, err = definitionTx(ctx, tx, tenant, id)
		return err
	})
	return d, err
}

// Definitions pages tenant's definitions, newest first.
func (s *Traits) Definitions(ctx context.Context, tenant uuid.UUID, args relay.Args) (_ *relay.Page[TraitDefinition], err error) {
	defer derrors.Wrap(&err, "cdp.Traits.Definitions(%s)", tenant)
	var p *relay.Page[TraitDefinition]
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*TraitDefinition)(nil)).Where("tenant_id = ?", tenant)
		p, err = relay.Paginate(ctx, q, args, "created_at", "id", func(x *TraitDefinition) relay.Cursor {
			return relay.Cursor{At: x.CreatedAt, ID: x.ID}
		})
		return err
	})
	if p != nil {
		for i := range p.Items {
			p.Items[i].load()
		}
	}
	return p, err
}

// definitionsTx reads all of tenant's definitions.
func definitionsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID) ([]*TraitDefinition, error) {
	var out []*TraitDefinition
	err := tx.NewSelect().Model(&out).Where("tenant_id = ?", tenant).OrderExpr("id").Scan(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	for _, d := range out {
		d.load()
	}
	return out, nil
}

// textArray binds a string slice as text[].
func textArray(s []string) any { return pgdialect.Array(s) }
