package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image/png"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// BackupCodeCount is how many backup codes confirmMfa and
// regenerateBackupCodes hand out.
const BackupCodeCount = 10

// Enrollment is what enrollMfa shows once.
type Enrollment struct {
	Secret     string
	OTPAuthURI string
	QRCodePNG  string // base64
}

// ErrBadCode answers a wrong, expired or already used code.
var ErrBadCode = apperr.Invalid([]string{"input", "code"}, "the code is incorrect, expired or already used")

func (s *Service) lockUser(ctx context.Context, tx bun.IDB, id uuid.UUID) (*User, error) {
	u := new(User)
	err := tx.NewSelect().Model(u).Where("id = ?", id).For("NO KEY UPDATE").Scan(ctx)
	return u, err
}

// guardCode runs check, which evaluates a TOTP or backup code of user uid,
// under the user's MFA bucket (shared by verifyMfa, confirmMfa, disableMfa
// and regenerateBackupCodes): a point is reserved before the code is
// looked at and given back unless the code was wrong (ErrBadCode).
func (s *Service) guardCode(ctx context.Context, uid uuid.UUID, check func() error, extra ...claim) error {
	refund, err := s.reserve(ctx, append([]claim{{keyMFA + uid.String(), s.Cfg.LoginAccount}}, extra...)...)
	if err != nil {
		return err
	}
	err = check()
	if !errors.Is(err, ErrBadCode) {
		refund()
	}
	return err
}

func requireUser(p *Principal) error {
	if !p.IsUser() {
		return apperr.Forbiddenf("only users have MFA")
	}
	return nil
}

// EnrollMfa starts enrolment: a new pending secret (replacing any earlier
// pending one) that ConfirmMfa activates.
func (s *Service) EnrollMfa(ctx context.Context, p *Principal) (_ *Enrollment, err error) {
	defer derrors.Wrap(&err, "auth.Service.EnrollMfa(%v, %v)", p.TenantID, p.UserID)
	if err := requireUser(p); err != nil {
		return nil, err
	}
	var out *Enrollment
	err = s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		u, err := s.lockUser(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		if u.MFAEnabled {
			return apperr.Conflictf("MFA is already enabled; disable it first to enrol a new authenticator")
		}
		key, err := NewTOTPKey(u.Email)
		if err != nil {
			return err
		}
		sealed, err := s.Box.Seal([]byte(key.Secret()))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET mfa_secret = ? WHERE id = ?`, sealed, u.ID); err != nil {
			return err
		}
		img, err := key.Image(256, 256)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return err
		}
		out = &Enrollment{Secret: key.Secret(), OTPAuthURI: key.URL(), QRCodePNG: base64.StdEncoding.EncodeToString(buf.Bytes())}
		return s.audit(ctx, tx, AuditRecord{TenantID: p.TenantID, Action: "mfa.enroll", TargetType: relay.TypeUser, TargetID: u.ID})
	})
	return out, err
}

// ConfirmMfa activates the pending secret with a current code and returns
// fresh backup codes (shown once; stored hashed).
func (s *Service) ConfirmMfa(ctx context.Context, p *Principal, code string) (_ []string, err error) {
	defer derrors.Wrap(&err, "auth.Service.ConfirmMfa(%v, %v)", p.TenantID, p.UserID)
	if err := requireUser(p); err != nil {
		return nil, err
	}
	var codes []string
	err = s.guardCode(ctx, p.UserID, func() error {
		return s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
			u, err := s.lockUser(ctx, tx, p.UserID)
			if err != nil {
				return err
			}
			if u.MFAEnabled {
				return apperr.Conflictf("MFA is already enabled")
			}
			if u.MFASecret == nil {
				return apperr.Invalid(nil, "call enrollMfa first")
			}
			if ok, err := s.useCode(ctx, tx, u, code, false); err != nil || !ok {
				return firstErr(err, ErrBadCode)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET mfa_enabled = true WHERE id = ?`, u.ID); err != nil {
				return err
			}
			if codes, err = s.newBackupCodes(ctx, tx, u.ID); err != nil {
				return err
			}
			return s.audit(ctx, tx, AuditRecord{TenantID: p.TenantID, Action: "mfa.enable", TargetType: relay.TypeUser, TargetID: u.ID})
		})
	})
	return codes, err
}

// DisableMfa turns MFA off with a current code (or a backup code). A
// member of a tenant that requires MFA cannot.
func (s *Service) DisableMfa(ctx context.Context, p *Principal, code string) (err error) {
	defer derrors.Wrap(&err, "auth.Service.DisableMfa(%v, %v)", p.TenantID, p.UserID)
	if err := requireUser(p); err != nil {
		return err
	}
	if p.MFARequired {
		return apperr.Forbiddenf("this tenant requires MFA of its members")
	}
	return s.withCode(ctx, p, code, true, func(ctx context.Context, tx bun.Tx, u *User) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET mfa_enabled = false, mfa_secret = NULL WHERE id = ?`, u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM mfa_backup_codes WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditRecord{TenantID: p.TenantID, Action: "mfa.disable", TargetType: relay.TypeUser, TargetID: u.ID})
	})
}

// RegenerateBackupCodes replaces the backup codes; it needs a current TOTP code.
func (s *Service) RegenerateBackupCodes(ctx context.Context, p *Principal, code string) (_ []string, err error) {
	defer derrors.Wrap(&err, "auth.Service.RegenerateBackupCodes(%v, %v)", p.TenantID, p.UserID)
	if err := requireUser(p); err != nil {
		return nil, err
	}
	var codes []string
	err = s.withCode(ctx, p, code, false, func(ctx context.Context, tx bun.Tx, u *User) (err error) {
		if codes, err = s.newBackupCodes(ctx, tx, u.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditRecord{TenantID: p.TenantID, Action: "mfa.regenerate_backup_codes", TargetType: relay.TypeUser, TargetID: u.ID})
	})
	return codes, err
}

// withCode runs fn for p's user, locked in a tenant transaction, once code
// is a valid TOTP code (or, with backup, a backup code) of an account with
// MFA enabled; the attempt is throttled like verifyMfa (guardCode).
func (s *Service) withCode(ctx context.Context, p *Principal, code string, backup bool, fn func(ctx context.Context, tx bun.Tx, u *User) error) error {
	return s.guardCode(ctx, p.UserID, func() error {
		return s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
			u, err := s.lockUser(ctx, tx, p.UserID)
			if err != nil {
				return err
			}
			if !u.MFAEnabled {
				return apperr.Conflictf("MFA is not enabled")
			}
			if ok, err := s.useCode(ctx, tx, u, code, backup); err != nil || !ok {
				return firstErr(err, ErrBadCode)
			}
			return fn(ctx, tx, u)
		})
	})
}

// VerifyMfa completes a log-in with a TOTP code or a backup code. The
// challenge works once; each attempt reserves a point of the user's MFA
// bucket and of the client IP's bucket before the code is checked
// (guardCode), so concurrent guesses cannot overshoot the limit.
func (s *Service) VerifyMfa(ctx context.Context, challenge, code string) (_ *Session, err error) {
	defer derrors.Wrap(&err, "auth.Service.VerifyMfa")
	c, err := ParseToken(s.Cfg.Secret, challenge, KindChallenge, s.DB.Now(ctx))
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Unauthenticated, Field: []string{"input", "challengeToken"}, Message: "the challenge has expired; log in again"}
	}
	if revoked, err := s.Revocations.Revoked(ctx, &Principal{TokenID: c.ID}); err != nil || revoked {
		return nil, firstErr(err, apperr.Unauthenticatedf("the challenge was already used; log in again"))
	}
	var sess *Session
	err = s.guardCode(ctx, c.UserID(), func() error {
		ok := false
		err := s.DB.InTenant(ctx, c.TenantID, func(ctx context.Context, tx bun.Tx) error {
			u, err := s.lockUser(ctx, tx, c.UserID())
			if err != nil {
				return err
			}
			if ok, err = s.useCode(ctx, tx, u, code, true); err != nil || !ok {
				if err == nil { // the failure is recorded: the transaction commits
					err = s.audit(ctx, tx, AuditRecord{TenantID: c.TenantID, ActorType: "USER", ActorID: u.ID, ActorEmail: u.Email,
						Action: "auth.mfa_verify", Outcome: "FAILURE"})
				}
				return err
			}
			m, err := s.membershipIn(ctx, tx, u.ID)
			if err != nil {
				return apperr.Forbiddenf("you are no longer a member of this tenant")
			}
			if err := Insert(ctx, tx, RevokeJTI, c.ID, s.DB.Now(ctx), c.ExpiresAt.Time.Add(time.Minute)); err != nil {
				return err
			}
			if sess, err = s.IssueSession(ctx, tx, u, m, true); err != nil {
				return err
			}
			return s.audit(ctx, tx, AuditRecord{TenantID: c.TenantID, ActorType: "USER", ActorID: u.ID, ActorEmail: u.Email, Action: "auth.log_in",
				Details: map[string]any{"mfa": true}})
		})
		if err == nil && !ok {
			return ErrBadCode
		}
		return err
	}, claim{keyLoginIP + LimitKeyIP(ClientFrom(ctx).IP), s.Cfg.LoginIP})
	if err != nil {
		return nil, err
	}
	s.RefreshRevocations(ctx)
	return sess, nil
}

// useCode accepts a TOTP code for a step after the last accepted one (so
// each code works once), or with allowBackup an unused backup code (which
// it spends).
func (s *Service) useCode(ctx context.Context, tx bun.IDB, u *User, code string, allowBackup bool) (bool, error) {
	if u.MFASecret == nil {
		return false, nil
	}
	secret, err := s.Box.Open(u.MFASecret)
	if err != nil {
		return false, err
	}
	code = strings.TrimSpace(code)
	if step := MatchTOTP(string(secret), code, s.DB.Now(ctx)); step > 0 {
		if step <= u.MFALastStep {
			return false, nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE users SET mfa_last_step = ? WHERE id = ?`, step, u.ID)
		return err == nil, err
	}
	if !allowBackup {
		return false, nil
	}
	norm := normalizeBackupCode(code)
	if len(norm) != 10 {
		return false, nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE mfa_backup_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
		s.DB.Now(ctx), u.ID, HashSecret(norm))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func normalizeBackupCode(code string) string {
	return strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
}

func (s *Service) newBackupCodes(ctx context.Context, tx bun.IDB, uid uuid.UUID) ([]string, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM mfa_backup_codes WHERE user_id = ?`, uid); err != nil {
		return nil, err
	}
	codes := make([]string, BackupCodeCount)
	for i := range codes {
		raw, err := RandomToken(7) // 56 bits → 12 chars; keep 10
		if err != nil {
			return nil, err
		}
		raw = raw[:10]
		codes[i] = raw[:5] + "-" + raw[5:]
		if _, err := tx.ExecContext(ctx, `INSERT INTO mfa_backup_codes (user_id, code_hash) VALUES (?, ?)`, uid, HashSecret(raw)); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
