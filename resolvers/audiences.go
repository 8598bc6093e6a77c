package resolvers

import (
	"context"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/audiences"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

// audienceService is audience sync (an error when the server has none).
func (r *Resolver) audienceService() (*audiences.Service, error) {
	if r.Svc.Audiences == nil {
		return nil, apperr.Invalid(nil, "audience sync is not available on this server")
	}
	return r.Svc.Audiences, nil
}

// audienceModel maps an audience (nil stays nil).
func audienceModel(a *audiences.Audience) *model.Audience {
	if a == nil {
		return nil
	}
	return &model.Audience{ID: relay.GlobalID(relay.TypeAudience, a.ID), Platform: model.Platform(a.Platform),
		PlatformAudienceID: a.PlatformAudienceID, Status: model.AudienceStatus(a.Status), Size: int(a.Size),
		LastSyncAt: a.LastSyncAt, Error: a.Error, CreatedAt: a.CreatedAt,
		Progress:  &model.AudienceSyncProgress{Done: int(a.ProgressDone), Total: int(max(a.ProgressTotal, a.ProgressDone))},
		SegmentID: a.SegmentID, AccountID: a.AdAccountID}
}

func (r *Resolver) audienceSegment(ctx context.Context, obj *model.Audience) (*model.Segment, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	s, err := r.segments().Segment(ctx, tenant, obj.SegmentID)
	if err != nil {
		return nil, err
	}
	return segmentModel(s), nil
}

func (r *Resolver) audienceAccount(ctx context.Context, obj *model.Audience) (*model.AdAccount, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if r.Svc.Connections == nil {
		return nil, apperr.Invalid(nil, "platform connections are not available on this server")
	}
	a, _, err := r.Svc.Connections.AdAccount(ctx, tenant, obj.AccountID)
	if err != nil {
		return nil, err
	}
	return &model.AdAccount{ID: relay.GlobalID(relay.TypeAdAccount, a.ID), ExternalID: a.ExternalID, Name: a.Name,
		Currency: a.Currency, TimeZone: a.TimeZone, Selected: a.Selected, Sandbox: a.Sandbox}, nil
}

func (r *Resolver) syncAudience(ctx context.Context, input model.SyncAudienceInput) (*model.SyncAudiencePayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	a, err := func() (*audiences.Audience, error) {
		svc, err := r.audienceService()
		if err != nil {
			return nil, err
		}
		seg, err := relay.ParseTypedID(input.SegmentID, relay.TypeSegment, "input", "segmentId")
		if err != nil {
			return nil, err
		}
		acct, err := relay.ParseTypedID(input.AccountID, relay.TypeAdAccount, "input", "accountId")
		if err != nil {
			return nil, err
		}
		return svc.Sync(ctx, tenant, audiences.SyncInput{SegmentID: seg, AccountID: acct, Platform: string(input.Platform)})
	}()
	ue, err := userErrors(err)
	return &model.SyncAudiencePayload{Audience: okOrNil(audienceModel(a), ue, err), UserErrors: ue}, err
}

// audienceInput parses an AudienceIdInput's id.
func audienceInput(input model.AudienceIDInput) (uuid.UUID, error) {
	return relay.ParseTypedID(input.ID, relay.TypeAudience, "input", "id")
}

func (r *Resolver) stopAudienceSync(ctx context.Context, input model.AudienceIDInput) (*model.StopAudienceSyncPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	a, err := func() (*audiences.Audience, error) {
		svc, err := r.audienceService()
		if err != nil {
			return nil, err
		}
		id, err := audienceInput(input)
		if err != nil {
			return nil, err
		}
		return svc.Stop(ctx, tenant, id)
	}()
	ue, err := userErrors(err)
	return &model.StopAudienceSyncPayload{Audience: okOrNil(audienceModel(a), ue, err), UserErrors: ue}, err
}

func (r *Resolver) deleteAudience(ctx context.Context, input model.AudienceIDInput) (*model.DeleteAudiencePayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	err = func() error {
		svc, err := r.audienceService()
		if err != nil {
			return err
		}
		id, err := audienceInput(input)
		if err != nil {
			return err
		}
		return svc.Delete(ctx, tenant, id)
	}()
	ue, err := userErrors(err)
	out := &model.DeleteAudiencePayload{UserErrors: ue, PlatformAudienceDeleted: false}
	if err == nil && len(ue) == 0 {
		out.DeletedAudienceID = &input.ID
	}
	return out, err
}

func (r *Resolver) audiences(ctx context.Context, first *int, after *string, segmentID *string) (*model.AudienceConnection, error) {
	svc, err := r.audienceService()
	if err != nil {
		return nil, err
	}
	var seg *uuid.UUID
	if segmentID != nil {
		id, err := relay.ParseTypedID(*segmentID, relay.TypeSegment, "segmentId")
		if err != nil {
			return nil, err
		}
		seg = &id
	}
	list := func(ctx context.Context, tenant uuid.UUID, args relay.Args) (*relay.Page[audiences.Audience], error) {
		return svc.List(ctx, tenant, seg, args)
	}
	return connection(ctx, pageArgs(first, after, nil, nil), list,
		func(x *audiences.Audience, c string) *model.AudienceEdge {
			return &model.AudienceEdge{Cursor: c, Node: audienceModel(x)}
		},
		func(e []*model.AudienceEdge, info *relay.PageInfo, n int) *model.AudienceConnection {
			return &model.AudienceConnection{Edges: e, PageInfo: info, TotalCount: n}
		})
}

func (r *Resolver) audienceSyncUpdated(ctx context.Context) (<-chan *model.Audience, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	svc, err := r.audienceService()
	if err != nil {
		return nil, err
	}
	return subscribe(ctx, r, tenant, []string{audiences.TopicAudienceUpdated}, func(ctx context.Context, ev realtime.Event) (*model.Audience, error) {
		id, err := uuid.Parse(ev.ID)
		if err != nil {
			return nil, errSkip
		}
		a, err := svc.Get(ctx, tenant, id)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, errSkip
		}
		if err != nil {
			return nil, err
		}
		return audienceModel(a), nil
	})
}
