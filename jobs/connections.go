package jobs

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/notifications"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/db"
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
	// resealBatch is the rows one transaction reads and re-seals;
	// resealPerRun bounds the rows one job reads per table (the next run
	// continues).
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
// secrets and a fan-out to every tenant; with a tenant, its platform grants,
// conversion destinations' credentials and notification channel secrets.
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
	DB            *db.DB
	Auth          *auth.Service
	Notifications *notifications.Service
	Connections   *platforms.Connections
	// Destinations re-seals conversion destinations' credentials (nil: not).
	Destinations *conversions.Destinations
	Limits       Limits
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
		if _, err := resealPages(func(after uuid.UUID) (uuid.UUID, int, error) {
			return w.Auth.ResealMFASecrets(ctx, after, resealBatch)
		}); err != nil {
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
	if w.Destinations != nil {
		if _, err := resealPages(func(after uuid.UUID) (uuid.UUID, int, error) {
			return w.Destinations.ResealCredentials(ctx, tenant, after, resealBatch)
		}); err != nil {
			return err
		}
	}
	if w.Notifications == nil {
		return nil
	}
	_, err := resealPages(func(after uuid.UUID) (uuid.UUID, int, error) {
		return w.Notifications.ResealSecrets(ctx, tenant, after, resealBatch)
	})
	return err
}

// resealPages calls page (one bounded transaction each) from the first id
// until it reports no more rows or resealPerRun rows were read; the next
// run continues.
func resealPages(page func(after uuid.UUID) (next uuid.UUID, n int, err error)) (total int, err error) {
	after := uuid.Nil
	for read := 0; read < resealPerRun; read += resealBatch {
		next, n, err := page(after)
		total += n
		if err != nil || next == uuid.Nil {
			return total, err
		}
		after = next
	}
	return total, nil
}

// registerConnections adds the grant refresh and re-encryption workers
// (when the services have connections).
func registerConnections(w *river.Workers, d *db.DB, s Services, lim Limits) {
	if s.Connections == nil {
		return
	}
	river.AddWorker(w, &RefreshTokensWorker{DB: d, Connections: s.Connections, Limits: lim})
	if s.Auth != nil {
		river.AddWorker(w, &ReencryptSecretsWorker{DB: d, Auth: s.Auth, Notifications: s.Notifications, Connections: s.Connections,
			Destinations: s.ConversionDestinations, Limits: lim})
	}
}

// connectionsPeriodic refreshes grants every 20 minutes (each run looks an
// hour ahead) and re-seals secrets every 6 hours (when the services have
// connections: the workers exist only then).
func connectionsPeriodic(runOnStart bool, s Services) []*river.PeriodicJob {
	if s.Connections == nil {
		return nil
	}
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(20*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
			return RefreshTokensArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: runOnStart}),
		river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return ReencryptSecretsArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: runOnStart}),
	}
}
