package cdp

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// Funnels (issue 14, docs/adr/0021): ordered steps, each a track event's
// name with an optional property condition, and a conversion window. The
// definitions are stored (cdp_funnels); reports are computed on demand over
// cdp_events (funnel_report.go).

// Funnel bounds.
const (
	MinFunnelSteps  = 2
	MaxFunnelSteps  = 10
	MaxFunnelName   = 100
	MaxFunnelEvent  = 200
	MaxPropertyPath = 5
	MaxPathSegment  = 100
	MaxFilterValue  = 500
	MinFunnelWindow = time.Minute
	MaxFunnelWindow = 90 * 24 * time.Hour
)

// FilterOperator compares an event's property with a filter's value.
type FilterOperator string

// Filter operators. EQUALS and NOT_EQUALS compare the property's text (a
// JSON string's contents, a number's or boolean's JSON text); an absent
// or null property equals nothing (so NOT_EQUALS holds for it).
// GREATER_THAN and LESS_THAN compare numerically and hold only for a
// property that reads as a decimal number (a JSON number or a string
// like "12.50"). CONTAINS holds when the property's text contains the
// value (case-sensitive).
const (
	FilterEquals      FilterOperator = "EQUALS"
	FilterNotEquals   FilterOperator = "NOT_EQUALS"
	FilterGreaterThan FilterOperator = "GREATER_THAN"
	FilterLessThan    FilterOperator = "LESS_THAN"
	FilterContains    FilterOperator = "CONTAINS"
)

// Valid reports whether o is a known operator.
func (o FilterOperator) Valid() bool {
	switch o {
	case FilterEquals, FilterNotEquals, FilterGreaterThan, FilterLessThan, FilterContains:
		return true
	}
	return false
}

func (o FilterOperator) numeric() bool { return o == FilterGreaterThan || o == FilterLessThan }

// PropertyFilter is a condition on an event's properties.
type PropertyFilter struct {
	// Path is the property's path in the properties object (["plan"],
	// ["product", "sku"]).
	Path     []string       `json:"path"`
	Operator FilterOperator `json:"operator"`
	Value    string         `json:"value"`
}

// FunnelStep is one step: a track event of this name, meeting Filter
// when set.
type FunnelStep struct {
	Event  string          `json:"event"`
	Filter *PropertyFilter `json:"filter,omitempty"`
}

// Funnel is a stored funnel definition.
type Funnel struct {
	bun.BaseModel `bun:"table:cdp_funnels,alias:f"`

	TenantID uuid.UUID    `bun:"tenant_id,pk"`
	ID       uuid.UUID    `bun:"id,pk"`
	Name     string       `bun:"name"`
	Steps    []FunnelStep `bun:"steps,type:jsonb"`
	// WindowSeconds is the conversion window: every later step happens
	// within it of the first.
	WindowSeconds int       `bun:"window_seconds"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

// Window is the conversion window.
func (f *Funnel) Window() time.Duration { return time.Duration(f.WindowSeconds) * time.Second }

// FunnelInput is what createFunnel and updateFunnel give.
type FunnelInput struct {
	Name   string
	Steps  []FunnelStep
	Window time.Duration
}

var decimalRE = regexp.MustCompile(decimalPattern)

// ValidatePath checks a property path (1–MaxPropertyPath segments of 1–
// MaxPathSegment characters each) and reports BAD_USER_INPUT at field.
func ValidatePath(path []string, field []string) error {
	if len(path) < 1 || len(path) > MaxPropertyPath {
		return apperr.Invalid(field, "a property path has 1 to %d parts", MaxPropertyPath)
	}
	for i, p := range path {
		if p == "" || utf8.RuneCountInString(p) > MaxPathSegment {
			return apperr.Invalid(append(append([]string{}, field...), fmt.Sprint(i)), "a property path's part is 1 to %d characters", MaxPathSegment)
		}
	}
	return nil
}

// Validate checks in and returns it cleaned (names trimmed), or
// BAD_USER_INPUT naming the field under input.
func (in FunnelInput) Validate() (FunnelInput, error) {
	out := FunnelInput{Name: strings.TrimSpace(in.Name), Window: in.Window}
	if out.Name == "" || utf8.RuneCountInString(out.Name) > MaxFunnelName {
		return out, apperr.Invalid([]string{"input", "name"}, "the name is 1 to %d characters", MaxFunnelName)
	}
	if in.Window < MinFunnelWindow || in.Window > MaxFunnelWindow || in.Window%time.Second != 0 {
		return out, apperr.Invalid([]string{"input", "windowSeconds"}, "the conversion window is %d to %d seconds",
			int(MinFunnelWindow.Seconds()), int(MaxFunnelWindow.Seconds()))
	}
	if len(in.Steps) < MinFunnelSteps || len(in.Steps) > MaxFunnelSteps {
		return out, apperr.Invalid([]string{"input", "steps"}, "a funnel has %d to %d steps", MinFunnelSteps, MaxFunnelSteps)
	}
	for i, st := range in.Steps {
		at := func(f ...string) []string { return append([]string{"input", "steps", fmt.Sprint(i)}, f...) }
		st.Event = strings.TrimSpace(st.Event)
		if st.Event == "" || utf8.RuneCountInString(st.Event) > MaxFunnelEvent {
			return out, apperr.Invalid(at("event"), "an event name is 1 to %d characters", MaxFunnelEvent)
		}
		if f := st.Filter; f != nil {
			if err := ValidatePath(f.Path, at("filter", "path")); err != nil {
				return out, err
			}
			if !f.Operator.Valid() {
				return out, apperr.Invalid(at("filter", "operator"), "unknown operator")
			}
			if utf8.RuneCountInString(f.Value) > MaxFilterValue {
				return out, apperr.Invalid(at("filter", "value"), "a value is at most %d characters", MaxFilterValue)
			}
			if f.Operator.numeric() && !decimalRE.MatchString(f.Value) {
				return out, apperr.Invalid(at("filter", "value"), "%s compares with a decimal number (like 12 or -3.5)", f.Operator)
			}
			if f.Operator == FilterContains && f.Value == "" {
				return out, apperr.Invalid(at("filter", "value"), "CONTAINS needs a value")
			}
			c := *f
			c.Path = append([]string{}, f.Path...)
			st.Filter = &c
		}
		out.Steps = append(out.Steps, st)
	}
	return out, nil
}

// Funnels stores funnel definitions and computes their reports. Build it
// with its DB; ReportTimeout is optional.
type Funnels struct {
	DB *db.DB
	// ReportTimeout bounds a report's statement (DefaultFunnelReportTimeout
	// when zero).
	ReportTimeout time.Duration
}

// DefaultFunnelReportTimeout bounds a funnel report's statement.
const DefaultFunnelReportTimeout = 20 * time.Second

const funnelNotFound = "funnel not found"

// List pages the tenant's funnels, newest first.
func (s *Funnels) List(ctx context.Context, tenant uuid.UUID, args relay.Args) (_ *relay.Page[Funnel], err error) {
	defer derrors.Wrap(&err, "cdp.Funnels.List(%v)", tenant)
	var p *relay.Page[Funnel]
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*Funnel)(nil)).Where("f.tenant_id = ?", tenant)
		var err error
		p, err = relay.Paginate(ctx, q, args, "f.created_at", "f.id", func(x *Funnel) relay.Cursor {
			return relay.Cursor{At: x.CreatedAt, ID: x.ID}
		})
		return err
	})
	return p, err
}

// Get returns one funnel (NOT_FOUND when the tenant has none of that id).
func (s *Funnels) Get(ctx context.Context, tenant, id uuid.UUID) (_ *Funnel, err error) {
	defer derrors.Wrap(&err, "cdp.Funnels.Get(%v, %v)", tenant, id)
	f := new(Funnel)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return db.ScanByID(ctx, tx, f, id, db.NoLock, funnelNotFound)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Create stores a new funnel (at most MaxFunnels a workspace). Audited.
func (s *Funnels) Create(ctx context.Context, tenant uuid.UUID, in FunnelInput) (_ *Funnel, err error) {
	defer derrors.Wrap(&err, "cdp.Funnels.Create(%v)", tenant)
	in, err = in.Validate()
	if err != nil {
		return nil, err
	}
	f := &Funnel{TenantID: tenant, ID: uuid.New(), Name: in.Name, Steps: in.Steps, WindowSeconds: int(in.Window / time.Second)}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := db.CapTx(ctx, tx, "funnels:"+tenant.String(), tx.NewSelect().Model((*Funnel)(nil)), MaxFunnels,
			fmt.Sprintf("a workspace has at most %d funnels; delete one first", MaxFunnels)); err != nil {
			return err
		}
		f.CreatedAt = s.DB.Now(ctx)
		f.UpdatedAt = f.CreatedAt
		if _, err := tx.NewInsert().Model(f).Exec(ctx); err != nil {
			return fmt.Errorf("insert funnel: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "funnel.create", TargetType: relay.TypeFunnel, TargetID: f.ID,
			Details: map[string]any{"name": f.Name, "steps": len(f.Steps)}})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Update replaces a funnel's name, steps and window. Audited.
func (s *Funnels) Update(ctx context.Context, tenant, id uuid.UUID, in FunnelInput) (_ *Funnel, err error) {
	defer derrors.Wrap(&err, "cdp.Funnels.Update(%v, %v)", tenant, id)
	in, err = in.Validate()
	if err != nil {
		return nil, err
	}
	f := new(Funnel)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := db.ScanByID(ctx, tx, f, id, db.LockNoKeyUpdate, funnelNotFound); err != nil {
			return err
		}
		f.Name, f.Steps, f.WindowSeconds, f.UpdatedAt = in.Name, in.Steps, int(in.Window/time.Second), s.DB.Now(ctx)
		if _, err := tx.NewUpdate().Model(f).Column("name", "steps", "window_seconds", "updated_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("update funnel: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "funnel.update", TargetType: relay.TypeFunnel, TargetID: f.ID,
			Details: map[string]any{"name": f.Name, "steps": len(f.Steps)}})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Delete removes a funnel. Audited.
func (s *Funnels) Delete(ctx context.Context, tenant, id uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "cdp.Funnels.Delete(%v, %v)", tenant, id)
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		f := new(Funnel)
		if err := db.ScanByID(ctx, tx, f, id, db.LockUpdate, funnelNotFound); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM cdp_funnels WHERE tenant_id = ? AND id = ?", tenant, id); err != nil {
			return fmt.Errorf("delete funnel: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "funnel.delete", TargetType: relay.TypeFunnel, TargetID: id,
			Details: map[string]any{"name": f.Name}})
	})
}
