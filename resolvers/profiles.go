package resolvers

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/money"
	"github.com/stratumhq/stratum/internal/relay"
)

// identity is the CDP identity service the profile reads go through (its
// reads need only the database).
func (r *Resolver) identity() *cdp.Identity {
	if r.Svc.CDP != nil && r.Svc.CDP.Identity != nil {
		return r.Svc.CDP.Identity // the one the batch job resolves with
	}
	return cdp.NewIdentity(r.DB)
}

// profileModel maps a profile with its identifiers (nil stays nil).
func profileModel(p *cdp.Profile) *model.Profile {
	if p == nil {
		return nil
	}
	out := &model.Profile{ID: relay.GlobalID(relay.TypeProfile, p.ID), Identities: make([]*model.Identity, len(p.Identifiers)),
		Traits: jsonFields(p.Traits), LifecycleStage: model.LifecycleStage(p.LifecycleStage),
		FirstSeenAt: p.FirstSeenAt, LastSeenAt: p.LastSeenAt,
		Counters: &model.ProfileCounters{EventCount: float64(p.Events), SessionCount: float64(p.Sessions),
			PurchaseCount: float64(p.Purchases), Revenue: money.Float(p.RevenueMicros), RevenueMicros: strconv.FormatInt(p.RevenueMicros, 10)}}
	for i, id := range p.Identifiers {
		out.Identities[i] = identityModel(id)
	}
	if c, ok := p.CanonicalIdentifier(); ok {
		out.CanonicalIdentity = identityModel(c)
	}
	return out
}

func identityModel(id cdp.Identifier) *model.Identity {
	return &model.Identity{Type: model.IdentifierType(id.Type), Value: id.Value}
}

// jsonFields lists an object's keys in order with their JSON values.
func jsonFields(m map[string]json.RawMessage) []*model.JSONField {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]*model.JSONField, len(keys))
	for i, k := range keys {
		out[i] = &model.JSONField{Key: k, Value: string(m[k])}
	}
	return out
}

// eventModel maps a stored event of a profile's timeline.
func eventModel(e *cdp.ProfileEvent) *model.ProfileEvent {
	var props map[string]json.RawMessage
	if err := json.Unmarshal([]byte(e.Properties), &props); err != nil {
		props = nil // not an object: shown as none
	}
	return &model.ProfileEvent{MessageID: e.MessageID, Type: model.EventType(strings.ToUpper(e.Type)), Name: e.Name,
		Timestamp: e.Timestamp, ReceivedAt: e.ReceivedAt, Properties: jsonFields(props),
		Source: &model.EventSource{ID: relay.GlobalID(relay.TypeSource, e.SourceID), Name: e.SourceName}}
}

// profileIDOf is the profile a Profile model names.
func profileIDOf(obj *model.Profile) (uuid.UUID, error) {
	return relay.ParseTypedID(obj.ID, relay.TypeProfile)
}

// loadCDPNode fetches a profile for node(id:) (ok is false for other
// types): an absorbed profile's id gives its survivor. Reading it needs
// VIEWER (READ for API keys) and the cdp flag; otherwise it is null, as
// for a profile that does not exist.
func (r *Resolver) loadCDPNode(ctx context.Context, tenant uuid.UUID, typ string, id uuid.UUID) (model.Node, bool, error) {
	if typ != relay.TypeProfile {
		return nil, false, nil
	}
	if p, _ := principalOf(ctx); mayRead(p, auth.RoleViewer, auth.ScopeRead) != nil {
		return nil, true, apperr.NotFoundf("no object with this id")
	}
	e, err := r.entitlements(ctx, tenant)
	if err != nil {
		return nil, true, err
	}
	if !e.Enabled(billing.CDP) {
		return nil, true, apperr.NotFoundf("no object with this id")
	}
	p, err := r.identity().Profile(ctx, tenant, id)
	if err != nil {
		return nil, true, err
	}
	return profileModel(p), true, nil
}

// unmergeProfile answers unmergeProfile: the revived profile and its
// former survivor, read after the unmerge commits.
func (r *Resolver) unmergeProfile(ctx context.Context, input model.UnmergeProfileInput) (*model.UnmergeProfilePayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	failed := func(err error) (*model.UnmergeProfilePayload, error) {
		ue, err := userErrors(err)
		return &model.UnmergeProfilePayload{UserErrors: ue}, err
	}
	id, err := relay.ParseTypedID(input.ProfileID, relay.TypeProfile, "input", "profileId")
	if err != nil {
		return failed(err)
	}
	un, err := r.identity().Unmerge(ctx, tenant, id)
	if err != nil {
		return failed(err)
	}
	revived, err := r.identity().Profile(ctx, tenant, un.Revived)
	if err != nil {
		return nil, err
	}
	surv, err := r.identity().Profile(ctx, tenant, un.Survivor)
	if err != nil {
		return nil, err
	}
	return &model.UnmergeProfilePayload{Profile: profileModel(revived), Survivor: profileModel(surv), UserErrors: []*model.UserError{}}, nil
}

// splitProfile answers splitProfile: the original and the new profile,
// read after the split commits.
func (r *Resolver) splitProfile(ctx context.Context, input model.SplitProfileInput) (*model.SplitProfilePayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	failed := func(err error) (*model.SplitProfilePayload, error) {
		ue, err := userErrors(err)
		return &model.SplitProfilePayload{UserErrors: ue}, err
	}
	id, err := relay.ParseTypedID(input.ProfileID, relay.TypeProfile, "input", "profileId")
	if err != nil {
		return failed(err)
	}
	if len(input.Identifiers) > cdp.MaxSplitIdentifiers {
		return failed(apperr.Invalid([]string{"input", "identifiers"}, "list 1 to %d identifiers to split off", cdp.MaxSplitIdentifiers))
	}
	ids := make([]cdp.Identifier, len(input.Identifiers))
	for i, x := range input.Identifiers {
		ids[i] = cdp.Identifier{Type: cdp.IdentifierType(x.Type), Value: x.Value}
	}
	res, err := r.identity().Split(ctx, tenant, id, ids)
	if err != nil {
		return failed(err)
	}
	orig, err := r.identity().Profile(ctx, tenant, res.Original)
	if err != nil {
		return nil, err
	}
	np, err := r.identity().Profile(ctx, tenant, res.New)
	if err != nil {
		return nil, err
	}
	return &model.SplitProfilePayload{Profile: profileModel(orig), NewProfile: profileModel(np), UserErrors: []*model.UserError{}}, nil
}

// profileUpdated answers the profileUpdated subscription: each committed
// change naming the profile (or, once it was merged, its survivor) gives
// the live profile, read fresh. The hub filters by tenant, so another
// tenant's profile id matches nothing.
func (r *Resolver) profileUpdated(ctx context.Context, profileID string) (<-chan *model.Profile, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	id, err := relay.ParseTypedID(profileID, relay.TypeProfile, "profileId")
	if err != nil {
		return nil, err
	}
	// An id the tenant has no profile under (never, or another tenant's) is
	// NOT_FOUND now, not a subscription that silently never fires. An
	// absorbed profile's id is found (it resolves to its survivor).
	if _, err := r.identity().Profile(ctx, tenant, id); err != nil {
		return nil, err
	}
	return subscribe(ctx, r, tenant, []string{cdp.TopicProfileUpdated}, func(ctx context.Context, ev realtime.Event) (*model.Profile, error) {
		var u cdp.ProfileUpdate
		if err := json.Unmarshal(ev.Data, &u); err != nil {
			return nil, errSkip
		}
		live, ok := u.Live(id)
		if !ok {
			return nil, errSkip
		}
		p, err := r.identity().Profile(ctx, tenant, live)
		if err != nil {
			return nil, err
		}
		return profileModel(p), nil
	})
}
