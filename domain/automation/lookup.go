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

// AuditEntriesByID returns tenant's trust-gate audit entries with the given ids, by id.
func (s *Service) AuditEntriesByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*AuditEntry, error) {
	return byID(ctx, s.DB, tenant, ids, "g.id", func(e *AuditEntry) uuid.UUID { return e.ID })
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

// AuditEntryByID returns one gate decision or NOT_FOUND.
func (s *Service) AuditEntryByID(ctx context.Context, tenant, id uuid.UUID) (*AuditEntry, error) {
	return db.ByID[AuditEntry](ctx, s.DB, tenant, id, "audit entry not found")
}
