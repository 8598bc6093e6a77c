package auth

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// SetOperator grants (or takes away) the platform-operator flag of the
// user with email, recording it in platform_audit_log. The stratum
// command's `admin grant-operator EMAIL` calls it.
func (s *Service) SetOperator(ctx context.Context, email string, on bool, actor string) (err error) {
	defer derrors.Wrap(&err, "auth.Service.SetOperator")
	email = strings.ToLower(strings.TrimSpace(email))
	return s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE users SET operator = ? WHERE email = ?", on, email)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.NotFoundf("no user with email %s", email)
		}
		action := "operator.grant"
		if !on {
			action = "operator.revoke"
		}
		return s.PlatformAudit(ctx, tx, PlatformEntry{ActorType: "SYSTEM", ActorEmail: actor, Action: action, Target: email})
	})
}

// IsOperator reports whether user id currently has the operator flag (read
// on every operator request, so taking it away applies at once).
func (s *Service) IsOperator(ctx context.Context, id uuid.UUID) (_ bool, err error) {
	defer derrors.Wrap(&err, "auth.Service.IsOperator(%v)", id)
	var on bool
	err = s.DB.Bun.NewRaw("SELECT operator FROM users WHERE id = ?", id).Scan(ctx, &on)
	return on, err
}

// PlatformEntry is a platform_audit_log row (actions with no tenant).
type PlatformEntry struct {
	ActorType  string
	ActorID    uuid.UUID
	ActorEmail string
	Action     string
	Target     string
	Outcome    string
}

// PlatformAudit writes e to platform_audit_log in tx (ctx being its
// transaction's: the entry's time is the transaction's, DB.Now).
func (s *Service) PlatformAudit(ctx context.Context, tx bun.IDB, e PlatformEntry) (err error) {
	defer derrors.Wrap(&err, "auth.Service.PlatformAudit(%s)", e.Action)
	if e.Outcome == "" {
		e.Outcome = "SUCCESS"
	}
	c := ClientFrom(ctx)
	var actor any
	if e.ActorID != uuid.Nil {
		actor = e.ActorID
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO platform_audit_log (id, actor_type, actor_id, actor_email, action, target, ip, user_agent, outcome, created_at)
		VALUES (?, ?, ?, NULLIF(?, ''), ?, NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), ?, ?)`,
		uuid.New(), e.ActorType, actor, e.ActorEmail, e.Action, e.Target, c.IP, truncate(c.UserAgent, 500), e.Outcome, s.DB.Now(ctx))
	return err
}
