// Sessions: issuing a refresh-token family, rotating it, ending it (log-out,
// tenant switch, membership change).

package auth

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// Session is what a successful sign-in returns.
type Session struct {
	AccessToken  string
	RefreshToken string
	ExpiresAt    time.Time
	Claims       *Claims
}

// IssueSession starts a refresh-token family for user in m's tenant inside
// tx and returns its first tokens.
func (s *Service) IssueSession(ctx context.Context, tx bun.IDB, u *User, m Membership, mfa bool) (_ *Session, err error) {
	defer derrors.Wrap(&err, "auth.Service.IssueSession(%v, %v)", m.TenantID, u.ID)
	now := s.DB.Now(ctx)
	sid := uuid.New()
	c := Client{}
	if cl := ClientFrom(ctx); cl != (Client{}) {
		c = cl
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user_id, acting_tenant_id, created_at, expires_at, mfa, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''))`, sid, u.ID, m.TenantID, now, now.Add(s.Cfg.RefreshTTL), mfa, c.IP, truncate(c.UserAgent, 500)); err != nil {
		return nil, err
	}
	return s.rotate(ctx, tx, sid, u, m, mfa, now)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// rotate issues a refresh token in family sid and an access token.
func (s *Service) rotate(ctx context.Context, tx bun.IDB, sid uuid.UUID, u *User, m Membership, mfa bool, now time.Time) (*Session, error) {
	refresh, err := RandomToken(32)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at) VALUES (?, ?, ?, ?)`,
		HashSecret(refresh), sid, now, now.Add(s.Cfg.RefreshTTL)); err != nil {
		return nil, err
	}
	c := newClaims(KindAccess, u.ID, m.TenantID, now, s.Cfg.AccessTTL)
	c.Role, c.SessionID, c.Plan, c.MFA, c.MFARequired, c.Operator = m.Role, sid, m.Plan, mfa, m.RequireMFA, u.Operator
	access, err := SignToken(s.Cfg.Secret, c)
	if err != nil {
		return nil, err
	}
	return &Session{AccessToken: access, RefreshToken: refresh, ExpiresAt: c.ExpiresAt.Time, Claims: c}, nil
}

// ErrSessionEnded answers refresh tokens that are unknown, expired,
// revoked or reused.
var ErrSessionEnded = apperr.Unauthenticatedf("the session has ended; log in again")

// Refresh rotates a refresh token: the token is spent and a new pair is
// issued in the same family. Presenting a spent token again revokes the
// whole family (someone holds a stolen copy) and fails.
func (s *Service) Refresh(ctx context.Context, token string) (_ *Session, err error) {
	defer derrors.Wrap(&err, "auth.Service.Refresh")
	hash := HashSecret(strings.TrimSpace(token))
	var ref struct {
		SessionID uuid.UUID `bun:"session_id"`
		TenantID  uuid.UUID `bun:"tenant_id"`
		UserID    uuid.UUID `bun:"user_id"`
	}
	err = s.DB.Bun.NewRaw(`SELECT rt.session_id, s.acting_tenant_id AS tenant_id, s.user_id FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
		WHERE rt.token_hash = ?`, hash).Scan(ctx, &ref)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrSessionEnded
	}
	if err != nil {
		return nil, err
	}
	var sess *Session
	var reused bool
	err = s.DB.InTenant(ctx, ref.TenantID, func(ctx context.Context, tx bun.Tx) error {
		var st struct {
			UsedAt    *time.Time `bun:"used_at"`
			ExpiresAt time.Time  `bun:"expires_at"`
			RevokedAt *time.Time `bun:"revoked_at"`
			MFA       bool       `bun:"mfa"`
		}
		if err := tx.NewRaw(`SELECT rt.used_at, rt.expires_at, s.revoked_at, s.mfa FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
			WHERE rt.token_hash = ? FOR UPDATE`, hash).Scan(ctx, &st); err != nil {
			return err
		}
		now := s.DB.Now(ctx)
		switch {
		case st.RevokedAt != nil || now.After(st.ExpiresAt):
			return ErrSessionEnded
		case st.UsedAt != nil:
			reused = true
			if err := s.revokeSession(ctx, tx, ref.SessionID, "refresh_token_reuse"); err != nil {
				return err
			}
			return s.audit(ctx, tx, AuditRecord{TenantID: ref.TenantID, ActorType: "USER", ActorID: ref.UserID,
				Action: "auth.refresh_reuse_detected", TargetType: relay.TypeSession, TargetID: ref.SessionID, Outcome: "DENIED",
				Details: map[string]any{"effect": "session family revoked"}})
		}
		u := new(User)
		if err := tx.NewSelect().Model(u).Where("id = ?", ref.UserID).Scan(ctx); err != nil {
			return err
		}
		m, err := s.membershipIn(ctx, tx, ref.UserID)
		if errors.Is(err, sql.ErrNoRows) {
			if err := s.revokeSession(ctx, tx, ref.SessionID, "membership_removed"); err != nil {
				return err
			}
			reused = true // ends with ErrSessionEnded after commit
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?`, now, hash); err != nil {
			return err
		}
		sess, err = s.rotate(ctx, tx, ref.SessionID, u, m, st.MFA, now)
		return err
	})
	if reused {
		s.RefreshRevocations(ctx)
		return nil, ErrSessionEnded
	}
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// revokeSession ends family sid: no refresh token of it works any more and
// every access token issued from it is denied.
func (s *Service) revokeSession(ctx context.Context, tx bun.IDB, sid uuid.UUID, reason string) error {
	now := s.DB.Now(ctx)
	if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL`, now, reason, sid); err != nil {
		return err
	}
	return Insert(ctx, tx, RevokeSession, sid.String(), Forever, now.Add(s.Cfg.AccessTTL+time.Minute))
}

// RevokeMemberTokens denies uid's access tokens in tenant issued before
// now (after a role change or removal); with end, it also ends uid's
// sessions in tenant. Call inside the change's tenant transaction.
func (s *Service) RevokeMemberTokens(ctx context.Context, tx bun.IDB, uid, tenant uuid.UUID, end bool) (err error) {
	defer derrors.Wrap(&err, "auth.Service.RevokeMemberTokens(%v, %v)", uid, tenant)
	if end {
		var sids []uuid.UUID
		if err := tx.NewRaw(`SELECT id FROM sessions WHERE user_id = ? AND acting_tenant_id = ? AND revoked_at IS NULL`, uid, tenant).Scan(ctx, &sids); err != nil {
			return err
		}
		for _, sid := range sids {
			if err := s.revokeSession(ctx, tx, sid, "membership_removed"); err != nil {
				return err
			}
		}
	}
	now := s.DB.Now(ctx)
	return Insert(ctx, tx, RevokeMember, memberRef(uid, tenant), now, now.Add(s.Cfg.AccessTTL+time.Minute))
}

// LogOut ends p's session: its family is revoked and its access token's
// jti denylisted until it expires.
func (s *Service) LogOut(ctx context.Context, p *Principal) (err error) {
	defer derrors.Wrap(&err, "auth.Service.LogOut(%v, %v)", p.TenantID, p.UserID)
	if !p.IsUser() {
		return apperr.Forbiddenf("API keys cannot log out; revoke the key instead")
	}
	err = s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := s.revokeSession(ctx, tx, p.SessionID, "log_out"); err != nil {
			return err
		}
		if err := Insert(ctx, tx, RevokeJTI, p.TokenID, s.DB.Now(ctx), p.ExpiresAt.Add(time.Minute)); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditRecord{TenantID: p.TenantID, Action: "auth.log_out", TargetType: relay.TypeSession, TargetID: p.SessionID})
	})
	if err != nil {
		return err
	}
	s.RefreshRevocations(ctx)
	return nil
}

// SwitchTenant issues a session in another of the user's tenants and ends
// the current one.
func (s *Service) SwitchTenant(ctx context.Context, p *Principal, tenant uuid.UUID) (_ *Session, err error) {
	defer derrors.Wrap(&err, "auth.Service.SwitchTenant(%v, %v)", p.UserID, tenant)
	if !p.IsUser() {
		return nil, apperr.Forbiddenf("only users can switch tenants")
	}
	ms, err := s.Memberships(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	var target *Membership
	for i := range ms {
		if ms[i].TenantID == tenant {
			target = &ms[i]
		}
	}
	if target == nil {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: []string{"input", "tenantId"}, Message: "you are not a member of this tenant"}
	}
	u, err := s.UserByID(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	var sess *Session
	err = s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := s.revokeSession(ctx, tx, p.SessionID, "switched_tenant"); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditRecord{TenantID: p.TenantID, Action: "auth.switch_tenant_away", TargetType: relay.TypeTenant, TargetID: tenant})
	})
	if err != nil {
		return nil, err
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if sess, err = s.IssueSession(ctx, tx, u, *target, p.MFA); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditRecord{TenantID: tenant, ActorType: "USER", ActorID: u.ID, ActorEmail: u.Email,
			Action: "auth.switch_tenant", TargetType: relay.TypeTenant, TargetID: tenant})
	})
	if err != nil {
		return nil, err
	}
	s.RefreshRevocations(ctx)
	return sess, nil
}
