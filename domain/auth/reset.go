// Password reset: a request that tells nothing about the account, and a
// single-use, expiring link that sets a new password and ends every
// session of the account.

package auth

import (
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Limiter keys of the account e-mail requests.
const (
	keyResetIP    = "reset-ip:"    // + client IP: password-reset requests
	keyResetEmail = "reset-email:" // + normalised e-mail: password-reset requests
	keyVerifyUser = "verify-user:" // + user id: verification mails asked for again
)

// errResetLink answers a reset with a token that is unknown, used or expired.
var errResetLink = apperr.Invalid([]string{"input", "token"}, "This password reset link is invalid, expired or already used; ask for a new one")

// RequestPasswordReset queues a password-reset e-mail for email. It gives
// the same answer, after the same work, whether or not an account has that
// address: it checks the address's shape, takes a point from the client
// IP's and the address's buckets (THROTTLED when either is empty, for any
// address), and enqueues one job naming the address. The job looks the
// account up and sends a link only when there is one (SendAccountMail).
// FEATURE_DISABLED when the server has no e-mail.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) (err error) {
	defer derrors.Wrap(&err, "auth.Service.RequestPasswordReset")
	norm, err := NormalizeEmail(email, []string{"input", "email"})
	if err != nil {
		return err
	}
	if !s.mailEnabled() {
		return errNoMail
	}
	refund, err := s.reserve(ctx, claim{keyResetIP + LimitKeyIP(ClientFrom(ctx).IP), s.Cfg.ResetIP}, claim{keyResetEmail + norm, s.Cfg.ResetEmail})
	if err != nil {
		return err
	}
	err = s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.enqueue(ctx, tx, AccountMail{Kind: MailPasswordReset, Email: norm})
	})
	if err != nil {
		refund() // nothing was queued
	}
	return err
}

// ResetPassword sets the password of the account a reset link was sent to.
// The token must be unused and unexpired; it is spent in the same
// transaction that sets the password, revokes every session of the account
// (their refresh tokens stop working and their access tokens are denied
// from the next request) and spends the account's other reset links. The
// new password must pass the policy (BAD_USER_INPUT on input.newPassword).
// A user with MFA still needs their second factor at the next log-in.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string) (err error) {
	defer derrors.Wrap(&err, "auth.Service.ResetPassword")
	token, err = cleanToken(token, errResetLink)
	if err != nil {
		return err
	}
	// Read first, so a bad link is refused before the password work, and
	// the policy can read the account's address.
	t, err := s.peek(ctx, token, MailPasswordReset)
	if errors.Is(err, errSpent) {
		return errResetLink
	}
	if err != nil {
		return err
	}
	if err := CheckPasswordPolicy(newPassword, t.Email, []string{"input", "newPassword"}); err != nil {
		return err
	}
	hash, err := s.HashNewPassword(ctx, newPassword) // before the transaction
	if err != nil {
		return err
	}
	var u *User
	err = s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		spent, err := s.spend(ctx, tx, token, MailPasswordReset)
		if errors.Is(err, errSpent) {
			return errResetLink // used or expired meanwhile
		}
		if err != nil {
			return err
		}
		u, err = s.setPassword(ctx, tx, spent, hash)
		return err
	})
	if err != nil {
		return err
	}
	s.RefreshRevocations(ctx)
	s.auditUser(ctx, u, "auth.password_reset", "SUCCESS", map[string]any{"effect": "every session ended"})
	return nil
}

// setPassword stores hash as the password of the account token t was sent
// to (and only while it still has that address), marks the address
// verified (the link reached it), spends the account's other reset links
// and ends its sessions.
func (s *Service) setPassword(ctx context.Context, tx bun.Tx, t spentToken, hash string) (*User, error) {
	now := s.DB.Now(ctx)
	u := new(User)
	err := tx.NewRaw(`UPDATE users SET password_hash = ?, email_verified_at = COALESCE(email_verified_at, ?)
		WHERE id = ? AND email = ? RETURNING *`, hash, now, t.UserID, t.Email).Scan(ctx, u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errResetLink // the account's address changed since the link was sent
	}
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE account_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL`,
		now, u.ID, string(MailPasswordReset)); err != nil {
		return nil, err
	}
	return u, s.endSessions(ctx, tx, u.ID, "password_reset")
}

// endSessions revokes every open session of uid, in every tenant.
func (s *Service) endSessions(ctx context.Context, tx bun.IDB, uid uuid.UUID, reason string) error {
	var sids []uuid.UUID
	if err := tx.NewRaw(`SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL`, uid).Scan(ctx, &sids); err != nil {
		return err
	}
	for _, sid := range sids {
		if err := s.revokeSession(ctx, tx, sid, reason); err != nil {
			return err
		}
	}
	return nil
}
