package resolvers

import (
	"context"
	"sort"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

// destinations is the conversion destinations service.
func (r *Resolver) destinations() *conversions.Destinations {
	if r.Svc.ConversionDestinations != nil {
		return r.Svc.ConversionDestinations
	}
	d := &conversions.Destinations{DB: r.DB, Billing: r.Svc.Billing, Connections: r.Svc.Connections} // resolvers built without it (tests)
	if r.Svc.Auth != nil {
		d.Box = r.Svc.Auth.Box
	}
	return d
}

// credentialsOf turns the credentials JSON object into strings: any other
// value is refused at its key, without echoing it. Keys are checked in
// order, so the first error is the same every time.
func credentialsOf(in map[string]any) (map[string]string, error) {
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]string, len(in))
	for _, k := range keys {
		s, ok := in[k].(string)
		if !ok {
			return nil, apperr.Invalid([]string{"input", "credentials", k}, "credential values are strings")
		}
		out[k] = s
	}
	return out, nil
}

func mappingsOf(in []*model.ConversionEventMappingInput) []conversions.Mapping {
	out := make([]conversions.Mapping, 0, len(in))
	for _, m := range in {
		if m == nil {
			continue
		}
		x := conversions.Mapping{Source: m.Source, Target: m.Target}
		deref := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		x.Value, x.Currency, x.ContentIDs, x.OrderID = deref(m.Value), deref(m.Currency), deref(m.ContentIds), deref(m.OrderID)
		out = append(out, x)
	}
	return out
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// destinationModel maps a destination (nil stays nil); never its
// credentials.
func destinationModel(d *conversions.StoredDestination) *model.ConversionDestination {
	if d == nil {
		return nil
	}
	ms := make([]*model.ConversionEventMapping, len(d.EventMappings))
	for i, m := range d.EventMappings {
		ms[i] = &model.ConversionEventMapping{Source: m.Source, Target: m.Target, Value: strOrNil(m.Value),
			Currency: strOrNil(m.Currency), ContentIds: strOrNil(m.ContentIDs), OrderID: strOrNil(m.OrderID)}
	}
	keys := d.CredentialKeys
	if keys == nil {
		keys = []string{}
	}
	return &model.ConversionDestination{ID: relay.GlobalID(relay.TypeConversionDestination, d.ID), Platform: model.Platform(d.Platform),
		Name: d.Name, CredentialKeys: keys, BaseURL: d.BaseURL, TestEventCode: d.TestEventCode, EventMappings: ms,
		LimitedDataUse: d.LimitedDataUse, LegitimateInterest: d.LegitimateInterest, Enabled: d.Enabled,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

func destinationPayload(d *conversions.StoredDestination, err error) (*model.ConversionDestinationPayload, error) {
	ue, err := userErrors(err)
	return &model.ConversionDestinationPayload{Destination: okOrNil(destinationModel(d), ue, err), UserErrors: ue}, err
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func (r *Resolver) createConversionDestination(ctx context.Context, input model.CreateConversionDestinationInput) (*model.ConversionDestinationPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	creds, err := credentialsOf(input.Credentials)
	if err != nil {
		return destinationPayload(nil, err)
	}
	in := conversions.DestinationInput{Platform: string(input.Platform), Name: input.Name, Credentials: creds,
		EventMappings: mappingsOf(input.EventMappings), LimitedDataUse: boolOr(input.LimitedDataUse, false),
		LegitimateInterest: boolOr(input.LegitimateInterest, false), Enabled: boolOr(input.Enabled, true)}
	if input.BaseURL != nil {
		in.BaseURL = *input.BaseURL
	}
	if input.TestEventCode != nil {
		in.TestEventCode = *input.TestEventCode
	}
	return destinationPayload(r.destinations().Create(ctx, tenant, in))
}

func (r *Resolver) updateConversionDestination(ctx context.Context, input model.UpdateConversionDestinationInput) (*model.ConversionDestinationPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	id, err := relay.ParseTypedID(input.ID, relay.TypeConversionDestination, "input", "id")
	if err != nil {
		return destinationPayload(nil, err)
	}
	p := conversions.DestinationPatch{Name: input.Name, BaseURL: input.BaseURL, TestEventCode: input.TestEventCode,
		LimitedDataUse: input.LimitedDataUse, LegitimateInterest: input.LegitimateInterest, Enabled: input.Enabled}
	if input.Credentials != nil {
		if p.Credentials, err = credentialsOf(input.Credentials); err != nil {
			return destinationPayload(nil, err)
		}
	}
	if input.EventMappings != nil {
		p.EventMappings, p.SetEventMappings = mappingsOf(input.EventMappings), true
	}
	return destinationPayload(r.destinations().Update(ctx, tenant, id, p))
}

func (r *Resolver) deleteConversionDestination(ctx context.Context, input model.ConversionDestinationIDInput) (*model.DeleteConversionDestinationPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	id, err := relay.ParseTypedID(input.ID, relay.TypeConversionDestination, "input", "id")
	if err == nil {
		err = r.destinations().Delete(ctx, tenant, id)
	}
	ue, err := userErrors(err)
	out := &model.DeleteConversionDestinationPayload{UserErrors: ue}
	if err == nil && len(ue) == 0 {
		out.DeletedDestinationID = &input.ID
	}
	return out, err
}

func (r *Resolver) testConversionDestination(ctx context.Context, input model.ConversionDestinationIDInput) (*model.TestConversionDestinationPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	id, err := relay.ParseTypedID(input.ID, relay.TypeConversionDestination, "input", "id")
	var res *conversions.TestResult
	if err == nil {
		res, err = r.destinations().Test(ctx, tenant, id)
	}
	ue, err := userErrors(err)
	out := &model.TestConversionDestinationPayload{UserErrors: ue}
	if err == nil && len(ue) == 0 && res != nil {
		out.Result = &model.ConversionTestResult{Ok: res.OK, Message: res.Message, TestEventCode: strOrNil(res.TestEventCode)}
		if res.HTTPStatus != 0 {
			out.Result.HTTPStatus = &res.HTTPStatus
		}
		if res.Latency > 0 || res.HTTPStatus != 0 {
			ms := int(res.Latency.Milliseconds())
			out.Result.LatencyMs = &ms
		}
	}
	return out, err
}

func (r *Resolver) conversionDestinations(ctx context.Context, first *int, after *string) (*model.ConversionDestinationConnection, error) {
	list := func(ctx context.Context, tenant uuid.UUID, args relay.Args) (*relay.Page[conversions.StoredDestination], error) {
		return r.destinations().List(ctx, tenant, args)
	}
	return connection(ctx, pageArgs(first, after, nil, nil), list,
		func(x *conversions.StoredDestination, c string) *model.ConversionDestinationEdge {
			return &model.ConversionDestinationEdge{Cursor: c, Node: destinationModel(x)}
		},
		func(e []*model.ConversionDestinationEdge, info *relay.PageInfo, n int) *model.ConversionDestinationConnection {
			return &model.ConversionDestinationConnection{Edges: e, PageInfo: info, TotalCount: n}
		})
}

func (r *Resolver) conversionDestination(ctx context.Context, id string) (*model.ConversionDestination, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	did, err := relay.ParseTypedID(id, relay.TypeConversionDestination, "id")
	if err != nil {
		return nil, err
	}
	d, err := r.destinations().Get(ctx, tenant, did)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, nil
	}
	return destinationModel(d), err
}
