package auth

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/mail"
)

// Config are the identity settings (internal/config has their variables).
type Config struct {
	// Secret signs access and challenge tokens (HS256).
	Secret []byte
	// AccessTTL is an access token's lifetime (default 30m).
	AccessTTL time.Duration
	// RefreshTTL is a refresh token's lifetime (default 7 days).
	RefreshTTL time.Duration
	// ChallengeTTL is an MFA challenge token's lifetime (default 5m).
	ChallengeTTL time.Duration
	// Argon2 are the parameters of new password hashes.
	Argon2 Argon2Params
	// LoginIP and LoginAccount throttle failed log-ins (and MFA codes) per
	// client IP and per account; every attempt reserves a point before it
	// is evaluated and gets it back when it succeeds.
	LoginIP, LoginAccount Bucket
	// SignUpIP throttles sign-ups per client IP (each costs an argon2 hash).
	SignUpIP Bucket
	// ResetIP and ResetEmail throttle password-reset requests per client IP
	// and per e-mail address (known or not: the answer must not differ);
	// VerifyUser throttles a user's requests for another verification mail.
	// A zero bucket does not throttle.
	ResetIP, ResetEmail, VerifyUser Bucket
	// PublicURL is how people reach the dashboard: the links in account
	// e-mail start with it.
	PublicURL string
}

// Service signs users up and in, rotates sessions, manages MFA and API
// keys, and turns credentials into principals.
type Service struct {
	DB          *db.DB
	Cfg         Config
	Box         *Box
	Revocations *Revocations
	Limiter     *Limiter
	// Audit records an entry in a tenant transaction (domain/audit.Record;
	// injected to keep auth free of an import cycle).
	Audit func(ctx context.Context, tx bun.IDB, e AuditRecord) error
	// MembershipSource reads users' memberships (domain/tenancy's rows;
	// tenancy.Service in production, set by app.NewServices).
	MembershipSource MembershipSource
	// Hasher bounds concurrent argon2 work (a default one when nil).
	Hasher *Hasher
	// Log receives errors that must not fail the request (slog.Default when nil).
	Log *slog.Logger
	// Mailer sends account e-mail (password reset, e-mail verification):
	// SMTP or the development mail sink; nil when the server has no e-mail.
	Mailer mail.Sender
	// EnqueueMail starts the job that sends an account e-mail, in tx, so the
	// mail goes out only after tx commits and never while a transaction is
	// open (jobs.AccountMailHook; set by app.Services.EnqueueWith). Without
	// it no account e-mail is sent.
	EnqueueMail func(ctx context.Context, tx bun.Tx, m AccountMail) error

	hasherOnce sync.Once
	dummyMu    sync.Mutex
	dummyHash  string
	members    memberCache
	keys       apiKeyCache
	tokenOnce  sync.Once
	tokens     tokenCache
}

// AuditRecord is what auth asks the audit log to record; the Audit hook
// (audit.ForAuth in production) turns it into an audit.Entry in the same transaction.
type AuditRecord struct {
	TenantID   uuid.UUID
	ActorType  string // "" means: from the request's principal
	ActorID    uuid.UUID
	ActorEmail string
	Action     string
	TargetType string
	TargetID   uuid.UUID
	Outcome    string // "" means SUCCESS
	Details    map[string]any
}

func (s *Service) audit(ctx context.Context, tx bun.IDB, e AuditRecord) error {
	if s.Audit == nil {
		return nil
	}
	return s.Audit(ctx, tx, e)
}

// auditUser records an event of u in each of u's tenants' logs (in its own
// transactions: used for failures, where there is no change to join). A
// failure to write is logged, never returned: the answer to the caller
// must not depend on it.
func (s *Service) auditUser(ctx context.Context, u *User, action, outcome string, details map[string]any) {
	ms, err := s.Memberships(ctx, u.ID)
	if err != nil {
		s.log().ErrorContext(ctx, "audit: list memberships", "action", action, "user", u.ID, "err", err)
		return
	}
	for _, m := range ms {
		err := s.DB.InTenant(ctx, m.TenantID, func(ctx context.Context, tx bun.Tx) error {
			return s.audit(ctx, tx, AuditRecord{TenantID: m.TenantID, ActorType: "USER", ActorID: u.ID, ActorEmail: u.Email,
				Action: action, Outcome: outcome, Details: details})
		})
		if err != nil {
			s.log().ErrorContext(ctx, "audit: record", "action", action, "outcome", outcome, "user", u.ID, "tenant", m.TenantID, "err", err)
		}
	}
}
