package resolvers

import (
	"context"
	"errors"

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
	switch typ {
	case "Note":
		if p, _ := principalOf(ctx); allow(p, auth.RoleViewer, auth.ScopeRead) != nil {
			return nil, apperr.NotFoundf("no object with this id")
		}
		n, err := r.Svc.Notes.Get(ctx, tenant, id)
		if err != nil {
			return nil, err
		}
		return noteModel(n), nil
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
