// The action queue: queuing a proposal through the gate, a person's
// approve and dismiss, and re-gating pending actions when settings change.

package automation

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

func (s *Service) setDecision(a *Action, ev evaluation) {
	a.Decision, a.Reasons, a.Warnings, a.Score = ev.Decision, ev.Reasons, ev.Warnings, ev.score
	switch {
	case ev.Decision == Block:
		a.Status = Blocked
	case a.Status == Approved:
	default:
		a.Status = Queued
	}
}

func (s *Service) executable(ctx context.Context, tx bun.Tx, a *Action, ev evaluation) error {
	if a.Status == Queued && a.Decision == Hold && s.OnAwaitingApproval != nil {
		if err := s.OnAwaitingApproval(ctx, tx, a); err != nil {
			return err
		}
	}
	if !ev.WouldExecute || (a.Status != Queued && a.Status != Approved) || s.OnExecutable == nil {
		return nil
	}
	return s.OnExecutable(ctx, tx, a.TenantID, a.ID)
}

// ActionInput is a manually queued action.
type ActionInput struct {
	Type       ActionType
	CampaignID *uuid.UUID
	// Platform scopes pause_all / emergency_stop ("" for all platforms).
	Platform string
	Params   ActionParams
}

// QueueAction queues an action proposed by actor (a person). It passes the
// gate like any other: PASS executes, HOLD waits for review, BLOCK blocks.
// When the campaign already has an open action making the same change, the
// person joins it as another source and that action is returned; an open
// action making a different change of the same kind is SUPERSEDED.
func (s *Service) QueueAction(ctx context.Context, tenant uuid.UUID, in ActionInput, actor string) (a *Action, err error) {
	defer derrors.Wrap(&err, "automation.Service.QueueAction(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		p, g, err := s.personProposal(ctx, tx, tenant, in, actor)
		if err != nil {
			return err
		}
		var queued bool
		if a, queued, err = s.proposeTx(ctx, tx, tenant, g, p); err != nil || !queued {
			return err // joined: proposeTx recorded action.join
		}
		return record(ctx, tx, tenant, "action.queue", relay.TypeAction, a.ID, map[string]any{"type": a.Type, "decision": a.Decision})
	})
	return a, err
}

// Approve approves a queued action as actor. The gate runs again: a HOLD is
// satisfied by the approval, a BLOCK is not (the action becomes BLOCKED and
// Approve returns CONFLICT; applyAction with a reason overrides it).
func (s *Service) Approve(ctx context.Context, tenant, id uuid.UUID, actor string) (_ *Action, err error) {
	defer derrors.Wrap(&err, "automation.Service.Approve(%v, %v)", tenant, id)
	var a *Action
	var blocked error
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) (err error) {
		if a, err = lockAction(ctx, tx, id); err != nil {
			return err
		}
		if a.Status != Queued {
			return apperr.Conflictf("only queued actions can be approved (this one is %s)", codeWord(string(a.Status)))
		}
		if a.Execution != nil {
			return errInFlight
		}
		g, err := s.loadGate(ctx, tx, tenant)
		if err != nil {
			return err
		}
		ev, err := s.gate(ctx, tx, g, a, true, true, false)
		if err != nil {
			return err
		}
		if _, err := s.audit(ctx, tx, a, ev, CauseApproval, actor); err != nil {
			return err
		}
		now := s.DB.Now(ctx)
		s.setDecision(a, ev)
		if a.Status == Blocked {
			blocked = apperr.Conflictf("the trust gate blocks this action: %s", strings.Join(ev.Reasons, "; "))
		} else {
			a.Status, a.ApprovedBy, a.ApprovedAt = Approved, &actor, &now
		}
		if err := s.save(ctx, tx, a); err != nil {
			return err
		}
		if err := record(ctx, tx, tenant, "action.approve", relay.TypeAction, a.ID, map[string]any{"decision": a.Decision, "status": a.Status}); err != nil {
			return err
		}
		return s.executable(ctx, tx, a, ev)
	})
	if err != nil {
		return nil, err
	}
	return a, blocked
}

// Dismiss dismisses a pending, blocked or failed action as actor.
func (s *Service) Dismiss(ctx context.Context, tenant, id uuid.UUID, actor string) (a *Action, err error) {
	defer derrors.Wrap(&err, "automation.Service.Dismiss(%v, %v)", tenant, id)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if a, err = lockAction(ctx, tx, id); err != nil {
			return err
		}
		switch a.Status {
		case Queued, Approved, Blocked, Failed:
		default:
			return apperr.Conflictf("a %s action cannot be dismissed", codeWord(string(a.Status)))
		}
		if a.Execution != nil {
			return errInFlight
		}
		a.Status, a.DismissedBy = Dismissed, &actor
		if err := s.save(ctx, tx, a); err != nil {
			return err
		}
		return record(ctx, tx, tenant, "action.dismiss", relay.TypeAction, a.ID, nil)
	})
	return a, err
}

// humanFor is the gate's Human input for a stored action: a person
// proposed it, or a person approved it (the autopilot level's holds are
// about what runs without a person, so an approval satisfies them, as it
// did when Approve gated it).
func humanFor(a *Action) bool { return a.CreatedBy != System || a.Status == Approved }

// regate re-runs the gate on pending actions after the mode, level or kill
// switch changed (cause says which): QUEUED and APPROVED actions, and
// actions BLOCKED by the gate in the last 24 h (not those a person dealt
// with). Actions whose execution is in flight are past the gate and left
// alone. A decision that differs from the action's last one — in decision,
// status or score — is appended to its timeline; the proposal's reasons
// (Sources) are never touched.
func (s *Service) regate(ctx context.Context, tx bun.Tx, tenant uuid.UUID, st *Settings, cause GateCause, actor string) error {
	var pending []Action
	if err := tx.NewSelect().Model(&pending).
		Where("a.status IN (?) OR (a.status = ? AND a.created_at > ? AND a.override_reason IS NULL)", bun.List([]ActionStatus{Queued, Approved}), Blocked, s.DB.Now(ctx).Add(-24*time.Hour)).
		Where("a.execution IS NULL").
		OrderExpr("a.created_at, a.id").For("NO KEY UPDATE").Scan(ctx); err != nil {
		return fmt.Errorf("load pending actions: %w", err)
	}
	if len(pending) == 0 {
		return nil
	}
	g, err := s.loadGate(ctx, tx, tenant)
	if err != nil {
		return err
	}
	g.settings = st
	superseded := map[uuid.UUID]bool{}
	for i := range pending {
		a := &pending[i]
		if superseded[a.ID] {
			continue
		}
		ev, err := s.gate(ctx, tx, g, a, humanFor(a), a.Status == Approved, false)
		if err != nil {
			return err
		}
		prevStatus, prevDecision, prevScore := a.Status, a.Decision, a.Score
		if a.Status == Blocked && ev.Decision != Block {
			// Back in the queue: one open action per campaign and kind.
			id, err := s.makeRoom(ctx, tx, a)
			if err != nil {
				return err
			}
			superseded[id] = true
			if id == a.ID {
				continue
			}
			a.Status = Queued
		}
		s.setDecision(a, ev)
		if a.Status == prevStatus && a.Decision == prevDecision && sameScore(a.Score, prevScore) {
			continue
		}
		if _, err := s.audit(ctx, tx, a, ev, cause, actor); err != nil {
			return err
		}
		if err := s.save(ctx, tx, a); err != nil {
			return err
		}
		if err := s.executable(ctx, tx, a, ev); err != nil {
			return err
		}
	}
	return nil
}

// sameScore reports whether two gate scores read the same (to 0.1, as the
// gate's reasons print them).
func sameScore(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 0.05
}
