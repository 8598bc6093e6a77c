package cdp

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
	Profile        exportProfile     `json:"profile"`
	MergedProfiles []uuid.UUID       `json:"mergedProfiles"`
	Identities     []Identifier      `json:"identities"`
	Consents       []Consent         `json:"consents"`
	ConsentHistory []ConsentChange   `json:"consentHistory"`
	MergeHistory   []exportMerge     `json:"mergeHistory"`
	Events         []json.RawMessage `json:"events"`
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

// RunExport is the privacy.export job's work for request: it reads the
// person's profile, identifiers, consents and merge history, scans the
// tenant's events for theirs, and stores the JSON document on the request
// (DONE, downloadable until ExportTTL from now). An export larger than
// MaxExportBytes fails. A retry starts over. It reports whether it did the
// work.
func (s *Privacy) RunExport(ctx context.Context, tenant, request uuid.UUID) (done bool, err error) {
	defer derrors.Wrap(&err, "cdp.Privacy.RunExport(%v, %v)", tenant, request)
	_, p, st, ok, err := s.startRequest(ctx, tenant, request, PrivacyExport)
	if err != nil || !ok {
		return false, err
	}
	doc := &ProfileExport{Format: ExportFormat, Events: []json.RawMessage{}}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return readExportTx(ctx, tx, tenant, p, doc)
	})
	if err != nil {
		return false, err
	}
	size := 0
	tooBig := errors.New("export too large")
	_, err = s.scanEvents(ctx, tenant, request, p, st, true, func(_ context.Context, _ bun.Tx, hit []scannedEvent) error {
		for _, e := range hit {
			if e.Doc == nil {
				continue
			}
			size += len(*e.Doc)
			if size > s.maxExportBytes() {
				return tooBig
			}
			doc.Events = append(doc.Events, json.RawMessage(*e.Doc))
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
		now := s.DB.Now(ctx)
		doc.ExportedAt = now
		b, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		// A deletion of the person that finished meanwhile cleared the
		// request's profile: the export is not stored.
		res, err := tx.ExecContext(ctx, `UPDATE cdp_privacy_requests SET status = ?, export = ?, export_bytes = ?, expires_at = ?,
			finished_at = ?, progress_done = progress_total WHERE tenant_id = ? AND id = ? AND status = ? AND profile_id IS NOT NULL`,
			RequestDone, b, len(b), now.Add(s.exportTTL()), now, tenant, request, RequestRunning)
		if err != nil {
			return fmt.Errorf("store export: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			done = true
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE cdp_privacy_requests SET status = ?, error = ?, finished_at = ?
			WHERE tenant_id = ? AND id = ? AND status = ?`, RequestFailed, "the person was deleted meanwhile", now, tenant, request, RequestRunning)
		return err
	})
	return done, err
}

// readExportTx fills doc with p's profile, identifiers, consents and
// merge history.
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
	return nil
}
