// Invitations: creating, revoking and listing them, and accepting one
// (which joins the tenant and starts a session).

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
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// InviteTTL is how long an invitation stays valid.
const InviteTTL = 7 * 24 * time.Hour

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
	// HoldsSeat is whether the invitation holds one of the members limit's
	// seats (pending, not yet found expired; see seats.go).
	HoldsSeat bool `bun:"holds_seat"`
}

// InviteMember creates an invitation and returns it with its token (shown
// once, for the inviter to pass on). When the server mails invitations
// (MailsInvites), the e-mail to the invitee is queued in the same
// transaction and sent after it commits (SendInviteMail).
func (s *Service) InviteMember(ctx context.Context, p *auth.Principal, email string, role auth.Role) (_ *Invite, _ string, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.InviteMember(%v)", p.TenantID)
	email, err = auth.NormalizeEmail(email, []string{"input", "email"})
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
	inv := &Invite{TenantID: p.TenantID, ID: uuid.New(), Email: email, Role: role, TokenHash: auth.HashSecret(token),
		InvitedBy: p.UserID}
	err = s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		now := s.DB.Now(ctx)
		inv.CreatedAt, inv.ExpiresAt = now, now.Add(InviteTTL)
		uid, err := auth.UserIDByEmailTx(ctx, tx, email)
		if err != nil {
			return err
		}
		exists := false
		if uid != uuid.Nil {
			if err := tx.NewRaw("SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = ?)", uid).Scan(ctx, &exists); err != nil {
				return err
			}
		}
		if exists {
			return &apperr.Error{Code: apperr.Conflict, Field: []string{"input", "email"}, Message: "this person is already a member"}
		}
		if err := s.takeSeatTx(ctx, tx, p.TenantID, []string{"input", "email"}); err != nil {
			return err
		}
		inv.HoldsSeat = true
		if _, err := tx.NewInsert().Model(inv).Exec(ctx); err != nil {
			return err
		}
		if s.MailsInvites() {
			if err := s.queueInviteMail(ctx, tx, inv, token); err != nil {
				return err
			}
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
func (s *Service) RevokeInvite(ctx context.Context, p *auth.Principal, id uuid.UUID) (_ *Invite, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.RevokeInvite(%v, %v)", p.TenantID, id)
	inv := new(Invite)
	err = s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := db.ScanByID(ctx, tx, inv, id, db.LockNoKeyUpdate, "invitation not found"); err != nil {
			return err
		}
		if inv.AcceptedAt != nil {
			return apperr.Conflictf("the invitation was already accepted")
		}
		now := s.DB.Now(ctx)
		inv.RevokedAt = &now
		if _, err := tx.ExecContext(ctx, "UPDATE invites SET revoked_at = ?, holds_seat = false WHERE id = ?", now, id); err != nil {
			return err
		}
		if inv.HoldsSeat {
			if err := s.limits().ReleaseTx(ctx, tx, p.TenantID, billing.Members, 1); err != nil {
				return err
			}
			inv.HoldsSeat = false
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: p.TenantID, Action: "invite.revoke", TargetType: relay.TypeInvite, TargetID: id})
	})
	return inv, err
}

// Invites pages the tenant's invitations, newest first.
func (s *Service) Invites(ctx context.Context, tenant uuid.UUID, args relay.Args) (page *relay.Page[Invite], err error) {
	defer derrors.Wrap(&err, "tenancy.Service.Invites(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		page, err = relay.Paginate(ctx, tx.NewSelect().Model((*Invite)(nil)), args, "created_at", "id",
			func(i *Invite) relay.Cursor { return relay.Cursor{At: i.CreatedAt, ID: i.ID} })
		return err
	})
	return page, err
}

// GetInvite returns one invitation of tenant.
func (s *Service) GetInvite(ctx context.Context, tenant, id uuid.UUID) (_ *Invite, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.GetInvite(%v, %v)", tenant, id)
	return db.ByID[Invite](ctx, s.DB, tenant, id, "invitation not found")
}

var errInvite = &apperr.Error{Code: apperr.NotFound, Field: []string{"input", "token"}, Message: "the invitation is invalid, expired or already used"}

// AcceptInvite joins the invited tenant and starts a session there. A
// signed-in user (p non-nil) joins as themselves when the invite is for
// their email; otherwise password signs in the existing account of the
// invited email or creates it.
func (s *Service) AcceptInvite(ctx context.Context, p *auth.Principal, token, password string) (_ *auth.Session, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.AcceptInvite")
	var inv struct {
		TenantID  uuid.UUID `bun:"tenant_id"`
		ID        uuid.UUID `bun:"id"`
		Email     string    `bun:"email"`
		Role      auth.Role `bun:"role"`
		ExpiresAt time.Time `bun:"expires_at"`
	}
	err = s.DB.Bun.NewRaw("SELECT * FROM stratum_find_invite(?)", auth.HashSecret(strings.TrimSpace(token))).Scan(ctx, &inv)
	// Checked here to spare the password work for an expired invitation,
	// and again (at the transaction's time) when it is accepted.
	if errors.Is(err, sql.ErrNoRows) || (err == nil && s.DB.Now(ctx).After(inv.ExpiresAt)) {
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
		now := s.DB.Now(ctx)
		// held: whether the invitation held a seat, which passes to the
		// membership made below.
		var held []bool
		if err := tx.NewRaw(`WITH old AS (SELECT id, holds_seat FROM invites WHERE id = ? FOR UPDATE)
			UPDATE invites i SET accepted_at = ?, holds_seat = false FROM old
			WHERE i.id = old.id AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at >= ?
			RETURNING old.holds_seat`, inv.ID, now, now).Scan(ctx, &held); err != nil {
			return err
		}
		if len(held) != 1 {
			return errInvite
		}
		if u == nil {
			if u, err = s.Auth.CreateUser(ctx, tx, inv.Email, hash); err != nil {
				return err
			}
			// The invitation may have been passed on by hand: the new
			// account confirms its address as a sign-up does.
			if err := s.Auth.RequestVerificationTx(ctx, tx, u); err != nil {
				return err
			}
		}
		mid := uuid.New()
		res, err := tx.ExecContext(ctx, "INSERT INTO memberships (tenant_id, user_id, id, role, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, user_id) DO NOTHING",
			inv.TenantID, u.ID, mid, inv.Role, now)
		if err != nil {
			return err
		}
		if err := s.passSeatTx(ctx, tx, inv.TenantID, held[0], res); err != nil {
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
		plan, err := s.planTx(ctx, tx, t.ID)
		if err != nil {
			return err
		}
		m := auth.Membership{TenantID: t.ID, TenantName: t.Name, Plan: plan, RequireMFA: t.RequireMFA, Role: role, MembershipID: mid}
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
