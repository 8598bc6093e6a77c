package resolvers

import (
	"context"

	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
)

// errAudiencesNotBuilt answers every audience field until audience sync's
// service is wired (this branch's first slice publishes the schema only).
var errAudiencesNotBuilt = apperr.Invalid(nil, "audience sync is not available yet")

func (r *Resolver) audienceSegment(context.Context, *model.Audience) (*model.Segment, error) {
	return nil, errAudiencesNotBuilt
}

func (r *Resolver) audienceAccount(context.Context, *model.Audience) (*model.AdAccount, error) {
	return nil, errAudiencesNotBuilt
}

func (r *Resolver) syncAudience(context.Context, model.SyncAudienceInput) (*model.SyncAudiencePayload, error) {
	return nil, errAudiencesNotBuilt
}

func (r *Resolver) stopAudienceSync(context.Context, model.AudienceIDInput) (*model.StopAudienceSyncPayload, error) {
	return nil, errAudiencesNotBuilt
}

func (r *Resolver) deleteAudience(context.Context, model.AudienceIDInput) (*model.DeleteAudiencePayload, error) {
	return nil, errAudiencesNotBuilt
}

func (r *Resolver) audiences(context.Context, *int, *string, *string) (*model.AudienceConnection, error) {
	return nil, errAudiencesNotBuilt
}

func (r *Resolver) audienceSyncUpdated(context.Context) (<-chan *model.Audience, error) {
	return nil, errAudiencesNotBuilt
}
