package cdp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// Segments are saved audiences (docs/adr/0020): a rule tree compiled to
// one SQL query (segment_sql.go), its membership materialised in
// cdp_segment_members and every entry and exit appended to
// cdp_segment_membership_changes (segment_membership.go). A STATIC
// segment's membership is computed when it is saved and when refreshed on
// request; a DYNAMIC one's also for the profiles each processed batch
// touched (Service.refreshSegmentsForBatchTx) and fully by the periodic
// job (RefreshTenant).
//
// Tables: cdp_segments, cdp_segment_members, cdp_segment_membership_changes.
type Segments struct {
	DB *db.DB
	// Billing reserves the plan's segments limit when one is created and
	// gives it back when one is deleted (nil: no limit, for tests).
	Billing *billing.Service
	// PreviewTimeout bounds PreviewSegment's query (DefaultPreviewTimeout
	// when zero).
	PreviewTimeout time.Duration
	// RefreshTimeout bounds a full refresh's query (DefaultRefreshTimeout
	// when zero).
	RefreshTimeout time.Duration
	// OnMembershipChanged is told of the membership changes a save or a
	// refresh records (see MembershipHook).
	OnMembershipChanged MembershipHook
}

// Defaults of Segments.
const (
	DefaultPreviewTimeout = 5 * time.Second
	DefaultRefreshTimeout = 2 * time.Minute
	// PreviewSampleSize is how many profiles a preview shows.
	PreviewSampleSize = 10
	// MaxSegmentName bounds a segment's name.
	MaxSegmentName = 100
)

// SegmentKind says when a segment's membership is computed.
type SegmentKind string

// The segment kinds.
const (
	// SegmentStatic is computed when saved and when refreshed on request.
	SegmentStatic SegmentKind = "STATIC"
	// SegmentDynamic also follows the events and a periodic full refresh.
	SegmentDynamic SegmentKind = "DYNAMIC"
)

// Segment is a saved segment with its current size.
type Segment struct {
	bun.BaseModel `bun:"table:cdp_segments"`
	TenantID      uuid.UUID   `bun:"tenant_id,pk"`
	ID            uuid.UUID   `bun:"id,pk"`
	Name          string      `bun:"name"`
	Kind          SegmentKind `bun:"kind"`
	Rules         Rule        `bun:"rules,type:jsonb"`
	CreatedAt     time.Time   `bun:"created_at"`
	UpdatedAt     time.Time   `bun:"updated_at"`
	RefreshedAt   *time.Time  `bun:"refreshed_at"`
	// Size is the number of current members (read, not stored).
	Size int64 `bun:"size,scanonly"`
}

// SegmentInput is what createSegment gives.
type SegmentInput struct {
	Name  string
	Kind  SegmentKind
	Rules *Rule
}

// SegmentPatch is what updateSegment changes (nil: kept).
type SegmentPatch struct {
	Name  *string
	Kind  *SegmentKind
	Rules *Rule
}

func (s *Segments) previewTimeout() time.Duration {
	if s.PreviewTimeout > 0 {
		return s.PreviewTimeout
	}
	return DefaultPreviewTimeout
}

func (s *Segments) refreshTimeout() time.Duration {
	if s.RefreshTimeout > 0 {
		return s.RefreshTimeout
	}
	return DefaultRefreshTimeout
}

func validName(name string, path []string) error {
	if strings.TrimSpace(name) == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxSegmentName {
		return apperr.Invalid(path, "a segment's name is 1 to %d characters", MaxSegmentName)
	}
	return nil
}

func validKind(k SegmentKind, path []string) error {
	if k != SegmentStatic && k != SegmentDynamic {
		return apperr.Invalid(path, "a segment is STATIC or DYNAMIC")
	}
	return nil
}

// segmentColumns reads a segment with its size.
const segmentColumns = `s.tenant_id, s.id, s.name, s.kind, s.rules, s.created_at, s.updated_at, s.refreshed_at,
	(SELECT count(*) FROM cdp_segment_members m WHERE m.tenant_id = s.tenant_id AND m.segment_id = s.id AND m.exited_at IS NULL) AS size`

// CreateSegment saves a segment and computes its membership, in one
// transaction that first reserves one of the plan's segments (over the
// limit: BAD_USER_INPUT, nothing saved). Audited.
func (s *Segments) CreateSegment(ctx context.Context, tenant uuid.UUID, in SegmentInput) (_ *Segment, err error) {
	defer derrors.Wrap(&err, "cdp.Segments.CreateSegment(%s)", tenant)
	if err := validName(in.Name, []string{"input", "name"}); err != nil {
		return nil, err
	}
	if err := validKind(in.Kind, []string{"input", "kind"}); err != nil {
		return nil, err
	}
	if err := ValidateRules(in.Rules, []string{"input", "rules"}); err != nil {
		return nil, err
	}
	id := uuid.New()
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if s.Billing != nil {
			if err := s.Billing.ReserveTx(ctx, tx, tenant, billing.Segments, 1); err != nil {
				if e, ok := apperr.As(err); ok {
					e.Field = []string{"input"}
				}
				return err
			}
		}
		if err := checkRuleRefsTx(ctx, tx, tenant, in.Rules, []string{"input", "rules"}, true); err != nil {
			return err
		}
		now := s.DB.Now(ctx)
		seg := &Segment{TenantID: tenant, ID: id, Name: strings.TrimSpace(in.Name), Kind: in.Kind, Rules: *in.Rules,
			CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(seg).Exec(ctx); err != nil {
			return err
		}
		if _, err := s.refreshTx(ctx, tx, seg); err != nil {
			return err
		}
		return audit.Record(ctx, tx, segmentAudit("segment.create", seg))
	})
	if err != nil {
		return nil, err
	}
	return s.Segment(ctx, tenant, id)
}

// UpdateSegment changes a segment; new rules (or a change of kind)
// recompute its membership in the same transaction. Audited.
func (s *Segments) UpdateSegment(ctx context.Context, tenant, id uuid.UUID, p SegmentPatch) (_ *Segment, err error) {
	defer derrors.Wrap(&err, "cdp.Segments.UpdateSegment(%s, %s)", tenant, id)
	if p.Name != nil {
		if err := validName(*p.Name, []string{"input", "name"}); err != nil {
			return nil, err
		}
	}
	if p.Kind != nil {
		if err := validKind(*p.Kind, []string{"input", "kind"}); err != nil {
			return nil, err
		}
	}
	if p.Rules != nil {
		if err := ValidateRules(p.Rules, []string{"input", "rules"}); err != nil {
			return nil, err
		}
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		seg, err := lockSegmentTx(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		if p.Name != nil {
			seg.Name = strings.TrimSpace(*p.Name)
		}
		if p.Kind != nil {
			seg.Kind = *p.Kind
		}
		if p.Rules != nil {
			if err := checkRuleRefsTx(ctx, tx, tenant, p.Rules, []string{"input", "rules"}, true); err != nil {
				return err
			}
			seg.Rules = *p.Rules
		}
		seg.UpdatedAt = s.DB.Now(ctx)
		if _, err := tx.NewUpdate().Model(seg).Column("name", "kind", "rules", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if p.Rules != nil || p.Kind != nil {
			if _, err := s.refreshTx(ctx, tx, seg); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, segmentAudit("segment.update", seg))
	})
	if err != nil {
		return nil, err
	}
	return s.Segment(ctx, tenant, id)
}

// DeleteSegment deletes a segment with its membership and changes and
// gives its unit of the plan's limit back. Audited.
func (s *Segments) DeleteSegment(ctx context.Context, tenant, id uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "cdp.Segments.DeleteSegment(%s, %s)", tenant, id)
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		seg, err := lockSegmentTx(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(seg).WherePK().Exec(ctx); err != nil {
			return err
		}
		if s.Billing != nil {
			if err := s.Billing.ReleaseTx(ctx, tx, tenant, billing.Segments, 1); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, segmentAudit("segment.delete", seg))
	})
}

func segmentAudit(action string, seg *Segment) audit.Entry {
	return audit.Entry{TenantID: seg.TenantID, Action: action, TargetType: relay.TypeSegment, TargetID: seg.ID,
		Details: map[string]any{"name": seg.Name, "kind": seg.Kind}}
}

// lockSegmentTx reads a segment and locks it against refreshes (NOT_FOUND
// when there is none).
func lockSegmentTx(ctx context.Context, tx bun.Tx, tenant, id uuid.UUID) (*Segment, error) {
	seg := new(Segment)
	err := tx.NewSelect().Model(seg).Where("tenant_id = ? AND id = ?", tenant, id).For("UPDATE").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("no such segment")
	}
	return seg, err
}

// Segment reads one segment with its size (NOT_FOUND when there is none).
func (s *Segments) Segment(ctx context.Context, tenant, id uuid.UUID) (_ *Segment, err error) {
	defer derrors.Wrap(&err, "cdp.Segments.Segment(%s, %s)", tenant, id)
	seg := new(Segment)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().TableExpr("cdp_segments AS s").ColumnExpr(segmentColumns).
			Where("s.tenant_id = ? AND s.id = ?", tenant, id).Scan(ctx, seg)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("no such segment")
	}
	if err != nil {
		return nil, err
	}
	return seg, nil
}

// SegmentsPage lists the segments, newest first.
func (s *Segments) SegmentsPage(ctx context.Context, tenant uuid.UUID, args relay.Args) (_ *relay.Page[Segment], err error) {
	defer derrors.Wrap(&err, "cdp.Segments.SegmentsPage(%s)", tenant)
	var p *relay.Page[Segment]
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().TableExpr("cdp_segments AS s").ColumnExpr(segmentColumns).Where("s.tenant_id = ?", tenant)
		p, err = relay.Paginate(ctx, q, args, "s.created_at", "s.id", func(x *Segment) relay.Cursor {
			return relay.Cursor{At: x.CreatedAt, ID: x.ID}
		})
		return err
	})
	return p, err
}

// SegmentMember is a current member of a segment.
type SegmentMember struct {
	ProfileID uuid.UUID `bun:"profile_id"`
	EnteredAt time.Time `bun:"entered_at"`
}

// Members lists a segment's current members, latest entered first
// (NOT_FOUND when there is no such segment).
func (s *Segments) Members(ctx context.Context, tenant, id uuid.UUID, args relay.Args) (_ *relay.Page[SegmentMember], err error) {
	defer derrors.Wrap(&err, "cdp.Segments.Members(%s, %s)", tenant, id)
	var p *relay.Page[SegmentMember]
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var n int
		if err := tx.NewRaw("SELECT count(*) FROM cdp_segments WHERE tenant_id = ? AND id = ?", tenant, id).Scan(ctx, &n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.NotFoundf("no such segment")
		}
		q := tx.NewSelect().TableExpr("cdp_segment_members AS m").ColumnExpr("m.profile_id, m.entered_at").
			Where("m.tenant_id = ? AND m.segment_id = ? AND m.exited_at IS NULL", tenant, id)
		p, err = relay.Paginate(ctx, q, args, "m.entered_at", "m.profile_id", func(x *SegmentMember) relay.Cursor {
			return relay.Cursor{At: x.EnteredAt, ID: x.ProfileID}
		})
		return err
	})
	return p, err
}

// Preview is the size of a rule tree's audience now and a sample of it.
type Preview struct {
	Size   int64
	Sample []uuid.UUID // at most PreviewSampleSize, by id
}

// PreviewSegment evaluates rules (errors under root, e.g. ["rules"])
// without saving anything, within PreviewTimeout: a slower query is
// cancelled and answered BAD_USER_INPUT saying so.
func (s *Segments) PreviewSegment(ctx context.Context, tenant uuid.UUID, rules *Rule, root []string) (_ *Preview, err error) {
	defer derrors.Wrap(&err, "cdp.Segments.PreviewSegment(%s)", tenant)
	if err := ValidateRules(rules, root); err != nil {
		return nil, err
	}
	out := &Preview{Sample: []uuid.UUID{}}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := checkRuleRefsTx(ctx, tx, tenant, rules, root, false); err != nil {
			return err
		}
		if err := setStatementTimeout(ctx, tx, s.previewTimeout()); err != nil {
			return err
		}
		q := compileRules(rules, tenant, s.DB.Now(ctx), nil)
		rows, err := tx.Tx.QueryContext(ctx, "SELECT id, count(*) OVER () FROM ("+q.sql+") m ORDER BY id LIMIT "+
			fmt.Sprint(PreviewSampleSize), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id, &out.Size); err != nil {
				return err
			}
			out.Sample = append(out.Sample, id)
		}
		return rows.Err()
	})
	if isQueryCanceled(err) && ctx.Err() == nil {
		return nil, apperr.Invalid(root, "the preview took longer than %s and was stopped: narrow the rules (shorter time windows, fewer event conditions)",
			s.previewTimeout())
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkRuleRefsTx refuses a (valid) tree naming a computed trait the
// tenant has no definition of: BAD_USER_INPUT at the first such
// condition's computedTrait (under root). A segment being saved takes the
// definitions FOR SHARE (lock); a preview, which saves nothing and runs in
// a query's READ ONLY transaction, only reads them.
func checkRuleRefsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, r *Rule, root []string, lock bool) error {
	type ref struct {
		id   uuid.UUID
		path []string
	}
	var refs []ref
	var walk func(r *Rule, path []string)
	walk = func(r *Rule, path []string) {
		if r.ComputedTrait != nil {
			refs = append(refs, ref{*r.ComputedTrait, at(path, "computedTrait")})
		}
		for i := range r.And {
			walk(&r.And[i], at(path, "and", fmt.Sprint(i)))
		}
		for i := range r.Or {
			walk(&r.Or[i], at(path, "or", fmt.Sprint(i)))
		}
		if r.Not != nil {
			walk(r.Not, at(path, "not"))
		}
	}
	walk(r, root)
	if len(refs) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(refs))
	for i, x := range refs {
		ids[i] = x.id
	}
	// FOR SHARE: a definition deleted meanwhile waits for this segment's
	// transaction and then sees that it is used (DeleteDefinition).
	q := `SELECT id FROM cdp_trait_definitions WHERE tenant_id = $1::uuid AND id = ANY($2::uuid[])`
	if lock {
		q += ` FOR SHARE`
	}
	found, err := uuidsTx(ctx, tx, q, tenant.String(), pgUUIDs(ids))
	if err != nil {
		return err
	}
	for _, x := range refs {
		if !slices.Contains(found, x.id) {
			return apperr.Invalid(x.path, "no computed trait has this id")
		}
	}
	return nil
}

// setStatementTimeout bounds the statements of the rest of tx and turns
// JIT compilation off for them. The analytical statements (segment
// queries and refreshes, funnel reports, the RFM refresh) are estimated
// costly enough on a large tenant that PostgreSQL JIT-compiles them with
// inlining and optimisation, and the compilation costs more than it
// saves: measured with those thresholds reached (50,000 profiles, the
// thresholds set to 0), a segment's count took 2.78 s with JIT (2.35 s of
// it compiling 69 functions) and 0.31 s without; its refresh 3.71 s and
// 0.41 s (docs/benchmarks.md, "CDP segments").
func setStatementTimeout(ctx context.Context, tx bun.Tx, d time.Duration) error {
	_, err := tx.Tx.ExecContext(ctx, "SELECT set_config('statement_timeout', $1, true), set_config('jit', 'off', true)", fmt.Sprintf("%dms", d.Milliseconds()))
	return err
}

// isQueryCanceled reports a statement cancelled by statement_timeout
// (SQLSTATE 57014).
func isQueryCanceled(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "57014"
}
