package cdp

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// This file is the batch job's identity resolution and profile data
// (docs/adr/0016, "Identity resolution in the batch job"): the events of a
// committed batch are resolved to profiles (Identity.ResolveBatch, its own
// transactions, before the job's), then their traits, seen times and
// counters are applied in the transaction that marks the batch processed,
// so they count exactly once per batch.

// Bounds of a profile's traits (identify's traits merged in).
const (
	// MaxProfileTraits bounds a profile's trait keys: past it, new keys are
	// dropped (existing ones are still updated).
	MaxProfileTraits = 200
	// MaxTraitKeyBytes bounds a trait's key; longer keys are dropped.
	MaxTraitKeyBytes = 128
	// MaxTraitValueBytes bounds a trait's value (its JSON); longer values
	// are dropped, never truncated (a cut JSON value is no value).
	MaxTraitValueBytes = 1024
)

// OrderCompleted is the track event of Segment's e-commerce spec that
// counts a purchase (properties.revenue, else properties.total, is its
// amount in the currency's units).
const OrderCompleted = "Order Completed"

// maxRevenueUnits bounds one order's amount in currency units (its micros
// must fit int64 with room to add up); a larger or non-numeric amount
// counts the purchase with no revenue.
const maxRevenueUnits = 1e9

// batchEvent is what the batch job reads of one stored event.
type batchEvent struct {
	SourceID    uuid.UUID `bun:"source_id"`
	MessageID   string    `bun:"message_id"`
	Type        string    `bun:"type"`
	Event       *string   `bun:"event"`
	AnonymousID *string   `bun:"anonymous_id"`
	UserID      *string   `bun:"user_id"`
	PreviousID  *string   `bun:"previous_id"`
	Timestamp   time.Time `bun:"timestamp"`
	// JSON texts (nil when absent).
	Traits      *string `bun:"traits"`
	CtxEmail    *string `bun:"ctx_email"`
	CtxPhone    *string `bun:"ctx_phone"`
	DeviceID    *string `bun:"device_id"`
	ExternalIDs *string `bun:"external_ids"`
	Revenue     *string `bun:"revenue"`
	Total       *string `bun:"total"`
	// SessionID is context.sessionId's JSON (RudderStack's SDKs).
	SessionID *string `bun:"session_id"`
}

// readBatchEvents reports whether batch is still to be processed and, if
// so, reads its events in time order (ties by source and messageId).
func (s *Service) readBatchEvents(ctx context.Context, tenant, batch uuid.UUID) (pending bool, evs []batchEvent, err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw(`SELECT processed_at IS NULL FROM cdp_batches WHERE tenant_id = ? AND id = ?`, tenant, batch).Scan(ctx, &pending)
		if errors.Is(err, sql.ErrNoRows) {
			pending = false
			return nil
		}
		if err != nil || !pending {
			return err
		}
		err = tx.NewRaw(`SELECT source_id, message_id, type, event, anonymous_id, user_id, previous_id, "timestamp",
				CASE WHEN type = 'identify' THEN traits::text END AS traits,
				(context->'traits'->'email')::text AS ctx_email, (context->'traits'->'phone')::text AS ctx_phone,
				(context->'device'->'id')::text AS device_id, (context->'externalIds')::text AS external_ids,
				CASE WHEN type = 'track' AND event = ? THEN (properties->'revenue')::text END AS revenue,
				CASE WHEN type = 'track' AND event = ? THEN (properties->'total')::text END AS total,
				(context->'sessionId')::text AS session_id
			FROM cdp_events WHERE tenant_id = ? AND batch_id = ?
			ORDER BY "timestamp", source_id, message_id`, OrderCompleted, OrderCompleted, tenant, batch).Scan(ctx, &evs)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return pending, evs, err
}

// jsonScalar is the text of a JSON string or number (false otherwise).
func jsonScalar(raw *string) (string, bool) {
	if raw == nil {
		return "", false
	}
	d := json.NewDecoder(strings.NewReader(*raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

// traitsOf is an identify's traits as a map (nil when absent or not an
// object).
func (e *batchEvent) traitsOf() map[string]json.RawMessage {
	if e.Traits == nil {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(*e.Traits), &m) != nil {
		return nil
	}
	return m
}

// identifiers are the identifiers the event carries, unnormalised:
// userId (USER_ID), anonymousId and an alias's previousId (ANONYMOUS_ID),
// identify's traits.email and context.traits.email (EMAIL), the same for
// phone (PHONE), context.device.id (DEVICE_ID) and Segment's
// context.externalIds ({id, type}: EXTERNAL_ID "type:id"), at most
// MaxIdentifiersPerCall.
func (e *batchEvent) identifiers() []Identifier {
	var out []Identifier
	add := func(t IdentifierType, v string) {
		if v != "" {
			out = append(out, Identifier{Type: t, Value: v})
		}
	}
	if e.UserID != nil {
		add(IdentifierUserID, *e.UserID)
	}
	if e.AnonymousID != nil {
		add(IdentifierAnonymousID, *e.AnonymousID)
	}
	if e.Type == "alias" && e.PreviousID != nil {
		add(IdentifierAnonymousID, *e.PreviousID)
	}
	traits := e.traitsOf()
	for _, f := range []struct {
		t      IdentifierType
		key    string
		fromCx *string
	}{{IdentifierEmail, "email", e.CtxEmail}, {IdentifierPhone, "phone", e.CtxPhone}} {
		if raw, ok := traits[f.key]; ok {
			s := string(raw)
			if v, ok := jsonScalar(&s); ok {
				add(f.t, v)
			}
		}
		if v, ok := jsonScalar(f.fromCx); ok {
			add(f.t, v)
		}
	}
	if v, ok := jsonScalar(e.DeviceID); ok {
		add(IdentifierDeviceID, v)
	}
	if e.ExternalIDs != nil {
		var ext []map[string]json.RawMessage
		if json.Unmarshal([]byte(*e.ExternalIDs), &ext) == nil {
			for _, x := range ext {
				idRaw, typRaw := string(x["id"]), string(x["type"])
				id, ok := jsonScalar(&idRaw)
				if !ok || strings.TrimSpace(id) == "" {
					continue
				}
				if typ, ok := jsonScalar(&typRaw); ok && typ != "" {
					id = typ + ":" + id
				}
				add(IdentifierExternalID, id)
			}
		}
	}
	slices.SortFunc(out, compareIdentifiers)
	out = slices.Compact(out)
	if len(out) > MaxIdentifiersPerCall {
		out = out[:MaxIdentifiersPerCall] // strongest first
	}
	return out
}

// purchase reports whether the event is an Order Completed and its amount
// in micros (0 when it has none usable).
func (e *batchEvent) purchase() (bool, int64) {
	if e.Type != "track" || e.Event == nil || *e.Event != OrderCompleted {
		return false, 0
	}
	for _, raw := range []*string{e.Revenue, e.Total} {
		if v, ok := jsonScalar(raw); ok {
			if m, ok := toMicros(v); ok {
				return true, m
			}
		}
	}
	return true, 0
}

// toMicros converts a decimal amount in currency units to micros, exactly
// (rounded half away from zero past the sixth decimal).
func toMicros(v string) (int64, bool) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(v))
	if !ok {
		return 0, false
	}
	if f, _ := r.Float64(); math.Abs(f) > maxRevenueUnits {
		return 0, false
	}
	r.Mul(r, big.NewRat(1_000_000, 1))
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2)).Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64(), true
}

// traitValue is one trait of a delta with the position of the event that
// set it (the later event wins).
type traitValue struct {
	v   json.RawMessage
	at  time.Time
	seq int
}

func (a traitValue) later(b traitValue) bool {
	return a.at.After(b.at) || (a.at.Equal(b.at) && a.seq > b.seq)
}

// SessionGap is the inactivity after which a profile's next event starts
// a new session (Segment's and Amplitude's 30 minutes).
const SessionGap = 30 * time.Minute

// profileDelta is what a batch adds to one profile.
type profileDelta struct {
	first, last time.Time
	events      int64
	purchases   int64
	revenue     int64
	traits      map[string]traitValue
	// marks are the events' times and session ids (sessions are counted
	// from them once the deltas are summed by live profile).
	marks []eventMark
}

// MaxSessionIDBytes bounds a session id; a longer one is ignored (the
// event is judged by the gap alone).
const MaxSessionIDBytes = 64

// sessionID is the event's context.sessionId as text ("" when absent, not
// a string or number, or too long).
func (e *batchEvent) sessionID() string {
	v, ok := jsonScalar(e.SessionID)
	if !ok || len(v) > MaxSessionIDBytes {
		return ""
	}
	return v
}

// eventMark is what sessions are counted from: an event's time and its
// session id ("" when it has none).
type eventMark struct {
	at      time.Time
	session string
}

// MaxRecentSessions bounds the session ids a profile remembers (one per
// device or browser in use at once; the oldest is forgotten first).
const MaxRecentSessions = 8

// sessionState is a profile's latest counted event's time and the
// session ids of its recent events, each with the time of its latest
// event (cdp_profiles.last_event_at and recent_sessions).
type sessionState struct {
	last   *time.Time
	recent map[string]time.Time
}

// countSessions counts the sessions that events start after the profile's
// latest counted event (st.last nil: none). In time order, an event with a
// session id starts one unless that id had an event at most SessionGap
// before it (the SDK's session goes on — also while another device's
// session interleaves); an event without one starts one when it is more
// than SessionGap after the latest event before it. An event older than
// st.last (arriving late) joins a session already counted. It returns the
// count and the new state.
func countSessions(st sessionState, evs []eventMark) (int64, sessionState) {
	sorted := slices.Clone(evs)
	slices.SortStableFunc(sorted, func(a, b eventMark) int { return a.at.Compare(b.at) })
	var n int64
	var prev time.Time
	have := st.last != nil
	if have {
		prev = *st.last
	}
	recent := maps.Clone(st.recent)
	for _, e := range sorted {
		if have && e.at.Before(prev) {
			continue // late: in a session already counted
		}
		if e.session == "" {
			if !have || e.at.Sub(prev) > SessionGap {
				n++
			}
		} else {
			if seen, ok := recent[e.session]; !ok || e.at.Sub(seen) > SessionGap {
				n++
			}
			if recent == nil {
				recent = map[string]time.Time{}
			}
			recent[e.session] = e.at
			forgetSessions(recent, e.at)
		}
		prev, have = e.at, true
	}
	if !have {
		return n, st
	}
	return n, sessionState{last: &prev, recent: recent}
}

// forgetSessions drops the ids whose latest event is more than SessionGap
// before now, then the oldest past MaxRecentSessions.
func forgetSessions(recent map[string]time.Time, now time.Time) {
	for id, at := range recent {
		if now.Sub(at) > SessionGap {
			delete(recent, id)
		}
	}
	for len(recent) > MaxRecentSessions {
		oldest, first := "", true
		for id, at := range recent {
			if first || at.Before(recent[oldest]) || (at.Equal(recent[oldest]) && id < oldest) {
				oldest, first = id, false
			}
		}
		delete(recent, oldest)
	}
}

func (d *profileDelta) add(o *profileDelta) {
	if o.first.Before(d.first) {
		d.first = o.first
	}
	if o.last.After(d.last) {
		d.last = o.last
	}
	d.events += o.events
	d.purchases += o.purchases
	d.revenue += o.revenue
	d.marks = append(d.marks, o.marks...)
	for k, v := range o.traits {
		if cur, ok := d.traits[k]; !ok || v.later(cur) {
			d.traits[k] = v
		}
	}
}

// boundedTrait reports whether a trait is within the bounds.
func boundedTrait(k string, v json.RawMessage) bool {
	return k != "" && len(k) <= MaxTraitKeyBytes && len(v) <= MaxTraitValueBytes
}

// batchDeltas sums the events by the profile each resolved to (events
// whose identifiers were all refused are on no profile and skipped).
func batchDeltas(evs []batchEvent, profiles []uuid.UUID) map[uuid.UUID]*profileDelta {
	out := map[uuid.UUID]*profileDelta{}
	for i := range evs {
		e, p := &evs[i], profiles[i]
		if p == uuid.Nil {
			continue
		}
		d := out[p]
		if d == nil {
			d = &profileDelta{first: e.Timestamp, last: e.Timestamp, traits: map[string]traitValue{}}
			out[p] = d
		}
		one := profileDelta{first: e.Timestamp, last: e.Timestamp, events: 1, traits: map[string]traitValue{}, marks: []eventMark{{e.Timestamp, e.sessionID()}}}
		if ok, micros := e.purchase(); ok {
			one.purchases, one.revenue = 1, micros
		}
		for k, v := range e.traitsOf() {
			if boundedTrait(k, v) {
				one.traits[k] = traitValue{v: bytes.Clone(v), at: e.Timestamp, seq: i}
			}
		}
		d.add(&one)
	}
	return out
}

// resolveBatchEvents resolves every event's identifiers (ResolveBatch,
// MaxResolveBatch calls per transaction) and returns each event's profile
// (uuid.Nil when all its identifiers were refused).
func (s *Service) resolveBatchEvents(ctx context.Context, tenant uuid.UUID, evs []batchEvent) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, 0, len(evs))
	for start := 0; start < len(evs); start += MaxResolveBatch {
		chunk := evs[start:min(start+MaxResolveBatch, len(evs))]
		calls := make([]ResolveCall, len(chunk))
		for i := range chunk {
			calls[i] = ResolveCall{Identifiers: chunk[i].identifiers(), SeenAt: chunk[i].Timestamp}
		}
		res, err := s.Identity.ResolveBatch(ctx, tenant, calls)
		if err != nil {
			return nil, err
		}
		for _, r := range res {
			out = append(out, r.ProfileID)
		}
	}
	return out, nil
}

// applyDeltasTx adds deltas to the live profiles of their profiles (a
// profile merged since resolution passes its share to its survivor),
// locked in id order.
func applyDeltasTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, deltas map[uuid.UUID]*profileDelta, now time.Time) error {
	if len(deltas) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, 0, len(deltas))
	for id := range deltas {
		ids = append(ids, id)
	}
	var locked map[uuid.UUID]*Profile
	live := map[uuid.UUID]uuid.UUID{}
	for round := 0; ; round++ {
		if round == maxLockRounds {
			return fmt.Errorf("profiles of the batch kept moving")
		}
		// merged_into is kept one hop from the live profile (mergeTx), so
		// one read finds every live profile; the lock below checks it.
		var rows []struct {
			ID   uuid.UUID `bun:"id"`
			Live uuid.UUID `bun:"live"`
		}
		if err := tx.NewRaw(`SELECT id, coalesce(merged_into, id) AS live FROM cdp_profiles WHERE tenant_id = ? AND id IN (?)`,
			tenant, bun.In(ids)).Scan(ctx, &rows); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read live profiles: %w", err)
		}
		var want []uuid.UUID
		seen := map[uuid.UUID]bool{}
		for _, r := range rows {
			live[r.ID] = r.Live
			if !seen[r.Live] {
				seen[r.Live] = true
				want = append(want, r.Live)
			}
		}
		if len(rows) != len(ids) {
			return fmt.Errorf("profiles of the batch missing")
		}
		var err error
		if locked, err = lockProfilesTx(ctx, tx, tenant, want); err != nil {
			return err
		}
		stable := true
		for _, l := range want {
			if p := locked[l]; p == nil || p.MergedInto != nil {
				stable = false
			}
		}
		if stable {
			break
		}
	}
	cutoff, err := churnCutoffTx(ctx, tx, tenant, now)
	if err != nil {
		return err
	}
	sum := map[uuid.UUID]*profileDelta{}
	for id, d := range deltas {
		l := live[id]
		if sum[l] == nil {
			sum[l] = &profileDelta{first: d.first, last: d.last, traits: map[string]traitValue{}}
		}
		sum[l].add(d)
	}
	targets := make([]uuid.UUID, 0, len(sum))
	for id := range sum {
		targets = append(targets, id)
	}
	slices.SortFunc(targets, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	for _, id := range targets {
		p, d := locked[id], sum[id]
		if p.Traits == nil {
			p.Traits = map[string]json.RawMessage{}
		}
		keys := make([]string, 0, len(d.traits))
		for k := range d.traits {
			keys = append(keys, k)
		}
		slices.Sort(keys) // which new keys fit under the bound does not depend on map order
		for _, k := range keys {
			if _, ok := p.Traits[k]; ok || len(p.Traits) < MaxProfileTraits {
				p.Traits[k] = d.traits[k].v
			}
		}
		if d.first.Before(p.FirstSeenAt) {
			p.FirstSeenAt = d.first
		}
		if d.last.After(p.LastSeenAt) {
			p.LastSeenAt = d.last
		}
		p.Events += d.events
		sessions, st := countSessions(sessionState{p.LastEventAt, p.RecentSessions}, d.marks)
		p.Sessions += sessions
		p.LastEventAt, p.RecentSessions = st.last, st.recent
		p.Purchases += d.purchases
		p.RevenueMicros += d.revenue
		// An event within the churn period revives a churned profile: its
		// stage is computed afresh below.
		revive := p.LifecycleStage == StageChurned && !d.last.Before(cutoff)
		if revive {
			p.LifecycleStage = StageAnonymous
		}
		if p.Purchases > 0 && p.LifecycleStage != StageChurned {
			p.LifecycleStage = StageCustomer
		}
		p.UpdatedAt = now
		_, err := tx.NewUpdate().Model(p).
			Column("updated_at", "first_seen_at", "last_seen_at", "lifecycle_stage", "traits",
				"event_count", "session_count", "last_event_at", "recent_sessions", "purchase_count", "revenue_micros").
			WherePK().Exec(ctx)
		if err != nil {
			return fmt.Errorf("apply batch to profile: %w", err)
		}
		if revive {
			if err := refreshStageTx(ctx, tx, tenant, id); err != nil {
				return err
			}
		}
	}
	var c profileChanges
	for id := range deltas {
		c.changed(id, live[id])
	}
	return c.publish(ctx, tx, tenant)
}
