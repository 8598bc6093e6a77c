package platforms

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// SyncRunFilter scopes SyncRunPage (nil: any).
type SyncRunFilter struct {
	ConnectionID *uuid.UUID
	AccountID    *uuid.UUID
}

// SyncRunPage pages tenant's sync runs matching f, newest first.
func (s *Service) SyncRunPage(ctx context.Context, tenant uuid.UUID, f SyncRunFilter, args relay.Args) (page *relay.Page[SyncRun], err error) {
	defer derrors.Wrap(&err, "platforms.Service.SyncRunPage(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*SyncRun)(nil))
		if f.ConnectionID != nil {
			q = q.Where("sr.connection_id = ?", *f.ConnectionID)
		}
		if f.AccountID != nil {
			q = q.Where("sr.ad_account_id = ?", *f.AccountID)
		}
		page, err = relay.Paginate(ctx, q, args, "sr.queued_at", "sr.id",
			func(r *SyncRun) relay.Cursor { return relay.Cursor{At: r.QueuedAt, ID: r.ID} })
		return err
	})
	return page, err
}

// SyncRun returns tenant's run id (NOT_FOUND when absent).
func (s *Service) SyncRun(ctx context.Context, tenant, id uuid.UUID) (_ *SyncRun, err error) {
	defer derrors.Wrap(&err, "platforms.Service.SyncRun(%v, %v)", tenant, id)
	return db.ByID[SyncRun](ctx, s.DB, tenant, id, "sync run not found")
}

// SyncAccountsByID returns tenant's ad accounts with the given ids, by id.
func (s *Service) SyncAccountsByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (_ map[uuid.UUID]*AdAccount, err error) {
	defer derrors.Wrap(&err, "platforms.Service.SyncAccountsByID(%v)", tenant)
	return db.ByIDs(ctx, s.DB, tenant, ids, func(a *AdAccount) uuid.UUID { return a.ID })
}

// SyncConnection returns tenant's connection id (NOT_FOUND when absent).
func (s *Service) SyncConnection(ctx context.Context, tenant, id uuid.UUID) (_ *Connection, err error) {
	defer derrors.Wrap(&err, "platforms.Service.SyncConnection(%v, %v)", tenant, id)
	return db.ByID[Connection](ctx, s.DB, tenant, id, "connection not found")
}
