package platforms

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Sync: structure and insights of the selected ad accounts, kept up to date
// by River (jobs/sync.go) through the platforms.API of each connection's
// platform; sandbox connections go through SandboxAPI on the same path.
// Decisions are in docs/adr/0015-platform-connectors.md ("Sync").
//
// A run (SyncRun) is requested in a transaction that also enqueues its job
// (SyncOptions.Enqueue); at most one queued or running run exists per
// account, kind and window (the sync_runs_one_active index), so a repeated
// request returns the active run instead of a second one. The worker calls
// RunSync, which never calls the platform inside a transaction: it reads
// what it needs, commits, calls the API, and writes each page (structure)
// or chunk (insights) in its own short transaction.

// TopicSyncRunUpdated is published whenever a run changes (queued, started,
// a chunk done, finished). Envelope ID: the run id; Data: SyncRunEvent.
const TopicSyncRunUpdated = "platforms.sync_run_updated"

// SyncRunEvent is TopicSyncRunUpdated's data.
type SyncRunEvent struct {
	ConnectionID uuid.UUID `json:"connectionId"`
	AccountID    uuid.UUID `json:"accountId"`
	Status       string    `json:"status"`
}

// Sync defaults (SyncOptions overrides them).
const (
	// DefaultReSyncDays is the late-attribution window an incremental
	// insights sync reads again before insights_through.
	DefaultReSyncDays = 3
	// DefaultFirstSyncDays is how many days (today included) an account's
	// first incremental insights sync reads.
	DefaultFirstSyncDays = 7
	// DefaultChunkDays is the size of one committed insights chunk.
	DefaultChunkDays = 7
	// MaxBackfillDays bounds a backfill (and any explicit insights window).
	MaxBackfillDays = 90
	// DefaultWriters is how many transactions write a chunk's rows at
	// once. One: a sync then holds at most two connections (the writer and
	// the previous chunk's progress transaction), and on two cores shared
	// with PostgreSQL a second writer measured no faster (docs/benchmarks.md,
	// "Sync from the fake Meta server"); against a real platform the fetch,
	// not the write, is the limit.
	DefaultWriters = 1
)

// SyncOptions configure the sync (zero values take the defaults).
type SyncOptions struct {
	// Enqueue starts run's job in tx, the transaction that inserted the run
	// (jobs.SyncHook). Without it runs are stored but never run.
	Enqueue func(ctx context.Context, tx bun.Tx, run *SyncRun) error
	// ReSyncDays, FirstSyncDays and ChunkDays override the defaults above.
	ReSyncDays, FirstSyncDays, ChunkDays int
	// Writers is how many transactions write one chunk's rows at once,
	// each a share of its campaigns (default DefaultWriters).
	Writers int
}

func (o SyncOptions) reSync() int    { return orDefault(o.ReSyncDays, DefaultReSyncDays) }
func (o SyncOptions) firstSync() int { return orDefault(o.FirstSyncDays, DefaultFirstSyncDays) }
func (o SyncOptions) chunk() int     { return orDefault(o.ChunkDays, DefaultChunkDays) }
func (o SyncOptions) writers() int   { return orDefault(o.Writers, DefaultWriters) }

func orDefault(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

// SyncRequest asks for syncs of one connection's accounts.
type SyncRequest struct {
	ConnectionID uuid.UUID
	// AccountID limits the request to one selected account (nil: every
	// selected account of the connection).
	AccountID *uuid.UUID
	Kind      string // SyncStructure, SyncInsights or SyncBackfill
	// From and To are days in each account's time zone (date only). Nil
	// for STRUCTURE; for INSIGHTS nil means the incremental window; for
	// BACKFILL nil means the last MaxBackfillDays days.
	From, To    *time.Time
	Trigger     string // TriggerUser or TriggerSchedule
	RequestedBy *uuid.UUID
}

// RequestSync validates req and queues one run per account, each with its
// job in the same transaction. An account that already has an active run
// of the same kind and window gets that run back instead of a new one.
func (s *Service) RequestSync(ctx context.Context, tenant uuid.UUID, req SyncRequest) (runs []SyncRun, err error) {
	defer derrors.Wrap(&err, "platforms.Service.RequestSync(%v)", tenant)
	switch req.Kind {
	case SyncStructure, SyncInsights, SyncBackfill:
	default:
		return nil, apperr.Invalid([]string{"input", "kind"}, "kind must be STRUCTURE, INSIGHTS or BACKFILL")
	}
	if req.Trigger == "" {
		req.Trigger = TriggerUser
	}
	if (req.From == nil) != (req.To == nil) && req.Kind != SyncStructure {
		return nil, apperr.Invalid([]string{"input", "from"}, "give both from and to, or neither")
	}
	if req.From != nil && req.To != nil && req.Kind != SyncStructure {
		if req.To.Before(*req.From) {
			return nil, apperr.Invalid([]string{"input", "from"}, "from must not be after to")
		}
		if days := int(req.To.Sub(*req.From).Hours()/24) + 1; days > MaxBackfillDays {
			return nil, apperr.Invalid([]string{"input", "to"}, "a window is at most %d days", MaxBackfillDays)
		}
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		conn := new(Connection)
		if err := tx.NewSelect().Model(conn).Where("pc.id = ?", req.ConnectionID).Scan(ctx); err != nil {
			return notFound(err, []string{"input", "connectionId"}, "connection not found")
		}
		if conn.Status == ConnectionNeedsReauth {
			return apperr.Conflictf("the connection needs to be authorized again before it can sync")
		}
		var accts []AdAccount
		// Only selected accounts sync (they are the ones the plan's account
		// limit counts).
		q := tx.NewSelect().Model(&accts).Where("aa.connection_id = ? AND aa.selected", conn.ID).OrderExpr("aa.name, aa.id")
		if req.AccountID != nil {
			q = q.Where("aa.id = ?", *req.AccountID)
		}
		if err := q.Scan(ctx); err != nil {
			return err
		}
		if len(accts) == 0 {
			if req.AccountID != nil {
				return apperr.Invalid([]string{"input", "accountId"}, "no such selected account on this connection")
			}
			return apperr.Invalid([]string{"input", "connectionId"}, "the connection has no selected accounts")
		}
		for i := range accts {
			run, err := s.queueRunTx(ctx, tx, tenant, conn, &accts[i], req)
			if err != nil {
				return err
			}
			runs = append(runs, *run)
		}
		return nil
	})
	return runs, err
}

func notFound(err error, path []string, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Invalid(path, "%s", msg)
	}
	return err
}

// AccountToday is the current day in acct's time zone at now, as a date
// (midnight UTC of that calendar day).
func AccountToday(acct *AdAccount, now time.Time) time.Time {
	loc, err := time.LoadLocation(acct.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	n := now.In(loc)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// window is the run's day range for acct under req at now.
func (s *Service) window(acct *AdAccount, req SyncRequest, now time.Time) (from, to *time.Time, err error) {
	if req.Kind == SyncStructure {
		return nil, nil, nil
	}
	today := AccountToday(acct, now)
	if req.From != nil {
		f, t := dateOnly(*req.From), dateOnly(*req.To)
		if t.After(today) {
			return nil, nil, apperr.Invalid([]string{"input", "to"}, "to is in the future for account %q (%s)", acct.Name, acct.TimeZone)
		}
		return &f, &t, nil
	}
	var f time.Time
	switch {
	case req.Kind == SyncBackfill:
		f = today.AddDate(0, 0, -(MaxBackfillDays - 1))
	case acct.InsightsThrough == nil:
		f = today.AddDate(0, 0, -(s.Sync.firstSync() - 1))
	default:
		f = dateOnly(*acct.InsightsThrough).AddDate(0, 0, -s.Sync.reSync())
		if earliest := today.AddDate(0, 0, -(MaxBackfillDays - 1)); f.Before(earliest) {
			f = earliest
		}
		if f.After(today) {
			f = today
		}
	}
	return &f, &today, nil
}

func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// queueRunTx inserts acct's run for req unless an active one of the same
// kind and window exists (then it returns that one), and enqueues its job.
func (s *Service) queueRunTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, conn *Connection, acct *AdAccount, req SyncRequest) (*SyncRun, error) {
	now := s.DB.Now(ctx)
	from, to, err := s.window(acct, req, now)
	if err != nil {
		return nil, err
	}
	run := &SyncRun{TenantID: tenant, ID: uuid.New(), ConnectionID: conn.ID, AdAccountID: acct.ID, Kind: req.Kind, Trigger: req.Trigger,
		WindowFrom: from, WindowTo: to, Status: RunQueued, RequestedBy: req.RequestedBy, QueuedAt: now, UpdatedAt: now}
	if from != nil {
		run.ProgressTotal = chunks(*from, *to, s.Sync.chunk())
	}
	res, err := tx.NewInsert().Model(run).
		On("CONFLICT (tenant_id, ad_account_id, kind, coalesce(window_from, '-infinity'), coalesce(window_to, '-infinity')) WHERE status IN ('QUEUED', 'RUNNING') DO NOTHING").
		Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("insert sync run: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		existing := new(SyncRun)
		err := tx.NewSelect().Model(existing).Where("sr.ad_account_id = ? AND sr.kind = ? AND sr.status IN (?, ?)", acct.ID, req.Kind, RunQueued, RunRunning).
			Where("coalesce(sr.window_from, '-infinity') = coalesce(?::date, '-infinity') AND coalesce(sr.window_to, '-infinity') = coalesce(?::date, '-infinity')", from, to).
			Scan(ctx)
		return existing, err
	}
	if s.Sync.Enqueue != nil {
		if err := s.Sync.Enqueue(ctx, tx, run); err != nil {
			return nil, err
		}
	}
	return run, publishRun(ctx, tx, run)
}

func chunks(from, to time.Time, size int) int {
	days := int(to.Sub(from).Hours()/24) + 1
	return (days + size - 1) / size
}

func publishRun(ctx context.Context, tx bun.IDB, run *SyncRun) error {
	data, err := json.Marshal(SyncRunEvent{ConnectionID: run.ConnectionID, AccountID: run.AdAccountID, Status: run.Status})
	if err != nil {
		return err
	}
	return realtime.Publish(ctx, tx, realtime.Event{Tenant: run.TenantID, Topic: TopicSyncRunUpdated, ID: run.ID.String(), Data: data})
}

// ErrSyncPaused is returned by RunSync when it stopped between two chunks
// because its time budget ran out; the run stays RUNNING and the next
// attempt resumes from resume_from (the worker snoozes the job for 0 s).
var ErrSyncPaused = errors.New("platforms: sync paused between chunks")

// ErrSyncDone is returned by RunSync for a run that is no longer active
// (finished, failed or canceled): nothing to do.
var ErrSyncDone = errors.New("platforms: sync run is not active")

// syncCtx is what one RunSync call works with.
type syncCtx struct {
	tenant   uuid.UUID
	run      *SyncRun
	acct     *AdAccount
	conn     *Connection
	api      API
	calls    *countingAPI // api, counting the attempt's calls
	tok      Token
	deadline time.Time
	// campaigns maps the account's campaign external ids to ids.
	campaigns     map[string]uuid.UUID
	structureDone bool
	skipped       int
}

// RunSync runs (or resumes) run: STRUCTURE, INSIGHTS or BACKFILL. With a
// non-zero deadline it stops between chunks once the deadline has passed
// and returns ErrSyncPaused. Platform errors are recorded here by kind:
//
//   - AUTH: the run FAILED with the platform's message, the connection
//     NEEDS_REAUTH; RunSync returns nil (nothing to retry).
//   - PERMANENT: the run FAILED with the platform's message, the connection
//     DEGRADED (DOWN after three failed runs in a row); returns nil.
//   - RATE_LIMITED: nothing recorded as failed (the run stays RUNNING);
//     returns the *APIError so the worker snoozes for its RetryAfter.
//   - TRANSIENT (and any other error): the connection DEGRADED with the
//     message; returns the error so the worker retries with backoff, and
//     calls FailSync after the last attempt.
//
// Every attempt adds its calls to the platform and the failed ones to the
// run (sync_apicalls.go); a run that succeeds with DegradedErrorPercent or
// more of its calls failed leaves the connection DEGRADED, not OK.
func (s *Service) RunSync(ctx context.Context, tenant, runID uuid.UUID, deadline time.Time) (err error) {
	defer derrors.Wrap(&err, "platforms.Service.RunSync(%v, %v)", tenant, runID)
	sc, err := s.startRun(ctx, tenant, runID)
	if err != nil {
		return err
	}
	sc.deadline = deadline
	if sc.conn.Sandbox {
		sc.tok = SandboxToken(tenant)
	} else if s.Tokens == nil {
		err = &APIError{Platform: sc.conn.Platform, Kind: ErrorPermanent, Code: "NO_TOKEN_SOURCE", Message: "stored grants cannot be opened on this server"}
	} else {
		sc.tok, err = s.Tokens.Token(ctx, sc.conn)
	}
	if err == nil {
		switch sc.run.Kind {
		case SyncStructure:
			err = s.structureSync(ctx, sc)
		default:
			err = s.insightsSync(ctx, sc)
		}
	}
	if err == nil {
		return s.finishRun(ctx, sc)
	}
	// The attempt's calls are added to the run whatever its end (a crash
	// loses those of the attempt it cut short).
	cerr := s.addAPICounts(ctx, sc)
	if !errors.Is(err, ErrSyncPaused) {
		err = s.recordError(ctx, sc, err)
	}
	if cerr != nil {
		return errors.Join(err, cerr)
	}
	return err
}

// startRun loads the run, its account and connection and marks it RUNNING.
func (s *Service) startRun(ctx context.Context, tenant, runID uuid.UUID) (*syncCtx, error) {
	sc := &syncCtx{tenant: tenant, run: new(SyncRun), acct: new(AdAccount), conn: new(Connection)}
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(sc.run).Where("sr.id = ?", runID).For("NO KEY UPDATE").Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrSyncDone
			}
			return err
		}
		if sc.run.Status != RunQueued && sc.run.Status != RunRunning {
			return ErrSyncDone
		}
		if err := tx.NewSelect().Model(sc.acct).Where("aa.id = ?", sc.run.AdAccountID).Scan(ctx); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(sc.conn).Where("pc.id = ?", sc.run.ConnectionID).Scan(ctx); err != nil {
			return err
		}
		if sc.run.Status == RunQueued {
			now := s.DB.Now(ctx)
			sc.run.Status, sc.run.StartedAt, sc.run.UpdatedAt = RunRunning, &now, now
			if _, err := tx.NewUpdate().Model(sc.run).Column("status", "started_at", "updated_at").WherePK().Exec(ctx); err != nil {
				return err
			}
			return publishRun(ctx, tx, sc.run)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	api, ok := s.APIs[sc.conn.Platform]
	if !ok || !api.Configured() {
		api = unconfigured{sc.conn.Platform}
	}
	sc.calls = &countingAPI{API: api}
	sc.api = sc.calls
	return sc, nil
}

// CancelSync marks an active run CANCELED with reason (a gated job whose
// feature is off, a connection removed).
func (s *Service) CancelSync(ctx context.Context, tenant, runID uuid.UUID, reason string) (err error) {
	defer derrors.Wrap(&err, "platforms.Service.CancelSync(%v, %v)", tenant, runID)
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return s.endRunTx(ctx, tx, runID, RunCanceled, reason)
	})
}

// SyncRunConnection returns the connection of run (the worker's gate needs
// to know whether it is a sandbox).
func (s *Service) SyncRunConnection(ctx context.Context, tenant, runID uuid.UUID) (c *Connection, err error) {
	defer derrors.Wrap(&err, "platforms.Service.SyncRunConnection(%v, %v)", tenant, runID)
	c = new(Connection)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(c).Where("pc.id = (SELECT connection_id FROM sync_runs WHERE id = ?)", runID).Scan(ctx)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrSyncDone
	}
	return c, err
}

// endRunTx finishes an active run with status and message (no-op for a run
// that is no longer active).
func (s *Service) endRunTx(ctx context.Context, tx bun.Tx, runID uuid.UUID, status, message string) error {
	run := new(SyncRun)
	if err := tx.NewSelect().Model(run).Where("sr.id = ?", runID).For("NO KEY UPDATE").Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	}
	if run.Status != RunQueued && run.Status != RunRunning {
		return nil
	}
	now := s.DB.Now(ctx)
	run.Status, run.Error, run.FinishedAt, run.UpdatedAt = status, clip(message, 2000), &now, now
	if _, err := tx.NewUpdate().Model(run).Column("status", "error", "finished_at", "updated_at").WherePK().Exec(ctx); err != nil {
		return err
	}
	return publishRun(ctx, tx, run)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// unconfigured is the API of a platform without app credentials: every
// call fails permanently, saying so.
type unconfigured struct{ platform string }

func (u unconfigured) err() error {
	return &APIError{Platform: u.platform, Kind: ErrorPermanent, Code: "NOT_CONFIGURED", Message: "this platform is not configured on this server"}
}
func (u unconfigured) Platform() string                     { return u.platform }
func (u unconfigured) Configured() bool                     { return false }
func (u unconfigured) SupportsPKCE() bool                   { return false }
func (u unconfigured) AuthorizeURL(AuthorizeRequest) string { return "" }
func (u unconfigured) Exchange(context.Context, string, string, string) (Token, error) {
	return Token{}, u.err()
}
func (u unconfigured) Refresh(context.Context, Token) (Token, error) { return Token{}, u.err() }
func (u unconfigured) Accounts(context.Context, Token) ([]Account, error) {
	return nil, u.err()
}
func (u unconfigured) Structure(context.Context, Token, Account, func(StructurePage) error) error {
	return u.err()
}
func (u unconfigured) Insights(context.Context, Token, Account, string, string, func([]Insight) error) error {
	return u.err()
}
func (u unconfigured) Campaign(context.Context, Token, Account, RemoteCampaign) (CampaignState, error) {
	return CampaignState{}, u.err()
}
func (u unconfigured) Mutate(context.Context, Token, Account, Mutation) error { return u.err() }

// Schedule is how often scheduled syncs run per account.
type Schedule struct {
	// Structure is the interval of structure syncs.
	Structure time.Duration
	// Insights is the interval of incremental insights syncs (by plan).
	Insights time.Duration
}

// ScheduleSyncs queues the scheduled runs that are due for tenant's
// selected accounts: a structure sync when none was queued within
// sch.Structure, an incremental insights sync when none was queued within
// sch.Insights. Runs are unique per account, kind and window, so two
// schedulers racing (two workers, overlapping schedules) queue each run
// once; it returns the runs it queued.
func (s *Service) ScheduleSyncs(ctx context.Context, tenant uuid.UUID, sch Schedule) (queued int, err error) {
	defer derrors.Wrap(&err, "platforms.Service.ScheduleSyncs(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := s.DB.Now(ctx)
		var accts []AdAccount
		if err := tx.NewSelect().Model(&accts).
			Where("aa.selected AND EXISTS (SELECT 1 FROM platform_connections c WHERE c.tenant_id = aa.tenant_id AND c.id = aa.connection_id AND c.status <> ?)", ConnectionNeedsReauth).
			OrderExpr("aa.id").For("NO KEY UPDATE").Scan(ctx); err != nil {
			return err
		}
		for i := range accts {
			a := &accts[i]
			for _, k := range []struct {
				kind  string
				every time.Duration
			}{{SyncStructure, sch.Structure}, {SyncInsights, sch.Insights}} {
				var recent int
				if err := tx.NewSelect().Table("sync_runs").ColumnExpr("count(*)").
					Where("ad_account_id = ? AND kind = ? AND queued_at > ?", a.ID, k.kind, now.Add(-k.every)).Scan(ctx, &recent); err != nil {
					return err
				}
				if recent > 0 {
					continue
				}
				conn := &Connection{ID: a.ConnectionID}
				run, err := s.queueRunTx(ctx, tx, tenant, conn, a, SyncRequest{Kind: k.kind, Trigger: TriggerSchedule})
				if err != nil {
					return err
				}
				if run.QueuedAt.Equal(now) && run.Trigger == TriggerSchedule {
					queued++
				}
			}
		}
		return nil
	})
	return queued, err
}
