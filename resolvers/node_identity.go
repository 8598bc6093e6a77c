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
// same permissions as their list fields (ok is false for other types).
// Objects of other tenants are NOT_FOUND, never FORBIDDEN, so a global ID
// reveals nothing.
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
		if err := allow(p, auth.RoleViewer, auth.ScopeRead); err != nil {
			return nil, true, err
		}
		m, err := r.Svc.Tenancy.Member(ctx, p.TenantID, id)
		if err != nil {
			return nil, true, err
		}
		return memberModel(m), true, nil
	case relay.TypeInvite:
		if err := allow(p, auth.RoleAdmin, ""); err != nil {
			return nil, true, err
		}
		i, err := r.Svc.Tenancy.GetInvite(ctx, p.TenantID, id)
		if err != nil {
			return nil, true, err
		}
		return inviteModel(i), true, nil
	case relay.TypeAPIKey:
		if err := allow(p, auth.RoleAdmin, auth.ScopeAdmin); err != nil {
			return nil, true, err
		}
		k, err := r.Svc.Auth.GetAPIKey(ctx, p.TenantID, id)
		if err != nil {
			return nil, true, err
		}
		return apiKeyModel(k), true, nil
	case relay.TypeAuditEntry:
		if err := allow(p, auth.RoleAdmin, auth.ScopeAdmin); err != nil {
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

// allow applies the @hasRole/@hasScope rule to p: users need role (and MFA
// when the tenant requires it); API keys need scope ("" refuses keys).
func allow(p *auth.Principal, role auth.Role, scope auth.Scope) error {
	if !p.IsUser() {
		if scope == "" || !p.HasScope(scope) {
			return apperr.Forbiddenf("this API key may not read this object")
		}
		return nil
	}
	if p.MFARequired && !p.MFA {
		return apperr.Forbiddenf("this tenant requires MFA")
	}
	if !p.Role.AtLeast(role) {
		return apperr.Forbiddenf("this needs the %s role or higher", role)
	}
	return nil
}
