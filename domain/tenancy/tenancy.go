package tenancy

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/relay"
)

// InviteTTL is how long an invitation stays valid.
const InviteTTL = 7 * 24 * time.Hour

// Tenant is a row of tenants.
type Tenant struct {
	bun.BaseModel `bun:"table:tenants"`
	ID            uuid.UUID `bun:"id,pk"`
	Name          string    `bun:"name"`
	Slug          string    `bun:"slug"`
	Plan          string    `bun:"plan"`
	Simulated     bool      `bun:"simulated"`
	RequireMFA    bool      `bun:"require_mfa"`
	CreatedAt     time.Time `bun:"created_at"`
}

// Member is a membership joined with its user's email.
type Member struct {
	TenantID   uuid.UUID `bun:"tenant_id"`
	ID         uuid.UUID `bun:"id"`
	UserID     uuid.UUID `bun:"user_id"`
	Email      string    `bun:"email"`
	MFAEnabled bool      `bun:"mfa_enabled"`
	Role       auth.Role `bun:"role"`
	CreatedAt  time.Time `bun:"created_at"`
}

// Invite is a row of invites.
type Invite struct {
	bun.BaseModel `bun:"table:invites"`
	TenantID      uuid.UUID  `bun:"tenant_id,pk"`
	ID            uuid.UUID  `bun:"id,pk"`
	Email         string     `bun:"email"`
	Role          auth.Role  `bun:"role"`
	TokenHash     []byte     `bun:"token_hash"`
	InvitedBy     uuid.UUID  `bun:"invited_by,nullzero"`
	CreatedAt     time.Time  `bun:"created_at"`
	ExpiresAt     time.Time  `bun:"expires_at"`
	AcceptedAt    *time.Time `bun:"accepted_at"`
	RevokedAt     *time.Time `bun:"revoked_at"`
}

// Service manages tenants, members and invitations.
type Service struct {
	DB   *db.DB
	Auth *auth.Service
}

// Tenant returns tenant id (visible only inside its own transaction).
func (s *Service) Tenant(ctx context.Context, id uuid.UUID) (*Tenant, error) {
	return db.ByID[Tenant](ctx, s.DB, id, id, "tenant not found")
}

// SimulatedTx reports whether the tenant of the caller's tenant transaction
// is a simulated (demo) tenant, whose ad platform data the simulator makes
// (false when the tenant row is not visible).
func SimulatedTx(ctx context.Context, tx bun.IDB) (bool, error) {
	var sim []bool
	if err := tx.NewSelect().Model((*Tenant)(nil)).Column("simulated").Scan(ctx, &sim); err != nil {
		return false, err
	}
	return len(sim) == 1 && sim[0], nil
}

// UpdateSettings changes the tenant's name and MFA requirement (OWNER).
func (s *Service) UpdateSettings(ctx context.Context, p *auth.Principal, name *string, requireMFA *bool) (*Tenant, error) {
	t := new(Tenant)
	err := s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(t).Where("id = ?", p.TenantID).For("NO KEY UPDATE").Scan(ctx); err != nil {
			return err
		}
		details := map[string]any{}
		if name != nil {
			n, err := checkName(*name, []string{"input", "name"}, "name")
			if err != nil {
				return err
			}
			t.Name, details["name"] = n, n
		}
		if requireMFA != nil {
			t.RequireMFA, details["requireMfa"] = *requireMFA, *requireMFA
		}
		if _, err := tx.NewUpdate().Model(t).Column("name", "require_mfa").WherePK().Exec(ctx); err != nil {
			return err
		}
		if requireMFA != nil {
			// Tokens carry the requirement: make every member refresh.
			var uids []uuid.UUID
			if err := tx.NewRaw("SELECT user_id FROM memberships").Scan(ctx, &uids); err != nil {
				return err
			}
			for _, u := range uids {
				if err := s.Auth.RevokeMemberTokens(ctx, tx, u, p.TenantID, false); err != nil {
					return err
				}
			}
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: p.TenantID, Action: "tenant.update_settings", TargetType: relay.TypeTenant, TargetID: t.ID, Details: details})
	})
	if err != nil {
		return nil, err
	}
	s.Auth.RefreshRevocations(ctx)
	return t, nil
}

const memberSelect = `SELECT m.tenant_id, m.id, m.user_id, u.email, u.mfa_enabled, m.role, m.created_at
	FROM memberships m JOIN users u ON u.id = m.user_id`

// Members pages the tenant's members, newest first.
func (s *Service) Members(ctx context.Context, tenant uuid.UUID, args relay.Args) (page *relay.Page[Member], err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().TableExpr("memberships AS m").Join("JOIN users AS u ON u.id = m.user_id").
			ColumnExpr("m.tenant_id, m.id, m.user_id, u.email, u.mfa_enabled, m.role, m.created_at")
		page, err = relay.Paginate(ctx, q, args, "m.created_at", "m.id",
			func(m *Member) relay.Cursor { return relay.Cursor{At: m.CreatedAt, ID: m.ID} })
		return err
	})
	return page, err
}

// Member returns one member of tenant by membership id.
func (s *Service) Member(ctx context.Context, tenant, id uuid.UUID) (*Member, error) {
	m := new(Member)
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(memberSelect+" WHERE m.id = ?", id).Scan(ctx, m)
	})
	if err != nil {
		return nil, db.NotFound(err, "member not found")
	}
	return m, nil
}

// MemberByUser returns the membership of user uid in tenant.
func (s *Service) MemberByUser(ctx context.Context, tenant, uid uuid.UUID) (*Member, error) {
	m := new(Member)
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(memberSelect+" WHERE m.user_id = ?", uid).Scan(ctx, m)
	})
	if err != nil {
		return nil, db.NotFound(err, "member not found")
	}
	return m, nil
}

func lockMember(ctx context.Context, tx bun.IDB, id uuid.UUID) (*Member, error) {
	m := new(Member)
	err := tx.NewRaw(memberSelect+" WHERE m.id = ? FOR UPDATE OF m", id).Scan(ctx, m)
	return m, db.NotFound(err, "member not found")
}

func owners(ctx context.Context, tx bun.IDB) (int, error) {
	var n int
	err := tx.NewRaw("SELECT count(*) FROM memberships WHERE role = 'OWNER'").Scan(ctx, &n)
	return n, err
}

// checkGrant refuses an ADMIN touching the OWNER role.
func checkGrant(p *auth.Principal, from, to auth.Role) error {
	if (from == auth.RoleOwner || to == auth.RoleOwner) && p.Role != auth.RoleOwner {
		return apperr.Forbiddenf("only an OWNER can grant, change or remove the OWNER role")
	}
	return nil
}

// ChangeRole sets a member's role.
func (s *Service) ChangeRole(ctx context.Context, p *auth.Principal, id uuid.UUID, role auth.Role) (*Member, error) {
	if !auth.ValidRole(role) {
		return nil, apperr.Invalid([]string{"input", "role"}, "unknown role %q", role)
	}
	var m *Member
	err := s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if m, err = lockMember(ctx, tx, id); err != nil {
			return err
		}
		if err := checkGrant(p, m.Role, role); err != nil {
			return err
		}
		if m.Role == auth.RoleOwner && role != auth.RoleOwner {
			if n, err := owners(ctx, tx); err != nil || n <= 1 {
				return firstErr(err, apperr.Conflictf("a tenant needs at least one OWNER"))
			}
		}
		from := m.Role
		m.Role = role
		if _, err := tx.ExecContext(ctx, "UPDATE memberships SET role = ? WHERE id = ?", role, id); err != nil {
			return err
		}
		if err := s.Auth.RevokeMemberTokens(ctx, tx, m.UserID, p.TenantID, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: p.TenantID, Action: "member.change_role", TargetType: relay.TypeMember, TargetID: id,
			Details: map[string]any{"from": from, "to": role, "email": m.Email}})
	})
	if err != nil {
		return nil, err
	}
	s.Auth.RefreshRevocations(ctx)
	return m, nil
}

// Remove removes a member and ends their sessions in the tenant.
func (s *Service) Remove(ctx context.Context, p *auth.Principal, id uuid.UUID) (*Member, error) {
	var m *Member
	err := s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if m, err = lockMember(ctx, tx, id); err != nil {
			return err
		}
		if err := checkGrant(p, m.Role, m.Role); err != nil {
			return err
		}
		if m.Role == auth.RoleOwner {
			if n, err := owners(ctx, tx); err != nil || n <= 1 {
				return firstErr(err, apperr.Conflictf("a tenant needs at least one OWNER"))
			}
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM memberships WHERE id = ?", id); err != nil {
			return err
		}
		if err := s.Auth.RevokeMemberTokens(ctx, tx, m.UserID, p.TenantID, true); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: p.TenantID, Action: "member.remove", TargetType: relay.TypeMember, TargetID: id,
			Details: map[string]any{"email": m.Email, "role": m.Role}})
	})
	if err != nil {
		return nil, err
	}
	s.Auth.RefreshRevocations(ctx)
	return m, nil
}

// InviteMember creates an invitation and returns it with its token (to be
// sent to the invitee; shown once).
func (s *Service) InviteMember(ctx context.Context, p *auth.Principal, email string, role auth.Role) (*Invite, string, error) {
	email, err := auth.NormalizeEmail(email, []string{"input", "email"})
	if err != nil {
		return nil, "", err
	}
	if !auth.ValidRole(role) {
		return nil, "", apperr.Invalid([]string{"input", "role"}, "unknown role %q", role)
	}
	if err := checkGrant(p, role, role); err != nil {
		return nil, "", err
	}
	token, err := auth.RandomToken(24)
	if err != nil {
		return nil, "", err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	inv := &Invite{TenantID: p.TenantID, ID: uuid.New(), Email: email, Role: role, TokenHash: auth.HashSecret(token),
		InvitedBy: p.UserID, CreatedAt: now, ExpiresAt: now.Add(InviteTTL)}
	err = s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		var exists bool
		if err := tx.NewRaw("SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?)", email).Scan(ctx, &exists); err != nil {
			return err
		}
		if exists {
			return &apperr.Error{Code: apperr.Conflict, Field: []string{"input", "email"}, Message: "this person is already a member"}
		}
		if _, err := tx.NewInsert().Model(inv).Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: p.TenantID, Action: "invite.create", TargetType: relay.TypeInvite, TargetID: inv.ID,
			Details: map[string]any{"email": email, "role": role}})
	})
	if err != nil {
		return nil, "", err
	}
	return inv, token, nil
}

// RevokeInvite withdraws a pending invitation.
func (s *Service) RevokeInvite(ctx context.Context, p *auth.Principal, id uuid.UUID) (*Invite, error) {
	inv := new(Invite)
	err := s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(inv).Where("id = ?", id).For("NO KEY UPDATE").Scan(ctx); err != nil {
			return db.NotFound(err, "invitation not found")
		}
		if inv.AcceptedAt != nil {
			return apperr.Conflictf("the invitation was already accepted")
		}
		now := time.Now().UTC()
		inv.RevokedAt = &now
		if _, err := tx.ExecContext(ctx, "UPDATE invites SET revoked_at = ? WHERE id = ?", now, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: p.TenantID, Action: "invite.revoke", TargetType: relay.TypeInvite, TargetID: id})
	})
	return inv, err
}

// Invites pages the tenant's invitations, newest first.
func (s *Service) Invites(ctx context.Context, tenant uuid.UUID, args relay.Args) (page *relay.Page[Invite], err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		page, err = relay.Paginate(ctx, tx.NewSelect().Model((*Invite)(nil)), args, "created_at", "id",
			func(i *Invite) relay.Cursor { return relay.Cursor{At: i.CreatedAt, ID: i.ID} })
		return err
	})
	return page, err
}

// GetInvite returns one invitation of tenant.
func (s *Service) GetInvite(ctx context.Context, tenant, id uuid.UUID) (*Invite, error) {
	return db.ByID[Invite](ctx, s.DB, tenant, id, "invitation not found")
}

var errInvite = &apperr.Error{Code: apperr.NotFound, Field: []string{"input", "token"}, Message: "the invitation is invalid, expired or already used"}

// AcceptInvite joins the invited tenant and starts a session there. A
// signed-in user (p non-nil) joins as themselves when the invite is for
// their email; otherwise password signs in the existing account of the
// invited email or creates it.
func (s *Service) AcceptInvite(ctx context.Context, p *auth.Principal, token, password string) (*auth.Session, error) {
	var inv struct {
		TenantID  uuid.UUID `bun:"tenant_id"`
		ID        uuid.UUID `bun:"id"`
		Email     string    `bun:"email"`
		Role      auth.Role `bun:"role"`
		ExpiresAt time.Time `bun:"expires_at"`
	}
	err := s.DB.Bun.NewRaw("SELECT * FROM stratum_find_invite(?)", auth.HashSecret(strings.TrimSpace(token))).Scan(ctx, &inv)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && time.Now().After(inv.ExpiresAt)) {
		return nil, errInvite
	}
	if err != nil {
		return nil, err
	}
	var u *auth.User
	hash := ""
	switch {
	case p != nil && p.IsUser():
		if u, err = s.Auth.UserByID(ctx, p.UserID); err != nil {
			return nil, err
		}
		if u.Email != inv.Email {
			return nil, apperr.Forbiddenf("this invitation is for another email address")
		}
	default:
		if u, hash, err = s.inviteeCredentials(ctx, inv.Email, password); err != nil {
			return nil, err
		}
	}
	var sess *auth.Session
	err = s.DB.InTenant(ctx, inv.TenantID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE invites SET accepted_at = now() WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL", inv.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errInvite
		}
		if u == nil {
			if u, err = s.Auth.CreateUser(ctx, tx, inv.Email, hash); err != nil {
				return err
			}
		}
		mid := uuid.New()
		if _, err := tx.ExecContext(ctx, "INSERT INTO memberships (tenant_id, user_id, id, role) VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, user_id) DO NOTHING",
			inv.TenantID, u.ID, mid, inv.Role); err != nil {
			return err
		}
		var t Tenant
		if err := tx.NewSelect().Model(&t).Where("id = ?", inv.TenantID).Scan(ctx); err != nil {
			return err
		}
		var role auth.Role
		if err := tx.NewRaw("SELECT role, id FROM memberships WHERE user_id = ?", u.ID).Scan(ctx, &role, &mid); err != nil {
			return err
		}
		m := auth.Membership{TenantID: t.ID, TenantName: t.Name, Plan: t.Plan, RequireMFA: t.RequireMFA, Role: role, MembershipID: mid}
		mfa := p != nil && p.MFA
		if u.MFAEnabled && !mfa {
			return apperr.Forbiddenf("your account has MFA: log in first, then accept the invitation")
		}
		if sess, err = s.Auth.IssueSession(ctx, tx, u, m, mfa); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: inv.TenantID, ActorType: audit.ActorUser, ActorID: u.ID, ActorEmail: u.Email,
			Action: "invite.accept", TargetType: relay.TypeMember, TargetID: mid, Details: map[string]any{"role": role}})
	})
	return sess, err
}

// errInviteMFA answers an anonymous acceptInvite for an account with MFA,
// whatever the password: a different answer for a right password would
// tell the inviter the victim's password.
var errInviteMFA = apperr.Forbiddenf("this e-mail's account has MFA: log in first, then accept the invitation")

// inviteeCredentials checks the password of an anonymous acceptInvite: the
// password policy first (so a weak guess tells nothing about the account),
// then for an existing account the throttled, audited auth.CheckPassword
// (the same answer as logIn for a wrong password), and for a new account
// its hash, made here before any transaction.
func (s *Service) inviteeCredentials(ctx context.Context, email, password string) (*auth.User, string, error) {
	if err := auth.CheckPasswordPolicy(password, email, []string{"input", "password"}); err != nil {
		return nil, "", err
	}
	u, err := s.Auth.UserByEmail(ctx, email)
	if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return nil, "", err
	}
	if u != nil {
		if u.MFAEnabled {
			return nil, "", errInviteMFA
		}
		u, err = s.Auth.CheckPassword(ctx, email, password, "acceptInvite")
		return u, "", err
	}
	hash, err := s.Auth.HashNewPassword(ctx, password)
	return nil, hash, err
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
