package automation

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// RulesByID returns tenant's rules with the given ids, by id (missing ones
// are absent). Resolvers batch per request through it.
func (s *Service) RulesByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (_ map[uuid.UUID]*Rule, err error) {
	defer derrors.Wrap(&err, "automation.Service.RulesByID(%v)", tenant)
	return db.ByIDs(ctx, s.DB, tenant, ids, func(r *Rule) uuid.UUID { return r.ID })
}

// ActionsByID returns tenant's actions with the given ids, by id.
func (s *Service) ActionsByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (_ map[uuid.UUID]*Action, err error) {
	defer derrors.Wrap(&err, "automation.Service.ActionsByID(%v)", tenant)
	return db.ByIDs(ctx, s.DB, tenant, ids, func(a *Action) uuid.UUID { return a.ID })
}

// GateDecisionsByID returns tenant's gate decisions with the given ids, by id.
func (s *Service) GateDecisionsByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (_ map[uuid.UUID]*GateDecision, err error) {
	defer derrors.Wrap(&err, "automation.Service.GateDecisionsByID(%v)", tenant)
	out := make(map[uuid.UUID]*GateDecision, len(ids))
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var es []GateDecision
		if err := tx.NewSelect().Model(&es).Where("g.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
			return err
		}
		if err := withActorEmails(ctx, tx, es); err != nil {
			return err
		}
		for i := range es {
			out[es[i].ID] = &es[i]
		}
		return nil
	})
	return out, err
}

// GateDecisionByID returns one gate decision or NOT_FOUND.
func (s *Service) GateDecisionByID(ctx context.Context, tenant, id uuid.UUID) (_ *GateDecision, err error) {
	defer derrors.Wrap(&err, "automation.Service.GateDecisionByID(%v, %v)", tenant, id)
	m, err := s.GateDecisionsByID(ctx, tenant, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	if m[id] == nil {
		return nil, apperr.NotFoundf("audit entry not found")
	}
	return m[id], nil
}

// ActionFilter selects actions; empty means any.
type ActionFilter struct {
	// Phase selects one part of the queue (with Statuses: their intersection).
	Phase      Phase
	Statuses   []ActionStatus
	RuleID     *uuid.UUID
	CampaignID *uuid.UUID
	// Skip leaves these parts of each action unread (their fields stay
	// empty): a page that does not show them decodes none of their JSON.
	Skip []ActionPart
}

// ActionPart is a JSON column of an action a list may leave unread.
type ActionPart string

const (
	PartParams    ActionPart = "params"
	PartBefore    ActionPart = "before_value"
	PartAfter     ActionPart = "after_value"
	PartSources   ActionPart = "sources"
	PartWarnings  ActionPart = "warnings"
	PartExecution ActionPart = "execution"
)

// Actions pages tenant's actions, newest first.
func (s *Service) Actions(ctx context.Context, tenant uuid.UUID, f ActionFilter, args relay.Args) (page *relay.Page[Action], err error) {
	defer derrors.Wrap(&err, "automation.Service.Actions(%v)", tenant)
	if f.Phase != "" && f.Phase.Statuses() == nil {
		return nil, apperr.Invalid([]string{"phase"}, "unknown phase %q", f.Phase)
	}
	if err := relay.CheckFilter("status", len(f.Statuses), "statuses"); err != nil {
		return nil, err
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*Action)(nil))
		for _, p := range f.Skip {
			q = q.ExcludeColumn(string(p))
		}
		if f.Phase != "" {
			q = q.Where("a.status IN (?)", bun.List(f.Phase.Statuses()))
		}
		if len(f.Statuses) > 0 {
			q = q.Where("a.status IN (?)", bun.List(f.Statuses))
		}
		if f.RuleID != nil {
			q = q.Where("a.rule_id = ?", *f.RuleID)
		}
		if f.CampaignID != nil {
			q = q.Where("a.campaign_id = ?", *f.CampaignID)
		}
		page, err = relay.Paginate(ctx, q, args, "a.created_at", "a.id",
			func(a *Action) relay.Cursor { return relay.Cursor{At: a.CreatedAt, ID: a.ID} })
		return err
	})
	return page, err
}

// Action returns one action or NOT_FOUND.
func (s *Service) Action(ctx context.Context, tenant, id uuid.UUID) (_ *Action, err error) {
	defer derrors.Wrap(&err, "automation.Service.Action(%v, %v)", tenant, id)
	return db.ByID[Action](ctx, s.DB, tenant, id, "action not found")
}
