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

	"github.com/stratumhq/stratum/internal/derrors"
)

// ExportFormat names the layout of an export's JSON (its "format" key).
const ExportFormat = "stratum.profile-export.v1"

// ProfileExport is the JSON document of an export: everything Stratum's
// CDP holds on one person.
type ProfileExport struct {
	Format     string    `json:"format"`
	ExportedAt time.Time `json:"exportedAt"`
	// Profile is the live profile; MergedProfiles the ids merged into it.
	Profile        exportProfile   `json:"profile"`
	MergedProfiles []uuid.UUID     `json:"mergedProfiles"`
	Identities     []Identifier    `json:"identities"`
	Consents       []Consent       `json:"consents"`
	ConsentHistory []ConsentChange `json:"consentHistory"`
	MergeHistory   []exportMerge   `json:"mergeHistory"`
	// What was computed of the person: computed traits, RFM scores and
	// segment memberships (of the live profile and the merged ones).
	ComputedTraits     []exportComputedTrait `json:"computedTraits"`
	RFM                []exportRFM           `json:"rfm"`
	SegmentMemberships []exportMembership    `json:"segmentMemberships"`
	// Events comes last: RunExport writes the stored events into it.
	Events []json.RawMessage `json:"events"`
}

type exportProfile struct {
	ID             uuid.UUID                  `json:"id"`
	CreatedAt      time.Time                  `json:"createdAt"`
	FirstSeenAt    time.Time                  `json:"firstSeenAt"`
	LastSeenAt     time.Time                  `json:"lastSeenAt"`
	LifecycleStage string                     `json:"lifecycleStage"`
	Traits         map[string]json.RawMessage `json:"traits"`
	EventCount     int64                      `json:"eventCount"`
	SessionCount   int64                      `json:"sessionCount"`
	PurchaseCount  int64                      `json:"purchaseCount"`
	RevenueMicros  int64                      `json:"revenueMicros"`
}

type exportMerge struct {
	SurvivorID  uuid.UUID       `bun:"survivor_id" json:"survivorId"`
	AbsorbedID  uuid.UUID       `bun:"absorbed_id" json:"absorbedId"`
	Link        json.RawMessage `bun:"link" json:"link"`
	Identifiers json.RawMessage `bun:"identifiers" json:"identifiers"`
	MergedAt    time.Time       `bun:"merged_at" json:"mergedAt"`
	UndoneAt    *time.Time      `bun:"undone_at" json:"undoneAt"`
}

type exportComputedTrait struct {
	ProfileID  uuid.UUID       `bun:"profile_id" json:"profileId"`
	Name       string          `bun:"name" json:"name"`
	Value      json.RawMessage `bun:"value" json:"value"`
	ComputedAt time.Time       `bun:"computed_at" json:"computedAt"`
}

type exportRFM struct {
	ProfileID  uuid.UUID `bun:"profile_id" json:"profileId"`
	Recency    int       `bun:"r" json:"recency"`
	Frequency  int       `bun:"f" json:"frequency"`
	Monetary   int       `bun:"m" json:"monetary"`
	Cell       string    `bun:"segment" json:"cell"`
	ComputedAt time.Time `bun:"computed_at" json:"computedAt"`
}

type exportMembership struct {
	ProfileID uuid.UUID  `bun:"profile_id" json:"profileId"`
	SegmentID uuid.UUID  `bun:"segment_id" json:"segmentId"`
	Segment   string     `bun:"name" json:"segment"`
	EnteredAt time.Time  `bun:"entered_at" json:"enteredAt"`
	ExitedAt  *time.Time `bun:"exited_at" json:"exitedAt"`
}

// RunExport is the privacy.export job's work for request: it scans the
// tenant's events for the person's, appending them to the request's stored
// export chunk by chunk, then reads their profile, identifiers, consents,
// merge history, computed traits, RFM scores and segment memberships and
// stores the whole JSON document (DONE, downloadable until ExportTTL from
// now). An export larger than MaxExportBytes fails. Once stop is closed it
// stops after the chunk at hand with ErrPrivacyContinue; the next run goes
// on from there. It reports whether it finished the work.
func (s *Privacy) RunExport(ctx context.Context, tenant, request uuid.UUID, stop <-chan struct{}) (done bool, err error) {
	defer derrors.Wrap(&err, "cdp.Privacy.RunExport(%v, %v)", tenant, request)
	_, p, st, sc, ok, err := s.startRequest(ctx, tenant, request, PrivacyExport)
	if err != nil || !ok {
		return false, err
	}
	if err := s.materialise(ctx, tenant); err != nil {
		return false, err
	}
	tooBig := errors.New("export too large")
	err = s.scanEvents(ctx, tenant, request, p, st, true, sc, stop, func(ctx context.Context, tx bun.Tx, hit []scannedEvent) error {
		var b []byte
		for _, e := range hit {
			if e.Doc != nil {
				b = append(append(b, ','), *e.Doc...)
			}
		}
		var size int
		if err := tx.NewRaw(`UPDATE cdp_privacy_requests SET export = coalesce(export, ''::bytea) || ?
			WHERE tenant_id = ? AND id = ? RETURNING length(export)`, b, tenant, request).Scan(ctx, &size); err != nil {
			return fmt.Errorf("store events: %w", err)
		}
		if size > s.maxExportBytes() {
			return tooBig
		}
		return nil
	})
	if errors.Is(err, tooBig) {
		return false, s.failRequest(ctx, tenant, request, fmt.Sprintf("the export is larger than %d MB", s.maxExportBytes()>>20))
	}
	if err != nil {
		return false, err
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var err error
		done, err = s.finishExportTx(ctx, tx, tenant, request, p)
		return err
	})
	return done, err
}

// finishExportTx builds the export document around the events stored so
// far and stores it; false when the person was deleted meanwhile (FAILED).
func (s *Privacy) finishExportTx(ctx context.Context, tx bun.Tx, tenant, request uuid.UUID, p *person) (bool, error) {
	now := s.DB.Now(ctx)
	var row struct {
		Export    []byte     `bun:"export"`
		ProfileID *uuid.UUID `bun:"profile_id"`
	}
	if err := tx.NewRaw(`SELECT export, profile_id FROM cdp_privacy_requests WHERE tenant_id = ? AND id = ? AND status = ? FOR UPDATE`,
		tenant, request, RequestRunning).Scan(ctx, &row); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return false, err
	}
	if row.ProfileID == nil {
		// A deletion of the person finished meanwhile: nothing is stored.
		_, err := tx.ExecContext(ctx, `UPDATE cdp_privacy_requests SET status = ?, error = ?, finished_at = ?, export = NULL
			WHERE tenant_id = ? AND id = ?`, RequestFailed, "the person was deleted meanwhile", now, tenant, request)
		return false, err
	}
	doc := &ProfileExport{Format: ExportFormat, ExportedAt: now, Events: []json.RawMessage{}}
	if err := readExportTx(ctx, tx, tenant, p, doc); err != nil {
		return false, err
	}
	head, err := json.Marshal(doc)
	if err != nil {
		return false, err
	}
	// The document ends with its empty events array: the stored events
	// (each after a comma) go in there.
	const tail = `"events":[]}`
	if !bytes.HasSuffix(head, []byte(tail)) {
		return false, errors.New("export document does not end with its events")
	}
	events := bytes.TrimPrefix(row.Export, []byte(","))
	b := make([]byte, 0, len(head)+len(events))
	b = append(b, head[:len(head)-2]...)
	b = append(append(b, events...), "]}"...)
	_, err = tx.ExecContext(ctx, `UPDATE cdp_privacy_requests SET status = ?, export = ?, export_bytes = ?, expires_at = ?,
		finished_at = ?, scan_cursor = NULL, progress_done = progress_total WHERE tenant_id = ? AND id = ?`,
		RequestDone, b, len(b), now.Add(s.exportTTL()), now, tenant, request)
	if err != nil {
		return false, fmt.Errorf("store export: %w", err)
	}
	return true, nil
}

// readExportTx fills doc with p's profile, identifiers, consents, merge
// history, computed traits, RFM scores and segment memberships.
func readExportTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, p *person, doc *ProfileExport) error {
	prof := new(Profile)
	if err := tx.NewSelect().Model(prof).Where("p.tenant_id = ? AND p.id = ?", tenant, p.live).Scan(ctx); err != nil {
		return fmt.Errorf("read profile: %w", err)
	}
	doc.Profile = exportProfile{ID: prof.ID, CreatedAt: prof.CreatedAt, FirstSeenAt: prof.FirstSeenAt, LastSeenAt: prof.LastSeenAt,
		LifecycleStage: prof.LifecycleStage, Traits: prof.Traits, EventCount: prof.Events, SessionCount: prof.Sessions,
		PurchaseCount: prof.Purchases, RevenueMicros: prof.RevenueMicros}
	if doc.Profile.Traits == nil {
		doc.Profile.Traits = map[string]json.RawMessage{}
	}
	doc.MergedProfiles = []uuid.UUID{}
	for _, id := range p.profiles {
		if id != p.live {
			doc.MergedProfiles = append(doc.MergedProfiles, id)
		}
	}
	doc.Identities = mapKeys(p.ids)
	slices.SortFunc(doc.Identities, compareIdentifiers)
	cur, err := consentsTx(ctx, tx, tenant, p.live)
	if err != nil {
		return err
	}
	doc.Consents = []Consent{}
	for _, purpose := range Purposes {
		if c, ok := cur[purpose]; ok {
			doc.Consents = append(doc.Consents, c)
		}
	}
	doc.ConsentHistory = []ConsentChange{}
	err = tx.NewRaw(`SELECT id, purpose, granted, source, decided_at, recorded_at, actor_id FROM cdp_consent_history
		WHERE tenant_id = ? AND profile_id = ANY(?::uuid[]) ORDER BY decided_at, id`, tenant, p.profileArray()).Scan(ctx, &doc.ConsentHistory)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read consent history: %w", err)
	}
	doc.MergeHistory = []exportMerge{}
	err = tx.NewRaw(`SELECT survivor_id, absorbed_id, link, identifiers, merged_at, undone_at FROM cdp_profile_merges
		WHERE tenant_id = ?0 AND (survivor_id = ANY(?1::uuid[]) OR absorbed_id = ANY(?1::uuid[])) ORDER BY merged_at, id`,
		tenant, p.profileArray()).Scan(ctx, &doc.MergeHistory)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read merge history: %w", err)
	}
	return readDerivedExportTx(ctx, tx, tenant, p, doc)
}

// readDerivedExportTx fills doc with what was computed of p.
func readDerivedExportTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, p *person, doc *ProfileExport) error {
	doc.ComputedTraits = []exportComputedTrait{}
	err := tx.NewRaw(`SELECT t.profile_id, d.name, t.value, t.computed_at FROM cdp_computed_traits t
		JOIN cdp_trait_definitions d ON d.tenant_id = t.tenant_id AND d.id = t.definition_id
		WHERE t.tenant_id = ? AND t.profile_id = ANY(?::uuid[]) ORDER BY d.name, t.profile_id`, tenant, p.profileArray()).Scan(ctx, &doc.ComputedTraits)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read computed traits: %w", err)
	}
	for i := range doc.ComputedTraits {
		if doc.ComputedTraits[i].Value == nil {
			doc.ComputedTraits[i].Value = json.RawMessage("null")
		}
	}
	doc.RFM = []exportRFM{}
	err = tx.NewRaw(`SELECT profile_id, r, f, m, segment, computed_at FROM cdp_profile_rfm
		WHERE tenant_id = ? AND profile_id = ANY(?::uuid[]) ORDER BY profile_id`, tenant, p.profileArray()).Scan(ctx, &doc.RFM)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read RFM scores: %w", err)
	}
	doc.SegmentMemberships = []exportMembership{}
	err = tx.NewRaw(`SELECT m.profile_id, m.segment_id, s.name, m.entered_at, m.exited_at FROM cdp_segment_members m
		JOIN cdp_segments s ON s.tenant_id = m.tenant_id AND s.id = m.segment_id
		WHERE m.tenant_id = ? AND m.profile_id = ANY(?::uuid[]) ORDER BY s.name, m.segment_id, m.profile_id`,
		tenant, p.profileArray()).Scan(ctx, &doc.SegmentMemberships)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read segment memberships: %w", err)
	}
	return nil
}
