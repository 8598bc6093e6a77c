package resolvers

import (
	"context"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

// loadIdentityNode fetches identity objects for node(id:), applying the
// same permissions as their list fields (mayRead; ok is false for other
// types). Objects of other tenants and objects the caller may not read
// are NOT_FOUND.
func (r *Resolver) loadIdentityNode(ctx context.Context, typ string, id uuid.UUID) (model.Node, bool, error) {
	p, err := principalOf(ctx)
	if err != nil {
		return nil, true, err
	}
	switch typ {
	case relay.TypeTenant:
		if id != p.TenantID {
			return nil, true, apperr.NotFoundf("no object with this id")
		}
		t, err := r.Svc.Tenancy.Tenant(ctx, id)
		if err != nil {
			return nil, true, err
		}
		return tenantModel(t), true, nil
	case relay.TypeUser:
		if p.IsUser() && id == p.UserID {
			u, err := r.Svc.Auth.UserByID(ctx, id)
			if err != nil {
				return nil, true, err
			}
			return userModel(u), true, nil
		}
		// Other users are visible as members of the current tenant.
		m, err := r.Svc.Tenancy.MemberByUser(ctx, p.TenantID, id)
		if err != nil {
			return nil, true, err
		}
		return memberModel(m).User, true, nil
	case relay.TypeMember:
		if err := mayRead(p, auth.RoleViewer, auth.ScopeRead); err != nil {
			return nil, true, err
		}
		m, err := r.Svc.Tenancy.Member(ctx, p.TenantID, id)
		if err != nil {
			return nil, true, err
		}
		return memberModel(m), true, nil
	case relay.TypeInvite:
		if err := mayRead(p, auth.RoleAdmin, ""); err != nil {
			return nil, true, err
		}
		i, err := r.Svc.Tenancy.GetInvite(ctx, p.TenantID, id)
		if err != nil {
			return nil, true, err
		}
		return inviteModel(i), true, nil
	case relay.TypeAPIKey:
		if err := mayRead(p, auth.RoleAdmin, auth.ScopeAdmin); err != nil {
			return nil, true, err
		}
		k, err := r.Svc.Auth.GetAPIKey(ctx, p.TenantID, id)
		if err != nil {
			return nil, true, err
		}
		return apiKeyModel(k), true, nil
	case relay.TypeAuditEntry:
		if err := mayRead(p, auth.RoleAdmin, auth.ScopeAdmin); err != nil {
			return nil, true, err
		}
		e, err := r.Svc.Audit.Get(ctx, p.TenantID, id)
		if err != nil {
			return nil, true, err
		}
		return auditModel(e), true, nil
	}
	return nil, false, nil
}

// mayRead applies auth.Authorize, with the arguments of the object's list
// field, to an object node(id:) or nodes(ids:) was asked for. A refusal is
// NOT_FOUND, never FORBIDDEN: an object the caller may not read looks
// exactly like one that does not exist (node answers null), so a global ID
// reveals nothing, not even that it names something; and in nodes(ids:)
// one such id does not fail the others.
func mayRead(p *auth.Principal, role auth.Role, scope auth.Scope) error {
	if p == nil || auth.Authorize(p, role, scope) != nil {
		return apperr.NotFoundf("no object with this id")
	}
	return nil
}
