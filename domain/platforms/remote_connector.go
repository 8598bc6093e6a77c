package platforms

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/money"
)

// RemoteConnector is the Connector of a real ad platform (META, GOOGLE,
// TIKTOK, SNAPCHAT): it applies automation's changes through the
// platform's API client (Service.APIs) with the grant of the connection
// that reaches the campaign's ad account (Service.Tokens), and answers
// Campaigns, Metrics and Status from the stored, synced tables.
//
// # Applying a change at most once per key
//
// None of the four platforms accepts an idempotency key on the updates we
// send, and a platform call can take seconds, so neither a platform key
// nor a transaction held across the call can make a retried change safe
// (ADR 0012: no transaction or row lock is held while a platform answers).
// Apply therefore keeps its own record per key in platform_applied_changes
// (migration 0042) and relies on two facts:
//
//   - every mutation sets an absolute value (a status, a budget, a bid), so
//     sending one twice leaves the platform as sending it once did; what
//     must not happen twice is the *record* of it (Before would show the
//     new value, and fake/real mutation logs would show two updates);
//   - the platform can be read back (API.Campaign), so an attempt that does
//     not know whether an earlier one reached the platform can look.
//
// The steps, each database step a short transaction of its own:
//
//  1. Claim: lock the key's row. APPLIED → return the stored result with
//     Replayed (no platform call). APPLYING with a live lease (another
//     attempt is between its calls right now) → wait outside any
//     transaction, polling with a growing pause, until that attempt ends
//     or the lease runs out, then look again; this is how two overlapping
//     calls (a retried job racing the attempt it retries, an override
//     racing its backup job) end with one mutation and both succeed. No
//     row, or APPLYING with no live lease (released by an attempt that hit
//     a transient error, or left by a killed process whose lease ran out) →
//     take it: attempt id and lease_until = now + applyLease.
//  2. Open the connection's grant (Service.Tokens) and read the campaign
//     from the platform. A key taken over keeps the settings recorded
//     before its first mutation as Before; otherwise what was just read is
//     Before.
//  3. When the platform already has the target values, nothing is sent:
//     this is where a crash between the mutation and the record (or a
//     timeout whose request did reach the platform) is recovered without
//     a second mutation. Otherwise Before is stored on the row (so a later
//     attempt knows the original values: a row without Before has never
//     had a mutation sent) and the mutations are sent.
//  4. Read back and verify: the platform must report exactly the requested
//     values (amounts rounded to the currency's minor unit, as every
//     platform rounds them). A difference is a refusal with both values in
//     its message, not a success.
//  5. Record: in one transaction, the stored campaign row gets the new
//     settings and the key becomes APPLIED with the result.
//
// The lease (applyLease, 2 min) is longer than one Apply may last
// (applyTimeout, 90 s, which also bounds every platform call), so a lease
// that has run out belongs to an attempt that no longer runs, and a live
// one to an attempt that will finish or release it. Should an attempt
// outlive its lease anyway (a stalled process), the attempt that took over
// reads the platform first, and the repeat is harmless by the first fact.
//
// Errors (Transient decides what automation does): a rate limit, a
// transient platform error or the context ending releases the lease and
// keeps the row APPLYING (the platform may have the change: the retry reads
// back before sending anything) and returns an error matching
// ErrUnavailable or the context error, so the job retries with the same
// key. A refusal (ErrorAuth, ErrorPermanent, a read-back mismatch) deletes
// the reservation, so the key can be tried again, and returns an
// *ApplyError whose message is the platform's own words: automation fails
// the action with them and opens an ACTION_FAILED incident. Nothing is
// written to the stored campaign unless the change was verified.
type RemoteConnector struct {
	s        *Service
	platform string

	// Test hooks (export_test.go): onWait is called each time Apply waits
	// for another attempt holding the key; crashAfterMutate, when it
	// returns true, makes Apply return right after a successful mutation
	// without recording or releasing anything, as a killed process would.
	onWait           func()
	crashAfterMutate func() bool
}

// Remote platforms, the ones a RemoteConnector serves.
var Remote = []string{Meta, Google, TikTok, Snapchat}

const (
	appliedApplying = "APPLYING"
	appliedApplied  = "APPLIED"

	// applyTimeout bounds one Apply (all its platform calls).
	applyTimeout = 90 * time.Second
	// applyLease is how long an attempt holds a key: longer than
	// applyTimeout, so a lease that ran out is an attempt that ended.
	applyLease = 2 * time.Minute
	// The pauses between looks at a key another attempt holds.
	waitFirst = 20 * time.Millisecond
	waitMax   = time.Second
	// maxKeyLength is the longest idempotency key stored (the column's check).
	maxKeyLength = 200
)

// RegisterRemoteConnectors registers a RemoteConnector for each real
// platform in s.Connectors (app.NewServices calls it once APIs and Tokens
// are set). A platform without credentials still has its connector, which
// refuses changes saying that the platform is not configured.
func (s *Service) RegisterRemoteConnectors() {
	for _, p := range Remote {
		s.Connectors[p] = &RemoteConnector{s: s, platform: p}
	}
}

// Platform implements Connector.
func (r *RemoteConnector) Platform() string { return r.platform }

// ApplyError is a platform's answer to a change, in the platform's words
// (Error is only the message: automation shows it on the failed action and
// its incident). Err is the classified *APIError or context error under it,
// so Transient and ErrorKindOf see through it.
type ApplyError struct {
	Platform string
	Message  string
	Err      error
}

func (e *ApplyError) Error() string { return e.Message }
func (e *ApplyError) Unwrap() error { return e.Err }

// refusal is a refusal Stratum itself words (a permanent *APIError below).
func (r *RemoteConnector) refusal(code, format string, args ...any) *ApplyError {
	msg := fmt.Sprintf(format, args...)
	return &ApplyError{Platform: r.platform, Message: msg, Err: &APIError{Platform: r.platform, Kind: ErrorPermanent, Code: code, Message: msg}}
}

// platformError words err as the platform did.
func (r *RemoteConnector) platformError(err error) error {
	var ae *ApplyError
	if errors.As(err, &ae) {
		return err
	}
	var api *APIError
	if errors.As(err, &api) {
		msg := api.Message
		if msg == "" {
			msg = api.Error()
		}
		return &ApplyError{Platform: r.platform, Message: msg, Err: err}
	}
	return err
}

// remoteApplied is a key's row in platform_applied_changes.
type remoteApplied struct {
	bun.BaseModel  `bun:"table:platform_applied_changes,alias:pac"`
	TenantID       uuid.UUID      `bun:"tenant_id,pk"`
	IdempotencyKey string         `bun:"idempotency_key,pk"`
	CampaignID     uuid.UUID      `bun:"campaign_id"`
	Platform       string         `bun:"platform"`
	State          string         `bun:"state"`
	AttemptID      *uuid.UUID     `bun:"attempt_id"`
	LeaseUntil     *time.Time     `bun:"lease_until"`
	Before         *CampaignState `bun:"before,type:jsonb"`
	Result         *Result        `bun:"result,type:jsonb"`
	CreatedAt      time.Time      `bun:"created_at"`
	UpdatedAt      time.Time      `bun:"updated_at"`
	AppliedAt      *time.Time     `bun:"applied_at"`
}

// target is what a claimed attempt works on.
type target struct {
	campaign Campaign
	account  AdAccount
	conn     Connection
	api      API
	// before is the settings recorded before an earlier attempt's first
	// mutation (nil: none was sent).
	before *CampaignState
}

// errCrashed ends an attempt the crashAfterMutate test hook killed.
var errCrashed = errors.New("platforms: attempt abandoned after the mutation (test hook)")

// Apply implements Connector (see RemoteConnector for the protocol).
func (r *RemoteConnector) Apply(ctx context.Context, tenant uuid.UUID, ch Change) (Result, error) {
	if ch.IdempotencyKey == "" || len(ch.IdempotencyKey) > maxKeyLength {
		return Result{}, fmt.Errorf("platforms: a change needs an idempotency key of 1–%d characters", maxKeyLength)
	}
	ctx, cancel := context.WithTimeout(ctx, applyTimeout)
	defer cancel()
	attempt := uuid.New()
	tg, replay, err := r.claim(ctx, tenant, ch, attempt)
	if err != nil || tg == nil {
		return replay, err
	}
	res, err := r.apply(ctx, tenant, ch, attempt, tg)
	if ErrorKindOf(err) == ErrorAuth {
		err = r.needsReauth(ctx, tenant, tg.conn.ID, err)
	}
	return res, err
}

// needsReauth hands a grant the platform refused during a change to the
// connections service (NEEDS_REAUTH and its one incident), as a sync's
// refusal is. The change's error stays the platform's words; a failure to
// record the status is joined to it.
func (r *RemoteConnector) needsReauth(ctx context.Context, tenant, conn uuid.UUID, err error) error {
	m, ok := r.s.Tokens.(ReauthMarker)
	if !ok {
		return err
	}
	msg := err.Error()
	var ae *APIError
	if errors.As(err, &ae) {
		msg = ae.Message
	}
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if merr := m.MarkNeedsReauth(bg, tenant, conn, msg); merr != nil {
		return errors.Join(err, merr)
	}
	return err
}

// claim is step 1: it returns the stored result of an APPLIED key (tg nil)
// or takes the key for attempt, waiting while another attempt holds it.
func (r *RemoteConnector) claim(ctx context.Context, tenant uuid.UUID, ch Change, attempt uuid.UUID) (tg *target, replay Result, err error) {
	pause := waitFirst
	for {
		var wait, replayed bool
		err = r.s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			tg, wait, replayed = nil, false, false
			now := r.s.DB.Now(ctx)
			var rows []remoteApplied
			if err := tx.NewSelect().Model(&rows).Where("pac.idempotency_key = ?", ch.IdempotencyKey).For("UPDATE").Scan(ctx); err != nil {
				return err
			}
			if len(rows) == 1 {
				row := rows[0]
				switch {
				case row.State == appliedApplied:
					replay, replayed = *row.Result, true
					replay.Replayed = true
					return nil
				case row.AttemptID != nil && row.LeaseUntil != nil && row.LeaseUntil.After(now):
					wait = true
					return nil
				}
			}
			t, err := r.load(ctx, tx, ch.CampaignID)
			if err != nil {
				return err
			}
			lease := now.Add(applyLease)
			if len(rows) == 1 {
				t.before = rows[0].Before
				_, err = tx.NewUpdate().Model((*remoteApplied)(nil)).
					Set("attempt_id = ?, lease_until = ?, updated_at = ?", attempt, lease, now).
					Where("idempotency_key = ?", ch.IdempotencyKey).Exec(ctx)
				if err != nil {
					return fmt.Errorf("take over change %q: %w", ch.IdempotencyKey, err)
				}
				tg = t
				return nil
			}
			row := &remoteApplied{TenantID: tenant, IdempotencyKey: ch.IdempotencyKey, CampaignID: ch.CampaignID, Platform: r.platform,
				State: appliedApplying, AttemptID: &attempt, LeaseUntil: &lease, CreatedAt: now, UpdatedAt: now}
			res, err := tx.NewInsert().Model(row).On("CONFLICT DO NOTHING").Exec(ctx)
			if err != nil {
				return fmt.Errorf("reserve change %q: %w", ch.IdempotencyKey, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				tg = t
			}
			// else: an overlapping call reserved the key since the select; look again.
			return nil
		})
		if err != nil || tg != nil || replayed {
			return tg, replay, err
		}
		if !wait {
			continue
		}
		if r.onWait != nil {
			r.onWait()
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, Result{}, fmt.Errorf("platforms: waiting for another attempt at change %q on %s: %w", ch.IdempotencyKey, r.platform, ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, waitMax)
	}
}

// load reads the campaign, its ad account and connection, and checks that
// the change can be attempted at all.
func (r *RemoteConnector) load(ctx context.Context, tx bun.Tx, campaign uuid.UUID) (*target, error) {
	name := signals.PlatformName(r.platform)
	t := &target{api: r.s.APIs[r.platform]}
	if t.api == nil || !t.api.Configured() {
		return nil, r.refusal("not_configured", "%s is not configured on this Stratum installation (no app credentials)", name)
	}
	if r.s.Tokens == nil {
		return nil, r.refusal("not_configured", "platform connections are not set up on this Stratum installation")
	}
	if err := tx.NewSelect().Model(&t.campaign).Where("c.id = ? AND c.platform = ?", campaign, r.platform).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, r.refusal("campaign_not_found", "the campaign is not a %s campaign of this workspace", name)
		}
		return nil, err
	}
	if t.campaign.AdAccountID == nil {
		return nil, r.refusal("no_ad_account", "the campaign %q has no synced %s ad account", t.campaign.Name, name)
	}
	if err := tx.NewSelect().Model(&t.account).Where("aa.id = ?", *t.campaign.AdAccountID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load ad account: %w", err)
	}
	if err := tx.NewSelect().Model(&t.conn).Where("pc.id = ?", t.account.ConnectionID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load connection: %w", err)
	}
	if t.conn.Status == ConnectionNeedsReauth {
		msg := fmt.Sprintf("the %s connection needs to be authorized again", name)
		if t.conn.StatusMessage != "" {
			msg += ": " + t.conn.StatusMessage
		}
		return nil, &ApplyError{Platform: r.platform, Message: msg, Err: &APIError{Platform: r.platform, Kind: ErrorAuth, Code: "needs_reauth", Message: msg}}
	}
	return t, nil
}

// apply runs steps 2–5 for the attempt holding the key.
func (r *RemoteConnector) apply(ctx context.Context, tenant uuid.UUID, ch Change, attempt uuid.UUID, tg *target) (Result, error) {
	acct := tg.account.Remote()
	rc := RemoteCampaign{ExternalID: tg.campaign.ExternalID, Name: tg.campaign.Name, Status: tg.campaign.Status,
		Objective: tg.campaign.Objective, DailyBudgetMicros: tg.campaign.DailyBudgetMicros, BudgetID: tg.campaign.BudgetID}
	tok, err := r.s.Tokens.Token(ctx, &tg.conn)
	if err != nil {
		var api *APIError
		if !errors.As(err, &api) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			// Not the platform's answer: say what failed, keep the detail
			// (for logs) out of the message shown on the action.
			err = &ApplyError{Platform: r.platform, Message: fmt.Sprintf("the %s connection's grant could not be opened", signals.PlatformName(r.platform)), Err: err}
		}
		return Result{}, r.fail(ctx, tenant, ch.IdempotencyKey, attempt, err, false)
	}
	cur, err := tg.api.Campaign(ctx, tok, acct, rc)
	if err != nil {
		return Result{}, r.fail(ctx, tenant, ch.IdempotencyKey, attempt, err, false)
	}
	before := cur
	if tg.before != nil {
		before = *tg.before
	}
	want, muts, err := r.plan(ch, cur, rc, acct.Currency)
	if err != nil {
		return Result{}, r.fail(ctx, tenant, ch.IdempotencyKey, attempt, err, false)
	}
	after := cur
	if len(muts) > 0 {
		if tg.before == nil {
			if err := r.keepBefore(ctx, tenant, ch.IdempotencyKey, attempt, before); err != nil {
				return Result{}, err
			}
		}
		for i, m := range muts {
			if err := tg.api.Mutate(ctx, tok, acct, m); err != nil {
				// A refusal of the first mutation changed nothing: the
				// reservation goes. After one that went through, it stays
				// (released) so a retry reads back first.
				return Result{}, r.fail(ctx, tenant, ch.IdempotencyKey, attempt, err, i > 0)
			}
		}
		if r.crashAfterMutate != nil && r.crashAfterMutate() {
			return Result{}, errCrashed
		}
		if after, err = tg.api.Campaign(ctx, tok, acct, rc); err != nil {
			return Result{}, r.fail(ctx, tenant, ch.IdempotencyKey, attempt, err, true)
		}
	}
	if msg := mismatch(want, after, ch, acct.Currency); msg != "" {
		return Result{}, r.fail(ctx, tenant, ch.IdempotencyKey, attempt,
			r.refusal("not_applied", "%s accepted the change but reports %s", signals.PlatformName(r.platform), msg), false)
	}
	return r.record(ctx, tenant, ch, tg, Result{Before: settingsOf(before), After: settingsOf(after)}, after)
}

// plan is step 3's decision: the target settings and the mutations that
// reach them from cur (none when the platform already has them).
func (r *RemoteConnector) plan(ch Change, cur CampaignState, rc RemoteCampaign, currency string) (CampaignState, []Mutation, error) {
	want := cur
	var muts []Mutation
	mk := func(kind string) Mutation {
		return Mutation{Kind: kind, Campaign: rc, IdempotencyKey: ch.IdempotencyKey}
	}
	if ch.Status != nil {
		kind := ""
		switch *ch.Status {
		case CampaignPaused:
			kind = MutatePause
		case CampaignActive:
			kind = MutateResume
		default:
			return want, nil, r.refusal("bad_status", "a campaign cannot be set to %q through %s", *ch.Status, signals.PlatformName(r.platform))
		}
		want.Status = *ch.Status
		if cur.Status != want.Status {
			muts = append(muts, mk(kind))
		}
	}
	if ch.DailyBudget != nil {
		m := minorUnits(currency, Micros(*ch.DailyBudget))
		if m <= 0 {
			return want, nil, r.refusal("bad_amount", "a daily budget of %s %s is not a positive amount", money.FormatMicros(currency, Micros(*ch.DailyBudget)), currency)
		}
		want.DailyBudgetMicros = m
		if cur.DailyBudgetMicros != m {
			mu := mk(MutateUpdateBudget)
			mu.BudgetMicros = m
			muts = append(muts, mu)
		}
	}
	if ch.Bid != nil {
		m := minorUnits(currency, Micros(*ch.Bid))
		if m <= 0 {
			return want, nil, r.refusal("bad_amount", "a bid of %s %s is not a positive amount", money.FormatMicros(currency, Micros(*ch.Bid)), currency)
		}
		want.BidMicros = m
		if cur.BidMicros != m {
			mu := mk(MutateUpdateBid)
			mu.BidMicros = m
			muts = append(muts, mu)
		}
	}
	return want, muts, nil
}

// minorUnits rounds micros to whole minor units of currency, as the
// platforms do.
func minorUnits(currency string, micros int64) int64 {
	return money.MinorToMicros(currency, money.MicrosToMinor(currency, micros))
}

// mismatch describes how the read-back after differs from want in the
// fields ch sets ("" when it does not).
func mismatch(want, after CampaignState, ch Change, currency string) string {
	var diffs []string
	if ch.Status != nil && after.Status != want.Status {
		diffs = append(diffs, fmt.Sprintf("status %s (requested %s)", after.Status, want.Status))
	}
	if ch.DailyBudget != nil && after.DailyBudgetMicros != want.DailyBudgetMicros {
		diffs = append(diffs, fmt.Sprintf("daily budget %s %s (requested %s %s)",
			money.FormatMicros(currency, after.DailyBudgetMicros), currency, money.FormatMicros(currency, want.DailyBudgetMicros), currency))
	}
	if ch.Bid != nil && after.BidMicros != want.BidMicros {
		got := "no common bid"
		if after.BidMicros > 0 {
			got = "bid " + money.FormatMicros(currency, after.BidMicros) + " " + currency
		}
		diffs = append(diffs, fmt.Sprintf("%s (requested %s %s)", got, money.FormatMicros(currency, want.BidMicros), currency))
	}
	return strings.Join(diffs, ", ")
}

// settingsOf is a platform state in automation's units.
func settingsOf(st CampaignState) Settings {
	s := Settings{Status: st.Status, DailyBudget: money.Float(st.DailyBudgetMicros)}
	if st.BidMicros > 0 {
		b := money.Float(st.BidMicros)
		s.Bid = &b
	}
	return s
}

// keepBefore stores the settings before the first mutation on the key
// while attempt still holds it.
func (r *RemoteConnector) keepBefore(ctx context.Context, tenant uuid.UUID, key string, attempt uuid.UUID, before CampaignState) error {
	return r.s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*remoteApplied)(nil)).Set("before = ?, updated_at = ?", &before, r.s.DB.Now(ctx)).
			Where("idempotency_key = ? AND attempt_id = ? AND state = ?", key, attempt, appliedApplying).Exec(ctx)
		if err != nil {
			return fmt.Errorf("record settings before change %q: %w", key, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			// Our lease ran out and another attempt took the key: leave it
			// to that one.
			return fmt.Errorf("platforms: change %q is now held by another attempt: %w", key, ErrUnavailable)
		}
		return nil
	})
}

// fail ends attempt with err: "try later" errors release the lease and
// keep the reservation; a refusal deletes it (unless a mutation may have
// gone through, keep) so the key can be tried again. It returns the error
// for Apply to return, worded as the platform worded it.
func (r *RemoteConnector) fail(ctx context.Context, tenant uuid.UUID, key string, attempt uuid.UUID, err error, keep bool) error {
	err = r.platformError(err)
	// The caller's context may be what ended: the bookkeeping still runs.
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	release := keep
	switch ErrorKindOf(err) {
	case ErrorRateLimited, ErrorTransient:
		release = true
	}
	dbErr := r.s.DB.InTenant(bg, tenant, func(ctx context.Context, tx bun.Tx) error {
		if release {
			_, err := tx.NewUpdate().Model((*remoteApplied)(nil)).Set("attempt_id = NULL, lease_until = NULL, updated_at = ?", r.s.DB.Now(ctx)).
				Where("idempotency_key = ? AND attempt_id = ? AND state = ?", key, attempt, appliedApplying).Exec(ctx)
			return err
		}
		_, err := tx.NewDelete().Model((*remoteApplied)(nil)).
			Where("idempotency_key = ? AND attempt_id = ? AND state = ?", key, attempt, appliedApplying).Exec(ctx)
		return err
	})
	if dbErr != nil {
		return errors.Join(err, fmt.Errorf("platforms: release change %q: %w", key, dbErr))
	}
	return err
}

// record is step 5: the stored campaign gets the verified settings and the
// key its result. A key another attempt completed meanwhile replays that.
func (r *RemoteConnector) record(ctx context.Context, tenant uuid.UUID, ch Change, tg *target, res Result, after CampaignState) (out Result, err error) {
	err = r.s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := r.s.DB.Now(ctx)
		var rows []remoteApplied
		if err := tx.NewSelect().Model(&rows).Where("pac.idempotency_key = ?", ch.IdempotencyKey).For("UPDATE").Scan(ctx); err != nil {
			return err
		}
		if len(rows) == 1 && rows[0].State == appliedApplied {
			out = *rows[0].Result
			out.Replayed = true
			return nil
		}
		c := tg.campaign
		var cols []string
		if ch.Status != nil {
			c.Status, cols = after.Status, append(cols, "status")
		}
		if ch.DailyBudget != nil {
			c.DailyBudgetMicros, cols = after.DailyBudgetMicros, append(cols, "daily_budget_micros")
		}
		if ch.Bid != nil {
			b := after.BidMicros
			c.BidMicros, cols = &b, append(cols, "bid_micros")
		}
		c.UpdatedAt = now
		if _, err := tx.NewUpdate().Model(&c).Column(append(cols, "updated_at")...).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("store applied change: %w", err)
		}
		row := &remoteApplied{TenantID: tenant, IdempotencyKey: ch.IdempotencyKey, CampaignID: ch.CampaignID, Platform: r.platform,
			State: appliedApplied, Result: &res, CreatedAt: now, UpdatedAt: now, AppliedAt: &now}
		if len(rows) == 1 {
			row.CreatedAt, row.Before = rows[0].CreatedAt, rows[0].Before
		}
		if _, err := tx.NewInsert().Model(row).On("CONFLICT (tenant_id, idempotency_key) DO UPDATE").
			Set("state = EXCLUDED.state, attempt_id = NULL, lease_until = NULL, result = EXCLUDED.result, updated_at = EXCLUDED.updated_at, applied_at = EXCLUDED.applied_at").
			Exec(ctx); err != nil {
			return fmt.Errorf("record applied change %q: %w", ch.IdempotencyKey, err)
		}
		out = res
		return nil
	})
	return out, err
}

// Campaigns implements Connector: the platform's campaigns as last synced.
func (r *RemoteConnector) Campaigns(ctx context.Context, tenant uuid.UUID) (cs []Campaign, err error) {
	defer derrors.Wrap(&err, "platforms.RemoteConnector.Campaigns(%v, %s)", tenant, r.platform)
	return r.s.Campaigns(ctx, tenant, CampaignFilter{Platforms: []string{r.platform}})
}

// Metrics implements Connector: the platform's synced daily metrics for
// days in [from, to].
func (r *RemoteConnector) Metrics(ctx context.Context, tenant uuid.UUID, from, to time.Time) (out []DailyMetrics, err error) {
	defer derrors.Wrap(&err, "platforms.RemoteConnector.Metrics(%v, %s)", tenant, r.platform)
	err = r.s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var ids []uuid.UUID
		if err := tx.NewSelect().Model((*Campaign)(nil)).Column("c.id").Where("c.platform = ?", r.platform).Scan(ctx, &ids); err != nil {
			return err
		}
		out, err = MetricsTx(ctx, tx, ids, from, to)
		return err
	})
	return out, err
}

// Status implements Connector: the platform's last recorded status
// (OPERATIONAL when none was recorded yet).
func (r *RemoteConnector) Status(ctx context.Context, tenant uuid.UUID) (st PlatformStatus, err error) {
	defer derrors.Wrap(&err, "platforms.RemoteConnector.Status(%v, %s)", tenant, r.platform)
	err = r.s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var rows []PlatformStatus
		if err := tx.NewSelect().Model(&rows).Where("platform = ?", r.platform).Scan(ctx); err != nil {
			return err
		}
		st = PlatformStatus{TenantID: tenant, Platform: r.platform, Status: Operational}
		if len(rows) == 1 {
			st = rows[0]
		}
		return nil
	})
	return st, err
}

var _ Connector = (*RemoteConnector)(nil)
