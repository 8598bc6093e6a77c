package audiences

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/conversions/match"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// This file is the sync job's work (Run). One run, for one audience:
//  1. with no transaction open, opens the connection's grant, runs a
//     Google job a crashed run left queued, and creates the platform
//     audience the first time (its id recorded at once);
//  2. steps through profiles a page at a time — a full pass (the segment's
//     members, then the profiles already uploaded) or the membership
//     changes after the cursor — deciding per profile what the platform
//     should hold (the digests of its first email and phone while it is a
//     member with ADS consent, nothing otherwise) against what it was sent
//     (audience_members);
//  3. sends the differences, removals first, in requests of at most the
//     platform's limit, and after each accepted request records in one
//     transaction the member rows it changed, the size, the progress and,
//     with the page's last request, the step's cursor.
// A retry starts over from the recorded cursor: what was recorded is not
// sent again.

// ErrRateLimited wraps a platform's rate-limit answer; RetryAfter says how
// long to wait (the job snoozes).
type ErrRateLimited struct {
	RetryAfter time.Duration
	Err        error
}

func (e *ErrRateLimited) Error() string { return "rate limited: " + e.Err.Error() }
func (e *ErrRateLimited) Unwrap() error { return e.Err }

// member is a profile's row of audience_members.
type member struct {
	ProfileID uuid.UUID `bun:"profile_id"`
	Email     *string   `bun:"email_hash"`
	Phone     *string   `bun:"phone_hash"`
}

func (m member) user() User {
	var u User
	if m.Email != nil {
		u.Email = *m.Email
	}
	if m.Phone != nil {
		u.Phone = *m.Phone
	}
	return u
}

// change is one profile's difference.
type change struct {
	profile uuid.UUID
	op      Op
	user    User
}

// run is one Run's state.
type run struct {
	s        *Service
	a        *Audience
	client   Client
	target   Target
	requests int
}

// Run syncs an audience for one job run. more reports that it stopped at
// its request budget with work left (the job enqueues the next run). A
// STOPPED or deleted audience is left alone. A platform error is recorded
// on the audience (FAILED for permanent and auth errors, which are not
// retried: err is nil); transient errors are returned for the job to
// retry, rate limits as *ErrRateLimited.
func (s *Service) Run(ctx context.Context, tenant, id uuid.UUID) (more bool, err error) {
	defer derrors.Wrap(&err, "audiences.Service.Run(%s, %s)", tenant, id)
	a, err := s.Get(ctx, tenant, id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return false, nil
	}
	if err != nil || a.Status == StatusStopped {
		return false, err
	}
	r := &run{s: s, a: a, client: s.Clients[a.Platform]}
	if r.client == nil {
		return false, s.fail(ctx, a, "no client for "+a.Platform+" on this server")
	}
	more, err = r.work(ctx)
	if errors.Is(err, errStopped) {
		return false, nil
	}
	var ae *platforms.APIError
	if errors.As(err, &ae) {
		switch ae.Kind {
		case platforms.ErrorRateLimited:
			return false, &ErrRateLimited{RetryAfter: ae.RetryAfter, Err: err}
		case platforms.ErrorTransient:
			_ = s.note(ctx, a, platforms.Name(a.Platform)+" failed for now, retrying: "+ae.Message)
			return false, err
		default:
			return false, s.fail(ctx, a, platforms.Name(a.Platform)+" refused: "+ae.Message)
		}
	}
	return more, err
}

func (r *run) work(ctx context.Context) (bool, error) {
	if err := r.open(ctx); err != nil {
		return false, err
	}
	if r.a.Status != StatusSyncing {
		if err := r.update(ctx, func(a *Audience) { a.Status = StatusSyncing }); err != nil {
			return false, err
		}
	}
	for r.requests < r.s.Settings.requestsPerRun() {
		done, err := r.step(ctx)
		if err != nil {
			return false, err
		}
		if done {
			return false, r.finish(ctx)
		}
	}
	return true, r.flushJob(ctx)
}

// open resolves the target, runs a queued Google job and creates the
// platform audience when there is none.
func (r *run) open(ctx context.Context) error {
	acct, cn, err := r.s.Connections.AdAccount(ctx, r.a.TenantID, r.a.AdAccountID)
	if err != nil {
		return err
	}
	tok, err := r.s.Connections.Token(ctx, cn)
	if err != nil {
		return err
	}
	r.target = Target{Token: tok.AccessToken, Account: acct.ExternalID, Manager: acct.ParentID}
	if r.a.PlatformAudienceID != nil {
		r.target.AudienceID = *r.a.PlatformAudienceID
	}
	if r.a.PendingJob != nil {
		if err := r.flushJob(ctx); err != nil {
			return err
		}
	}
	if r.target.AudienceID != "" {
		return nil
	}
	seg, err := r.s.Segments.Segment(ctx, r.a.TenantID, r.a.SegmentID)
	if err != nil {
		return err
	}
	r.requests++
	id, err := r.client.Create(ctx, r.target, "Stratum: "+seg.Name, "Kept in step with the Stratum segment "+seg.Name+" (consenting members only).")
	if err != nil {
		return err
	}
	r.target.AudienceID = id
	return r.update(ctx, func(a *Audience) { a.PlatformAudienceID = &id })
}

// flushJob runs Google's queued job and forgets it.
func (r *run) flushJob(ctx context.Context) error {
	if r.a.PendingJob == nil {
		return nil
	}
	t := r.target
	t.Job = *r.a.PendingJob
	r.requests++
	if err := r.client.Finish(ctx, t); err != nil {
		return err
	}
	return r.update(ctx, func(a *Audience) { a.PendingJob = nil })
}

// step does one page: it reports done when nothing is left.
func (r *run) step(ctx context.Context) (bool, error) {
	a, page := r.a, r.s.Settings.pageSize()
	now := r.s.DB.Now(ctx)
	if a.FullPhase == nil && (a.FullDoneAt == nil || now.Sub(*a.FullDoneAt) > r.s.Settings.reconcileEvery()) {
		p := phaseMembers
		if err := r.update(ctx, func(a *Audience) { a.FullPhase, a.FullAfter, a.FullCursor, a.ProgressDone = &p, nil, nil, 0 }); err != nil {
			return false, err
		}
	}
	switch {
	case a.FullPhase != nil && *a.FullPhase == phaseMembers:
		if a.FullCursor == nil {
			c, err := r.s.Segments.LatestMembershipChange(ctx, a.TenantID, a.SegmentID)
			if err != nil {
				return false, err
			}
			if err := r.update(ctx, func(a *Audience) { a.FullCursor = &c }); err != nil {
				return false, err
			}
		}
		after := uuid.Nil
		if a.FullAfter != nil {
			after = *a.FullAfter
		}
		ids, size, err := r.s.Segments.MemberIDsAfter(ctx, a.TenantID, a.SegmentID, after, page)
		if err != nil {
			return false, err
		}
		if len(ids) == 0 {
			v := phaseVerify
			return false, r.update(ctx, func(a *Audience) { a.FullPhase, a.FullAfter = &v, nil })
		}
		last := ids[len(ids)-1]
		return false, r.apply(ctx, ids, func(a *Audience) {
			a.FullAfter, a.ProgressTotal = &last, max(size, a.ProgressDone+int64(len(ids)))
			a.ProgressDone += int64(len(ids))
		})
	case a.FullPhase != nil:
		ids, err := r.uploadedAfter(ctx, a.FullAfter, page)
		if err != nil {
			return false, err
		}
		if len(ids) == 0 {
			return false, r.update(ctx, func(a *Audience) {
				if a.FullCursor != nil && *a.FullCursor > a.ChangeCursor {
					a.ChangeCursor = *a.FullCursor
				}
				a.FullPhase, a.FullAfter, a.FullCursor, a.FullDoneAt = nil, nil, nil, &now
			})
		}
		last := ids[len(ids)-1]
		return false, r.apply(ctx, ids, func(a *Audience) { a.FullAfter = &last })
	}
	changes, pending, err := r.s.Segments.MembershipChangesAfter(ctx, a.TenantID, a.SegmentID, a.ChangeCursor, page)
	if err != nil {
		return false, err
	}
	if len(changes) == 0 {
		return true, nil
	}
	seen := map[uuid.UUID]bool{}
	var ids []uuid.UUID
	for _, c := range changes {
		if !seen[c.ProfileID] {
			seen[c.ProfileID] = true
			ids = append(ids, c.ProfileID)
		}
	}
	cursor := changes[len(changes)-1].ID
	return false, r.apply(ctx, ids, func(a *Audience) {
		a.ChangeCursor = cursor
		a.ProgressTotal = max(a.ProgressTotal, a.ProgressDone+pending)
		a.ProgressDone += int64(len(changes))
	})
}

// uploadedAfter lists uploaded profiles after a profile id.
func (r *run) uploadedAfter(ctx context.Context, after *uuid.UUID, limit int) ([]uuid.UUID, error) {
	from := uuid.Nil
	if after != nil {
		from = *after
	}
	var ids []uuid.UUID
	err := r.s.DB.InTenant(ctx, r.a.TenantID, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw(`SELECT profile_id FROM audience_members WHERE tenant_id = ? AND audience_id = ? AND profile_id > ?
			ORDER BY profile_id LIMIT ?`, r.a.TenantID, r.a.ID, from, limit).Scan(ctx, &ids)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return ids, err
}

// desired is what the platform should hold of a candidate (zero: nothing).
func (r *run) desired(c cdp.AudienceCandidate) User {
	var u User
	if !c.Member || !c.AdsConsent {
		return u
	}
	for _, e := range c.Emails {
		if u.Email = match.Value(r.a.Platform, match.Email, e, ""); u.Email != "" {
			break
		}
	}
	for _, p := range c.Phones {
		if u.Phone = match.Value(r.a.Platform, match.Phone, p, ""); u.Phone != "" {
			break
		}
	}
	return u
}

// apply syncs the profiles ids and, with the last accepted request (or at
// once when nothing is to be sent), applies advance to the audience.
func (r *run) apply(ctx context.Context, ids []uuid.UUID, advance func(*Audience)) error {
	cands, err := r.s.Segments.AudienceCandidates(ctx, r.a.TenantID, r.a.SegmentID, ids)
	if err != nil {
		return err
	}
	stored := map[uuid.UUID]member{}
	err = r.s.DB.InTenant(ctx, r.a.TenantID, func(ctx context.Context, tx bun.Tx) error {
		var rows []member
		err := tx.NewRaw(`SELECT profile_id, email_hash, phone_hash FROM audience_members WHERE tenant_id = ? AND audience_id = ? AND profile_id IN (?)`,
			r.a.TenantID, r.a.ID, bun.In(ids)).Scan(ctx, &rows)
		for _, m := range rows {
			stored[m.ProfileID] = m
		}
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	var removes, adds []change
	for _, c := range cands {
		want := r.desired(c)
		have, ok := stored[c.ProfileID]
		if ok && have.user() == want {
			continue
		}
		if ok {
			removes = append(removes, change{profile: c.ProfileID, op: OpRemove, user: have.user()})
		}
		if want != (User{}) {
			adds = append(adds, change{profile: c.ProfileID, op: OpAdd, user: want})
		}
	}
	batches := chunk(removes, r.client.MaxBatch())
	batches = append(batches, chunk(adds, r.client.MaxBatch())...)
	if len(batches) == 0 {
		return r.update(ctx, advance)
	}
	for i, b := range batches {
		users := make([]User, len(b))
		for j, c := range b {
			users[j] = c.user
		}
		t := r.target
		if r.a.PendingJob != nil {
			t.Job = *r.a.PendingJob
		}
		r.requests++
		job, err := r.client.Upload(ctx, t, b[0].op, users)
		if err != nil {
			return err
		}
		last := i == len(batches)-1
		if err := r.record(ctx, b, job, last, advance); err != nil {
			return err
		}
	}
	return nil
}

// chunk splits cs into slices of at most n.
func chunk(cs []change, n int) [][]change {
	var out [][]change
	for len(cs) > 0 {
		k := min(n, len(cs))
		out = append(out, cs[:k])
		cs = cs[k:]
	}
	return out
}

// record writes an accepted request's outcome: its member rows, Google's
// job, the size, and with the page's last request advance.
func (r *run) record(ctx context.Context, b []change, job string, last bool, advance func(*Audience)) error {
	return r.s.DB.InTenant(ctx, r.a.TenantID, func(ctx context.Context, tx bun.Tx) error {
		now := r.s.DB.Now(ctx)
		for _, c := range b {
			var err error
			if c.op == OpRemove {
				_, err = tx.ExecContext(ctx, `DELETE FROM audience_members WHERE tenant_id = ? AND audience_id = ? AND profile_id = ?`,
					r.a.TenantID, r.a.ID, c.profile)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO audience_members (tenant_id, audience_id, profile_id, email_hash, phone_hash, updated_at)
					VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, audience_id, profile_id) DO UPDATE
					SET email_hash = EXCLUDED.email_hash, phone_hash = EXCLUDED.phone_hash, updated_at = EXCLUDED.updated_at`,
					r.a.TenantID, r.a.ID, c.profile, nullable(c.user.Email), nullable(c.user.Phone), now)
			}
			if err != nil {
				return fmt.Errorf("record member: %w", err)
			}
		}
		a := *r.a
		if job != "" {
			a.PendingJob = &job
		}
		if last {
			advance(&a)
		}
		if err := tx.NewRaw(`SELECT count(*) FROM audience_members WHERE tenant_id = ? AND audience_id = ?`, a.TenantID, a.ID).Scan(ctx, &a.Size); err != nil {
			return err
		}
		return r.saveTx(ctx, tx, &a)
	})
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// finish marks the audience in step (after running Google's job).
func (r *run) finish(ctx context.Context) error {
	if err := r.flushJob(ctx); err != nil {
		return err
	}
	return r.update(ctx, func(a *Audience) {
		now := r.s.DB.Now(ctx)
		a.Status, a.Error, a.LastSyncAt = StatusSynced, nil, &now
		a.ProgressDone = max(a.ProgressDone, a.ProgressTotal)
		a.ProgressTotal = a.ProgressDone
	})
}

// update applies fn to the audience and saves it in its own transaction.
func (r *run) update(ctx context.Context, fn func(*Audience)) error {
	return r.s.DB.InTenant(ctx, r.a.TenantID, func(ctx context.Context, tx bun.Tx) error {
		a := *r.a
		fn(&a)
		return r.saveTx(ctx, tx, &a)
	})
}

// saveTx writes a's sync state unless the audience was stopped or deleted
// meanwhile (then it changes nothing and the run's later steps see the
// stop), and publishes it.
func (r *run) saveTx(ctx context.Context, tx bun.Tx, a *Audience) error {
	a.UpdatedAt = r.s.DB.Now(ctx)
	res, err := tx.NewUpdate().Model(a).Column("platform_audience_id", "status", "size", "progress_done", "progress_total", "change_cursor",
		"full_phase", "full_after", "full_cursor", "full_done_at", "pending_job", "last_sync_at", "error", "updated_at").
		WherePK().Where("status <> ?", StatusStopped).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errStopped
	}
	*r.a = *a
	return publishTx(ctx, tx, a)
}

// errStopped ends a run whose audience was stopped or deleted meanwhile.
var errStopped = errors.New("audiences: the audience was stopped")

// note records a transient error's words without changing the status.
func (s *Service) note(ctx context.Context, a *Audience, msg string) error {
	return s.setError(ctx, a, "", msg)
}

// fail marks the audience FAILED with msg (nil: errStopped is no failure).
func (s *Service) fail(ctx context.Context, a *Audience, msg string) error {
	return s.setError(ctx, a, StatusFailed, msg)
}

func (s *Service) setError(ctx context.Context, a *Audience, status, msg string) error {
	msg = clip(strings.TrimSpace(msg), 2000)
	return s.DB.InTenant(ctx, a.TenantID, func(ctx context.Context, tx bun.Tx) error {
		st := a.Status
		if status != "" {
			st = status
		}
		var out Audience
		err := tx.NewRaw(`UPDATE audiences AS a SET status = ?, error = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND status <> ? RETURNING a.*`,
			st, msg, s.DB.Now(ctx), a.TenantID, a.ID, StatusStopped).Scan(ctx, &out)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return publishTx(ctx, tx, &out)
	})
}
