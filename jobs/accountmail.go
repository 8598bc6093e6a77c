package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/mail"
)

// MailAttempts is how often an account or invitation e-mail is tried:
// River waits attempt⁴ seconds between attempts (1 s, 16 s, 81 s, 4 min),
// so the last try is about six minutes after the first — a reset link
// lives 30 minutes.
const MailAttempts = 5

// AccountMailHook is auth.Service.EnqueueMail for client c: the job of an
// account e-mail is inserted in the transaction that asks for it.
func AccountMailHook(c *Client) func(ctx context.Context, tx bun.Tx, m auth.AccountMail) error {
	return func(ctx context.Context, tx bun.Tx, m auth.AccountMail) error {
		_, err := c.InsertTx(ctx, tx.Tx, AccountMailArgs{AccountMail: m}, nil)
		return err
	}
}

// InviteMailHook is tenancy.Service.EnqueueInviteMail for client c.
func InviteMailHook(c *Client) func(ctx context.Context, tx bun.Tx, m tenancy.InviteMail) error {
	return func(ctx context.Context, tx bun.Tx, m tenancy.InviteMail) error {
		_, err := c.InsertTx(ctx, tx.Tx, InviteMailArgs{InviteMail: m}, nil)
		return err
	}
}

// AccountMailArgs sends one password-reset or verification e-mail.
type AccountMailArgs struct {
	auth.AccountMail
}

// Kind implements river.JobArgs.
func (AccountMailArgs) Kind() string { return "auth.account_mail" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (AccountMailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueHigh, MaxAttempts: MailAttempts}
}

// AccountMailWorker runs AccountMailArgs.
type AccountMailWorker struct {
	river.WorkerDefaults[AccountMailArgs]
	Auth   *auth.Service
	Limits Limits
}

// Timeout implements river.Worker: an SMTP conversation may take 30 s,
// plus a short transaction before it.
func (w *AccountMailWorker) Timeout(*river.Job[AccountMailArgs]) time.Duration {
	return w.Limits.timeout(45 * time.Second)
}

// Work implements river.Worker.
func (w *AccountMailWorker) Work(ctx context.Context, job *river.Job[AccountMailArgs]) error {
	return mailOutcome(w.Auth.SendAccountMail(ctx, job.Args.AccountMail))
}

// InviteMailArgs sends one invitation e-mail.
type InviteMailArgs struct {
	tenancy.InviteMail
}

// Kind implements river.JobArgs.
func (InviteMailArgs) Kind() string { return "tenancy.invite_mail" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (InviteMailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueHigh, MaxAttempts: MailAttempts}
}

// InviteMailWorker runs InviteMailArgs.
type InviteMailWorker struct {
	river.WorkerDefaults[InviteMailArgs]
	Tenancy *tenancy.Service
	Limits  Limits
}

// Timeout implements river.Worker: as AccountMailWorker's.
func (w *InviteMailWorker) Timeout(*river.Job[InviteMailArgs]) time.Duration {
	return w.Limits.timeout(45 * time.Second)
}

// Work implements river.Worker.
func (w *InviteMailWorker) Work(ctx context.Context, job *river.Job[InviteMailArgs]) error {
	return mailOutcome(w.Tenancy.SendInviteMail(ctx, job.Args.InviteMail))
}

// mailOutcome ends the job for failures no retry can fix (a message the
// mail server refuses for good, no e-mail on this server, the invitation
// or tenant gone) and returns other errors for River to retry.
func mailOutcome(err error) error {
	if err == nil {
		return nil
	}
	e, ok := apperr.As(err)
	if mail.Permanent(err) || errors.Is(err, db.ErrNoTenant) || ok && (e.Code == apperr.NotFound || e.Code == apperr.FeatureDisabled) {
		return river.JobCancel(err)
	}
	return err
}

// registerAccountMail adds the account and invitation e-mail workers.
func registerAccountMail(w *river.Workers, s Services, lim Limits) {
	river.AddWorker(w, &AccountMailWorker{Auth: s.Auth, Limits: lim})
	river.AddWorker(w, &InviteMailWorker{Tenancy: s.Tenancy, Limits: lim})
}
