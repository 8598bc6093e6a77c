// E-mail verification: a new account gets a link to confirm its address;
// until it is followed the dashboard asks for it (a soft check: nothing is
// refused to an unverified account).

package auth

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// errVerifyLink answers a verification with a token that is unknown, used
// or expired.
var errVerifyLink = apperr.Invalid([]string{"input", "token"}, "This verification link is invalid, expired or already used; ask for a new one")

// RequestVerificationTx queues the verification e-mail of the new account
// u in tx, the transaction that creates it (tenancy.Service.SignUp). On a
// server without e-mail it queues nothing.
func (s *Service) RequestVerificationTx(ctx context.Context, tx bun.Tx, u *User) (err error) {
	defer derrors.Wrap(&err, "auth.Service.RequestVerificationTx(%v)", u.ID)
	if !s.mailEnabled() || u.EmailVerifiedAt != nil {
		return nil
	}
	return s.enqueue(ctx, tx, AccountMail{Kind: MailVerification, UserID: u.ID})
}

// ResendVerification queues another verification e-mail for the signed-in
// user p (throttled per user). CONFLICT when the address is already
// verified; FEATURE_DISABLED when the server has no e-mail.
func (s *Service) ResendVerification(ctx context.Context, p *Principal) (err error) {
	defer derrors.Wrap(&err, "auth.Service.ResendVerification(%v)", p.UserID)
	if !p.IsUser() {
		return apperr.Forbiddenf("only users have an e-mail address to verify")
	}
	u, err := s.UserByID(ctx, p.UserID)
	if err != nil {
		return err
	}
	if u.EmailVerifiedAt != nil {
		return apperr.Conflictf("your e-mail address is already verified")
	}
	if !s.mailEnabled() {
		return errNoMail
	}
	refund, err := s.reserve(ctx, claim{keyVerifyUser + u.ID.String(), s.Cfg.VerifyUser})
	if err != nil {
		return err
	}
	err = s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.enqueue(ctx, tx, AccountMail{Kind: MailVerification, UserID: u.ID})
	})
	if err != nil {
		refund()
	}
	return err
}

// VerifyEmail spends a verification token and marks the address it was
// sent to verified (while the account still has that address). It needs
// no session: the link may be opened in another browser.
func (s *Service) VerifyEmail(ctx context.Context, token string) (err error) {
	defer derrors.Wrap(&err, "auth.Service.VerifyEmail")
	token, err = cleanToken(token, errVerifyLink)
	if err != nil {
		return err
	}
	var u *User
	err = s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		t, err := s.spend(ctx, tx, token, MailVerification)
		if errors.Is(err, errSpent) {
			return errVerifyLink
		}
		if err != nil {
			return err
		}
		u = new(User)
		err = tx.NewRaw(`UPDATE users SET email_verified_at = COALESCE(email_verified_at, ?) WHERE id = ? AND email = ? RETURNING *`,
			s.DB.Now(ctx), t.UserID, t.Email).Scan(ctx, u)
		if errors.Is(err, sql.ErrNoRows) {
			return errVerifyLink // the address changed since the link was sent
		}
		return err
	})
	if err != nil {
		return err
	}
	s.auditUser(ctx, u, "auth.verify_email", "SUCCESS", nil)
	return nil
}
