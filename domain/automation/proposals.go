// Proposals: one open action per campaign and change kind. A proposal that
// finds an open action making the same change joins it as another source;
// one making a different change of the same kind replaces it.

package automation

import (
	"context"
	"fmt"
	"math"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/relay"
)

// proposeAttempts bounds proposeTx's retries when concurrent proposals of
// the same change keep taking the open slot first (each retry finds the
// winner and joins or replaces it, so two are enough in practice).
const proposeAttempts = 3

// proposeTx gates and queues a proposal, or joins the open action of its
// campaign and change kind that makes the same change (queued is false and
// the joined action is returned). An open action making a different change
// of the same kind becomes SUPERSEDED first. With a dedupe key already used
// it returns (nil, false, nil): the proposal was handled before.
//
// The open slot is guarded by a unique index: when a concurrent
// transaction queued the same kind first, the insert waits for it and does
// nothing, and the next attempt finds that action and joins or replaces it.
func (s *Service) proposeTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, g *gateCtx, p proposal) (_ *Action, queued bool, err error) {
	a, _, err := s.build(ctx, tx, tenant, p)
	if err != nil {
		return nil, false, err
	}
	ev, err := s.gate(ctx, tx, g, a, p.Human, false, false)
	if err != nil {
		return nil, false, err
	}
	// The rule's business reason stays in a.Sources; a.Reasons are the
	// gate's, replaced by each later decision.
	s.setDecision(a, ev)
	for range proposeAttempts {
		if used, err := s.dedupeUsed(ctx, tx, p.DedupeKey); err != nil || used {
			return nil, false, err
		}
		open, err := s.openAction(ctx, tx, a)
		if err != nil {
			return nil, false, err
		}
		if open != nil && sameChange(open, a) {
			joined, err := s.join(ctx, tx, open, p)
			if err == nil && joined && p.RuleID != nil {
				err = s.noteProposal(ctx, tx, ActivityJoined, *p.RuleID, open, p.Reason)
			}
			return open, false, err
		}
		if open != nil {
			if err := s.supersede(ctx, tx, open, describe(a)); err != nil {
				return nil, false, err
			}
		}
		res, err := tx.NewInsert().Model(a).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("queue action: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			if _, err := s.audit(ctx, tx, a, ev, CauseProposed, p.Actor); err != nil {
				return nil, false, err
			}
			if err := s.publishAction(ctx, tx, a); err != nil {
				return nil, false, err
			}
			if p.RuleID != nil {
				if err := s.noteProposal(ctx, tx, ActivityProposed, *p.RuleID, a, p.Reason); err != nil {
					return nil, false, err
				}
				if err := s.noteOutcome(ctx, tx, a); err != nil { // BLOCKED at once
					return nil, false, err
				}
			}
			return a, true, s.executable(ctx, tx, a, ev)
		}
	}
	return nil, false, fmt.Errorf("queue action: concurrent proposals for campaign %v kept conflicting", a.CampaignID)
}

// dedupeUsed reports whether an action with the dedupe key exists.
func (s *Service) dedupeUsed(ctx context.Context, tx bun.Tx, key *string) (bool, error) {
	if key == nil {
		return false, nil
	}
	return tx.NewSelect().Model((*Action)(nil)).Where("a.dedupe_key = ?", *key).Exists(ctx)
}

// openAction locks and returns the open action of a's campaign and change
// kind other than a, or nil. An action whose execution started meanwhile is
// not open any more (the lock re-checks the condition).
func (s *Service) openAction(ctx context.Context, tx bun.Tx, a *Action) (*Action, error) {
	if a.CampaignID == nil || a.ChangeKind == nil {
		return nil, nil
	}
	var open []Action
	if err := tx.NewSelect().Model(&open).
		Where("a.campaign_id = ? AND a.change_kind = ? AND a.id <> ?", *a.CampaignID, *a.ChangeKind, a.ID).
		Where("a.status IN (?) AND a.execution IS NULL", bun.List([]ActionStatus{Queued, Approved})).
		For("NO KEY UPDATE").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load open action: %w", err)
	}
	if len(open) == 0 {
		return nil, nil
	}
	return &open[0], nil
}

// sameChange reports whether a and b leave their campaign's setting at the
// same value (to the cent): two rules raising a budget of 200 by 20 % both
// mean 240.
func sameChange(a, b *Action) bool {
	if a.Type == ExpandTargeting && b.Type == ExpandTargeting {
		return true
	}
	f := a.ChangeKind.field()
	if f == "" {
		return false
	}
	av, aok := a.After[f]
	bv, bok := b.After[f]
	if !aok || !bok {
		return false
	}
	if x, ok := av.(float64); ok {
		y, ok := bv.(float64)
		return ok && math.Abs(x-y) < 0.005
	}
	return av == bv
}

// join adds p as another source of the open action a (once per rule or
// person) and audits it; joined is false when p's rule or person is a
// source already.
func (s *Service) join(ctx context.Context, tx bun.Tx, a *Action, p proposal) (joined bool, err error) {
	for _, src := range a.Sources {
		if (p.RuleID != nil && src.RuleID != nil && *src.RuleID == *p.RuleID) || (p.RuleID == nil && src.RuleID == nil && src.Actor == p.Actor) {
			return false, nil
		}
	}
	a.Sources = append(a.Sources, p.source(s.DB.Now(ctx)))
	if err := s.save(ctx, tx, a); err != nil {
		return false, err
	}
	details := map[string]any{"actor": p.Actor, "reason": p.Reason}
	if p.RuleID != nil {
		details["ruleId"], details["ruleName"] = p.RuleID.String(), p.RuleName
	}
	return true, record(ctx, tx, a.TenantID, "action.join", relay.TypeAction, a.ID, details)
}

// supersede ends the open action a: a newer proposal of the same kind,
// described by by, replaced it.
func (s *Service) supersede(ctx context.Context, tx bun.Tx, a *Action, by string) error {
	return s.resolve(ctx, tx, a, Superseded, "replaced by a newer proposal: "+by)
}

// resolve ends a without a change (SUPERSEDED or NOT_NEEDED) and audits why.
func (s *Service) resolve(ctx context.Context, tx bun.Tx, a *Action, status ActionStatus, why string) error {
	a.Status, a.Resolution = status, &why
	if err := s.save(ctx, tx, a); err != nil {
		return err
	}
	return record(ctx, tx, a.TenantID, "action.resolve", relay.TypeAction, a.ID, map[string]any{"status": status, "resolution": why})
}

// describe says what a changes and who proposed it, for a replaced
// action's resolution: `reduce_budget to 225.00 (rule "Cut losers")`.
func describe(a *Action) string {
	out := actionName(a.Type)
	if f := a.ChangeKind.field(); f != "" {
		switch v := a.After[f].(type) {
		case float64, string:
			out += " to " + settingValue(v)
		}
	}
	if a.RuleName != "" {
		return out + fmt.Sprintf(" (rule %q)", a.RuleName)
	}
	return out + " (a person's proposal)"
}

// makeRoom is called before a BLOCKED action returns to the queue: when
// another action of its campaign and change kind is open, the older of the
// two is SUPERSEDED. It returns the id of the action it superseded.
func (s *Service) makeRoom(ctx context.Context, tx bun.Tx, a *Action) (uuid.UUID, error) {
	open, err := s.openAction(ctx, tx, a)
	if err != nil || open == nil {
		return uuid.Nil, err
	}
	older, newer := open, a
	if open.CreatedAt.After(a.CreatedAt) {
		older, newer = a, open
	}
	return older.ID, s.supersede(ctx, tx, older, describe(newer))
}
