package audiences

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// TopicAudienceUpdated is published (ID: the audience's id) whenever an
// audience's status, size or progress changes.
const TopicAudienceUpdated = "audiences.sync_updated"

// Statuses of an audience.
const (
	StatusPending = "PENDING"
	StatusSyncing = "SYNCING"
	StatusSynced  = "SYNCED"
	StatusFailed  = "FAILED"
	StatusStopped = "STOPPED"
)

// Full-pass phases.
const (
	phaseMembers = "MEMBERS"
	phaseVerify  = "VERIFY"
)

// Audience is one stored audience.
type Audience struct {
	bun.BaseModel      `bun:"table:audiences,alias:au"`
	TenantID           uuid.UUID  `bun:"tenant_id,pk"`
	ID                 uuid.UUID  `bun:"id,pk"`
	SegmentID          uuid.UUID  `bun:"segment_id"`
	AdAccountID        uuid.UUID  `bun:"ad_account_id"`
	Platform           string     `bun:"platform"`
	PlatformAudienceID *string    `bun:"platform_audience_id"`
	Status             string     `bun:"status"`
	Size               int64      `bun:"size"`
	ProgressDone       int64      `bun:"progress_done"`
	ProgressTotal      int64      `bun:"progress_total"`
	ChangeCursor       int64      `bun:"change_cursor"`
	FullPhase          *string    `bun:"full_phase"`
	FullAfter          *uuid.UUID `bun:"full_after"`
	FullCursor         *int64     `bun:"full_cursor"`
	FullDoneAt         *time.Time `bun:"full_done_at"`
	PendingJob         *string    `bun:"pending_job"`
	LastSyncAt         *time.Time `bun:"last_sync_at"`
	Error              *string    `bun:"error"`
	CreatedAt          time.Time  `bun:"created_at"`
	UpdatedAt          time.Time  `bun:"updated_at"`
}

// Settings tune the sync (zero: the defaults).
type Settings struct {
	// PageSize is how many profiles one step reads (default and at most
	// cdp.MaxAudienceCandidates).
	PageSize int
	// RequestsPerRun bounds the platform requests of one job run (default
	// 20); a run with more to do enqueues the next.
	RequestsPerRun int
	// ReconcileEvery is how often a full pass re-checks every member and
	// every uploaded profile (default 24 h): it heals what incremental
	// syncs cannot see (consent withdrawn, identifiers changed, a change
	// committed below the cursor).
	ReconcileEvery time.Duration
}

func (c Settings) pageSize() int {
	if c.PageSize > 0 && c.PageSize < cdp.MaxAudienceCandidates {
		return c.PageSize
	}
	return cdp.MaxAudienceCandidates
}

func (c Settings) requestsPerRun() int {
	if c.RequestsPerRun > 0 {
		return c.RequestsPerRun
	}
	return 20
}

func (c Settings) reconcileEvery() time.Duration {
	if c.ReconcileEvery > 0 {
		return c.ReconcileEvery
	}
	return 24 * time.Hour
}

// Service is audience sync.
type Service struct {
	DB          *db.DB
	Segments    *cdp.Segments
	Connections *platforms.Connections
	// Clients are the platforms' customer-list clients (NewClients).
	Clients map[string]Client
	// Enqueue inserts the audience's sync job, due at at, in tx
	// (jobs.AudienceSyncHook); nil: nothing is enqueued (tests call Run).
	Enqueue  func(ctx context.Context, tx bun.Tx, tenant, audience uuid.UUID, at time.Time) error
	Settings Settings
}

// SyncInput is what syncAudience gives.
type SyncInput struct {
	SegmentID, AccountID uuid.UUID
	Platform             string
}

// Sync creates the audience of a segment and ad account, or re-syncs the
// existing one (a full pass; a STOPPED or FAILED one restarts), and
// enqueues its job. Audited.
func (s *Service) Sync(ctx context.Context, tenant uuid.UUID, in SyncInput) (_ *Audience, err error) {
	defer derrors.Wrap(&err, "audiences.Service.Sync(%s)", tenant)
	if !slices.Contains(platforms.Real, in.Platform) {
		return nil, apperr.Invalid([]string{"input", "platform"}, "audiences sync to META, GOOGLE, TIKTOK or SNAPCHAT")
	}
	if _, err := s.Segments.Segment(ctx, tenant, in.SegmentID); err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, apperr.Invalid([]string{"input", "segmentId"}, "no such segment")
		}
		return nil, err
	}
	acct, cn, err := s.Connections.AdAccount(ctx, tenant, in.AccountID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, apperr.Invalid([]string{"input", "accountId"}, "accountId must be the ID of an ad account of one of the workspace's platform connections")
	}
	if err != nil {
		return nil, err
	}
	if acct.Sandbox || cn.Sandbox {
		return nil, apperr.Invalid([]string{"input", "accountId"}, "the sandbox account has no customer lists")
	}
	if acct.Platform != in.Platform {
		return nil, apperr.Invalid([]string{"input", "platform"}, "the account is a %s account", acct.Platform)
	}
	var out Audience
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := s.DB.Now(ctx)
		err := tx.NewRaw(`INSERT INTO audiences AS a (tenant_id, id, segment_id, ad_account_id, platform, status, full_phase, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, segment_id, ad_account_id) DO UPDATE SET status = EXCLUDED.status, error = NULL,
				full_phase = EXCLUDED.full_phase, full_after = NULL, full_cursor = NULL, progress_done = 0, progress_total = 0,
				updated_at = EXCLUDED.updated_at
			RETURNING a.*`, tenant, uuid.New(), in.SegmentID, in.AccountID, in.Platform, StatusPending, phaseMembers, now, now).Scan(ctx, &out)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "audience.sync_requested", TargetType: relay.TypeAudience,
			TargetID: out.ID, Details: map[string]any{"platform": out.Platform, "segmentId": out.SegmentID.String(), "adAccountId": out.AdAccountID.String()}}); err != nil {
			return err
		}
		if s.Enqueue != nil {
			if err := s.Enqueue(ctx, tx, tenant, out.ID, now); err != nil {
				return err
			}
		}
		return publishTx(ctx, tx, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// publishTx tells subscribers the audience changed (after the commit).
func publishTx(ctx context.Context, tx bun.Tx, a *Audience) error {
	data, _ := json.Marshal(map[string]string{"status": a.Status})
	return realtime.Publish(ctx, tx, realtime.Event{Tenant: a.TenantID, Topic: TopicAudienceUpdated, ID: a.ID.String(), Data: data})
}

// Get returns one audience (NOT_FOUND when it is not the tenant's).
func (s *Service) Get(ctx context.Context, tenant, id uuid.UUID) (_ *Audience, err error) {
	defer derrors.Wrap(&err, "audiences.Service.Get(%s, %s)", tenant, id)
	return db.ByID[Audience](ctx, s.DB, tenant, id, "no such audience")
}

// List pages the tenant's audiences (of one segment when segment is set),
// newest first.
func (s *Service) List(ctx context.Context, tenant uuid.UUID, segment *uuid.UUID, args relay.Args) (_ *relay.Page[Audience], err error) {
	defer derrors.Wrap(&err, "audiences.Service.List(%s)", tenant)
	var p *relay.Page[Audience]
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*Audience)(nil)).Where("au.tenant_id = ?", tenant)
		if segment != nil {
			q = q.Where("au.segment_id = ?", *segment)
		}
		p, err = relay.Paginate(ctx, q, args, "au.created_at", "au.id", func(a *Audience) relay.Cursor {
			return relay.Cursor{At: a.CreatedAt, ID: a.ID}
		})
		return err
	})
	return p, err
}

// Stop stops an audience's sync (STOPPED): nothing more is uploaded or
// removed. Audited.
func (s *Service) Stop(ctx context.Context, tenant, id uuid.UUID) (_ *Audience, err error) {
	defer derrors.Wrap(&err, "audiences.Service.Stop(%s, %s)", tenant, id)
	var out Audience
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw(`UPDATE audiences AS a SET status = ?, updated_at = ? WHERE tenant_id = ? AND id = ? RETURNING a.*`,
			StatusStopped, s.DB.Now(ctx), tenant, id).Scan(ctx, &out)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Invalid([]string{"input", "id"}, "no such audience")
		}
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "audience.sync_stopped", TargetType: relay.TypeAudience,
			TargetID: id, Details: map[string]any{"platform": out.Platform}}); err != nil {
			return err
		}
		return publishTx(ctx, tx, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete deletes Stratum's record of an audience (its member rows too) and
// so stops its sync. The platform's audience is not deleted. Audited.
func (s *Service) Delete(ctx context.Context, tenant, id uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "audiences.Service.Delete(%s, %s)", tenant, id)
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var a Audience
		err := tx.NewRaw(`DELETE FROM audiences AS a WHERE tenant_id = ? AND id = ? RETURNING a.*`, tenant, id).Scan(ctx, &a)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Invalid([]string{"input", "id"}, "no such audience")
		}
		if err != nil {
			return err
		}
		details := map[string]any{"platform": a.Platform, "platformAudienceDeleted": false}
		if a.PlatformAudienceID != nil {
			details["platformAudienceId"] = *a.PlatformAudienceID
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "audience.deleted", TargetType: relay.TypeAudience, TargetID: id, Details: details})
	})
}

// Changed is cdp's MembershipHook: in the transaction that recorded a
// segment's membership changes, it enqueues the sync job of each of the
// segment's audiences that is not STOPPED (a second later, so changes of
// the same second share a run).
func (s *Service) Changed(ctx context.Context, tx bun.Tx, tenant, segment uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "audiences.Service.Changed(%s, %s)", tenant, segment)
	if s.Enqueue == nil {
		return nil
	}
	var ids []uuid.UUID
	err = tx.NewRaw(`SELECT id FROM audiences WHERE tenant_id = ? AND segment_id = ? AND status <> ? ORDER BY id`,
		tenant, segment, StatusStopped).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read the segment's audiences: %w", err)
	}
	at := db.TxNow(ctx).Add(time.Second).Truncate(time.Second)
	for _, id := range ids {
		if err := s.Enqueue(ctx, tx, tenant, id, at); err != nil {
			return err
		}
	}
	return nil
}

// Due returns the audiences not STOPPED of every tenant (at most limit),
// least recently updated first: the periodic sweep enqueues their jobs
// (reconciles, lost jobs).
func (s *Service) Due(ctx context.Context, limit int) (out [][2]uuid.UUID, err error) {
	defer derrors.Wrap(&err, "audiences.Service.Due")
	err = s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT tenant_id, audience_id FROM stratum_audience_ids(?)`, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t, a uuid.UUID
			if err := rows.Scan(&t, &a); err != nil {
				return err
			}
			out = append(out, [2]uuid.UUID{t, a})
		}
		return rows.Err()
	})
	return out, err
}

// EraseProfilesTx (a cdp.EraseHook, run in the transaction that deletes
// a person) keeps of their audience rows only the digests the platforms
// hold: each row's profile id becomes an id that names nobody, from the top
// of the id range so that a full pass under way still reaches it, and each
// audience concerned (not STOPPED) is due a full pass and its job enqueued,
// whose verify phase removes the digests from the platform and the rows.
// docs/adr/0023, "Deleted people".
func (s *Service) EraseProfilesTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, profiles []uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "audiences.Service.EraseProfilesTx(%s, %d profiles)", tenant, len(profiles))
	if len(profiles) == 0 {
		return nil
	}
	now := db.TxNow(ctx)
	var rekeyed []uuid.UUID
	err = tx.NewRaw(`UPDATE audience_members
		SET profile_id = ('ffffffff-ffff-4fff-bfff-' || substr(md5(gen_random_uuid()::text), 1, 12))::uuid, updated_at = ?
		WHERE tenant_id = ? AND profile_id = ANY(?::uuid[]) RETURNING audience_id`,
		now, tenant, pgdialect.Array(profiles)).Scan(ctx, &rekeyed)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("forget the profiles of audience members: %w", err)
	}
	if len(rekeyed) == 0 {
		return nil
	}
	var due []uuid.UUID
	err = tx.NewRaw(`UPDATE audiences SET full_done_at = NULL, updated_at = ? WHERE tenant_id = ? AND id = ANY(?::uuid[]) AND status <> ?
		RETURNING id`, now, tenant, pgdialect.Array(rekeyed), StatusStopped).Scan(ctx, &due)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("mark audiences for a full pass: %w", err)
	}
	if s.Enqueue == nil {
		return nil
	}
	slices.SortFunc(due, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	for _, id := range due {
		if err := s.Enqueue(ctx, tx, tenant, id, now); err != nil {
			return err
		}
	}
	return nil
}
