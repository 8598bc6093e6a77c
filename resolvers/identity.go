package resolvers

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/session"
)

// principalOf returns the request's principal or UNAUTHENTICATED.
func principalOf(ctx context.Context) (*auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok || p.TenantID == uuid.Nil {
		return nil, apperr.Unauthenticatedf("sign in to use this field")
	}
	return p, nil
}

// authUserErrors turns expected sign-in failures into userErrors; THROTTLED
// and INTERNAL stay operation errors.
func authUserErrors(err error) ([]*model.UserError, error) {
	e, ok := apperr.As(err)
	if !ok || e.Code == apperr.Internal || e.Code == apperr.Throttled {
		return nil, err
	}
	return []*model.UserError{{Field: e.Field, Message: e.Message, Code: e.Code}}, nil
}

// authPayload answers a sign-in: tokens in the payload and, for web
// clients, in cookies.
func (r *Resolver) authPayload(ctx context.Context, sess *auth.Session, err error) (*model.AuthPayload, error) {
	if err != nil {
		ue, err := authUserErrors(err)
		return &model.AuthPayload{UserErrors: ue}, err
	}
	if err := session.SetCookies(ctx, r.SecureCookies, sess); err != nil {
		return nil, err
	}
	p := auth.PrincipalOf(sess.Claims)
	return &model.AuthPayload{AccessToken: &sess.AccessToken, RefreshToken: &sess.RefreshToken, ExpiresAt: &sess.ExpiresAt,
		Viewer: &model.Viewer{Principal: p}, UserErrors: []*model.UserError{}}, nil
}

func userModel(u *auth.User) *model.User {
	return &model.User{ID: relay.GlobalID(relay.TypeUser, u.ID), Email: u.Email, MfaEnabled: u.MFAEnabled,
		EmailVerified: u.EmailVerifiedAt != nil, CreatedAt: u.CreatedAt}
}

func tenantModel(t *tenancy.Tenant) *model.Tenant {
	return &model.Tenant{ID: relay.GlobalID(relay.TypeTenant, t.ID), Name: t.Name, RequireMfa: t.RequireMFA,
		Simulated: t.Simulated, CreatedAt: t.CreatedAt}
}

func memberModel(m *tenancy.Member) *model.Member {
	return &model.Member{ID: relay.GlobalID(relay.TypeMember, m.ID), Role: m.Role, JoinedAt: m.CreatedAt,
		User: &model.User{ID: relay.GlobalID(relay.TypeUser, m.UserID), Email: m.Email, MfaEnabled: m.MFAEnabled,
			EmailVerified: m.EmailVerified, CreatedAt: m.CreatedAt}}
}

func inviteModel(i *tenancy.Invite) *model.Invite {
	return &model.Invite{ID: relay.GlobalID(relay.TypeInvite, i.ID), Email: i.Email, Role: i.Role, CreatedAt: i.CreatedAt,
		ExpiresAt: i.ExpiresAt, AcceptedAt: i.AcceptedAt, RevokedAt: i.RevokedAt}
}

func apiKeyModel(k *auth.APIKey) *model.APIKey {
	scopes := make([]auth.Scope, len(k.Scopes))
	for i, s := range k.Scopes {
		scopes[i] = auth.Scope(s)
	}
	return &model.APIKey{ID: relay.GlobalID(relay.TypeAPIKey, k.ID), Name: k.Name, Prefix: k.Prefix, Scopes: scopes,
		LastUsedAt: k.LastUsedAt, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt, CreatedAt: k.CreatedAt}
}

func auditModel(e *audit.Entry) *model.AuditEntry {
	m := &model.AuditEntry{ID: relay.GlobalID(relay.TypeAuditEntry, e.ID), ActorType: e.ActorType, Action: e.Action,
		Outcome: model.AuditOutcome(e.Outcome), CreatedAt: e.CreatedAt}
	if e.ActorID != uuid.Nil {
		typ := relay.TypeUser
		if e.ActorType == audit.ActorAPIKey {
			typ = relay.TypeAPIKey
		}
		id := relay.GlobalID(typ, e.ActorID)
		m.ActorID = &id
	}
	m.ActorEmail = strPtr(e.ActorEmail)
	m.TargetType = strPtr(e.TargetType)
	if e.TargetID != uuid.Nil && e.TargetType != "" {
		id := relay.GlobalID(e.TargetType, e.TargetID)
		m.TargetID = &id
	}
	m.IP, m.UserAgent = strPtr(e.IP), strPtr(e.UserAgent)
	if len(e.Details) > 0 {
		b, _ := json.Marshal(e.Details)
		m.Details = strPtr(string(b))
	}
	return m
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// maxActorLen bounds one actor of actorNames (`api_key:` and a UUID is 44).
const maxActorLen = 100

// actorNames names recorded actors (see ActorName in graph/identity.graphqls):
// users through tenancy, which names members of tenant only.
func (r *Resolver) actorNames(ctx context.Context, tenant uuid.UUID, actors []string) ([]*model.ActorName, error) {
	if len(actors) > relay.MaxPageSize {
		return nil, apperr.Invalid([]string{"actors"}, "at most %d actors", relay.MaxPageSize)
	}
	// Every user is looked up at once (tenancy reads the memberships and
	// the e-mails in one query each, bounded by the page size), once.
	var users []uuid.UUID
	seen := make(map[uuid.UUID]bool, len(actors))
	for i, a := range actors {
		if len(a) > maxActorLen {
			return nil, apperr.Invalid([]string{"actors", strconv.Itoa(i)}, "an actor has at most %d characters", maxActorLen)
		}
		if id, ok := actorUser(a); ok && !seen[id] {
			seen[id] = true
			users = append(users, id)
		}
	}
	emails, err := r.Svc.Tenancy.MemberEmails(ctx, tenant, users)
	if err != nil {
		return nil, err
	}
	out := make([]*model.ActorName, len(actors))
	for i, a := range actors {
		out[i] = &model.ActorName{Actor: a, Name: "unknown"}
		switch id, isUser := actorUser(a); {
		case isUser && emails[id] != "":
			out[i].Name, out[i].Member = emails[id], true
		case isUser:
			out[i].Name = "a former member"
		case a == automation.System:
			out[i].Name = "Stratum"
		case strings.HasPrefix(a, "api_key:"):
			out[i].Name = "an API key"
		}
	}
	return out, nil
}

// actorUser is the user id of a `user:<uuid>` actor.
func actorUser(actor string) (uuid.UUID, bool) {
	rest, ok := strings.CutPrefix(actor, "user:")
	if !ok {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(rest)
	return id, err == nil
}
