package model

import (
	"time"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/signals"
)

// Action is an action-queue entry; Campaign and Rule are resolved on demand
// (resolvers/*.resolvers.go) through the request's loaders.
type Action struct {
	ID             string                  `json:"id"`
	Type           ActionType              `json:"type"`
	RiskClass      automation.RiskClass    `json:"riskClass"`
	Status         automation.ActionStatus `json:"status"`
	Decision       automation.Decision     `json:"decision"`
	Reasons        []string                `json:"reasons"`
	Warnings       []string                `json:"warnings"`
	Score          *float64                `json:"score,omitempty"`
	Platform       Platform                `json:"platform"`
	RuleName       *string                 `json:"ruleName,omitempty"`
	Params         *ActionParams           `json:"params"`
	Before         *CampaignSettings       `json:"before,omitempty"`
	After          *CampaignSettings       `json:"after,omitempty"`
	CreatedBy      string                  `json:"createdBy"`
	ApprovedBy     *string                 `json:"approvedBy,omitempty"`
	ApprovedAt     *time.Time              `json:"approvedAt,omitempty"`
	AppliedBy      *string                 `json:"appliedBy,omitempty"`
	AppliedAt      *time.Time              `json:"appliedAt,omitempty"`
	OverrideReason *string                 `json:"overrideReason,omitempty"`
	DismissedBy    *string                 `json:"dismissedBy,omitempty"`
	Error          *string                 `json:"error,omitempty"`
	Sources        []*ActionSource         `json:"sources"`
	Resolution     *string                 `json:"resolution,omitempty"`
	Attempts       int                     `json:"attempts"`
	CreatedAt      time.Time               `json:"createdAt"`
	UpdatedAt      time.Time               `json:"updatedAt"`

	Phase automation.Phase `json:"phase"`

	CampaignID *uuid.UUID `json:"-"`
	RuleID     *uuid.UUID `json:"-"`
	// UUID and DecidingGateID resolve gateDecisions and decidingGate.
	UUID           uuid.UUID  `json:"-"`
	DecidingGateID *uuid.UUID `json:"-"`
}

// ActionSource is one proposal of an action's change; Rule is resolved on demand.
type ActionSource struct {
	RuleName   *string   `json:"ruleName,omitempty"`
	ProposedBy string    `json:"proposedBy"`
	Reason     *string   `json:"reason,omitempty"`
	At         time.Time `json:"at"`

	RuleID *uuid.UUID `json:"-"`
}

func (Action) IsNode()                  {}
func (a Action) GetID() string          { return a.ID }
func (Incident) IsNode()                {}
func (i Incident) GetID() string        { return i.ID }
func (TrustAuditEntry) IsNode()         {}
func (e TrustAuditEntry) GetID() string { return e.ID }

// ActionSimulation is a dry run; Campaign is resolved on demand.
type ActionSimulation struct {
	Type          ActionType           `json:"type"`
	Platform      Platform             `json:"platform"`
	WouldExecute  bool                 `json:"wouldExecute"`
	Decision      automation.Decision  `json:"decision"`
	RiskClass     automation.RiskClass `json:"riskClass"`
	Threshold     float64              `json:"threshold"`
	Score         *float64             `json:"score,omitempty"`
	Status        *signals.Status      `json:"status,omitempty"`
	AutopilotMode automation.Mode      `json:"autopilotMode"`
	Before        *CampaignSettings    `json:"before,omitempty"`
	After         *CampaignSettings    `json:"after,omitempty"`
	Reasons       []string             `json:"reasons"`
	Warnings      []string             `json:"warnings"`

	CampaignID *uuid.UUID `json:"-"`
}

// TrustAuditEntry is a gate decision; Action is resolved on demand.
type TrustAuditEntry struct {
	ID            string                `json:"id"`
	At            time.Time             `json:"at"`
	Decision      automation.Decision   `json:"decision"`
	ActionType    ActionType            `json:"actionType"`
	RiskClass     automation.RiskClass  `json:"riskClass"`
	EntityType    string                `json:"entityType"`
	EntityID      string                `json:"entityId"`
	Platform      *Platform             `json:"platform,omitempty"`
	Score         *float64              `json:"score,omitempty"`
	Status        *signals.Status       `json:"status,omitempty"`
	AutopilotMode automation.Mode       `json:"autopilotMode"`
	RequiredScore float64               `json:"requiredScore"`
	Reasons       []string              `json:"reasons"`
	Warnings      []string              `json:"warnings"`
	DryRun        bool                  `json:"dryRun"`
	Actor         string                `json:"actor"`
	ActorEmail    *string               `json:"actorEmail,omitempty"`
	Cause         *automation.GateCause `json:"cause,omitempty"`
	AllowedRun    bool                  `json:"allowedRun"`

	ActionID *uuid.UUID `json:"-"`
}

// Incident is an incident; Timeline is resolved on demand.
type Incident struct {
	ID             string             `json:"id"`
	Cause          incidents.Cause    `json:"cause"`
	Platform       *Platform          `json:"platform,omitempty"`
	Title          string             `json:"title"`
	Severity       incidents.Severity `json:"severity"`
	State          incidents.State    `json:"state"`
	Score          *float64           `json:"score,omitempty"`
	OpenedAt       time.Time          `json:"openedAt"`
	AcknowledgedAt *time.Time         `json:"acknowledgedAt,omitempty"`
	AcknowledgedBy *string            `json:"acknowledgedBy,omitempty"`
	ResolvedAt     *time.Time         `json:"resolvedAt,omitempty"`
	ResolvedBy     *string            `json:"resolvedBy,omitempty"`
	Resolution     *string            `json:"resolution,omitempty"`

	UUID uuid.UUID `json:"-"`
}

// RuleActivity is an entry of a rule's activity log; Action and Campaign
// are resolved on demand.
type RuleActivity struct {
	At                 time.Time                `json:"at"`
	Kind               automation.ActivityKind  `json:"kind"`
	CampaignsEvaluated *int                     `json:"campaignsEvaluated,omitempty"`
	Proposals          *int                     `json:"proposals,omitempty"`
	ActionType         *ActionType              `json:"actionType,omitempty"`
	Status             *automation.ActionStatus `json:"status,omitempty"`
	Detail             string                   `json:"detail"`

	ActionID   *uuid.UUID `json:"-"`
	CampaignID *uuid.UUID `json:"-"`
}
