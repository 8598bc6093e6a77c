package resolvers

import (
	"context"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

// This file maps the CDP's consent and privacy (graph/privacy.graphqls,
// docs/adr/0018) between GraphQL and the domain.

// privacy is the data-subject request service.
func (r *Resolver) privacy() (*cdp.Privacy, error) {
	if r.Svc.Privacy == nil {
		return nil, apperr.New(apperr.Internal, "privacy requests are not configured")
	}
	return r.Svc.Privacy, nil
}

// consentsModel lists a person's consent for every purpose, UNKNOWN where
// none was recorded.
func consentsModel(m map[cdp.Purpose]cdp.Consent) []*model.Consent {
	out := make([]*model.Consent, len(cdp.Purposes))
	for i, p := range cdp.Purposes {
		out[i] = &model.Consent{Purpose: model.ConsentPurpose(p), State: model.ConsentStateUnknown}
		if c, ok := m[p]; ok {
			out[i] = consentModel(c)
		}
	}
	return out
}

func consentModel(c cdp.Consent) *model.Consent {
	src := model.ConsentSource(c.Source)
	at := c.DecidedAt
	return &model.Consent{Purpose: model.ConsentPurpose(c.Purpose), State: consentState(c.Granted), Source: &src, DecidedAt: &at}
}

func consentState(granted bool) model.ConsentState {
	if granted {
		return model.ConsentStateGranted
	}
	return model.ConsentStateDenied
}

func consentChangeModel(c *cdp.ConsentChange) *model.ConsentChange {
	return &model.ConsentChange{ID: relay.GlobalID(relay.TypeConsentChange, c.ID), Purpose: model.ConsentPurpose(c.Purpose),
		State: consentState(c.Granted), Source: model.ConsentSource(c.Source), DecidedAt: c.DecidedAt, RecordedAt: c.RecordedAt}
}

// privacyRequestModel maps a request for the signed-in principal: the
// download link is built for its requester only.
func (r *Resolver) privacyRequestModel(ctx context.Context, x *cdp.PrivacyRequest) *model.PrivacyRequest {
	out := &model.PrivacyRequest{ID: relay.GlobalID(relay.TypePrivacyRequest, x.ID), Kind: model.PrivacyRequestKind(x.Kind),
		Status: model.PrivacyRequestStatus(x.Status), Progress: x.Progress(), CreatedAt: x.CreatedAt, StartedAt: x.StartedAt,
		FinishedAt: x.FinishedAt, Error: x.Error, ErasedEvents: float64(x.ErasedEvents), ErasedIdentifiers: x.ErasedIdentifiers,
		ExportBytes: x.ExportBytes, ExpiresAt: x.ExpiresAt}
	if x.ProfileID != nil {
		id := relay.GlobalID(relay.TypeProfile, *x.ProfileID)
		out.ProfileID = &id
	}
	switch x.RequestedByType {
	case audit.ActorUser:
		out.RequestedBy = x.RequestedByEmail
		if out.RequestedBy == "" {
			out.RequestedBy = "a former member"
		}
	case audit.ActorAPIKey:
		out.RequestedBy = "API key"
	default:
		out.RequestedBy = "system"
	}
	p, ok := auth.FromContext(ctx)
	me := ok && p.IsUser() && x.RequestedBy != nil && *x.RequestedBy == p.UserID && x.RequestedByType == audit.ActorUser
	out.RequestedByMe = me
	if me && r.Svc.Privacy != nil && x.Downloadable(r.DB.Now(ctx)) {
		if tok := r.Svc.Privacy.DownloadToken(x.TenantID, x.ID, p.UserID, *x.ExpiresAt); tok != "" {
			u := "/privacy/exports/" + tok
			out.DownloadURL = &u
		}
	}
	return out
}

// setConsent answers setConsent.
func (r *Resolver) setConsent(ctx context.Context, input model.SetConsentInput) (*model.SetConsentPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	failed := func(err error) (*model.SetConsentPayload, error) {
		ue, err := userErrors(err)
		return &model.SetConsentPayload{UserErrors: ue}, err
	}
	id, err := relay.ParseTypedID(input.ProfileID, relay.TypeProfile, "input", "profileId")
	if err != nil {
		return failed(err)
	}
	c, err := r.identity().SetConsent(ctx, tenant, id, cdp.Purpose(input.Purpose), input.Granted)
	if err != nil {
		return failed(err)
	}
	return &model.SetConsentPayload{Consent: consentModel(c), UserErrors: []*model.UserError{}}, nil
}

// privacyRequest answers exportProfileData and deleteProfile.
func (r *Resolver) privacyRequest(ctx context.Context, input model.PrivacyRequestInput, kind string) (*model.PrivacyRequestPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	failed := func(err error) (*model.PrivacyRequestPayload, error) {
		ue, err := userErrors(err)
		return &model.PrivacyRequestPayload{UserErrors: ue}, err
	}
	id, err := relay.ParseTypedID(input.ProfileID, relay.TypeProfile, "input", "profileId")
	if err != nil {
		return failed(err)
	}
	svc, err := r.privacy()
	if err != nil {
		return nil, err
	}
	var req *cdp.PrivacyRequest
	if kind == cdp.PrivacyDelete {
		req, err = svc.RequestDeletion(ctx, tenant, id)
	} else {
		req, err = svc.RequestExport(ctx, tenant, id)
	}
	if err != nil {
		return failed(err)
	}
	req, err = svc.PrivacyRequest(ctx, tenant, req.ID)
	if err != nil {
		return nil, err
	}
	return &model.PrivacyRequestPayload{Request: r.privacyRequestModel(ctx, req), UserErrors: []*model.UserError{}}, nil
}

// privacyRequests answers privacyRequests.
func (r *Resolver) privacyRequests(ctx context.Context, profileID *string, first *int, after *string) (*model.PrivacyRequestConnection, error) {
	svc, err := r.privacy()
	if err != nil {
		return nil, err
	}
	var f cdp.PrivacyFilter
	if profileID != nil {
		id, err := relay.ParseTypedID(*profileID, relay.TypeProfile, "profileId")
		if err != nil {
			return nil, err
		}
		f.ProfileID = &id
	}
	list := func(ctx context.Context, tenant uuid.UUID, args relay.Args) (*relay.Page[cdp.PrivacyRequest], error) {
		return svc.PrivacyRequests(ctx, tenant, f, args)
	}
	return connection(ctx, pageArgs(first, after, nil, nil), list,
		func(x *cdp.PrivacyRequest, c string) *model.PrivacyRequestEdge {
			return &model.PrivacyRequestEdge{Cursor: c, Node: r.privacyRequestModel(ctx, x)}
		},
		func(e []*model.PrivacyRequestEdge, info *relay.PageInfo, n int) *model.PrivacyRequestConnection {
			return &model.PrivacyRequestConnection{Edges: e, PageInfo: info, TotalCount: n}
		})
}

// consentHistory answers consentHistory.
func (r *Resolver) consentHistory(ctx context.Context, profileID string, first *int, after *string) (*model.ConsentChangeConnection, error) {
	id, err := relay.ParseTypedID(profileID, relay.TypeProfile, "profileId")
	if err != nil {
		return nil, err
	}
	list := func(ctx context.Context, tenant uuid.UUID, args relay.Args) (*relay.Page[cdp.ConsentChange], error) {
		p, err := r.identity().ConsentHistory(ctx, tenant, id, args)
		if apperr.CodeOf(err) == apperr.NotFound {
			return &relay.Page[cdp.ConsentChange]{}, nil // no such profile: no history
		}
		return p, err
	}
	return connection(ctx, pageArgs(first, after, nil, nil), list,
		func(x *cdp.ConsentChange, c string) *model.ConsentChangeEdge {
			return &model.ConsentChangeEdge{Cursor: c, Node: consentChangeModel(x)}
		},
		func(e []*model.ConsentChangeEdge, info *relay.PageInfo, n int) *model.ConsentChangeConnection {
			return &model.ConsentChangeConnection{Edges: e, PageInfo: info, TotalCount: n}
		})
}
