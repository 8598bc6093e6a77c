// Account e-mail: the single-use tokens of password reset and e-mail
// verification, and the messages that carry them. A request only enqueues
// a job (Service.EnqueueMail) in its transaction; the job (SendAccountMail)
// issues the token in a short transaction of its own and sends the message
// with no transaction open.

package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/mail"
)

// MailKind names an account e-mail.
type MailKind string

const (
	// MailPasswordReset carries a password-reset link.
	MailPasswordReset MailKind = "password_reset"
	// MailVerification carries an e-mail verification link.
	MailVerification MailKind = "email_verification"
)

// Token lifetimes.
const (
	// ResetTokenTTL is how long a password-reset link works.
	ResetTokenTTL = 30 * time.Minute
	// VerificationTokenTTL is how long an e-mail verification link works.
	VerificationTokenTTL = 48 * time.Hour
	// maxTokenLen bounds a presented token (ours are 52 characters).
	maxTokenLen = 128
)

// Paths of the dashboard's screens the links open; the token rides in the
// fragment, which browsers never send to a server (nor to its logs).
const (
	ResetPasswordPath = "/reset-password"
	VerifyEmailPath   = "/verify-email"
)

// AccountMail is one account e-mail to send: a job's arguments. A reset
// names the address it was requested for (the job finds the account, if
// any); a verification names the user.
type AccountMail struct {
	Kind   MailKind  `json:"kind"`
	Email  string    `json:"email,omitempty"`
	UserID uuid.UUID `json:"user_id,omitempty"`
}

// errNoMail answers requests for account e-mail on a server without e-mail.
var errNoMail = apperr.New(apperr.FeatureDisabled, "e-mail is not configured on this server; ask an administrator")

// enqueue starts the job of m in tx.
func (s *Service) enqueue(ctx context.Context, tx bun.Tx, m AccountMail) error {
	if s.EnqueueMail == nil {
		return errors.New("auth.Service.EnqueueMail is not set")
	}
	return s.EnqueueMail(ctx, tx, m)
}

// mailEnabled reports whether account e-mail can be sent.
func (s *Service) mailEnabled() bool { return s.Mailer != nil && s.EnqueueMail != nil }

// SendAccountMail sends m (the job's work): it issues a token in a short
// transaction and mails it with no transaction open. A reset for an
// address with no account, and a verification for an address already
// verified, send nothing. An error may be retried: a retry issues a new
// token (an unsent one is never seen, and expires).
func (s *Service) SendAccountMail(ctx context.Context, m AccountMail) (err error) {
	defer derrors.Wrap(&err, "auth.Service.SendAccountMail(%s, %v)", m.Kind, m.UserID)
	if s.Mailer == nil {
		return errNoMail
	}
	var u *User
	switch m.Kind {
	case MailPasswordReset:
		u, err = s.UserByEmail(ctx, m.Email)
	case MailVerification:
		u, err = s.UserByID(ctx, m.UserID)
		if err == nil && u.EmailVerifiedAt != nil {
			return nil
		}
	default:
		return fmt.Errorf("unknown account mail kind %q", m.Kind)
	}
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil // no such account: nothing to send, and the requester was told nothing
	}
	if err != nil {
		return err
	}
	ttl := ResetTokenTTL
	if m.Kind == MailVerification {
		ttl = VerificationTokenTTL
	}
	token, now, err := s.issueToken(ctx, u, m.Kind, ttl)
	if err != nil {
		return err
	}
	return s.Mailer.Send(ctx, s.accountMessage(m.Kind, u.Email, token, now, ttl))
}

// issueToken records a new token of kind for u (its hash only) and
// returns it with the transaction's time.
func (s *Service) issueToken(ctx context.Context, u *User, kind MailKind, ttl time.Duration) (token string, now time.Time, err error) {
	if token, err = RandomToken(32); err != nil {
		return "", time.Time{}, err
	}
	err = s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		now = s.DB.Now(ctx)
		// The account's expired tokens are of no use any more: the table
		// keeps only what may still be presented.
		if _, err := tx.ExecContext(ctx, `DELETE FROM account_tokens WHERE user_id = ? AND expires_at <= ?`, u.ID, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO account_tokens (token_hash, user_id, purpose, email, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, HashSecret(token), u.ID, string(kind), u.Email, now, now.Add(ttl))
		return err
	})
	return token, now, err
}

// spentToken is what spending a token tells.
type spentToken struct {
	UserID uuid.UUID `bun:"user_id"`
	Email  string    `bun:"email"`
}

// errSpent is spend's answer for a token that is unknown, of another kind,
// used or expired.
var errSpent = errors.New("token unknown, used or expired")

// spend marks token of kind used in tx, if it is unused and unexpired at
// the transaction's time, in one statement: of two concurrent uses only
// one gets the row. errSpent otherwise.
func (s *Service) spend(ctx context.Context, tx bun.IDB, token string, kind MailKind) (spentToken, error) {
	var t spentToken
	now := s.DB.Now(ctx)
	err := tx.NewRaw(`UPDATE account_tokens SET used_at = ?0
		WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?0
		RETURNING user_id, email`, now, HashSecret(token), string(kind)).Scan(ctx, &t)
	if errors.Is(err, sql.ErrNoRows) {
		return t, errSpent
	}
	return t, err
}

// peek reads token of kind without spending it; errSpent when it would
// not be accepted now.
func (s *Service) peek(ctx context.Context, token string, kind MailKind) (spentToken, error) {
	var t spentToken
	err := s.DB.Bun.NewRaw(`SELECT user_id, email FROM account_tokens
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`,
		HashSecret(token), string(kind), s.DB.Now(ctx)).Scan(ctx, &t)
	if errors.Is(err, sql.ErrNoRows) {
		return t, errSpent
	}
	return t, err
}

// cleanToken trims a presented token and refuses one no token of ours
// could be (empty, too long) with the invalid-link error of field.
func cleanToken(token string, invalid error) (string, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > maxTokenLen {
		return "", invalid
	}
	return token, nil
}

// link is the dashboard's URL of path with token in the fragment.
func (s *Service) link(path, token string) string {
	return strings.TrimRight(s.Cfg.PublicURL, "/") + path + "#token=" + url.QueryEscape(token)
}

// accountMessage is the e-mail of kind carrying token to address.
func (s *Service) accountMessage(kind MailKind, address, token string, now time.Time, ttl time.Duration) mail.Message {
	m := mail.Message{To: []string{address}, Date: now}
	switch kind {
	case MailPasswordReset:
		m.Subject = "Reset your Stratum password"
		m.Text = fmt.Sprintf(`Someone asked to reset the password of the Stratum account for %s.

To choose a new password, open this link within %s:

%s

The link works once. Resetting the password signs the account out everywhere.

If you did not ask for this, ignore this e-mail: your password stays as it is.
`, address, humanDuration(ttl), s.link(ResetPasswordPath, token))
	case MailVerification:
		m.Subject = "Confirm your e-mail address for Stratum"
		m.Text = fmt.Sprintf(`Please confirm that %s is your e-mail address by opening this link within %s:

%s

If you did not create a Stratum account, ignore this e-mail.
`, address, humanDuration(ttl), s.link(VerifyEmailPath, token))
	}
	return m
}

// humanDuration says d in whole hours or minutes ("30 minutes", "48 hours").
func humanDuration(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return plural(int(d/time.Hour), "hour")
	}
	return plural(int(d/time.Minute), "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
