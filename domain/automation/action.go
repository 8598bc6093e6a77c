package automation

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/db"
)

// TopicActionStatusUpdated is published when an action is queued or its
// status or gate decision changes (envelope ID: the action id).
const TopicActionStatusUpdated = "automation.action_status_updated"

// ActionStatus is an action's place in the queue.
type ActionStatus string

// Action statuses.
const (
	Queued    ActionStatus = "QUEUED"    // waiting: for execution (PASS) or review (HOLD)
	Approved  ActionStatus = "APPROVED"  // a person approved; waiting for execution
	Applied   ActionStatus = "APPLIED"   // executed on the platform
	Failed    ActionStatus = "FAILED"    // the platform refused or errored
	Dismissed ActionStatus = "DISMISSED" // a person dismissed it
	Blocked   ActionStatus = "BLOCKED"   // the gate refused; manual override only
	// Superseded: a newer proposal of the same change kind for the same
	// campaign replaced it before it ran (Resolution says which).
	Superseded ActionStatus = "SUPERSEDED"
	// NotNeeded: re-validated against the campaign before execution, the
	// change had nothing left to do — the campaign was paused or is gone
	// since, or already has the setting — or the platform reported no
	// change (Resolution says why).
	NotNeeded ActionStatus = "NOT_NEEDED"
)

// Phase is one of the two parts of the action queue. Every status belongs
// to exactly one, so the queue's two lists never show the same action.
type Phase string

// Phases.
const (
	// Waiting: not run and not ended — QUEUED (for execution or a person's
	// review), APPROVED (waiting for execution) and BLOCKED (waiting for an
	// override or a dismissal).
	Waiting Phase = "WAITING"
	// Handled: ended — APPLIED, FAILED, DISMISSED, SUPERSEDED, NOT_NEEDED.
	Handled Phase = "HANDLED"
)

// Statuses are the statuses of phase p (nil for an unknown phase).
func (p Phase) Statuses() []ActionStatus {
	switch p {
	case Waiting:
		return []ActionStatus{Queued, Approved, Blocked}
	case Handled:
		return []ActionStatus{Applied, Failed, Dismissed, Superseded, NotNeeded}
	}
	return nil
}

// PhaseOf is the phase of status st.
func PhaseOf(st ActionStatus) Phase {
	switch st {
	case Queued, Approved, Blocked:
		return Waiting
	}
	return Handled
}

// ChangeKind is the campaign setting an action changes. A campaign has at
// most one open action (QUEUED or APPROVED, not in flight) per kind: a
// second proposal of the same change joins it as another source, a
// different one replaces it (the older becomes SUPERSEDED). A unique index
// enforces it (migration 0028), so concurrent evaluations cannot queue two.
type ChangeKind string

// Change kinds.
const (
	BudgetChange    ChangeKind = "budget"
	BidChange       ChangeKind = "bid"
	StatusChange    ChangeKind = "status"
	TargetingChange ChangeKind = "targeting"
)

// kindOf is t's change kind; "" for account-wide actions (pause_all,
// emergency_stop), which have no campaign.
func kindOf(t ActionType) ChangeKind {
	switch t {
	case IncreaseBudget, ReduceBudget, UpdateBudget:
		return BudgetChange
	case IncreaseBid, ReduceBid, UpdateBid:
		return BidChange
	case PauseUnderperforming, LaunchCampaign, UpdateStatus, ResumePaused:
		return StatusChange
	case ExpandTargeting:
		return TargetingChange
	}
	return ""
}

// field is the settings key (in Before/After) a kind changes; "" for
// targeting, which changes no stored setting.
func (k ChangeKind) field() string {
	switch k {
	case BudgetChange:
		return "dailyBudget"
	case BidChange:
		return "bid"
	case StatusChange:
		return "status"
	}
	return ""
}

// ActionSource is one proposal of an action's change: the first, and each
// later one (another rule, a person) that proposed the same change while the
// action was open and joined it instead of queueing a second action.
type ActionSource struct {
	RuleID   *uuid.UUID `json:"ruleId,omitempty"`
	RuleName string     `json:"ruleName,omitempty"`
	// Actor is system for a rule, user:<id> for a person.
	Actor string `json:"actor"`
	// Reason is the rule's business reason ("" for a person).
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// ActionParams parameterise an action. Percent applies to increase/reduce
// actions (default 20), Amount sets an absolute budget or bid, Status is
// ACTIVE or PAUSED for update_status.
type ActionParams struct {
	Percent *float64 `json:"percent,omitempty"`
	Amount  *float64 `json:"amount,omitempty"`
	Status  *string  `json:"status,omitempty"`
	Note    string   `json:"note,omitempty"`
}

// Action is one entry of the action queue.
type Action struct {
	bun.BaseModel  `bun:"table:automation_actions,alias:a"`
	TenantID       uuid.UUID      `bun:"tenant_id,pk"`
	ID             uuid.UUID      `bun:"id,pk"`
	RuleID         *uuid.UUID     `bun:"rule_id"`
	RuleName       string         `bun:"rule_name"`
	CampaignID     *uuid.UUID     `bun:"campaign_id"`
	Platform       string         `bun:"platform"`
	Type           ActionType     `bun:"action_type"`
	RiskClass      RiskClass      `bun:"risk_class"`
	Params         ActionParams   `bun:"params,type:jsonb"`
	Before         map[string]any `bun:"before_value,type:jsonb"`
	After          map[string]any `bun:"after_value,type:jsonb"`
	Status         ActionStatus   `bun:"status"`
	Decision       Decision       `bun:"decision"`
	Reasons        []string       `bun:"reasons,type:jsonb"`
	Warnings       []string       `bun:"warnings,type:jsonb"`
	Score          *float64       `bun:"score"`
	DedupeKey      *string        `bun:"dedupe_key"`
	CreatedBy      string         `bun:"created_by"`
	ApprovedBy     *string        `bun:"approved_by"`
	ApprovedAt     *time.Time     `bun:"approved_at"`
	AppliedBy      *string        `bun:"applied_by"`
	AppliedAt      *time.Time     `bun:"applied_at"`
	OverrideReason *string        `bun:"override_reason"`
	DismissedBy    *string        `bun:"dismissed_by"`
	Error          *string        `bun:"error"`
	Attempts       int            `bun:"attempts"`
	CreatedAt      time.Time      `bun:"created_at"`
	UpdatedAt      time.Time      `bun:"updated_at"`
	// ChangeKind is nil for account-wide actions.
	ChangeKind *ChangeKind `bun:"change_kind"`
	// Sources are the proposals of this change, first one first.
	Sources []ActionSource `bun:"sources,type:jsonb"`
	// Resolution says why a SUPERSEDED or NOT_NEEDED action ended without a change.
	Resolution *string `bun:"resolution"`
	// DecidingGateID is the gate decision that let the action run (set
	// when its execution's outcome is recorded); nil for an action that
	// never ran. Decision, Reasons, Warnings and Score copy that decision,
	// or, for an action that never ran, its latest.
	DecidingGateID *uuid.UUID `bun:"deciding_gate_id"`

	// Execution is set while the action's execution is in flight (see
	// Execute); it is internal, not part of the API.
	Execution *Execution `bun:"execution,type:jsonb"`
}

func (s *Service) publishAction(ctx context.Context, tx bun.Tx, a *Action) error {
	return realtime.Publish(ctx, tx, realtime.Event{Tenant: a.TenantID, Topic: TopicActionStatusUpdated, ID: a.ID.String()})
}

// lockAction loads and locks an action.
func lockAction(ctx context.Context, tx bun.Tx, id uuid.UUID) (*Action, error) {
	a := new(Action)
	if err := db.ScanByID(ctx, tx, a, id, db.LockNoKeyUpdate, "action not found"); err != nil {
		return nil, err
	}
	return a, nil
}

func (s *Service) save(ctx context.Context, tx bun.Tx, a *Action) error {
	a.UpdatedAt = s.DB.Now(ctx)
	if _, err := tx.NewUpdate().Model(a).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update action: %w", err)
	}
	if err := s.noteOutcome(ctx, tx, a); err != nil {
		return err
	}
	return s.publishAction(ctx, tx, a)
}
