package tenancy

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/mail"
	"github.com/stratumhq/stratum/internal/relay"
)

// Tenant is a row of tenants.
type Tenant struct {
	bun.BaseModel `bun:"table:tenants"`
	ID            uuid.UUID `bun:"id,pk"`
	Name          string    `bun:"name"`
	Slug          string    `bun:"slug"`
	Simulated     bool      `bun:"simulated"`
	RequireMFA    bool      `bun:"require_mfa"`
	CreatedAt     time.Time `bun:"created_at"`
}

// Service manages tenants, members and invitations.
type Service struct {
	DB   *db.DB
	Auth *auth.Service
	// Mailer sends invitations (SMTP or the development mail sink); nil
	// when the server has no e-mail: the inviter then passes the link on.
	Mailer mail.Sender
	// PublicURL is how people reach the dashboard (the invitation link).
	PublicURL string
	// EnqueueInviteMail starts the job that mails an invitation, in tx, the
	// transaction that creates it (jobs.InviteMailHook; set by
	// app.Services.EnqueueWith). Without it invitations are not mailed.
	EnqueueInviteMail func(ctx context.Context, tx bun.Tx, m InviteMail) error
	// Billing starts a sign-up's trial, answers a tenant's effective plan
	// and counts members against the plan's members limit (seats.go);
	// billing builds on tenancy's tenants, so app.NewServices links it, as
	// auth.MembershipSource links tenancy to auth.
	Billing Billing
}

// Billing is what tenancy asks of the billing context (billing.Service).
type Billing interface {
	// StartTrialTx puts the new tenant of tx on its trial (sign-up).
	StartTrialTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID) error
	// PlanTx is the tenant's effective plan now.
	PlanTx(ctx context.Context, tx bun.IDB, tenant uuid.UUID) (billing.Plan, error)
	// ReserveTx, ReleaseTx and UsageTx count members (billing/usage.go).
	ReserveTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, l billing.Limit, n int64) error
	ReleaseTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, l billing.Limit, n int64) error
	UsageTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID) ([]billing.Usage, error)
}

var errNoBilling = errors.New("tenancy.Service.Billing is not set")

// planTx is the tenant's effective plan for a membership.
func (s *Service) planTx(ctx context.Context, tx bun.IDB, tenant uuid.UUID) (string, error) {
	if s.Billing == nil {
		return "", errNoBilling
	}
	p, err := s.Billing.PlanTx(ctx, tx, tenant)
	return string(p), err
}

// Tenant returns tenant id (visible only inside its own transaction).
func (s *Service) Tenant(ctx context.Context, id uuid.UUID) (_ *Tenant, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.Tenant(%v)", id)
	return db.ByID[Tenant](ctx, s.DB, id, id, "tenant not found")
}

// SimulatedTx reports whether the tenant of the caller's tenant transaction
// is a simulated (demo) tenant, whose ad platform data the simulator makes
// (false when the tenant row is not visible).
func SimulatedTx(ctx context.Context, tx bun.IDB) (_ bool, err error) {
	defer derrors.Wrap(&err, "tenancy.SimulatedTx")
	var sim []bool
	if err := tx.NewSelect().Model((*Tenant)(nil)).Column("simulated").Scan(ctx, &sim); err != nil {
		return false, err
	}
	return len(sim) == 1 && sim[0], nil
}

// UpdateSettings changes the tenant's name and MFA requirement (OWNER).
func (s *Service) UpdateSettings(ctx context.Context, p *auth.Principal, name *string, requireMFA *bool) (_ *Tenant, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.UpdateSettings(%v)", p.TenantID)
	t := new(Tenant)
	err = s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(t).Where("id = ?", p.TenantID).For("NO KEY UPDATE").Scan(ctx); err != nil {
			return err
		}
		details := map[string]any{}
		if name != nil {
			n, err := checkName(*name, []string{"input", "name"}, "name")
			if err != nil {
				return err
			}
			t.Name, details["name"] = n, n
		}
		if requireMFA != nil {
			t.RequireMFA, details["requireMfa"] = *requireMFA, *requireMFA
		}
		if _, err := tx.NewUpdate().Model(t).Column("name", "require_mfa").WherePK().Exec(ctx); err != nil {
			return err
		}
		if requireMFA != nil {
			// Tokens carry the requirement: make every member refresh.
			var uids []uuid.UUID
			if err := tx.NewRaw("SELECT user_id FROM memberships").Scan(ctx, &uids); err != nil {
				return err
			}
			for _, u := range uids {
				if err := s.Auth.RevokeMemberTokens(ctx, tx, u, p.TenantID, false); err != nil {
					return err
				}
			}
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: p.TenantID, Action: "tenant.update_settings", TargetType: relay.TypeTenant, TargetID: t.ID, Details: details})
	})
	if err != nil {
		return nil, err
	}
	s.Auth.RefreshRevocations(ctx)
	return t, nil
}
