package cdp

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// This file is identity resolution (issue 13, docs/adr/0017): the
// identifiers an event carries are linked into one profile with
// union-find semantics, the oldest profile surviving a merge, under the
// over-merge limits of identity_plan.go. Ingestion's per-batch job calls
// Resolve once per event.

// Identity resolves identifiers to profiles. Zero fields mean the
// defaults; set them before first use.
type Identity struct {
	DB *db.DB
	// Limits are the over-merge limits (IdentityLimits' defaults when zero).
	Limits IdentityLimits
	// DefaultRegion is the region phone numbers without a country code are
	// read in when the tenant set none (default "US").
	DefaultRegion string
	// JunkValues are the values refused as identifiers when the tenant set
	// no list of its own (default DefaultJunkValues).
	JunkValues []string
	// ChurnBatch is the profiles MarkChurned marks per transaction
	// (default ChurnBatch).
	ChurnBatch int
}

// NewIdentity returns an Identity on d with the default limits and lists.
func NewIdentity(d *db.DB) *Identity { return &Identity{DB: d} }

// MaxIdentifiersPerCall bounds the identifiers of one Resolve call.
const MaxIdentifiersPerCall = 50

// maxResolveAttempts bounds the retries of a transaction that lost a
// deadlock or a serialization race to a concurrent merge.
const maxResolveAttempts = 10

// maxLockRounds bounds the rounds of locking the profiles of a call's
// identifiers while concurrent merges keep moving them.
const maxLockRounds = 20

// maxMergeHops bounds the merged_into chain Canonical follows (merges keep
// it at one hop; the bound only guards against a corrupt cycle).
const maxMergeHops = 64

// The lifecycle stages (CHURNED is set by the inactivity job, not here).
const (
	StageAnonymous = "ANONYMOUS"
	StageKnown     = "KNOWN"
	StageCustomer  = "CUSTOMER"
	StageChurned   = "CHURNED"
)

// Profile is a cdp_profiles row: one person (or one browser, until it is
// linked to more) and, on read, its identifiers.
type Profile struct {
	bun.BaseModel `bun:"table:cdp_profiles,alias:p"`

	TenantID  uuid.UUID `bun:"tenant_id,pk"`
	ID        uuid.UUID `bun:"id,pk"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
	// MergedInto is the survivor of an absorbed profile (nil while live).
	MergedInto     *uuid.UUID                 `bun:"merged_into"`
	MergedAt       *time.Time                 `bun:"merged_at"`
	FirstSeenAt    time.Time                  `bun:"first_seen_at"`
	LastSeenAt     time.Time                  `bun:"last_seen_at"`
	LifecycleStage string                     `bun:"lifecycle_stage"`
	Traits         map[string]json.RawMessage `bun:"traits,type:jsonb"`
	Events         int64                      `bun:"event_count"`
	Sessions       int64                      `bun:"session_count"`
	Purchases      int64                      `bun:"purchase_count"`
	RevenueMicros  int64                      `bun:"revenue_micros"`
	MergeCount     int                        `bun:"merge_count"`
	// LastEventAt is the time of the latest event the batch job counted
	// (sessions are judged against it); nil before the first.
	LastEventAt *time.Time `bun:"last_event_at"`
	// RecentSessions are the session ids (context.sessionId) of the
	// profile's recent events with each one's latest event time (at most
	// MaxRecentSessions): an event with another id starts a session.
	RecentSessions map[string]time.Time `bun:"recent_sessions,type:jsonb"`

	// Identifiers are the profile's identifiers, strongest first (filled
	// by Identity.Profile).
	Identifiers []Identifier `bun:"-"`
}

// CanonicalIdentifier is the profile's strongest identifier (its
// canonical identity), false when Identifiers is empty (not read).
func (p *Profile) CanonicalIdentifier() (Identifier, bool) {
	if len(p.Identifiers) == 0 {
		return Identifier{}, false
	}
	return slices.MinFunc(p.Identifiers, compareIdentifiers), true
}

// RefusedLink is an identifier of a Resolve call that was not linked.
type RefusedLink struct {
	// Identifier gave way (normalised, except for JUNK and INVALID, whose
	// value is the raw one). Its value is personal data: never log it.
	Identifier Identifier
	Reason     RefusalReason
	// Detail says which limit refused, or why the value is invalid.
	Detail string
	// LinkedTo is the strongest identifier of the profile the link would
	// have joined, ProfileID that profile and KeptOn the profile the
	// identifier stayed on (all zero for JUNK and INVALID).
	LinkedTo  Identifier
	ProfileID uuid.UUID
	KeptOn    uuid.UUID
}

// Resolve links ids, the identifiers one event (identify, alias, track…)
// carries, and returns the profile they name, seen at seenAt (the event's
// time). Values are normalised with the tenant's settings; junk and
// invalid values are refused (returned, not stored). The rest are linked
// into one profile: new ones join it, and the profiles of stored ones are
// merged into the oldest, unless a link would break a limit, in which
// case the weaker identifier gives way, stays where it was (a new one gets
// a profile of its own) and the refused link is recorded. A call whose
// identifiers are all refused as junk or invalid returns uuid.Nil. A
// transaction that loses a deadlock to a concurrent merge is retried.
func (s *Identity) Resolve(ctx context.Context, tenant uuid.UUID, ids []Identifier, seenAt time.Time) (profileID uuid.UUID, refused []RefusedLink, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.Resolve(%v)", tenant)
	if len(ids) > MaxIdentifiersPerCall {
		return uuid.Nil, nil, apperr.Invalid([]string{"identifiers"}, "at most %d identifiers per call", MaxIdentifiersPerCall)
	}
	if seenAt.IsZero() {
		return uuid.Nil, nil, apperr.Invalid([]string{"seenAt"}, "the time the identifiers were seen is required")
	}
	err = s.retry(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		st, err := s.settingsTx(ctx, tx, tenant)
		if err != nil {
			return err
		}
		var ch profileChanges
		profileID, refused, err = s.resolveTx(ctx, tx, tenant, st, &ch, ids, seenAt.UTC(), false, nil)
		if err != nil {
			return err
		}
		return ch.publish(ctx, tx, tenant)
	})
	return profileID, refused, err
}

// ResolveCall is one call of ResolveBatch: the identifiers of one event
// and the event's time.
type ResolveCall struct {
	Identifiers []Identifier
	SeenAt      time.Time
}

// ResolveResult is the outcome of one ResolveCall (Resolve's results).
type ResolveResult struct {
	ProfileID uuid.UUID
	Refused   []RefusedLink
}

// MaxResolveBatch bounds the calls of one ResolveBatch.
const MaxResolveBatch = 1000

// ResolveBatch resolves calls in order, as Resolve would one after the
// other, in one transaction: one commit for the batch (ingestion's
// per-batch job), with every identifier of the batch and the profiles
// they are on locked up front, in a consistent order. The batch is all
// or nothing; a deadlock with a concurrent batch retries it whole.
func (s *Identity) ResolveBatch(ctx context.Context, tenant uuid.UUID, calls []ResolveCall) (_ []ResolveResult, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.ResolveBatch(%v, %d calls)", tenant, len(calls))
	if len(calls) > MaxResolveBatch {
		return nil, apperr.Invalid([]string{"calls"}, "at most %d calls per batch", MaxResolveBatch)
	}
	for i, c := range calls {
		if len(c.Identifiers) > MaxIdentifiersPerCall {
			return nil, apperr.Invalid([]string{"calls", fmt.Sprint(i), "identifiers"}, "at most %d identifiers per call", MaxIdentifiersPerCall)
		}
		if c.SeenAt.IsZero() {
			return nil, apperr.Invalid([]string{"calls", fmt.Sprint(i), "seenAt"}, "the time the identifiers were seen is required")
		}
	}
	var out []ResolveResult
	err = s.retry(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		st, err := s.settingsTx(ctx, tx, tenant)
		if err != nil {
			return err
		}
		var all []Identifier
		for _, c := range calls {
			ids, _ := cleanIdentifiers(c.Identifiers, st)
			all = append(all, ids...)
		}
		slices.SortFunc(all, compareIdentifiers)
		all = slices.Compact(all)
		out = make([]ResolveResult, len(calls))
		var ch profileChanges // the batch's merges, announced together
		var view *batchView
		if len(all) > 0 {
			if err := lockIdentifiersTx(ctx, tx, tenant, all); err != nil {
				return err
			}
			owner, locked, err := lockOwnersTx(ctx, tx, tenant, all)
			if err != nil {
				return err
			}
			if view, err = newBatchView(ctx, tx, tenant, owner, locked); err != nil {
				return err
			}
		}
		memo := resolveMemo{view: view}
		for i, c := range calls {
			seenAt := c.SeenAt.UTC()
			key, hit := memo.lookup(c.Identifiers, st, &ch)
			if hit != nil {
				if err := hit.see(ctx, tx, tenant, seenAt, s.DB.Now(ctx), memo.view); err != nil {
					return err
				}
				out[i] = ResolveResult{ProfileID: hit.profile}
				continue
			}
			p, refused, err := s.resolveTx(ctx, tx, tenant, st, &ch, c.Identifiers, seenAt, len(all) > 0, view)
			if err != nil {
				return err
			}
			out[i] = ResolveResult{ProfileID: p, Refused: refused}
			memo.store(key, p, refused, seenAt, &ch)
		}
		return ch.publish(ctx, tx, tenant)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// batchView is ResolveBatch's copy of what its calls read — the owner of
// every identifier of the batch, the profiles they are on and those
// profiles' identifier counts — read once after the batch's locks are
// taken (nothing outside the transaction can change them from then on),
// so a call reads nothing. It is kept in step with the batch's own
// writes: applyGroupTx updates the profiles in place (they are the view's
// objects), a new profile and fresh identifiers are added by applied, and
// the memo's seen-time update is mirrored. A merge moves identifiers and
// rewrites profiles through statements the view does not follow, so the
// first merge of the batch retires it: later calls read from the
// database as before.
type batchView struct {
	owner    map[Identifier]uuid.UUID
	profiles map[uuid.UUID]*Profile
	counts   map[uuid.UUID]map[IdentifierType]int
	merges   int  // ch.merges when read
	retired  bool // a merge happened since
}

func newBatchView(ctx context.Context, tx bun.Tx, tenant uuid.UUID, owner map[Identifier]uuid.UUID, locked map[uuid.UUID]*Profile) (*batchView, error) {
	pids := make([]uuid.UUID, 0, len(locked))
	for id := range locked {
		pids = append(pids, id)
	}
	counts, err := countIdentifiersTx(ctx, tx, tenant, pids)
	if err != nil {
		return nil, err
	}
	return &batchView{owner: owner, profiles: locked, counts: counts}, nil
}

// usable reports whether calls may read the view (it exists and no merge
// happened since it was read).
func (v *batchView) usable(ch *profileChanges) bool {
	if v == nil || v.retired {
		return false
	}
	if ch.merges != v.merges {
		v.retired = true
		return false
	}
	return true
}

// read answers what readOwnedProfilesTx and countIdentifiersTx would for
// ids: their owners, the owners' profiles (the view's objects, which
// applyGroupTx updates in place) and copies of their counts.
func (v *batchView) read(ids []Identifier) (map[Identifier]uuid.UUID, map[uuid.UUID]*Profile, map[uuid.UUID]map[IdentifierType]int, bool) {
	owner := map[Identifier]uuid.UUID{}
	profiles := map[uuid.UUID]*Profile{}
	counts := map[uuid.UUID]map[IdentifierType]int{}
	for _, id := range ids {
		pid, ok := v.owner[id]
		if !ok {
			continue
		}
		owner[id] = pid
		if profiles[pid] == nil {
			p := v.profiles[pid]
			if p == nil || p.MergedInto != nil {
				return nil, nil, nil, false // not what the view is for: read the database
			}
			profiles[pid] = p
			counts[pid] = maps.Clone(v.counts[pid])
		}
	}
	return owner, profiles, counts, true
}

// applied records a group applyGroupTx wrote without a merge: its
// surviving profile (new or existing) and the fresh identifiers now on it.
func (v *batchView) applied(ch *profileChanges, surv *Profile, fresh []Identifier) {
	if !v.usable(ch) || surv == nil {
		return
	}
	v.profiles[surv.ID] = surv
	if v.counts[surv.ID] == nil {
		v.counts[surv.ID] = map[IdentifierType]int{}
	}
	for _, id := range fresh {
		v.owner[id] = surv.ID
		v.counts[surv.ID][id.Type]++
	}
}

// resolveMemo remembers, within one ResolveBatch transaction, the profile
// each set of (cleaned) identifiers resolved to, so that the batch's later
// events of the same person cost no reads. A call repeating a set that
// resolved without refusals gets the same answer resolveTx would give —
// every identifier of the set is on that profile, nothing is fresh, no
// limit is in play — as long as no merge has happened since (a merge can
// move the set's identifiers to another profile: any merge empties the
// memo). The identifiers and their owners are locked for the whole
// transaction, so nothing outside it changes them. What resolveTx would
// still write for the repeat — seen times widened to cover the event — is
// written by see; the lifecycle stage depends on identifier counts and
// purchases, which a call that changes them writes itself.
type resolveMemo struct {
	entries map[string]*memoEntry
	merges  int        // ch.merges when entries were last valid
	view    *batchView // the batch's view, whose profiles see keeps current
}

type memoEntry struct {
	profile     uuid.UUID
	first, last time.Time // seen times known to be covered
}

// memoKey is the canonical key of a call's identifiers; ok is false when
// cleaning refuses any of them (such calls always take resolveTx).
func memoKey(raw []Identifier, st identitySettings) (string, bool) {
	ids, refused := cleanIdentifiers(raw, st)
	if len(refused) > 0 || len(ids) == 0 {
		return "", false
	}
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(string(id.Type))
		b.WriteByte(0)
		b.WriteString(id.Value)
		b.WriteByte(0)
	}
	return b.String(), true
}

func (m *resolveMemo) lookup(raw []Identifier, st identitySettings, ch *profileChanges) (string, *memoEntry) {
	if ch.merges != m.merges {
		m.entries, m.merges = nil, ch.merges
	}
	key, ok := memoKey(raw, st)
	if !ok {
		return "", nil
	}
	return key, m.entries[key]
}

func (m *resolveMemo) store(key string, profile uuid.UUID, refused []RefusedLink, seenAt time.Time, ch *profileChanges) {
	if ch.merges != m.merges {
		m.entries, m.merges = nil, ch.merges
	}
	if key == "" || len(refused) > 0 || profile == uuid.Nil {
		return
	}
	if m.entries == nil {
		m.entries = map[string]*memoEntry{}
	}
	m.entries[key] = &memoEntry{profile: profile, first: seenAt, last: seenAt}
}

// see widens the profile's seen times to cover seenAt, as applyGroupTx
// does for a call that changes nothing else.
func (e *memoEntry) see(ctx context.Context, tx bun.Tx, tenant uuid.UUID, seenAt, now time.Time, view *batchView) error {
	if !seenAt.Before(e.first) && !seenAt.After(e.last) {
		return nil
	}
	if view != nil {
		if p := view.profiles[e.profile]; p != nil { // the view's copy stays what the row holds
			if seenAt.Before(p.FirstSeenAt) {
				p.FirstSeenAt, p.UpdatedAt = seenAt, now
			}
			if seenAt.After(p.LastSeenAt) {
				p.LastSeenAt, p.UpdatedAt = seenAt, now
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cdp_profiles SET first_seen_at = least(first_seen_at, ?), last_seen_at = greatest(last_seen_at, ?),
			updated_at = ? WHERE tenant_id = ? AND id = ? AND (first_seen_at > ? OR last_seen_at < ?)`,
		seenAt, seenAt, now, tenant, e.profile, seenAt, seenAt); err != nil {
		return fmt.Errorf("update seen times: %w", err)
	}
	if seenAt.Before(e.first) {
		e.first = seenAt
	}
	if seenAt.After(e.last) {
		e.last = seenAt
	}
	return nil
}

// retry runs fn in a tenant transaction, again while it fails with a
// deadlock, a serialization failure or a lost insert race.
func (s *Identity) retry(ctx context.Context, tenant uuid.UUID, fn func(ctx context.Context, tx bun.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.DB.InTenant(ctx, tenant, fn)
		if err == nil || attempt >= maxResolveAttempts || !retryableIdentity(err) {
			return err
		}
	}
}

// retryableIdentity reports whether err is a conflict with a concurrent
// transaction that running again resolves.
func retryableIdentity(err error) bool {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return false
	}
	switch pg.Code {
	case "40001", "40P01", "23505":
		return true
	}
	return false
}

// identitySettings are a tenant's effective settings.
type identitySettings struct {
	region string
	junk   []string
}

// IdentitySettings are a tenant's identity settings.
type IdentitySettings struct {
	// DefaultRegion is the ISO 3166 region phone numbers without a country
	// code are read in ("" : the server's default).
	DefaultRegion string
	// JunkValues replace the server's junk list when not nil (an empty,
	// non-nil list refuses only empty values).
	JunkValues []string
}

// MaxJunkValues bounds a tenant's junk list.
const MaxJunkValues = 200

// SetSettings stores the tenant's identity settings (they apply to calls
// after it commits; identifiers stored before are not re-normalised).
func (s *Identity) SetSettings(ctx context.Context, tenant uuid.UUID, in IdentitySettings) (err error) {
	defer derrors.Wrap(&err, "cdp.Identity.SetSettings(%v)", tenant)
	var region *string
	if in.DefaultRegion != "" {
		if !ValidRegion(in.DefaultRegion) {
			return apperr.Invalid([]string{"input", "defaultRegion"}, "unknown region (an upper-case ISO 3166 code such as US or DE)")
		}
		region = &in.DefaultRegion
	}
	var junk any
	if in.JunkValues != nil {
		if len(in.JunkValues) > MaxJunkValues {
			return apperr.Invalid([]string{"input", "junkValues"}, "at most %d junk values", MaxJunkValues)
		}
		for i, v := range in.JunkValues {
			if len(v) > MaxIdentifierLength {
				return apperr.Invalid([]string{"input", "junkValues", fmt.Sprint(i)}, "longer than %d bytes", MaxIdentifierLength)
			}
		}
		junk = pgdialect.Array(in.JunkValues)
	}
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO cdp_identity_settings (tenant_id, default_region, junk_values, updated_at)
			VALUES (?, ?, ?::text[], ?)
			ON CONFLICT (tenant_id) DO UPDATE SET default_region = EXCLUDED.default_region,
				junk_values = EXCLUDED.junk_values, updated_at = EXCLUDED.updated_at`,
			tenant, region, junk, s.DB.Now(ctx))
		return err
	})
}

// settingsTx reads the tenant's effective settings.
func (s *Identity) settingsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (identitySettings, error) {
	st := identitySettings{region: s.DefaultRegion, junk: s.JunkValues}
	if st.region == "" {
		st.region = "US"
	}
	if st.junk == nil {
		st.junk = DefaultJunkValues
	}
	var row struct {
		Region *string  `bun:"default_region"`
		Junk   []string `bun:"junk_values,array"`
		IsSet  bool     `bun:"junk_set"`
	}
	err := tx.NewRaw(`SELECT default_region, junk_values, junk_values IS NOT NULL AS junk_set
		FROM cdp_identity_settings WHERE tenant_id = ?`, tenant).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read identity settings: %w", err)
	}
	if row.Region != nil {
		st.region = *row.Region
	}
	if row.IsSet {
		st.junk = row.Junk
	}
	return st, nil
}

// cleanIdentifiers normalises ids, refusing junk and invalid values, and
// returns the distinct rest strongest first.
func cleanIdentifiers(ids []Identifier, st identitySettings) ([]Identifier, []RefusedLink) {
	var out []Identifier
	var refused []RefusedLink
	for _, id := range ids {
		if IsJunkIdentifier(id.Value, st.junk) {
			refused = append(refused, RefusedLink{Identifier: id, Reason: RefusedJunk, Detail: "junk value"})
			continue
		}
		v, err := NormalizeIdentifier(id.Type, id.Value, st.region)
		if err != nil {
			refused = append(refused, RefusedLink{Identifier: id, Reason: RefusedInvalid, Detail: err.Error()})
			continue
		}
		if IsJunkIdentifier(v, st.junk) {
			refused = append(refused, RefusedLink{Identifier: id, Reason: RefusedJunk, Detail: "junk value"})
			continue
		}
		out = append(out, Identifier{Type: id.Type, Value: v})
	}
	slices.SortFunc(out, compareIdentifiers)
	return slices.Compact(out), refused
}

// identifierLockKey is the advisory-lock key of one identifier of tenant.
func identifierLockKey(tenant uuid.UUID, id Identifier) int64 {
	h := sha256.New()
	h.Write(tenant[:])
	h.Write([]byte(id.Type))
	h.Write([]byte{0})
	h.Write([]byte(id.Value))
	return int64(binary.BigEndian.Uint64(h.Sum(nil)[:8]))
}

// lockIdentifiersTx takes the transaction's advisory locks on ids, in key
// order: two calls sharing an identifier run one after the other, so an
// identifier is created once and its profile is decided by one of them
// at a time.
func lockIdentifiersTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ids []Identifier) error {
	keys := make([]int64, len(ids))
	for i, id := range ids {
		keys[i] = identifierLockKey(tenant, id)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	// unnest yields the array's elements in order, so the locks are taken
	// in key order.
	_, err := tx.ExecContext(ctx, "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(?::bigint[]) AS k", pgdialect.Array(keys))
	if err != nil {
		return fmt.Errorf("lock identifiers: %w", err)
	}
	return nil
}

// ownedIdentifier is a stored identifier of a call and its profile.
type ownedIdentifier struct {
	Type      IdentifierType `bun:"type"`
	Value     string         `bun:"value"`
	ProfileID uuid.UUID      `bun:"profile_id"`
}

// readOwnersTx reads the stored identifiers among ids with their profiles.
func readOwnersTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ids []Identifier) ([]ownedIdentifier, error) {
	types := make([]string, len(ids))
	values := make([]string, len(ids))
	for i, id := range ids {
		types[i], values[i] = string(id.Type), id.Value
	}
	var rows []ownedIdentifier
	err := tx.NewRaw(`SELECT i.type, i.value, i.profile_id FROM cdp_identifiers i
		JOIN unnest(?::text[], ?::text[]) AS x(t, v) ON i.type = x.t AND i.value = x.v
		WHERE i.tenant_id = ?`, pgdialect.Array(types), pgdialect.Array(values), tenant).Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read identifiers: %w", err)
	}
	return rows, nil
}

// lockProfilesTx locks the profiles ids (FOR UPDATE, in id order) and
// returns them by id.
func lockProfilesTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Profile, error) {
	return readProfilesTx(ctx, tx, tenant, ids, " FOR UPDATE")
}

// readOwnedProfilesTx reads the owners of ids and their profiles, which
// tx has locked already.
func readOwnedProfilesTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ids []Identifier) (map[Identifier]uuid.UUID, map[uuid.UUID]*Profile, error) {
	rows, err := readOwnersTx(ctx, tx, tenant, ids)
	if err != nil || len(rows) == 0 {
		return map[Identifier]uuid.UUID{}, map[uuid.UUID]*Profile{}, err
	}
	owner := make(map[Identifier]uuid.UUID, len(rows))
	var pids []uuid.UUID
	for _, r := range rows {
		owner[Identifier{Type: r.Type, Value: r.Value}] = r.ProfileID
		if !slices.Contains(pids, r.ProfileID) {
			pids = append(pids, r.ProfileID)
		}
	}
	profiles, err := readProfilesTx(ctx, tx, tenant, pids, "")
	if err != nil {
		return nil, nil, err
	}
	for _, pid := range pids {
		if p := profiles[pid]; p == nil || p.MergedInto != nil {
			return nil, nil, fmt.Errorf("identifier on missing or absorbed profile %v", pid)
		}
	}
	return owner, profiles, nil
}

// readProfilesTx reads the profiles ids (in id order, with lock appended
// to the query) and returns them by id.
func readProfilesTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ids []uuid.UUID, lock string) (map[uuid.UUID]*Profile, error) {
	var rows []*Profile
	err := tx.NewRaw(`SELECT * FROM cdp_profiles WHERE tenant_id = ? AND id IN (?) ORDER BY id`+lock,
		tenant, bun.In(ids)).Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("lock profiles: %w", err)
	}
	out := make(map[uuid.UUID]*Profile, len(rows))
	for _, p := range rows {
		out[p.ID] = p
	}
	return out, nil
}

// lockOwnersTx locks the profiles ids are on and returns who owns which.
// A concurrent merge may move an identifier between the read of its
// profile and the lock, so the read is repeated after each round of
// locks until every owner read is locked: from then on the owners cannot
// change (identifiers move only under their profile's lock, and the call's
// new identifiers only under its advisory locks).
func lockOwnersTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ids []Identifier) (map[Identifier]uuid.UUID, map[uuid.UUID]*Profile, error) {
	locked := map[uuid.UUID]*Profile{}
	for round := 0; round < maxLockRounds; round++ {
		rows, err := readOwnersTx(ctx, tx, tenant, ids)
		if err != nil {
			return nil, nil, err
		}
		var need []uuid.UUID
		owner := make(map[Identifier]uuid.UUID, len(rows))
		for _, r := range rows {
			owner[Identifier{Type: r.Type, Value: r.Value}] = r.ProfileID
			if locked[r.ProfileID] == nil && !slices.Contains(need, r.ProfileID) {
				need = append(need, r.ProfileID)
			}
		}
		if len(need) == 0 {
			for _, pid := range owner {
				if locked[pid].MergedInto != nil {
					return nil, nil, fmt.Errorf("identifier on absorbed profile %v", pid)
				}
			}
			return owner, locked, nil
		}
		got, err := lockProfilesTx(ctx, tx, tenant, need)
		if err != nil {
			return nil, nil, err
		}
		for id, p := range got {
			locked[id] = p
		}
		for _, id := range need {
			if got[id] == nil {
				return nil, nil, fmt.Errorf("identifier on missing profile %v", id)
			}
		}
	}
	return nil, nil, &pgconn.PgError{Code: "40001", Message: "identity: profiles kept moving while being locked"}
}

// countIdentifiersTx counts the identifiers of each type on profiles.
func countIdentifiersTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, profiles []uuid.UUID) (map[uuid.UUID]map[IdentifierType]int, error) {
	out := map[uuid.UUID]map[IdentifierType]int{}
	if len(profiles) == 0 {
		return out, nil
	}
	var rows []struct {
		ProfileID uuid.UUID      `bun:"profile_id"`
		Type      IdentifierType `bun:"type"`
		N         int            `bun:"n"`
	}
	err := tx.NewRaw(`SELECT profile_id, type, count(*) AS n FROM cdp_identifiers
		WHERE tenant_id = ? AND profile_id IN (?) GROUP BY profile_id, type`, tenant, bun.In(profiles)).Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("count identifiers: %w", err)
	}
	for _, r := range rows {
		if out[r.ProfileID] == nil {
			out[r.ProfileID] = map[IdentifierType]int{}
		}
		out[r.ProfileID][r.Type] = r.N
	}
	return out, nil
}

// resolveTx is one Resolve call in tx. With prelocked, tx already holds
// the locks of the call's identifiers and of the profiles they are on
// (ResolveBatch took them for the whole batch, and every profile an
// identifier moved to since is one tx locked or created), so the profiles
// are only read.
func (s *Identity) resolveTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, st identitySettings, ch *profileChanges, raw []Identifier, seenAt time.Time, prelocked bool, view *batchView) (uuid.UUID, []RefusedLink, error) {
	ids, refused := cleanIdentifiers(raw, st)
	if len(ids) == 0 {
		return uuid.Nil, refused, nil
	}
	var owner map[Identifier]uuid.UUID
	var profiles map[uuid.UUID]*Profile
	var counts map[uuid.UUID]map[IdentifierType]int
	var err error
	viewed := false
	if view.usable(ch) {
		owner, profiles, counts, viewed = view.read(ids)
	}
	switch {
	case viewed: // the batch's view answered
	case prelocked:
		owner, profiles, err = readOwnedProfilesTx(ctx, tx, tenant, ids)
	default:
		if err := lockIdentifiersTx(ctx, tx, tenant, ids); err != nil {
			return uuid.Nil, nil, err
		}
		owner, profiles, err = lockOwnersTx(ctx, tx, tenant, ids)
	}
	if err != nil {
		return uuid.Nil, nil, err
	}
	if counts == nil {
		pids := make([]uuid.UUID, 0, len(profiles))
		for id := range profiles {
			pids = append(pids, id)
		}
		if counts, err = countIdentifiersTx(ctx, tx, tenant, pids); err != nil {
			return uuid.Nil, nil, err
		}
	}
	plan := map[uuid.UUID]*planProfile{}
	planOwner := map[Identifier]*planProfile{}
	for id, pid := range owner {
		pp := plan[pid]
		if pp == nil {
			p := profiles[pid]
			pp = &planProfile{id: pid, createdAt: p.CreatedAt, merges: p.MergeCount, counts: counts[pid]}
			plan[pid] = pp
		}
		planOwner[id] = pp
	}
	groups, refusals := planLinks(ids, planOwner, s.Limits)

	now := s.DB.Now(ctx)
	survivors := make([]uuid.UUID, len(groups))
	landed := map[Identifier]uuid.UUID{}
	for gi, g := range groups {
		sid, err := applyGroupTx(ctx, tx, tenant, ch, g, profiles, seenAt, now)
		if err != nil {
			return uuid.Nil, nil, err
		}
		survivors[gi] = sid
		for _, id := range g.accepted {
			landed[id] = sid
		}
		view.applied(ch, profiles[sid], g.fresh)
	}
	for _, r := range refusals {
		link := RefusedLink{
			Identifier: r.id, Reason: r.reason, Detail: r.detail,
			LinkedTo: groups[r.group].accepted[0], ProfileID: survivors[r.group], KeptOn: landed[r.id],
		}
		if err := recordRefusedTx(ctx, tx, tenant, link, now); err != nil {
			return uuid.Nil, nil, err
		}
		refused = append(refused, link)
	}
	return survivors[0], refused, nil
}

// recordRefusedTx records a link the limits refused (once per profile,
// identifier and reason; a repeat moves last_refused_at).
func recordRefusedTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, l RefusedLink, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO cdp_refused_links (tenant_id, id, profile_id, identifier_type,
			identifier_value, identifier_profile_id, linked_type, linked_value, reason, detail, first_refused_at, last_refused_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, profile_id, identifier_type, identifier_value, reason) DO UPDATE SET
			identifier_profile_id = EXCLUDED.identifier_profile_id, linked_type = EXCLUDED.linked_type,
			linked_value = EXCLUDED.linked_value, detail = EXCLUDED.detail,
			last_refused_at = greatest(cdp_refused_links.last_refused_at, EXCLUDED.last_refused_at)`,
		tenant, uuid.New(), l.ProfileID, l.Identifier.Type, l.Identifier.Value, l.KeptOn,
		l.LinkedTo.Type, l.LinkedTo.Value, l.Reason, truncateIdentity(l.Detail, 500), now, now)
	if err != nil {
		return fmt.Errorf("record refused link: %w", err)
	}
	return nil
}

// applyGroupTx makes one planned group a profile: a new one when no
// stored profile is in it, else the oldest, with the others merged into
// it; the group's new identifiers are stored on it and its seen times
// moved to cover seenAt.
func applyGroupTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ch *profileChanges, g *planGroup, profiles map[uuid.UUID]*Profile, seenAt, now time.Time) (uuid.UUID, error) {
	var surv *Profile
	changed := len(g.fresh) > 0
	if len(g.profiles) == 0 {
		// A version 7 id: profiles created in one transaction share its
		// created_at, and olderProfile breaks that tie by id, so the ids
		// must follow creation order (google/uuid's V7 is monotonic within
		// the process) for a batch to pick the survivor the same calls
		// resolved one by one would.
		id, err := uuid.NewV7()
		if err != nil {
			return uuid.Nil, fmt.Errorf("profile id: %w", err)
		}
		surv = &Profile{
			TenantID: tenant, ID: id, CreatedAt: now, UpdatedAt: now,
			FirstSeenAt: seenAt, LastSeenAt: seenAt, LifecycleStage: StageAnonymous, Traits: map[string]json.RawMessage{},
		}
		if _, err := tx.NewInsert().Model(surv).Exec(ctx); err != nil {
			return uuid.Nil, fmt.Errorf("insert profile: %w", err)
		}
		profiles[surv.ID] = surv
	} else {
		surv = profiles[g.profiles[0].id]
		if len(g.profiles) > 1 {
			absorbed := make([]*Profile, 0, len(g.profiles)-1)
			for _, pp := range g.profiles[1:] {
				absorbed = append(absorbed, profiles[pp.id])
			}
			if err := mergeTx(ctx, tx, tenant, ch, surv, absorbed, g.accepted, now); err != nil {
				return uuid.Nil, err
			}
			changed = true
		}
	}
	if len(g.fresh) > 0 {
		if err := insertIdentifiersTx(ctx, tx, tenant, surv.ID, g.fresh, now); err != nil {
			return uuid.Nil, err
		}
	}
	if seenAt.Before(surv.FirstSeenAt) {
		surv.FirstSeenAt, changed = seenAt, true
	}
	if seenAt.After(surv.LastSeenAt) {
		surv.LastSeenAt, changed = seenAt, true
	}
	if stage := lifecycleStage(surv, g.counts); stage != surv.LifecycleStage {
		surv.LifecycleStage, changed = stage, true
	}
	if !changed {
		return surv.ID, nil
	}
	surv.UpdatedAt = now
	_, err := tx.NewUpdate().Model(surv).
		Column("updated_at", "first_seen_at", "last_seen_at", "lifecycle_stage", "traits",
			"event_count", "session_count", "purchase_count", "revenue_micros", "merge_count", "last_event_at", "recent_sessions").
		WherePK().Exec(ctx)
	if err != nil {
		return uuid.Nil, fmt.Errorf("update profile: %w", err)
	}
	return surv.ID, nil
}

// lifecycleStage is the stage of p with identifier counts: CUSTOMER once
// it purchased, KNOWN with an identifier that names a person, else
// ANONYMOUS. A CHURNED profile stays so (the inactivity job revives it).
func lifecycleStage(p *Profile, counts map[IdentifierType]int) string {
	switch {
	case p.LifecycleStage == StageChurned:
		return StageChurned
	case p.Purchases > 0:
		return StageCustomer
	}
	for t, n := range counts {
		if n > 0 && t.known() {
			return StageKnown
		}
	}
	return StageAnonymous
}

// insertIdentifiersTx stores ids (new to the tenant) on profile.
func insertIdentifiersTx(ctx context.Context, tx bun.Tx, tenant, profile uuid.UUID, ids []Identifier, now time.Time) error {
	types := make([]string, len(ids))
	values := make([]string, len(ids))
	hashes := make([]string, len(ids))
	prios := make([]int, len(ids))
	for i, id := range ids {
		types[i], values[i], hashes[i], prios[i] = string(id.Type), id.Value, IdentifierHash(id.Value), id.Type.Priority()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO cdp_identifiers (tenant_id, type, value, value_hash, profile_id, priority, created_at)
		SELECT ?, x.t, x.v, x.h, ?, x.p, ? FROM unnest(?::text[], ?::text[], ?::text[], ?::smallint[]) AS x(t, v, h, p)`,
		tenant, profile, now, pgdialect.Array(types), pgdialect.Array(values), pgdialect.Array(hashes), pgdialect.Array(prios))
	if err != nil {
		return fmt.Errorf("insert identifiers: %w", err)
	}
	return nil
}

// mergeTx merges absorbed (oldest first, all locked) into surv (locked,
// older than all of them): their identifiers move to surv, their traits
// fill the keys surv lacks (an older profile's value wins over a younger
// one's), their counters add up, and each merge is recorded with the
// call's identifiers (link) and the identifiers it moved. An absorbed
// profile keeps its own row (traits, counters) as it was, with
// merged_into set; profiles merged into it earlier now point at surv.
func mergeTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ch *profileChanges, surv *Profile, absorbed []*Profile, link []Identifier, now time.Time) error {
	ids := make([]uuid.UUID, len(absorbed))
	for i, a := range absorbed {
		ids[i] = a.ID
	}
	var moved []struct {
		ProfileID uuid.UUID      `bun:"profile_id"`
		Type      IdentifierType `bun:"type"`
		Value     string         `bun:"value"`
	}
	err := tx.NewRaw(`SELECT profile_id, type, value FROM cdp_identifiers WHERE tenant_id = ? AND profile_id IN (?)`,
		tenant, bun.In(ids)).Scan(ctx, &moved)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read absorbed identifiers: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cdp_identifiers SET profile_id = ? WHERE tenant_id = ? AND profile_id IN (?)`,
		surv.ID, tenant, bun.In(ids)); err != nil {
		return fmt.Errorf("move identifiers: %w", err)
	}
	// Keep every absorbed profile one hop from its final survivor.
	var repointed []uuid.UUID
	if err := tx.NewRaw(`UPDATE cdp_profiles SET merged_into = ?, updated_at = ? WHERE tenant_id = ? AND merged_into IN (?) RETURNING id`,
		surv.ID, now, tenant, bun.In(ids)).Scan(ctx, &repointed); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("repoint absorbed profiles: %w", err)
	}
	// Subscribers of every profile that now resolves to surv hear it (the
	// call's transaction announces its changes once, before it commits).
	for _, id := range append(repointed, ids...) {
		ch.changed(id, surv.ID)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cdp_profiles SET merged_into = ?, merged_at = ?, updated_at = ? WHERE tenant_id = ? AND id IN (?)`,
		surv.ID, now, now, tenant, bun.In(ids)); err != nil {
		return fmt.Errorf("mark absorbed profiles: %w", err)
	}
	brought := map[uuid.UUID][]Identifier{}
	for _, m := range moved {
		brought[m.ProfileID] = append(brought[m.ProfileID], Identifier{Type: m.Type, Value: m.Value})
	}
	linkJSON, err := marshalIdentifiers(link)
	if err != nil {
		return err
	}
	traits := map[string]json.RawMessage{}
	for i := len(absorbed) - 1; i >= 0; i-- { // youngest first: older values overwrite
		a := absorbed[i]
		for k, v := range a.Traits {
			traits[k] = v
		}
	}
	for k, v := range surv.Traits {
		traits[k] = v
	}
	surv.Traits = traits
	for _, a := range absorbed {
		own := brought[a.ID]
		slices.SortFunc(own, compareIdentifiers)
		idsJSON, err := marshalIdentifiers(own)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_profile_merges (tenant_id, id, survivor_id, absorbed_id, reason, link, identifiers, merged_at)
			VALUES (?, ?, ?, ?, 'LINK', ?, ?, ?)`, tenant, uuid.New(), surv.ID, a.ID, linkJSON, idsJSON, now); err != nil {
			return fmt.Errorf("record merge: %w", err)
		}
		surv.Events += a.Events
		surv.Sessions += a.Sessions
		surv.Purchases += a.Purchases
		surv.RevenueMicros += a.RevenueMicros
		surv.MergeCount += a.MergeCount + 1
		if a.FirstSeenAt.Before(surv.FirstSeenAt) {
			surv.FirstSeenAt = a.FirstSeenAt
		}
		if a.LastSeenAt.After(surv.LastSeenAt) {
			surv.LastSeenAt = a.LastSeenAt
		}
		if a.LastEventAt != nil && (surv.LastEventAt == nil || a.LastEventAt.After(*surv.LastEventAt)) {
			at := *a.LastEventAt
			surv.LastEventAt = &at
		}
		for id, at := range a.RecentSessions {
			if cur, ok := surv.RecentSessions[id]; !ok || at.After(cur) {
				if surv.RecentSessions == nil {
					surv.RecentSessions = map[string]time.Time{}
				}
				surv.RecentSessions[id] = at
			}
		}
		if surv.LastEventAt != nil {
			forgetSessions(surv.RecentSessions, *surv.LastEventAt)
		}
		merged := surv.ID
		a.MergedInto, a.MergedAt = &merged, &now
	}
	return nil
}
