package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/secretbox"
)

// Platform grants and secrets at rest (issue 12): grants expiring within
// the hour are refreshed ahead of use, and after a key rotation every
// secret sealed under an older key is re-sealed under the primary one.

// Bounds of one job.
const (
	// RefreshWithin is how far ahead platforms.refresh_tokens refreshes.
	RefreshWithin = time.Hour
	// refreshPerJob bounds the platform calls of one tenant's job (each is
	// an HTTP call of at most 30 s; the rest wait for the next run).
	refreshPerJob = 10
	// resealBatch is the rows one transaction re-seals; resealPerRun bounds
	// the rows one job reads per table (the next run continues).
	resealBatch  = 100
	resealPerRun = 2000
)

// RefreshTokensArgs refreshes one tenant's grants that expire within
// RefreshWithin; with no tenant it fans out to every tenant.
type RefreshTokensArgs struct {
	TenantID *uuid.UUID `json:"tenant_id,omitempty"`
}

// Kind implements river.JobArgs.
func (RefreshTokensArgs) Kind() string { return "platforms.refresh_tokens" }

// InsertOpts implements river.JobArgsWithInsertOpts: one waiting job per
// tenant (and one fan-out) at a time.
func (RefreshTokensArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: debounceStates}}
}

// RefreshTokensWorker runs RefreshTokensArgs.
type RefreshTokensWorker struct {
	river.WorkerDefaults[RefreshTokensArgs]
	DB          *db.DB
	Connections *platforms.Connections
	Limits      Limits
}

// Timeout implements river.Worker: up to refreshPerJob platform calls.
func (w *RefreshTokensWorker) Timeout(*river.Job[RefreshTokensArgs]) time.Duration {
	return w.Limits.timeout(time.Minute)
}

// Work implements river.Worker. A refused grant marks its connection
// NEEDS_REAUTH (not a job failure); other errors retry.
func (w *RefreshTokensWorker) Work(ctx context.Context, job *river.Job[RefreshTokensArgs]) error {
	if job.Args.TenantID == nil {
		return fanOut(ctx, w.DB, "stratum_tenant_ids()", func(_ time.Time, id uuid.UUID) (river.JobArgs, error) {
			return RefreshTokensArgs{TenantID: &id}, nil
		})
	}
	_, err := w.Connections.RefreshExpiring(ctx, *job.Args.TenantID, RefreshWithin, refreshPerJob)
	return err
}

// ReencryptSecretsArgs re-seals secrets sealed under a key other than the
// primary of STRATUM_ENCRYPTION_KEY: with no tenant, the users' TOTP
// secrets and a fan-out to every tenant; with a tenant, its platform grants
// and notification channel secrets.
type ReencryptSecretsArgs struct {
	TenantID *uuid.UUID `json:"tenant_id,omitempty"`
}

// Kind implements river.JobArgs.
func (ReencryptSecretsArgs) Kind() string { return "secrets.reencrypt" }

// InsertOpts implements river.JobArgsWithInsertOpts: maintenance, queue low.
func (ReencryptSecretsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: debounceStates}}
}

// ReencryptSecretsWorker runs ReencryptSecretsArgs.
type ReencryptSecretsWorker struct {
	river.WorkerDefaults[ReencryptSecretsArgs]
	DB          *db.DB
	Box         *secretbox.Keyring
	Connections *platforms.Connections
	Limits      Limits
}

// Timeout implements river.Worker: bounded batches of short transactions.
func (w *ReencryptSecretsWorker) Timeout(*river.Job[ReencryptSecretsArgs]) time.Duration {
	return w.Limits.timeout(time.Minute)
}

// Work implements river.Worker. With a single key (nothing can be under
// another key but legacy values) it still re-seals legacy values, so the
// versioned format is everywhere before a second key is added.
func (w *ReencryptSecretsWorker) Work(ctx context.Context, job *river.Job[ReencryptSecretsArgs]) error {
	if job.Args.TenantID == nil {
		if _, err := ResealColumn(ctx, w.DB, w.Box, uuid.Nil, "users", "mfa_secret"); err != nil {
			return err
		}
		return fanOut(ctx, w.DB, "stratum_tenant_ids()", func(_ time.Time, id uuid.UUID) (river.JobArgs, error) {
			return ReencryptSecretsArgs{TenantID: &id}, nil
		})
	}
	tenant := *job.Args.TenantID
	for {
		n, err := w.Connections.ResealTokens(ctx, tenant, resealBatch)
		if err != nil {
			return err
		}
		if n < resealBatch {
			break
		}
	}
	_, err := ResealColumn(ctx, w.DB, w.Box, tenant, "notification_channels", "secret")
	return err
}

// ResealColumn re-seals the non-current values of a sealed bytea column
// (keyed by id) under box's primary key: the global table's rows when
// tenant is zero, else that tenant's. It reads at most resealPerRun rows in
// id order, resealBatch per transaction, and returns how many it re-sealed;
// a value no configured key opens is left alone.
func ResealColumn(ctx context.Context, d *db.DB, box *secretbox.Keyring, tenant uuid.UUID, table, column string) (n int, err error) {
	type row struct {
		ID     uuid.UUID `bun:"id"`
		Sealed []byte    `bun:"sealed"`
	}
	switch table + "." + column {
	case "users.mfa_secret", "notification_channels.secret":
	default:
		return 0, fmt.Errorf("reseal: %s.%s is not a sealed column", table, column)
	}
	in := func(fn func(ctx context.Context, tx bun.Tx) error) error {
		if tenant == uuid.Nil {
			return d.InGlobal(ctx, fn)
		}
		return d.InTenant(ctx, tenant, fn)
	}
	after := uuid.Nil
	for read := 0; read < resealPerRun; {
		var rows []row
		err := in(func(ctx context.Context, tx bun.Tx) error {
			if err := tx.NewRaw(fmt.Sprintf(`SELECT id, %[2]s AS sealed FROM %[1]s WHERE %[2]s IS NOT NULL AND id > ? ORDER BY id LIMIT ? FOR NO KEY UPDATE SKIP LOCKED`, table, column),
				after, resealBatch).Scan(ctx, &rows); err != nil {
				return err
			}
			for _, r := range rows {
				if box.Current(r.Sealed) {
					continue
				}
				out, changed, err := box.Reseal(r.Sealed)
				if err != nil || !changed {
					continue
				}
				if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET %s = ? WHERE id = ?`, table, column), out, r.ID); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		if len(rows) == 0 {
			break
		}
		read += len(rows)
		after = rows[len(rows)-1].ID
	}
	return n, nil
}

// registerConnections adds the grant refresh and re-encryption workers
// (when the services have connections).
func registerConnections(w *river.Workers, d *db.DB, s Services, lim Limits) {
	if s.Connections == nil {
		return
	}
	river.AddWorker(w, &RefreshTokensWorker{DB: d, Connections: s.Connections, Limits: lim})
	if s.Box != nil {
		river.AddWorker(w, &ReencryptSecretsWorker{DB: d, Box: s.Box, Connections: s.Connections, Limits: lim})
	}
}

// connectionsPeriodic refreshes grants every 20 minutes (each run looks an
// hour ahead) and re-seals secrets every 6 hours.
func connectionsPeriodic(runOnStart bool) []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(20*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
			return RefreshTokensArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: runOnStart}),
		river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return ReencryptSecretsArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: runOnStart}),
	}
}
