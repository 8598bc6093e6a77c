package tenancy

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// SignUp creates a tenant named tenantName, its owner email and a first
// session, in one transaction. Auth does its part first
// (auth.Service.SignUpCredentials: the password policy, the client IP's
// sign-up bucket, the password hash made before the transaction), then
// creates the user, the session and the job of the verification e-mail
// inside it; the tenant and the OWNER membership are tenancy's. The tenant
// starts its trial (billing's StartTrialTx) in the same transaction: a
// sign-up that fails leaves no trial, and no tenant exists without one.
func (s *Service) SignUp(ctx context.Context, email, password, tenantName string) (_ *auth.Session, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.SignUp")
	email, err = auth.NormalizeEmail(email, []string{"input", "email"})
	if err != nil {
		return nil, err
	}
	if tenantName, err = checkName(tenantName, []string{"input", "tenantName"}, "tenant name"); err != nil {
		return nil, err
	}
	hash, err := s.Auth.SignUpCredentials(ctx, email, password)
	if err != nil {
		return nil, err
	}
	tid := uuid.New()
	var sess *auth.Session
	err = s.DB.InTenant(ctx, tid, func(ctx context.Context, tx bun.Tx) error {
		u, err := s.Auth.CreateUser(ctx, tx, email, hash)
		if err != nil {
			return err
		}
		if err := s.Auth.RequestVerificationTx(ctx, tx, u); err != nil {
			return err
		}
		now := s.DB.Now(ctx)
		t := &Tenant{ID: tid, Name: tenantName, Slug: Slug(tenantName, tid), CreatedAt: now}
		if _, err := tx.NewInsert().Model(t).Column("id", "name", "slug", "created_at").Returning("*").Exec(ctx); err != nil {
			return err
		}
		if s.Billing == nil {
			return errNoBilling
		}
		if err := s.Billing.StartTrialTx(ctx, tx, tid); err != nil {
			return err
		}
		plan, err := s.planTx(ctx, tx, tid)
		if err != nil {
			return err
		}
		mid := uuid.New()
		if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (tenant_id, user_id, id, role, created_at) VALUES (?, ?, ?, ?, ?)`, tid, u.ID, mid, auth.RoleOwner, now); err != nil {
			return err
		}
		if err := s.takeSeatTx(ctx, tx, tid, nil); err != nil {
			return err
		}
		m := auth.Membership{TenantID: tid, TenantName: t.Name, Plan: plan, RequireMFA: t.RequireMFA, Role: auth.RoleOwner, MembershipID: mid}
		if sess, err = s.Auth.IssueSession(ctx, tx, u, m, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tid, ActorType: audit.ActorUser, ActorID: u.ID, ActorEmail: email,
			Action: "auth.sign_up", TargetType: relay.TypeTenant, TargetID: tid})
	})
	return sess, err
}

// checkName is the rule for a tenant's name: trimmed, 1–200 characters;
// what names it in the error of field.
func checkName(name string, field []string, what string) (string, error) {
	n := strings.TrimSpace(name)
	if l := len([]rune(n)); l < 1 || l > 200 {
		return "", apperr.Invalid(field, "%s must be 1–200 characters", what)
	}
	return n, nil
}

// Slug derives a tenant slug from its name and id.
func Slug(name string, id uuid.UUID) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 40 {
			break
		}
	}
	base := strings.Trim(b.String(), "-")
	if base == "" {
		base = "tenant"
	}
	return base + "-" + id.String()[:8]
}
