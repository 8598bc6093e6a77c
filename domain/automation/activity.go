// The per-rule activity log: each evaluation, each proposal and each
// outcome of an action a rule proposed, written in the transaction that does
// it (migration 0030).

package automation

import (
	"context"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// ActivityKind says what a rule activity entry records.
type ActivityKind string

// Kinds of rule activity.
const (
	// ActivityEvaluated is one evaluation of the rule on its schedule (or
	// forced): campaigns looked at and proposals made. Dry runs are not
	// evaluations (they are in the trust audit log).
	ActivityEvaluated ActivityKind = "EVALUATED"
	// ActivityProposed is a proposal that queued a new action.
	ActivityProposed ActivityKind = "PROPOSED"
	// ActivityJoined is a proposal that joined an open action making the
	// same change, as another source.
	ActivityJoined ActivityKind = "JOINED"
	// ActivityOutcome is an action the rule proposed (or joined) reaching
	// APPLIED, FAILED, DISMISSED, BLOCKED, SUPERSEDED or NOT_NEEDED.
	ActivityOutcome ActivityKind = "OUTCOME"
)

var activityKinds = []ActivityKind{ActivityEvaluated, ActivityProposed, ActivityJoined, ActivityOutcome}

// outcomes are the statuses recorded as a rule's outcomes.
var outcomes = []ActionStatus{Applied, Failed, Dismissed, Blocked, Superseded, NotNeeded}

// maxActivityDetail bounds an entry's detail, in characters.
const maxActivityDetail = 2000

// RuleActivity is one entry of a rule's activity log.
type RuleActivity struct {
	bun.BaseModel      `bun:"table:automation_rule_activity,alias:ra"`
	TenantID           uuid.UUID     `bun:"tenant_id,pk"`
	ID                 uuid.UUID     `bun:"id,pk"`
	RuleID             uuid.UUID     `bun:"rule_id"`
	At                 time.Time     `bun:"at"`
	Kind               ActivityKind  `bun:"kind"`
	CampaignsEvaluated *int          `bun:"campaigns_evaluated"`
	Proposals          *int          `bun:"proposals"`
	ActionID           *uuid.UUID    `bun:"action_id"`
	CampaignID         *uuid.UUID    `bun:"campaign_id"`
	ActionType         *ActionType   `bun:"action_type"`
	Status             *ActionStatus `bun:"status"`
	Detail             string        `bun:"detail"`
}

// activityID is a new entry's id. Version 7 ids grow with time within a
// process, so entries written in one transaction (which share its time)
// list in the order they were written.
func activityID() uuid.UUID {
	return uuid.Must(uuid.NewV7())
}

func bounded(s string) string {
	if utf8.RuneCountInString(s) <= maxActivityDetail {
		return s
	}
	return string([]rune(s)[:maxActivityDetail-1]) + "…"
}

// noteEvaluation records that rule r was evaluated over campaigns
// campaigns, making proposals proposals (new or joined); cooling proposals
// were skipped in the rule's cooldown.
func (s *Service) noteEvaluation(ctx context.Context, tx bun.Tx, r *Rule, campaigns, proposals, cooling int) error {
	e := &RuleActivity{TenantID: r.TenantID, ID: activityID(), RuleID: r.ID, At: s.DB.Now(ctx), Kind: ActivityEvaluated,
		CampaignsEvaluated: &campaigns, Proposals: &proposals}
	if cooling > 0 {
		e.Detail = fmt.Sprintf("%d more skipped: proposed within the rule's cooldown", cooling)
	}
	if _, err := tx.NewInsert().Model(e).Exec(ctx); err != nil {
		return fmt.Errorf("record rule evaluation: %w", err)
	}
	return nil
}

// noteProposal records that rule proposed action a (kind PROPOSED or JOINED).
func (s *Service) noteProposal(ctx context.Context, tx bun.Tx, kind ActivityKind, rule uuid.UUID, a *Action, reason string) error {
	e := &RuleActivity{TenantID: a.TenantID, ID: activityID(), RuleID: rule, At: s.DB.Now(ctx), Kind: kind, ActionID: &a.ID,
		CampaignID: a.CampaignID, ActionType: &a.Type, Status: &a.Status, Detail: bounded(reason)}
	if _, err := tx.NewInsert().Model(e).Exec(ctx); err != nil {
		return fmt.Errorf("record rule proposal: %w", err)
	}
	return nil
}

// noteOutcome records a's status as an outcome for every rule that proposed
// it and still exists, when the status is one (once per rule and status).
func (s *Service) noteOutcome(ctx context.Context, tx bun.Tx, a *Action) error {
	if !slices.Contains(outcomes, a.Status) {
		return nil
	}
	var rules []uuid.UUID
	if a.RuleID != nil {
		rules = append(rules, *a.RuleID)
	}
	for _, src := range a.Sources {
		if src.RuleID != nil && !slices.Contains(rules, *src.RuleID) {
			rules = append(rules, *src.RuleID)
		}
	}
	if len(rules) == 0 {
		return nil
	}
	var existing []uuid.UUID
	if err := tx.NewSelect().Model((*Rule)(nil)).Column("r.id").Where("r.id IN (?)", bun.List(rules)).Scan(ctx, &existing); err != nil {
		return fmt.Errorf("load outcome rules: %w", err)
	}
	if len(existing) == 0 {
		return nil
	}
	now := s.DB.Now(ctx)
	detail := bounded(outcomeDetail(a))
	entries := make([]RuleActivity, len(existing))
	for i, rule := range existing {
		entries[i] = RuleActivity{TenantID: a.TenantID, ID: activityID(), RuleID: rule, At: now, Kind: ActivityOutcome, ActionID: &a.ID,
			CampaignID: a.CampaignID, ActionType: &a.Type, Status: &a.Status, Detail: detail}
	}
	if _, err := tx.NewInsert().Model(&entries).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("record rule outcome: %w", err)
	}
	return nil
}

// outcomeDetail says what happened to a in a line.
func outcomeDetail(a *Action) string {
	switch {
	case a.Resolution != nil:
		return *a.Resolution
	case a.Status == Failed && a.Error != nil:
		return "the platform refused it: " + *a.Error
	case a.Status == Applied && a.OverrideReason != nil:
		return "applied as a manual override: " + *a.OverrideReason
	case a.Status == Applied:
		return "applied on the platform"
	case a.Status == Dismissed:
		return "dismissed by a person"
	case a.Status == Blocked && len(a.Reasons) > 0:
		return "blocked by the trust gate: " + a.Reasons[len(a.Reasons)-1]
	}
	return ""
}

// RuleActivityFilter selects a rule's activity; zero values mean any.
type RuleActivityFilter struct {
	Kinds []ActivityKind
}

// RuleActivity pages rule's activity log, newest first; NOT_FOUND when the
// tenant has no such rule.
func (s *Service) RuleActivity(ctx context.Context, tenant, rule uuid.UUID, f RuleActivityFilter, args relay.Args) (page *relay.Page[RuleActivity], err error) {
	defer derrors.Wrap(&err, "automation.Service.RuleActivity(%v, %v)", tenant, rule)
	if len(f.Kinds) > len(activityKinds) {
		return nil, apperr.Invalid([]string{"kinds"}, "at most %d kinds", len(activityKinds))
	}
	for i, k := range f.Kinds {
		if !slices.Contains(activityKinds, k) {
			return nil, apperr.Invalid([]string{"kinds", fmt.Sprint(i)}, "unknown kind %q", k)
		}
	}
	err = s.DB.InTenantRW(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := s.ensureBuiltins(ctx, tx, tenant); err != nil {
			return err
		}
		if err := db.ScanByID(ctx, tx, new(Rule), rule, db.NoLock, "rule not found"); err != nil {
			return err
		}
		q := tx.NewSelect().Model((*RuleActivity)(nil)).Where("ra.rule_id = ?", rule)
		if len(f.Kinds) > 0 {
			q = q.Where("ra.kind IN (?)", bun.List(f.Kinds))
		}
		page, err = relay.Paginate(ctx, q, args, "ra.at", "ra.id",
			func(e *RuleActivity) relay.Cursor { return relay.Cursor{At: e.At, ID: e.ID} })
		return err
	})
	return page, err
}
