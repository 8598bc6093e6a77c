package auth

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Revocations is each process's in-memory view of the revocations table:
// the access-token denylist checked on every request. It re-reads new rows
// at most once per Interval (one small query, however many requests), so a
// revocation made on another replica takes effect within Interval; on the
// replica that made it, at once (the writer calls Refresh after commit).
type Revocations struct {
	DB *db.DB
	// Interval bounds how stale the view may be (default 1s).
	Interval time.Duration

	refresh  sync.Mutex // one refresh at a time
	mu       sync.RWMutex
	loadedAt time.Time // DB.Now of the last refresh
	checked  time.Time // monotonic time of the last refresh (Interval)
	jtis     map[string]time.Time
	sessions map[uuid.UUID]entry
	members  map[string]entry
	apiKeys  map[uuid.UUID]time.Time
}

type entry struct{ notBefore, expires time.Time }

// Revocation kinds (revocations.kind).
const (
	RevokeJTI     = "jti"
	RevokeSession = "session"
	RevokeMember  = "member"
	RevokeAPIKey  = "apikey"
)

// Forever is the not_before of a revoked session: no token of it is valid.
var Forever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// memberRef names a user's tokens in one tenant.
func memberRef(user, tenant uuid.UUID) string { return user.String() + ":" + tenant.String() }

// Insert records a revocation in tx (ctx being its transaction's: the row's
// created_at, which Refresh reads by, is the transaction's time, db.TxNow);
// call Refresh after the commit.
func Insert(ctx context.Context, tx bun.IDB, kind, ref string, notBefore, expires time.Time) (err error) {
	defer derrors.Wrap(&err, "auth.Insert(%s)", kind)
	_, err = tx.ExecContext(ctx, `INSERT INTO revocations (kind, ref, not_before, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`,
		kind, ref, notBefore, expires, db.TxNow(ctx))
	return err
}

// Revoked reports whether p's credential has been revoked (or, for users,
// issued before a revocation of its session or of its membership).
func (r *Revocations) Revoked(ctx context.Context, p *Principal) (_ bool, err error) {
	defer derrors.Wrap(&err, "auth.Revocations.Revoked")
	if err := r.maybeRefresh(ctx); err != nil {
		return false, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if p.APIKeyID != uuid.Nil {
		_, ok := r.apiKeys[p.APIKeyID]
		return ok, nil
	}
	if _, ok := r.jtis[p.TokenID]; ok {
		return true, nil
	}
	if e, ok := r.sessions[p.SessionID]; ok && p.IssuedAt.Before(e.notBefore) {
		return true, nil
	}
	if e, ok := r.members[memberRef(p.UserID, p.TenantID)]; ok && p.IssuedAt.Before(e.notBefore) {
		return true, nil
	}
	return false, nil
}

// MemberNotBefore returns the latest member revocation of user in tenant
// in the view (zero when none): tokens issued before it are refused, and
// caches of the membership must reload after it.
func (r *Revocations) MemberNotBefore(user, tenant uuid.UUID) time.Time {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.members[memberRef(user, tenant)].notBefore
}

func (r *Revocations) maybeRefresh(ctx context.Context) error {
	if r.fresh() {
		return nil
	}
	r.refresh.Lock()
	defer r.refresh.Unlock()
	if r.fresh() { // refreshed by the request we waited for
		return nil
	}
	return r.refreshLocked(ctx)
}

// fresh reports whether the view was refreshed within the interval.
func (r *Revocations) fresh() bool {
	interval := r.Interval
	if interval <= 0 {
		interval = time.Second
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return !r.checked.IsZero() && time.Since(r.checked) < interval
}

// Refresh reads revocations recorded since the last refresh (with a margin
// of 30 s for transactions that committed late, and for replicas' clocks
// disagreeing: created_at is the writer's transaction time) and forgets
// those expired by DB.Now. Unlike the stale-view path (maybeRefresh, which
// re-checks freshness after the lock so that waiting requests share one
// refresh), it always reads: a refresh in flight when a revocation commits
// may have read the table before it.
func (r *Revocations) Refresh(ctx context.Context) (err error) {
	defer derrors.Wrap(&err, "auth.Revocations.Refresh")
	r.refresh.Lock()
	defer r.refresh.Unlock()
	return r.refreshLocked(ctx)
}

// refreshLocked is Refresh with r.refresh held.
func (r *Revocations) refreshLocked(ctx context.Context) error {
	r.mu.RLock()
	since := r.loadedAt
	r.mu.RUnlock()
	var rows []struct {
		Kind      string    `bun:"kind"`
		Ref       string    `bun:"ref"`
		NotBefore time.Time `bun:"not_before"`
		ExpiresAt time.Time `bun:"expires_at"`
	}
	now := r.DB.Now(ctx)
	q := `SELECT kind, ref, not_before, expires_at FROM revocations WHERE expires_at > ?`
	args := []any{now}
	if !since.IsZero() {
		q += ` AND created_at > ?`
		args = append(args, since.Add(-30*time.Second))
	}
	if err := r.DB.Bun.NewRaw(q, args...).Scan(ctx, &rows); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.jtis == nil {
		r.jtis, r.sessions, r.members, r.apiKeys = map[string]time.Time{}, map[uuid.UUID]entry{}, map[string]entry{}, map[uuid.UUID]time.Time{}
	}
	for _, row := range rows {
		switch row.Kind {
		case RevokeJTI:
			r.jtis[row.Ref] = row.ExpiresAt
		case RevokeSession:
			if id, err := uuid.Parse(row.Ref); err == nil && row.NotBefore.After(r.sessions[id].notBefore) {
				r.sessions[id] = entry{row.NotBefore, row.ExpiresAt}
			}
		case RevokeMember:
			if row.NotBefore.After(r.members[row.Ref].notBefore) {
				r.members[row.Ref] = entry{row.NotBefore, row.ExpiresAt}
			}
		case RevokeAPIKey:
			if id, err := uuid.Parse(row.Ref); err == nil {
				r.apiKeys[id] = row.ExpiresAt
			}
		}
	}
	for k, exp := range r.jtis {
		if exp.Before(now) {
			delete(r.jtis, k)
		}
	}
	for k, e := range r.sessions {
		if e.expires.Before(now) {
			delete(r.sessions, k)
		}
	}
	for k, e := range r.members {
		if e.expires.Before(now) {
			delete(r.members, k)
		}
	}
	// After its revocation expires a key is refused by its own revoked_at
	// (the key cache reloads it within its TTL, which the expiry outlasts).
	for k, exp := range r.apiKeys {
		if exp.Before(now) {
			delete(r.apiKeys, k)
		}
	}
	r.loadedAt, r.checked = now, time.Now()
	return nil
}
