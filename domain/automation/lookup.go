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
	var rs []Rule
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&rs).Where("r.id IN (?)", bun.In(ids)).Scan(ctx)
	})
	out := make(map[uuid.UUID]*Rule, len(rs))
	for i := range rs {
		out[rs[i].ID] = &rs[i]
	}
	return out, err
}

// ActionsByID returns tenant's actions with the given ids, by id.
func (s *Service) ActionsByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Action, error) {
	var as []Action
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&as).Where("a.id IN (?)", bun.In(ids)).Scan(ctx)
	})
	out := make(map[uuid.UUID]*Action, len(as))
	for i := range as {
		out[as[i].ID] = &as[i]
	}
	return out, err
}

// AuditEntryByID returns one gate decision or NOT_FOUND.
func (s *Service) AuditEntryByID(ctx context.Context, tenant, id uuid.UUID) (*AuditEntry, error) {
	e := new(AuditEntry)
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(e).Where("g.id = ?", id).Scan(ctx)
	})
	if err != nil {
		return nil, db.NotFound(err, "audit entry not found")
	}
	return e, nil
}
