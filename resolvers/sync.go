package resolvers

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

// Global ID types of the sync fields: connections and ad accounts are
// the connections API's (relay.TypePlatformConnection, relay.TypeAdAccount).
const (
	typePlatformConnection = relay.TypePlatformConnection
	typeAdAccount          = relay.TypeAdAccount
	typeSyncRun            = "SyncRun"
)

// optionalSyncID parses an optional global ID of type typ.
func optionalSyncID(gid *string, typ string, field ...string) (*uuid.UUID, error) {
	if gid == nil {
		return nil, nil
	}
	id, err := relay.ParseTypedID(*gid, typ, field...)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// optionalDay parses an optional YYYY-MM-DD day.
func optionalDay(s *string, field ...string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	d, err := time.Parse(time.DateOnly, *s)
	if err != nil {
		return nil, apperr.Invalid(field, "%q is not a day (YYYY-MM-DD)", clipString(*s, 40))
	}
	return &d, nil
}

func clipString(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// triggerSync is the triggerSync mutation's work: the feature check
// (connectors need platform_connectors, the sandbox does not) and the
// request. Validation problems are userErrors; FEATURE_DISABLED is an
// operation error, as the @feature directive's.
func (r *Resolver) triggerSync(ctx context.Context, input model.TriggerSyncInput) (*model.TriggerSyncPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*model.TriggerSyncPayload, error) {
		ue, err := userErrors(err)
		if err != nil {
			return nil, err
		}
		return &model.TriggerSyncPayload{Runs: []*model.SyncRun{}, UserErrors: ue}, nil
	}
	connID, err := relay.ParseTypedID(input.ConnectionID, typePlatformConnection, "input", "connectionId")
	if err != nil {
		return fail(err)
	}
	req := platforms.SyncRequest{ConnectionID: connID, Kind: string(input.Kind), Trigger: platforms.TriggerUser}
	if req.AccountID, err = optionalSyncID(input.AccountID, typeAdAccount, "input", "accountId"); err != nil {
		return fail(err)
	}
	if req.From, err = optionalDay(input.From, "input", "from"); err != nil {
		return fail(err)
	}
	if req.To, err = optionalDay(input.To, "input", "to"); err != nil {
		return fail(err)
	}
	if p, ok := auth.FromContext(ctx); ok && p.UserID != uuid.Nil {
		req.RequestedBy = &p.UserID
	}
	conn, err := r.Svc.Platforms.SyncConnection(ctx, tenant, connID)
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return fail(apperr.Invalid([]string{"input", "connectionId"}, "connection not found"))
		}
		return nil, err
	}
	if !conn.Sandbox {
		e, err := r.entitlements(ctx, tenant)
		if err != nil {
			return nil, err
		}
		if err := Disabled(e, "platform_connectors"); err != nil {
			return nil, err
		}
	}
	runs, err := r.Svc.Platforms.RequestSync(ctx, tenant, req)
	if err != nil {
		return fail(err)
	}
	out, err := r.syncRunModels(ctx, tenant, runs)
	if err != nil {
		return nil, err
	}
	return &model.TriggerSyncPayload{Runs: out, UserErrors: []*model.UserError{}}, nil
}

// syncRuns answers the syncRuns query.
func (r *Resolver) syncRuns(ctx context.Context, connectionID, accountID *string, args relay.Args) (*model.SyncRunConnection, error) {
	var f platforms.SyncRunFilter
	var err error
	if f.ConnectionID, err = optionalSyncID(connectionID, typePlatformConnection, "connectionId"); err != nil {
		return nil, err
	}
	if f.AccountID, err = optionalSyncID(accountID, typeAdAccount, "accountId"); err != nil {
		return nil, err
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	page, err := r.Svc.Platforms.SyncRunPage(ctx, tenant, f, args)
	if err != nil {
		return nil, err
	}
	models, err := r.syncRunModels(ctx, tenant, page.Items)
	if err != nil {
		return nil, err
	}
	edges := make([]*model.SyncRunEdge, len(models))
	for i := range models {
		edges[i] = &model.SyncRunEdge{Cursor: page.Cursors[i], Node: models[i]}
	}
	return &model.SyncRunConnection{Edges: edges, PageInfo: &page.Info, TotalCount: page.TotalCount}, nil
}

// syncRunUpdated answers the syncRunUpdated subscription.
func (r *Resolver) syncRunUpdated(ctx context.Context, connectionID *string) (<-chan *model.SyncRun, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := optionalSyncID(connectionID, typePlatformConnection, "connectionId")
	if err != nil {
		return nil, err
	}
	return subscribe(ctx, r, tenant, []string{platforms.TopicSyncRunUpdated}, func(ctx context.Context, ev realtime.Event) (*model.SyncRun, error) {
		var data platforms.SyncRunEvent
		if err := json.Unmarshal(ev.Data, &data); err != nil {
			return nil, errSkip
		}
		if conn != nil && data.ConnectionID != *conn {
			return nil, errSkip
		}
		id, err := uuid.Parse(ev.ID)
		if err != nil {
			return nil, errSkip
		}
		run, err := r.Svc.Platforms.SyncRun(ctx, tenant, id)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, errSkip
		}
		if err != nil {
			return nil, err
		}
		ms, err := r.syncRunModels(ctx, tenant, []platforms.SyncRun{*run})
		if err != nil || len(ms) == 0 {
			return nil, err
		}
		return ms[0], nil
	})
}

// syncRunModels converts runs, loading their accounts in one read.
func (r *Resolver) syncRunModels(ctx context.Context, tenant uuid.UUID, runs []platforms.SyncRun) ([]*model.SyncRun, error) {
	ids := make([]uuid.UUID, 0, len(runs))
	for i := range runs {
		ids = append(ids, runs[i].AdAccountID)
	}
	accts := map[uuid.UUID]*platforms.AdAccount{}
	if len(ids) > 0 {
		var err error
		if accts, err = r.Svc.Platforms.SyncAccountsByID(ctx, tenant, ids); err != nil {
			return nil, err
		}
	}
	out := make([]*model.SyncRun, 0, len(runs))
	for i := range runs {
		x := &runs[i]
		m := &model.SyncRun{ID: relay.GlobalID(typeSyncRun, x.ID), ConnectionID: relay.GlobalID(typePlatformConnection, x.ConnectionID),
			Kind: model.SyncKind(x.Kind), Trigger: model.SyncTrigger(x.Trigger), Status: model.SyncRunStatus(x.Status),
			Progress:    &model.SyncProgress{Done: x.ProgressDone, Total: x.ProgressTotal},
			RowsWritten: int(x.RowsWritten), APICalls: x.APICalls, APIErrors: x.APIErrors, QueuedAt: x.QueuedAt, StartedAt: x.StartedAt, FinishedAt: x.FinishedAt,
			Account: &model.SyncAccount{ID: relay.GlobalID(typeAdAccount, x.AdAccountID)}}
		if x.WindowFrom != nil && x.WindowTo != nil {
			m.Window = &model.SyncWindow{From: x.WindowFrom.Format(time.DateOnly), To: x.WindowTo.Format(time.DateOnly)}
		}
		if x.Error != "" {
			e := x.Error
			m.Error = &e
		}
		if a, ok := accts[x.AdAccountID]; ok {
			m.Account.Name, m.Account.Platform, m.Account.Sandbox = a.Name, model.Platform(a.Platform), a.Sandbox
			m.Account.Currency, m.Account.TimeZone = a.Currency, a.TimeZone
		}
		out = append(out, m)
	}
	return out, nil
}
