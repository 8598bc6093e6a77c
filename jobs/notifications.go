package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/notifications"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
)

// DeliverHook is notifications.Service.Enqueue for client c: a delivery
// gets its job in the transaction that created it.
func DeliverHook(c *Client) func(ctx context.Context, tx bun.Tx, tenant, delivery uuid.UUID) error {
	return func(ctx context.Context, tx bun.Tx, tenant, delivery uuid.UUID) error {
		_, err := c.InsertTx(ctx, tx.Tx, NotificationDeliverArgs{TenantID: tenant, DeliveryID: delivery}, nil)
		return err
	}
}

// DeliverAttempts is how often a delivery is tried. River waits attempt⁴
// seconds (plus jitter) between attempts: 1 s, 16 s, 81 s, 4 min, 10 min,
// 22 min, 40 min — about 80 minutes from the first try to the last.
const DeliverAttempts = 8

// NotificationDeliverArgs sends one notification delivery.
type NotificationDeliverArgs struct {
	TenantID   uuid.UUID `json:"tenant_id"`
	DeliveryID uuid.UUID `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (NotificationDeliverArgs) Kind() string { return "notifications.deliver" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (NotificationDeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueHigh, MaxAttempts: DeliverAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: debounceStates}}
}

// NotificationDeliverWorker runs NotificationDeliverArgs.
type NotificationDeliverWorker struct {
	river.WorkerDefaults[NotificationDeliverArgs]
	Notifications *notifications.Service
	Limits        Limits
}

// Timeout implements river.Worker: an SMTP conversation may take 30 s, a
// webhook 10 s, plus the two short transactions around the call.
func (w *NotificationDeliverWorker) Timeout(*river.Job[NotificationDeliverArgs]) time.Duration {
	return w.Limits.timeout(45 * time.Second)
}

// Work implements river.Worker. A failure a retry may fix returns an error
// (River retries with its backoff, the same delivery id going out again);
// the last attempt records the delivery FAILED. A delivery or channel
// deleted meanwhile ends the job.
func (w *NotificationDeliverWorker) Work(ctx context.Context, job *river.Job[NotificationDeliverArgs]) error {
	_, err := w.Notifications.Deliver(ctx, job.Args.TenantID, job.Args.DeliveryID, job.Attempt >= job.MaxAttempts)
	if e, ok := apperr.As(err); errors.Is(err, db.ErrNoTenant) || ok && e.Code == apperr.NotFound {
		return river.JobCancel(err)
	}
	return err
}

// NotificationDigestFanOutArgs starts the daily digest of the previous UTC
// day for every tenant with a digest channel.
type NotificationDigestFanOutArgs struct{}

// Kind implements river.JobArgs.
func (NotificationDigestFanOutArgs) Kind() string { return "notifications.digest_fanout" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (NotificationDigestFanOutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

// NotificationDigestFanOutWorker lists the tenants and enqueues their digests.
type NotificationDigestFanOutWorker struct {
	river.WorkerDefaults[NotificationDigestFanOutArgs]
	DB     *db.DB
	Limits Limits
}

// Timeout implements river.Worker: one INSERT of a job per tenant.
func (w *NotificationDigestFanOutWorker) Timeout(*river.Job[NotificationDigestFanOutArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker. It runs every hour; each tenant's digest of
// a day is queued once (the job is unique by tenant and day, and so is each
// channel's delivery), so the first run after midnight UTC sends it.
func (w *NotificationDigestFanOutWorker) Work(ctx context.Context, _ *river.Job[NotificationDigestFanOutArgs]) error {
	return fanOut(ctx, w.DB, "stratum_digest_tenant_ids()", func(now time.Time, id uuid.UUID) (river.JobArgs, error) {
		return NotificationDigestArgs{TenantID: id, Day: notifications.Day(now).AddDate(0, 0, -1).Format(time.DateOnly)}, nil
	})
}

// NotificationDigestArgs queues one tenant's digest of one UTC day (YYYY-MM-DD).
type NotificationDigestArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	Day      string    `json:"day"`
}

// Kind implements river.JobArgs.
func (NotificationDigestArgs) Kind() string { return "notifications.digest" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (NotificationDigestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// NotificationDigestWorker runs NotificationDigestArgs.
type NotificationDigestWorker struct {
	river.WorkerDefaults[NotificationDigestArgs]
	Notifications *notifications.Service
	Limits        Limits
}

// Timeout implements river.Worker: a few paged reads and one transaction.
func (w *NotificationDigestWorker) Timeout(*river.Job[NotificationDigestArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *NotificationDigestWorker) Work(ctx context.Context, job *river.Job[NotificationDigestArgs]) error {
	day, err := time.Parse(time.DateOnly, job.Args.Day)
	if err != nil {
		return river.JobCancel(err)
	}
	err = w.Notifications.SendDigest(ctx, job.Args.TenantID, day)
	if errors.Is(err, db.ErrNoTenant) {
		return river.JobCancel(err)
	}
	return err
}

// registerNotifications adds the notification workers.
func registerNotifications(w *river.Workers, d *db.DB, s Services, lim Limits) {
	river.AddWorker(w, &NotificationDeliverWorker{Notifications: s.Notifications, Limits: lim})
	river.AddWorker(w, &NotificationDigestFanOutWorker{DB: d, Limits: lim})
	river.AddWorker(w, &NotificationDigestWorker{Notifications: s.Notifications, Limits: lim})
}

// notificationsPeriodic checks for a digest to send every hour.
func notificationsPeriodic(runOnStart bool) []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return NotificationDigestFanOutArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: runOnStart})}
}
