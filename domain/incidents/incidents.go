package incidents

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// Realtime topics (envelope ID: the incident id).
const (
	TopicIncidentOpened  = "incidents.opened"
	TopicIncidentClosed  = "incidents.closed"
	TopicIncidentUpdated = "incidents.updated"
)

// Cause is what opened an incident.
type Cause string

// Causes.
const (
	CauseHealth       Cause = "HEALTH"
	CauseOutage       Cause = "OUTAGE"
	CauseEMQDrop      Cause = "EMQ_DROP"
	CauseActionFailed Cause = "ACTION_FAILED"
	// CausePaymentFailed: Stripe could not charge the workspace's
	// subscription (domain/billing); it is not a platform's and carries no
	// health score.
	CausePaymentFailed Cause = "PAYMENT_FAILED"
	// CauseConnection: a platform connection needs re-authorization (its
	// grant was revoked or expired).
	CauseConnection Cause = "CONNECTION"
)

// State is an incident's lifecycle state.
type State string

// States.
const (
	Open         State = "OPEN"
	Acknowledged State = "ACKNOWLEDGED"
	Resolved     State = "RESOLVED"
)

// Severity ranks incidents.
type Severity string

// Severities, least severe first.
const (
	Low      Severity = "LOW"
	Medium   Severity = "MEDIUM"
	High     Severity = "HIGH"
	Critical Severity = "CRITICAL"
)

func (s Severity) rank() int {
	return map[Severity]int{Low: 0, Medium: 1, High: 2, Critical: 3}[s]
}

// SeverityFor is the one mapping from a health (its score and its status,
// with the hysteresis of domain/signals) to an incident's severity, so that
// an incident never reads worse or better than the gauge of the same
// health: HEALTHY → LOW; DEGRADED → MEDIUM at a score of 60 or more (where
// autopilot is LIMITED), HIGH below (CUTS_ONLY); UNHEALTHY → CRITICAL
// (FROZEN). 60 is automation.DefaultConfig's LimitedAt.
func SeverityFor(score float64, status signals.Status) Severity {
	switch status {
	case signals.Healthy:
		return Low
	case signals.Degraded:
		if score >= DegradedHighBelow {
			return Medium
		}
		return High
	}
	return Critical
}

// DegradedHighBelow is the score below which a DEGRADED health is a HIGH
// rather than a MEDIUM incident.
const DegradedHighBelow = 60.0

// System is the actor of automatic changes.
const System = "system"

// Incident is one incident.
type Incident struct {
	bun.BaseModel  `bun:"table:incidents,alias:i"`
	TenantID       uuid.UUID      `bun:"tenant_id,pk"`
	ID             uuid.UUID      `bun:"id,pk"`
	Cause          Cause          `bun:"cause"`
	CauseKey       string         `bun:"cause_key"`
	Platform       string         `bun:"platform"`
	Title          string         `bun:"title"`
	Severity       Severity       `bun:"severity"`
	State          State          `bun:"state"`
	Score          *float64       `bun:"score"`
	Details        map[string]any `bun:"details,type:jsonb"`
	OpenedAt       time.Time      `bun:"opened_at"`
	AcknowledgedAt *time.Time     `bun:"acknowledged_at"`
	AcknowledgedBy *string        `bun:"acknowledged_by"`
	ResolvedAt     *time.Time     `bun:"resolved_at"`
	ResolvedBy     *string        `bun:"resolved_by"`
	Resolution     *string        `bun:"resolution"`
	UpdatedAt      time.Time      `bun:"updated_at"`
}

// Event is one entry of an incident's timeline.
type Event struct {
	bun.BaseModel `bun:"table:incident_events"`
	TenantID      uuid.UUID `bun:"tenant_id,pk"`
	ID            uuid.UUID `bun:"id,pk"`
	IncidentID    uuid.UUID `bun:"incident_id"`
	At            time.Time `bun:"at"`
	Kind          string    `bun:"kind"`
	Message       string    `bun:"message"`
	Actor         string    `bun:"actor"`
}

// Timeline event kinds.
const (
	EventOpened       = "OPENED"
	EventEscalated    = "ESCALATED"
	EventAcknowledged = "ACKNOWLEDGED"
	EventResolved     = "RESOLVED"
	EventAutoResolved = "AUTO_RESOLVED"
	// EventSymptom records a health that left (or returned to) HEALTHY
	// because of the incident's cause, e.g. "Overall health degraded (score 66)".
	EventSymptom = "SYMPTOM"
)

// Service opens, updates and closes incidents. Its times are the
// transaction's (DB.Now): a test sets DB.Clock to control them.
type Service struct {
	DB *db.DB
	// Notify, if set, is called in the writing transaction with each
	// timeline event's kind (EventOpened, EventEscalated, …) and the
	// incident as written; app sets it to notifications.Service.IncidentEventTx.
	Notify func(ctx context.Context, tx bun.Tx, inc *Incident, kind string) error
}

// OpenInput describes an incident to open.
type OpenInput struct {
	Cause    Cause
	Key      string // the cause key: one unresolved incident per key
	Platform string
	Title    string
	Severity Severity
	Score    *float64
	Details  map[string]any
}

// OpenTx opens an incident for in.Key unless one is unresolved; then it
// escalates that one's severity if in.Severity is higher. It returns the
// incident and whether it was opened now.
func (s *Service) OpenTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, in OpenInput) (_ *Incident, _ bool, err error) {
	defer derrors.Wrap(&err, "incidents.Service.OpenTx(%v, %s)", tenant, in.Key)
	now := s.DB.Now(ctx)
	if in.Details == nil {
		in.Details = map[string]any{}
	}
	inc := &Incident{TenantID: tenant, ID: uuid.New(), Cause: in.Cause, CauseKey: in.Key, Platform: in.Platform, Title: in.Title,
		Severity: in.Severity, State: Open, Score: in.Score, Details: in.Details, OpenedAt: now, UpdatedAt: now}
	res, err := tx.NewInsert().Model(inc).On("CONFLICT (tenant_id, cause_key) WHERE state <> 'RESOLVED' DO NOTHING").Exec(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("open incident: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		if err := s.event(ctx, tx, inc, EventOpened, in.Title, System); err != nil {
			return nil, false, err
		}
		return inc, true, realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: TopicIncidentOpened, ID: inc.ID.String()})
	}
	cur := new(Incident)
	if err := tx.NewSelect().Model(cur).Where("cause_key = ? AND state <> ?", in.Key, Resolved).For("NO KEY UPDATE").Scan(ctx); err != nil {
		return nil, false, fmt.Errorf("load open incident: %w", err)
	}
	if in.Severity.rank() > cur.Severity.rank() {
		cur.Severity, cur.Score, cur.Title, cur.UpdatedAt = in.Severity, in.Score, in.Title, now
		if _, err := tx.NewUpdate().Model(cur).Column("severity", "score", "title", "updated_at").WherePK().Exec(ctx); err != nil {
			return nil, false, err
		}
		if err := s.event(ctx, tx, cur, EventEscalated, fmt.Sprintf("Escalated to %s severity: %s", strings.ToLower(string(in.Severity)), in.Title), System); err != nil {
			return nil, false, err
		}
		if err := realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: TopicIncidentUpdated, ID: cur.ID.String()}); err != nil {
			return nil, false, err
		}
	}
	return cur, false, nil
}

// CloseTx resolves the unresolved incidents with the given cause keys as
// actor with message, and returns them.
func (s *Service) CloseTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, keys []string, message, actor string) (_ []Incident, err error) {
	defer derrors.Wrap(&err, "incidents.Service.CloseTx(%v)", tenant)
	if len(keys) == 0 {
		return nil, nil
	}
	now := s.DB.Now(ctx)
	var closed []Incident
	if err := tx.NewUpdate().Model(&closed).ModelTableExpr("incidents AS i").
		Set("state = ?, resolved_at = ?, resolved_by = ?, resolution = ?, updated_at = ?", Resolved, now, actor, message, now).
		Where("cause_key IN (?) AND state <> ?", bun.List(keys), Resolved).Returning("*").Scan(ctx); err != nil {
		return nil, fmt.Errorf("close incidents: %w", err)
	}
	kind := EventResolved
	if actor == System {
		kind = EventAutoResolved
	}
	for i := range closed {
		if err := s.event(ctx, tx, &closed[i], kind, message, actor); err != nil {
			return nil, err
		}
		if err := realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: TopicIncidentClosed, ID: closed[i].ID.String()}); err != nil {
			return nil, err
		}
	}
	return closed, nil
}

func (s *Service) event(ctx context.Context, tx bun.Tx, inc *Incident, kind, msg, actor string) error {
	// A time-ordered id: events of one transaction share its time, and the
	// timeline orders by (at, id).
	ev := &Event{TenantID: inc.TenantID, ID: uuid.Must(uuid.NewV7()), IncidentID: inc.ID, At: s.DB.Now(ctx), Kind: kind, Message: msg, Actor: actor}
	if _, err := tx.NewInsert().Model(ev).Exec(ctx); err != nil {
		return fmt.Errorf("incident event: %w", err)
	}
	if s.Notify != nil {
		return s.Notify(ctx, tx, inc, kind)
	}
	return nil
}

// ActionFailedTx opens an incident for a failed automation action.
func (s *Service) ActionFailedTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, actionID uuid.UUID, platform, title, errMsg string) (*Incident, error) {
	inc, _, err := s.OpenTx(ctx, tx, tenant, OpenInput{
		Cause: CauseActionFailed, Key: "ACTION_FAILED:" + actionID.String(), Platform: platform, Title: title, Severity: Medium,
		Details: map[string]any{"actionId": actionID.String(), "error": errMsg},
	})
	return inc, err
}

// paymentFailedKey is the cause key of a workspace's failed payment: one
// unresolved at a time, however many attempts fail.
const paymentFailedKey = "PAYMENT_FAILED"

// PaymentFailedTx opens the incident of a failed subscription payment
// whose paid features end at graceEnd, in the transaction that makes the
// workspace PAST_DUE (domain/billing). While one is unresolved a later
// failure opens none (the grace period runs from the first failure).
func (s *Service) PaymentFailedTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, graceEnd time.Time, details map[string]any) (err error) {
	defer derrors.Wrap(&err, "incidents.Service.PaymentFailedTx(%v)", tenant)
	title := fmt.Sprintf("Payment failed — paid features end %s", graceEnd.UTC().Format("2 Jan 2006 15:04 UTC"))
	_, _, err = s.OpenTx(ctx, tx, tenant, OpenInput{Cause: CausePaymentFailed, Key: paymentFailedKey, Title: title, Severity: High, Details: details})
	return err
}

// PaymentSettledTx resolves the failed-payment incident, if one is
// unresolved, with message (a paid invoice, the subscription's end), in the
// transaction that takes the workspace out of PAST_DUE.
func (s *Service) PaymentSettledTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, message string) (err error) {
	defer derrors.Wrap(&err, "incidents.Service.PaymentSettledTx(%v)", tenant)
	_, err = s.CloseTx(ctx, tx, tenant, []string{paymentFailedKey}, message, System)
	return err
}

// Acknowledge marks an open incident as acknowledged by actor.
func (s *Service) Acknowledge(ctx context.Context, tenant, id uuid.UUID, actor string) (_ *Incident, err error) {
	defer derrors.Wrap(&err, "incidents.Service.Acknowledge(%v, %v)", tenant, id)
	return s.transition(ctx, tenant, id, func(ctx context.Context, tx bun.Tx, inc *Incident, now time.Time) error {
		switch inc.State {
		case Acknowledged:
			return nil
		case Resolved:
			return apperr.Conflictf("incident is already resolved")
		}
		inc.State, inc.AcknowledgedAt, inc.AcknowledgedBy, inc.UpdatedAt = Acknowledged, &now, &actor, now
		if _, err := tx.NewUpdate().Model(inc).Column("state", "acknowledged_at", "acknowledged_by", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := s.event(ctx, tx, inc, EventAcknowledged, "Acknowledged", actor); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "incident.acknowledge", TargetType: relay.TypeIncident, TargetID: inc.ID}); err != nil {
			return err
		}
		return realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: TopicIncidentUpdated, ID: inc.ID.String()})
	})
}

// Resolve resolves an incident by hand with an optional note. If its cause
// persists, the next recompute opens a new incident.
func (s *Service) Resolve(ctx context.Context, tenant, id uuid.UUID, actor, note string) (_ *Incident, err error) {
	defer derrors.Wrap(&err, "incidents.Service.Resolve(%v, %v)", tenant, id)
	if len(note) > 2000 {
		return nil, apperr.Invalid([]string{"input", "note"}, "note must be at most 2000 characters")
	}
	return s.transition(ctx, tenant, id, func(ctx context.Context, tx bun.Tx, inc *Incident, now time.Time) error {
		if inc.State == Resolved {
			return apperr.Conflictf("incident is already resolved")
		}
		msg := "Resolved"
		if note != "" {
			msg = "Resolved: " + note
		}
		closed, err := s.CloseTx(ctx, tx, tenant, []string{inc.CauseKey}, msg, actor)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "incident.resolve", TargetType: relay.TypeIncident, TargetID: inc.ID,
			Details: map[string]any{"note": note}}); err != nil {
			return err
		}
		if len(closed) == 1 {
			*inc = closed[0]
		}
		return nil
	})
}

func (s *Service) transition(ctx context.Context, tenant, id uuid.UUID, fn func(ctx context.Context, tx bun.Tx, inc *Incident, now time.Time) error) (*Incident, error) {
	inc := new(Incident)
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := db.ScanByID(ctx, tx, inc, id, db.LockNoKeyUpdate, "incident not found"); err != nil {
			return err
		}
		return fn(ctx, tx, inc, s.DB.Now(ctx))
	})
	if err != nil {
		return nil, err
	}
	return inc, nil
}

// Get returns one incident or NOT_FOUND.
func (s *Service) Get(ctx context.Context, tenant, id uuid.UUID) (_ *Incident, err error) {
	defer derrors.Wrap(&err, "incidents.Service.Get(%v, %v)", tenant, id)
	return db.ByID[Incident](ctx, s.DB, tenant, id, "incident not found")
}

// ByID returns tenant's incidents with the given ids, by id (missing ids
// are absent).
func (s *Service) ByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (_ map[uuid.UUID]*Incident, err error) {
	defer derrors.Wrap(&err, "incidents.Service.ByID(%v)", tenant)
	return db.ByIDs(ctx, s.DB, tenant, ids, func(x *Incident) uuid.UUID { return x.ID })
}

// Filter selects incidents; empty slices mean any.
type Filter struct {
	States     []State
	Severities []Severity
	Platform   *string
}

// List pages tenant's incidents, newest first.
func (s *Service) List(ctx context.Context, tenant uuid.UUID, f Filter, args relay.Args) (page *relay.Page[Incident], err error) {
	defer derrors.Wrap(&err, "incidents.Service.List(%v)", tenant)
	if err := relay.CheckFilter("state", len(f.States), "states"); err != nil {
		return nil, err
	}
	if err := relay.CheckFilter("severity", len(f.Severities), "severities"); err != nil {
		return nil, err
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*Incident)(nil))
		if len(f.States) > 0 {
			q = q.Where("i.state IN (?)", bun.List(f.States))
		}
		if len(f.Severities) > 0 {
			q = q.Where("i.severity IN (?)", bun.List(f.Severities))
		}
		if f.Platform != nil {
			q = q.Where("i.platform = ?", *f.Platform)
		}
		page, err = relay.Paginate(ctx, q, args, "i.opened_at", "i.id",
			func(i *Incident) relay.Cursor { return relay.Cursor{At: i.OpenedAt, ID: i.ID} })
		return err
	})
	return page, err
}

// Timeline returns an incident's events, oldest first.
func (s *Service) Timeline(ctx context.Context, tenant, id uuid.UUID) (evs []Event, err error) {
	defer derrors.Wrap(&err, "incidents.Service.Timeline(%v, %v)", tenant, id)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&evs).Where("incident_id = ?", id).OrderExpr("at, id").Scan(ctx)
	})
	return evs, err
}

// TimelinesTx returns the events of several incidents, grouped by incident
// (for a dataloader).
func TimelinesTx(ctx context.Context, tx bun.IDB, ids []uuid.UUID) (_ map[uuid.UUID][]Event, err error) {
	defer derrors.Wrap(&err, "incidents.TimelinesTx")
	var evs []Event
	if len(ids) == 0 {
		return nil, nil
	}
	if err := tx.NewSelect().Model(&evs).Where("incident_id IN (?)", bun.List(ids)).OrderExpr("at, id").Scan(ctx); err != nil {
		return nil, err
	}
	out := map[uuid.UUID][]Event{}
	for _, e := range evs {
		out[e.IncidentID] = append(out[e.IncidentID], e)
	}
	return out, nil
}

// Timelines returns the timelines of tenant's incidents ids, by incident.
func (s *Service) Timelines(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (out map[uuid.UUID][]Event, err error) {
	defer derrors.Wrap(&err, "incidents.Service.Timelines(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		out, err = TimelinesTx(ctx, tx, ids)
		return err
	})
	return out, err
}
