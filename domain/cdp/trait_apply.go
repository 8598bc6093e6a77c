package cdp

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// This file applies events to computed traits (docs/adr/0019). A profile's
// events, for its traits as for its timeline, are those whose userId or
// anonymousId is one of its USER_ID or ANONYMOUS_ID identifiers, and only
// once their batch is processed (an event counts from the transaction that
// processes its batch on, exactly once). Every writer of a profile's
// computed traits — the batch job, the backfill, the expiry and the
// identity reconciliation — first takes the tenant's cdp_trait_tenants row
// FOR SHARE (a change of definitions waits for it) and then the profile's
// cdp_trait_profiles row FOR UPDATE, in profile id order.

// traitRow is a stored profile value and state of one trait.
type traitRow struct {
	bun.BaseModel `bun:"table:cdp_computed_traits"`

	TenantID     uuid.UUID       `bun:"tenant_id,pk"`
	ProfileID    uuid.UUID       `bun:"profile_id,pk"`
	DefinitionID uuid.UUID       `bun:"definition_id,pk"`
	Value        json.RawMessage `bun:"value,type:jsonb"`
	ComputedAt   time.Time       `bun:"computed_at"`
	State        json.RawMessage `bun:"state,type:jsonb"`
	OldestDay    *time.Time      `bun:"oldest_day,type:date"`
}

// shareTraitTenantTx takes the tenant's trait row FOR SHARE; false when the
// tenant never had a definition.
func shareTraitTenantTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (bool, error) {
	var one int
	err := tx.NewRaw(`SELECT 1 FROM cdp_trait_tenants WHERE tenant_id = ? FOR SHARE`, tenant).Scan(ctx, &one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// batchTraitEvent is an event of a batch with the ids it maps by.
type batchTraitEvent struct {
	traitEvent
	UserID      *string `bun:"user_id"`
	AnonymousID *string `bun:"anonymous_id"`
}

// applyTraitsTx is the batch job's computed-traits step (one call in
// processBatchTx): the batch's events of the defined event names are
// folded into their profiles' states; a profile whose identifiers changed
// since its traits were computed (a merge, an unmerge, a split, a new
// identifier) is recomputed from its events instead. It returns the
// profiles whose traits it computed (their segment membership is then
// refreshed with the batch's).
func applyTraitsTx(ctx context.Context, tx bun.Tx, tenant, batch uuid.UUID, now time.Time) ([]uuid.UUID, error) {
	ok, err := shareTraitTenantTx(ctx, tx, tenant)
	if err != nil || !ok {
		return nil, err
	}
	defs, err := definitionsTx(ctx, tx, tenant)
	if err != nil || len(defs) == 0 {
		return nil, err
	}
	var evs []batchTraitEvent
	err = tx.NewRaw(`SELECT event, user_id, anonymous_id, "timestamp", source_id, message_id, coalesce(properties::text, '') AS properties
		FROM cdp_events WHERE tenant_id = ? AND batch_id = ? AND event IN (?)`,
		tenant, batch, bun.In(eventNames(defs))).Scan(ctx, &evs)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read batch events: %w", err)
	}
	if len(evs) == 0 {
		return nil, nil
	}
	owners, err := eventOwnersTx(ctx, tx, tenant, evs)
	if err != nil {
		return nil, err
	}
	byProfile := map[uuid.UUID][]*traitEvent{}
	for i := range evs {
		e := &evs[i]
		for _, p := range owners(e) {
			x := e.traitEvent
			x.Profile = p
			byProfile[p] = append(byProfile[p], &x)
		}
	}
	profiles := make([]uuid.UUID, 0, len(byProfile))
	for p := range byProfile {
		profiles = append(profiles, p)
	}
	stale, err := lockTraitProfilesTx(ctx, tx, tenant, profiles)
	if err != nil {
		return nil, err
	}
	if err := recomputeTx(ctx, tx, tenant, stale, defs, now, true); err != nil {
		return nil, err
	}
	var fresh []uuid.UUID
	for _, p := range profiles {
		if !slices.Contains(stale, p) {
			fresh = append(fresh, p)
		}
	}
	return profiles, foldTx(ctx, tx, tenant, fresh, defs, now, func(p uuid.UUID) []*traitEvent { return byProfile[p] })
}

// eventNames are the distinct event names of defs.
func eventNames(defs []*TraitDefinition) []string {
	var out []string
	for _, d := range defs {
		if !slices.Contains(out, d.Event) {
			out = append(out, d.Event)
		}
	}
	return out
}

// eventOwnersTx maps the events' userIds and anonymousIds to the profiles
// that hold them; the result gives an event's profiles (one, two when
// its ids are on different profiles, none when neither is known).
func eventOwnersTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, evs []batchTraitEvent) (func(*batchTraitEvent) []uuid.UUID, error) {
	var values []string
	for i := range evs {
		for _, v := range []*string{evs[i].UserID, evs[i].AnonymousID} {
			if v != nil && !slices.Contains(values, *v) {
				values = append(values, *v)
			}
		}
	}
	owner := map[Identifier]uuid.UUID{}
	if len(values) > 0 {
		var rows []struct {
			Type      IdentifierType `bun:"type"`
			Value     string         `bun:"value"`
			ProfileID uuid.UUID      `bun:"profile_id"`
		}
		err := tx.NewRaw(`SELECT type, value, profile_id FROM cdp_identifiers WHERE tenant_id = ? AND type IN (?, ?) AND value IN (?)`,
			tenant, IdentifierUserID, IdentifierAnonymousID, bun.In(values)).Scan(ctx, &rows)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("read event owners: %w", err)
		}
		for _, r := range rows {
			owner[Identifier{Type: r.Type, Value: r.Value}] = r.ProfileID
		}
	}
	return func(e *batchTraitEvent) []uuid.UUID {
		var out []uuid.UUID
		if e.UserID != nil {
			if p, ok := owner[Identifier{IdentifierUserID, *e.UserID}]; ok {
				out = append(out, p)
			}
		}
		if e.AnonymousID != nil {
			if p, ok := owner[Identifier{IdentifierAnonymousID, *e.AnonymousID}]; ok && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
		return out
	}, nil
}

func sortIDs(ids []uuid.UUID) {
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
}

// noSignature is a new cdp_trait_profiles row's signature: it never equals
// a real one, so the profile's traits are computed from its events first.
const noSignature = "-"

// lockTraitProfilesTx locks the profiles' trait rows (creating them) in id
// order and returns the profiles whose identifiers changed since their
// traits were computed (sorted).
func lockTraitProfilesTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, profiles []uuid.UUID) ([]uuid.UUID, error) {
	if len(profiles) == 0 {
		return nil, nil
	}
	sortIDs(profiles)
	if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_trait_profiles (tenant_id, profile_id, ident_sig)
		SELECT ?, p, ? FROM unnest(?::uuid[]) AS p ORDER BY p ON CONFLICT DO NOTHING`, tenant, noSignature, uuidArray(profiles)); err != nil {
		return nil, fmt.Errorf("add trait profiles: %w", err)
	}
	var rows []struct {
		ProfileID uuid.UUID `bun:"profile_id"`
		Stored    string    `bun:"ident_sig"`
		Current   string    `bun:"current"`
	}
	if err := tx.NewRaw(`SELECT profile_id, ident_sig FROM cdp_trait_profiles WHERE tenant_id = ? AND profile_id IN (?)
		ORDER BY profile_id FOR UPDATE`, tenant, bun.In(profiles)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("lock trait profiles: %w", err)
	}
	current, err := identSignaturesTx(ctx, tx, tenant, profiles)
	if err != nil {
		return nil, err
	}
	var stale []uuid.UUID
	for _, r := range rows {
		if r.Stored != current[r.ProfileID] {
			stale = append(stale, r.ProfileID)
		}
	}
	return stale, nil
}

// identSignaturesTx is each profile's signature of its userId and
// anonymousId identifiers ("" when it has none).
func identSignaturesTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, profiles []uuid.UUID) (map[uuid.UUID]string, error) {
	var rows []struct {
		ProfileID uuid.UUID `bun:"profile_id"`
		Sig       string    `bun:"sig"`
	}
	err := tx.NewRaw(`SELECT profile_id, md5(string_agg(type || ':' || value, E'\n' ORDER BY type, value)) AS sig
		FROM cdp_identifiers WHERE tenant_id = ? AND profile_id IN (?) AND type IN (?, ?) GROUP BY profile_id`,
		tenant, bun.In(profiles), IdentifierUserID, IdentifierAnonymousID).Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read identifier signatures: %w", err)
	}
	out := make(map[uuid.UUID]string, len(rows))
	for _, r := range rows {
		out[r.ProfileID] = r.Sig
	}
	return out, nil
}

// readStatesTx reads the stored states of profiles × defs.
func readStatesTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, profiles []uuid.UUID, defs []*TraitDefinition) (map[[2]uuid.UUID]*traitState, error) {
	out := map[[2]uuid.UUID]*traitState{}
	if len(profiles) == 0 || len(defs) == 0 {
		return out, nil
	}
	ids := make([]uuid.UUID, len(defs))
	for i, d := range defs {
		ids[i] = d.ID
	}
	var rows []traitRow
	err := tx.NewSelect().Model(&rows).Column("profile_id", "definition_id", "state").
		Where("tenant_id = ? AND profile_id IN (?) AND definition_id IN (?)", tenant, bun.In(profiles), bun.In(ids)).Scan(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read trait states: %w", err)
	}
	for _, r := range rows {
		st := newTraitState()
		if err := json.Unmarshal(r.State, st); err != nil {
			return nil, fmt.Errorf("trait state of %v: %w", r.ProfileID, err)
		}
		if st.Buckets == nil {
			st.Buckets = map[string]*traitBucket{}
		}
		out[[2]uuid.UUID{r.ProfileID, r.DefinitionID}] = st
	}
	return out, nil
}

// foldTx folds each profile's new events into its stored states (expiring
// old days at now) and writes the states that changed. A state that
// overflowed its value table is recomputed from the events instead.
func foldTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, profiles []uuid.UUID, defs []*TraitDefinition, now time.Time, events func(uuid.UUID) []*traitEvent) error {
	states, err := readStatesTx(ctx, tx, tenant, profiles, defs)
	if err != nil {
		return err
	}
	var w traitWriter
	overflow := map[uuid.UUID][]*TraitDefinition{}
	for _, p := range profiles {
		for _, d := range defs {
			key := [2]uuid.UUID{p, d.ID}
			st := states[key]
			if st == nil {
				st = newTraitState()
			}
			changed := st.expire(d, now)
			for _, e := range events(p) {
				changed = st.add(d, e, now) || changed
			}
			if !changed {
				continue
			}
			if st.Overflow {
				overflow[p] = append(overflow[p], d)
				continue
			}
			w.put(tenant, p, d, st, now, states[key] != nil)
		}
	}
	if err := w.flush(ctx, tx); err != nil {
		return err
	}
	for p, ds := range overflow {
		if err := recomputeTx(ctx, tx, tenant, []uuid.UUID{p}, ds, now, false); err != nil {
			return err
		}
	}
	return nil
}

// traitWriter collects the rows to write and delete.
type traitWriter struct {
	upserts []traitRow
	deletes [][2]uuid.UUID
	tenant  uuid.UUID
}

// put records st as the state of (p, d): written when it holds a value,
// deleted (when stored) when it holds none.
func (w *traitWriter) put(tenant, p uuid.UUID, d *TraitDefinition, st *traitState, now time.Time, stored bool) {
	w.tenant = tenant
	v, ok := st.value(d)
	if !ok {
		if stored {
			w.deletes = append(w.deletes, [2]uuid.UUID{p, d.ID})
		}
		return
	}
	if st.Overflow {
		for _, b := range st.Buckets {
			b.Values = nil
		}
	}
	raw, _ := json.Marshal(st) // plain structs: never fails
	row := traitRow{TenantID: tenant, ProfileID: p, DefinitionID: d.ID, Value: json.RawMessage(v), ComputedAt: now, State: raw}
	if day := st.oldestDay(); day != nil {
		row.OldestDay = day
	}
	w.upserts = append(w.upserts, row)
}

// flush writes the collected rows.
func (w *traitWriter) flush(ctx context.Context, tx bun.Tx) error {
	if len(w.upserts) > 0 {
		slices.SortFunc(w.upserts, func(a, b traitRow) int {
			if c := bytes.Compare(a.ProfileID[:], b.ProfileID[:]); c != 0 {
				return c
			}
			return bytes.Compare(a.DefinitionID[:], b.DefinitionID[:])
		})
		_, err := tx.NewInsert().Model(&w.upserts).
			On("CONFLICT (tenant_id, profile_id, definition_id) DO UPDATE").
			Set("value = EXCLUDED.value, computed_at = EXCLUDED.computed_at, state = EXCLUDED.state, oldest_day = EXCLUDED.oldest_day").
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("write computed traits: %w", err)
		}
	}
	for _, k := range w.deletes {
		if _, err := tx.ExecContext(ctx, `DELETE FROM cdp_computed_traits WHERE tenant_id = ? AND profile_id = ? AND definition_id = ?`,
			w.tenant, k[0], k[1]); err != nil {
			return fmt.Errorf("drop computed trait: %w", err)
		}
	}
	w.upserts, w.deletes = nil, nil
	return nil
}

// profileEventsTx reads the processed events of profiles with the defs'
// event names (each event once per profile it belongs to), from the
// oldest window's start on.
func profileEventsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, profiles []uuid.UUID, defs []*TraitDefinition, now time.Time) ([]traitEvent, error) {
	since := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, d := range defs {
		if d.WindowDays == nil {
			since = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
			break
		}
		if s := windowStart(*d.WindowDays, now); i == 0 || s.Before(since) {
			since = s
		}
	}
	var out []traitEvent
	err := tx.NewRaw(`WITH ids AS (
			SELECT profile_id, type, value FROM cdp_identifiers WHERE tenant_id = ? AND profile_id IN (?) AND type IN (?, ?)
		)
		SELECT ids.profile_id, e.event, e."timestamp", e.source_id, e.message_id, coalesce(e.properties::text, '') AS properties
		FROM ids JOIN cdp_events e ON e.tenant_id = ? AND e.user_id = ids.value
		JOIN cdp_batches b ON b.tenant_id = e.tenant_id AND b.id = e.batch_id AND b.processed_at IS NOT NULL
		WHERE ids.type = ? AND e.event IN (?) AND e."timestamp" >= ?
		UNION
		SELECT ids.profile_id, e.event, e."timestamp", e.source_id, e.message_id, coalesce(e.properties::text, '') AS properties
		FROM ids JOIN cdp_events e ON e.tenant_id = ? AND e.anonymous_id = ids.value
		JOIN cdp_batches b ON b.tenant_id = e.tenant_id AND b.id = e.batch_id AND b.processed_at IS NOT NULL
		WHERE ids.type = ? AND e.event IN (?) AND e."timestamp" >= ?`,
		tenant, bun.In(profiles), IdentifierUserID, IdentifierAnonymousID,
		tenant, IdentifierUserID, bun.In(eventNames(defs)), since,
		tenant, IdentifierAnonymousID, bun.In(eventNames(defs)), since).Scan(ctx, &out)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read profile events: %w", err)
	}
	return out, nil
}

// recomputeTx computes the profiles' values of defs afresh from their
// events (the profiles' trait rows locked by the caller). With all set,
// defs are all the tenant's definitions and the profiles' identifier
// signatures are recorded: their traits are now computed from their
// current identifiers.
func recomputeTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, profiles []uuid.UUID, defs []*TraitDefinition, now time.Time, all bool) error {
	if len(profiles) == 0 {
		return nil
	}
	evs, err := profileEventsTx(ctx, tx, tenant, profiles, defs, now)
	if err != nil {
		return err
	}
	byProfile := map[uuid.UUID][]*traitEvent{}
	for i := range evs {
		byProfile[evs[i].Profile] = append(byProfile[evs[i].Profile], &evs[i])
	}
	stored, err := readStatesTx(ctx, tx, tenant, profiles, defs)
	if err != nil {
		return err
	}
	var w traitWriter
	for _, p := range profiles {
		for _, d := range defs {
			st := evaluate(d, byProfile[p], now)
			w.put(tenant, p, d, st, now, stored[[2]uuid.UUID{p, d.ID}] != nil)
		}
	}
	if err := w.flush(ctx, tx); err != nil {
		return err
	}
	if !all {
		return nil
	}
	sigs, err := identSignaturesTx(ctx, tx, tenant, profiles)
	if err != nil {
		return err
	}
	for _, p := range profiles {
		if _, err := tx.ExecContext(ctx, `UPDATE cdp_trait_profiles SET ident_sig = ? WHERE tenant_id = ? AND profile_id = ?`,
			sigs[p], tenant, p); err != nil {
			return fmt.Errorf("record identifier signature: %w", err)
		}
	}
	return nil
}

// evaluate folds events into a fresh state of d at now, without the
// distinct-value bound: an overflowing state keeps its exact value.
func evaluate(d *TraitDefinition, evs []*traitEvent, now time.Time) *traitState {
	st := newTraitState()
	st.unbounded = true
	for _, e := range evs {
		st.add(d, e, now)
	}
	st.unbounded = false
	if st.distinct() > MaxTraitDistinctValues {
		v, _ := st.valueOf(d)
		st.Overflow, st.Exact = true, v
	}
	return st
}

func uuidArray(ids []uuid.UUID) any {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return textArray(s)
}
