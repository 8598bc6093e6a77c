package resolvers

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

// loadNode fetches the object a global ID names, within the principal's
// tenant. Each domain adds its type here.
func (r *Resolver) loadNode(ctx context.Context, typ string, id uuid.UUID) (model.Node, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if n, ok, err := r.loadIdentityNode(ctx, typ, id); ok || err != nil {
		return n, err
	}
	if n, ok, err := r.loadTrustNode(ctx, tenant, typ, id); ok || err != nil {
		return n, err
	}
	if n, ok, err := r.loadNotificationNode(ctx, tenant, typ, id); ok || err != nil {
		return n, err
	}
	if n, ok, err := r.loadCDPNode(ctx, tenant, typ, id); ok || err != nil {
		return n, err
	}
	return nil, apperr.NotFoundf("no object with this id")
}

func (r *Resolver) node(ctx context.Context, gid string) (model.Node, error) {
	typ, id, err := relay.ParseGlobalID(gid)
	if err != nil {
		return nil, err
	}
	n, err := r.loadNode(ctx, typ, id)
	var e *apperr.Error
	if errors.As(err, &e) && e.Code == apperr.NotFound {
		return nil, nil // invisible and missing look the same
	}
	return n, err
}

// nodes fetches up to relay.MaxPageSize objects by global ID in ONE tenant
// transaction (db.ShareTenant): the ids are grouped by type, each type with
// a batch lookup is read with one query, and the identity types (few per
// tenant, rarely fetched in bulk) are read one by one inside the same
// transaction. Its cost is charged per id (Complexity). Objects that are
// missing or invisible to the principal are null.
func (r *Resolver) nodes(ctx context.Context, gids []string) ([]model.Node, error) {
	if len(gids) > relay.MaxPageSize {
		return nil, apperr.Invalid([]string{"ids"}, "at most %d ids", relay.MaxPageSize)
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	refs := make([]nodeRef, len(gids))
	byType := map[string][]uuid.UUID{}
	for i, gid := range gids {
		typ, id, err := relay.ParseGlobalID(gid)
		if err != nil {
			return nil, apperr.Invalid([]string{"ids", strconv.Itoa(i)}, "%q is not a valid id", gid)
		}
		refs[i] = nodeRef{typ, id}
		byType[typ] = append(byType[typ], id)
	}
	found := make(map[nodeRef]model.Node, len(gids))
	err = r.DB.ShareTenant(ctx, tenant, func(ctx context.Context) error {
		for _, typ := range slices.Sorted(maps.Keys(byType)) {
			m, err := r.loadNodes(ctx, tenant, typ, byType[typ])
			if err != nil {
				return err
			}
			for id, n := range m {
				found[nodeRef{typ, id}] = n
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]model.Node, len(refs))
	for i, ref := range refs {
		out[i] = found[ref]
	}
	return out, nil
}

type nodeRef struct {
	typ string
	id  uuid.UUID
}

// loadNodes loads the objects of one type; missing and invisible ones are
// absent from the map.
func (r *Resolver) loadNodes(ctx context.Context, tenant uuid.UUID, typ string, ids []uuid.UUID) (map[uuid.UUID]model.Node, error) {
	switch typ {
	case relay.TypeAutomationRule, relay.TypeAction, relay.TypeIncident, relay.TypeCampaign, relay.TypeTrustAuditEntry:
		if p, _ := principalOf(ctx); mayRead(p, auth.RoleViewer, auth.ScopeRead) != nil {
			return nil, nil
		}
	}
	switch {
	case r.Svc.Automation == nil: // the trust engine is not installed
	case typ == relay.TypeAutomationRule:
		return nodeMap(ctx, tenant, ids, r.Svc.Automation.RulesByID, ruleModel)
	case typ == relay.TypeAction:
		return nodeMap(ctx, tenant, ids, r.Svc.Automation.ActionsByID, actionModel)
	case typ == relay.TypeIncident:
		return nodeMap(ctx, tenant, ids, r.Svc.Incidents.ByID, incidentModel)
	case typ == relay.TypeCampaign:
		return nodeMap(ctx, tenant, ids, r.Svc.Platforms.CampaignsByID, campaignModel)
	case typ == relay.TypeTrustAuditEntry:
		return nodeMap(ctx, tenant, ids, r.Svc.Automation.GateDecisionsByID, trustAuditModel)
	}
	out := map[uuid.UUID]model.Node{}
	for _, id := range ids {
		n, err := r.loadNode(ctx, typ, id)
		var e *apperr.Error
		switch {
		case errors.As(err, &e) && e.Code == apperr.NotFound:
		case err != nil:
			return nil, err
		default:
			out[id] = n
		}
	}
	return out, nil
}

// nodeMap runs a by-id batch lookup and converts what it found.
func nodeMap[T any, M model.Node](ctx context.Context, tenant uuid.UUID, ids []uuid.UUID,
	fetch func(context.Context, uuid.UUID, []uuid.UUID) (map[uuid.UUID]*T, error), conv func(*T) M) (map[uuid.UUID]model.Node, error) {
	m, err := fetch(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]model.Node, len(m))
	for id, v := range m {
		if v != nil {
			out[id] = conv(v)
		}
	}
	return out, nil
}
