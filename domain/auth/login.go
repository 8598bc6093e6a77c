// Log-in with email and password: a session, or an MFA challenge
// (VerifyMfa in mfa.go answers it).

package auth

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// LogInResult is a session, or a challenge when MFA is required.
type LogInResult struct {
	Session        *Session
	ChallengeToken string
}

// ErrBadCredentials is the one answer for an unknown email and a wrong
// password alike.
var ErrBadCredentials = apperr.Unauthenticatedf("email or password is incorrect")

// LogIn checks email and password (CheckPassword: throttled, audited, the
// same answer for an unknown e-mail and a wrong password). With MFA
// enabled it returns a challenge token for VerifyMfa instead of a session.
func (s *Service) LogIn(ctx context.Context, email, password string) (_ *LogInResult, err error) {
	defer derrors.Wrap(&err, "auth.Service.LogIn")
	u, err := s.CheckPassword(ctx, email, password, "logIn")
	if err != nil {
		return nil, err
	}
	ms, err := s.Memberships(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, apperr.Forbiddenf("this account belongs to no tenant; ask for an invitation")
	}
	m := ms[0]
	if u.MFAEnabled {
		c := newClaims(KindChallenge, u.ID, m.TenantID, s.DB.Now(ctx), s.Cfg.ChallengeTTL)
		tok, err := SignToken(s.Cfg.Secret, c)
		if err != nil {
			return nil, err
		}
		return &LogInResult{ChallengeToken: tok}, nil
	}
	var sess *Session
	err = s.DB.InTenant(ctx, m.TenantID, func(ctx context.Context, tx bun.Tx) error {
		if sess, err = s.IssueSession(ctx, tx, u, m, false); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditRecord{TenantID: m.TenantID, ActorType: "USER", ActorID: u.ID, ActorEmail: u.Email, Action: "auth.log_in"})
	})
	if err != nil {
		return nil, err
	}
	return &LogInResult{Session: sess}, nil
}
