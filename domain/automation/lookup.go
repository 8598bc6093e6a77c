package automation

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
)

// RulesByID returns tenant's rules with the given ids, by id (missing ones
// are absent). Resolvers batch per request through it.
func (s *Service) RulesByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Rule, error) {
	return byID(ctx, s.DB, tenant, ids, "r.id", func(r *Rule) uuid.UUID { return r.ID })
}

// ActionsByID returns tenant's actions with the given ids, by id.
func (s *Service) ActionsByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Action, error) {
	return byID(ctx, s.DB, tenant, ids, "a.id", func(a *Action) uuid.UUID { return a.ID })
}

// GateDecisionsByID returns tenant's gate decisions with the given ids, by id.
func (s *Service) GateDecisionsByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*GateDecision, error) {
	return byID(ctx, s.DB, tenant, ids, "g.id", func(e *GateDecision) uuid.UUID { return e.ID })
}

// byID loads the rows of T whose idCol is in ids.
func byID[T any](ctx context.Context, d *db.DB, tenant uuid.UUID, ids []uuid.UUID, idCol string, id func(*T) uuid.UUID) (map[uuid.UUID]*T, error) {
	var rows []T
	err := d.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&rows).Where(idCol+" IN (?)", bun.List(ids)).Scan(ctx)
	})
	out := make(map[uuid.UUID]*T, len(rows))
	for i := range rows {
		out[id(&rows[i])] = &rows[i]
	}
	return out, err
}

// GateDecisionByID returns one gate decision or NOT_FOUND.
func (s *Service) GateDecisionByID(ctx context.Context, tenant, id uuid.UUID) (*GateDecision, error) {
	return db.ByID[GateDecision](ctx, s.DB, tenant, id, "audit entry not found")
}
