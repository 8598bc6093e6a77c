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
