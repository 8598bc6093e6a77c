// Members: listing them, changing a member's role, removing one (the
// OWNER rules apply to both), and a user's memberships as domain/auth reads
// them (auth.MembershipSource).

package tenancy

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// Member is a membership with its user's e-mail and MFA flag (domain/auth's,
// filled in after the membership rows are read).
type Member struct {
	TenantID   uuid.UUID `bun:"tenant_id"`
	ID         uuid.UUID `bun:"id"`
	UserID     uuid.UUID `bun:"user_id"`
	Email      string    `bun:"-"`
	MFAEnabled bool      `bun:"-"`
	// EmailVerified is whether the user's address is verified (domain/auth).
	EmailVerified bool      `bun:"-"`
	Role          auth.Role `bun:"role"`
	CreatedAt     time.Time `bun:"created_at"`
}

const memberSelect = `SELECT m.tenant_id, m.id, m.user_id, m.role, m.created_at FROM memberships m`

// Members pages the tenant's members, newest first.
func (s *Service) Members(ctx context.Context, tenant uuid.UUID, args relay.Args) (page *relay.Page[Member], err error) {
	defer derrors.Wrap(&err, "tenancy.Service.Members(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().TableExpr("memberships AS m").ColumnExpr("m.tenant_id, m.id, m.user_id, m.role, m.created_at")
		page, err = relay.Paginate(ctx, q, args, "m.created_at", "m.id",
			func(m *Member) relay.Cursor { return relay.Cursor{At: m.CreatedAt, ID: m.ID} })
		if err != nil {
			return err
		}
		ms := make([]*Member, len(page.Items))
		for i := range page.Items {
			ms[i] = &page.Items[i]
		}
		return withUsers(ctx, tx, ms...)
	})
	return page, err
}

// Member returns one member of tenant by membership id.
func (s *Service) Member(ctx context.Context, tenant, id uuid.UUID) (_ *Member, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.Member(%v, %v)", tenant, id)
	return s.member(ctx, tenant, "m.id = ?", id)
}

// MemberByUser returns the membership of user uid in tenant.
func (s *Service) MemberByUser(ctx context.Context, tenant, uid uuid.UUID) (_ *Member, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.MemberByUser(%v, %v)", tenant, uid)
	return s.member(ctx, tenant, "m.user_id = ?", uid)
}

// member reads the member of tenant matching where (on memberships m).
func (s *Service) member(ctx context.Context, tenant uuid.UUID, where string, arg uuid.UUID) (*Member, error) {
	m := new(Member)
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw(memberSelect+" WHERE "+where, arg).Scan(ctx, m); err != nil {
			return err
		}
		return withUsers(ctx, tx, m)
	})
	if err != nil {
		return nil, db.NotFound(err, "member not found")
	}
	return m, nil
}

// lockMember reads and locks (FOR UPDATE) membership id; the user's row
// is read, not locked.
func lockMember(ctx context.Context, tx bun.IDB, id uuid.UUID) (*Member, error) {
	m := new(Member)
	if err := tx.NewRaw(memberSelect+" WHERE m.id = ? FOR UPDATE OF m", id).Scan(ctx, m); err != nil {
		return nil, db.NotFound(err, "member not found")
	}
	if err := withUsers(ctx, tx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// MemberEmails returns the e-mails of those of users who are members of
// tenant, by user id: how the dashboard names the person who approved,
// applied or dismissed something. Users who are not (or no longer) members
// are absent, so a tenant never learns the e-mail of anyone outside it.
func (s *Service) MemberEmails(ctx context.Context, tenant uuid.UUID, users []uuid.UUID) (_ map[uuid.UUID]string, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.MemberEmails(%v)", tenant)
	out := make(map[uuid.UUID]string, len(users))
	if len(users) == 0 {
		return out, nil
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var members []uuid.UUID
		if err := tx.NewRaw(`SELECT user_id FROM memberships WHERE user_id IN (?)`, bun.List(users)).Scan(ctx, &members); err != nil {
			return err
		}
		facts, err := auth.UserFactsTx(ctx, tx, members)
		if err != nil {
			return err
		}
		for id, f := range facts {
			out[id] = f.Email
		}
		return nil
	})
	return out, err
}

// withUsers fills ms' e-mails, MFA and verification flags from domain/auth,
// in one query.
func withUsers(ctx context.Context, tx bun.IDB, ms ...*Member) error {
	ids := make([]uuid.UUID, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	users, err := auth.UserFactsTx(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, m := range ms {
		u := users[m.UserID]
		m.Email, m.MFAEnabled, m.EmailVerified = u.Email, u.MFAEnabled, u.EmailVerified
	}
	return nil
}

// UserMemberships lists uid's memberships across tenants, oldest first
// (auth.MembershipSource; a SECURITY DEFINER read, since a user's tenants
// are not one tenant's rows).
func (s *Service) UserMemberships(ctx context.Context, uid uuid.UUID) (_ []auth.Membership, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.UserMemberships(%v)", uid)
	var ms []auth.Membership
	err = s.DB.Bun.NewRaw("SELECT * FROM stratum_user_memberships(?, ?::timestamptz)", uid, s.DB.Now(ctx)).Scan(ctx, &ms)
	return ms, err
}

// MembershipTx reads uid's membership of the tenant of tx, a tenant
// transaction (auth.MembershipSource); sql.ErrNoRows when uid is not a
// member.
func (s *Service) MembershipTx(ctx context.Context, tx bun.IDB, uid uuid.UUID) (_ auth.Membership, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.MembershipTx(%v)", uid)
	var m auth.Membership
	err = tx.NewRaw(`SELECT t.id AS tenant_id, t.name AS tenant_name, t.require_mfa, m.role, m.id AS membership_id
		FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE m.user_id = ?`, uid).Scan(ctx, &m)
	if err != nil {
		return m, err
	}
	m.Plan, err = s.planTx(ctx, tx, m.TenantID)
	return m, err
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
func (s *Service) ChangeRole(ctx context.Context, p *auth.Principal, id uuid.UUID, role auth.Role) (_ *Member, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.ChangeRole(%v, %v)", p.TenantID, id)
	if !auth.ValidRole(role) {
		return nil, apperr.Invalid([]string{"input", "role"}, "unknown role %q", role)
	}
	var m *Member
	err = s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
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
func (s *Service) Remove(ctx context.Context, p *auth.Principal, id uuid.UUID) (_ *Member, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.Remove(%v, %v)", p.TenantID, id)
	var m *Member
	err = s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
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
		if err := s.limits().ReleaseTx(ctx, tx, p.TenantID, billing.Members, 1); err != nil {
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

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
