package cdp

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// This file is what both privacy jobs share: starting a request, the
// person it is about, and the scan of the tenant's events for theirs.
// Events carry no profile id (the batch job resolves them without writing
// one back), so a person's events are found the way the batch job found
// their profile: by the identifiers each event carries, normalised with
// the tenant's settings. The scan walks every event of the tenant in
// primary-key order, a chunk per transaction, recording its progress.

// person is one person's profiles (the live one and those merged into it)
// and identifiers.
type person struct {
	live     uuid.UUID
	profiles []uuid.UUID
	ids      map[Identifier]bool
}

func (p *person) profileArray() any {
	out := make([]string, len(p.profiles))
	for i, id := range p.profiles {
		out[i] = id.String()
	}
	return pgdialect.Array(out)
}

// personTx reads the person whose live profile is live.
func personTx(ctx context.Context, tx bun.Tx, tenant, live uuid.UUID) (*person, error) {
	p := &person{live: live, ids: map[Identifier]bool{}}
	err := tx.NewRaw(`SELECT id FROM cdp_profiles WHERE tenant_id = ? AND (id = ? OR merged_into = ?) ORDER BY id`, tenant, live, live).
		Scan(ctx, &p.profiles)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read profiles: %w", err)
	}
	var ids []Identifier
	err = tx.NewRaw(`SELECT type, value FROM cdp_identifiers WHERE tenant_id = ? AND profile_id = ANY(?::uuid[])`, tenant, p.profileArray()).
		Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read identifiers: %w", err)
	}
	for _, id := range ids {
		p.ids[id] = true
	}
	return p, nil
}

// ErrPrivacyContinue is returned by RunExport and RunDeletion when they
// stopped between two chunks because their caller asked (its time budget
// ran out): what they did is kept and the next run goes on from there.
var ErrPrivacyContinue = errors.New("privacy request not finished: run it again to continue")

// scanCursor is the primary key of the last event scanned.
type scanCursor struct {
	Batch    uuid.UUID `json:"b"`
	Source   uuid.UUID `json:"s"`
	Message  string    `json:"m"`
	Received time.Time `json:"r"`
}

// scanState is where a request's scan is: after cur (nil: at the start),
// scanned events so far.
type scanState struct {
	cur     *scanCursor
	scanned int64
}

// startRequest marks request RUNNING and returns it with its person, the
// tenant's identity settings and where its scan is: a request already
// RUNNING with a saved cursor resumes there, any other starts over (an
// export's partial events are dropped). ok is false when there is nothing
// to do (done, failed, gone, or its profile is gone: then FAILED).
func (s *Privacy) startRequest(ctx context.Context, tenant, id uuid.UUID, kind string) (r *PrivacyRequest, p *person, st identitySettings, sc scanState, ok bool, err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		r = new(PrivacyRequest)
		err := tx.NewSelect().Model(r).Where("r.tenant_id = ? AND r.id = ?", tenant, id).For("UPDATE").Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if r.Kind != kind || r.Status == RequestDone || r.Status == RequestFailed {
			return nil
		}
		now := s.DB.Now(ctx)
		if r.ProfileID != nil {
			if p, err = personTx(ctx, tx, tenant, *r.ProfileID); err != nil {
				return err
			}
		}
		if p == nil || len(p.profiles) == 0 {
			_, err := tx.ExecContext(ctx, `UPDATE cdp_privacy_requests SET status = ?, error = ?, finished_at = ?, export = NULL
				WHERE tenant_id = ? AND id = ?`, RequestFailed, "the profile no longer exists", now, tenant, id)
			return err
		}
		if st, err = s.Identity.settingsTx(ctx, tx, tenant); err != nil {
			return err
		}
		ok = true
		if r.Status == RequestRunning && r.ScanCursor != nil {
			var c scanCursor
			if json.Unmarshal([]byte(*r.ScanCursor), &c) == nil {
				sc = scanState{cur: &c, scanned: r.ProgressDone}
				return nil
			}
		}
		var total int64
		if err := tx.NewRaw(`SELECT count(*) FROM cdp_events WHERE tenant_id = ?`, tenant).Scan(ctx, &total); err != nil {
			return err
		}
		// The events, then one step for the rest.
		_, err = tx.ExecContext(ctx, `UPDATE cdp_privacy_requests SET status = ?, started_at = coalesce(started_at, ?),
			progress_done = 0, progress_total = ?, scan_cursor = NULL, export = NULL WHERE tenant_id = ? AND id = ?`,
			RequestRunning, now, total+1, tenant, id)
		return err
	})
	return r, p, st, sc, ok, err
}

// scannedEvent is an event of a scan, with its row as JSON when asked.
type scannedEvent struct {
	keyedEvent
	Doc *string `bun:"doc"`
}

// scanEvents walks tenant's events in primary-key order from sc,
// s.ScanChunk per transaction, and calls fn in each chunk's transaction
// with the events that carry one of p's identifiers (with their rows as
// JSON when withDoc is set); the same transaction saves the scan's cursor
// and progress on request, so a later run resumes after the last chunk
// committed. After each chunk it stops with ErrPrivacyContinue once stop
// is closed (nil: never).
func (s *Privacy) scanEvents(ctx context.Context, tenant, request uuid.UUID, p *person, st identitySettings, withDoc bool,
	sc scanState, stop <-chan struct{}, fn func(ctx context.Context, tx bun.Tx, matched []scannedEvent) error) error {
	doc := "NULL::text"
	if withDoc {
		doc = "(to_jsonb(e) - 'tenant_id')::text"
	}
	for {
		var evs []scannedEvent
		err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			q := tx.NewSelect().TableExpr("cdp_events AS e").
				ColumnExpr("e.batch_id, e.source_id, e.message_id, e.received_at, "+eventIdentifierColumns+", "+doc+" AS doc").
				Where("e.tenant_id = ?", tenant).
				OrderExpr("e.batch_id, e.source_id, e.message_id, e.received_at").Limit(int64(s.scanChunk()))
			if c := sc.cur; c != nil {
				q = q.Where("(e.batch_id, e.source_id, e.message_id, e.received_at) > (?, ?, ?, ?)", c.Batch, c.Source, c.Message, c.Received)
			}
			if err := q.Scan(ctx, &evs); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("read events: %w", err)
			}
			var hit []scannedEvent
			for i := range evs {
				ids, _ := cleanIdentifiers(evs[i].identifiers(), st)
				for _, id := range ids {
					if p.ids[id] {
						hit = append(hit, evs[i])
						break
					}
				}
			}
			if len(hit) > 0 {
				if err := fn(ctx, tx, hit); err != nil {
					return err
				}
			}
			if len(evs) == 0 {
				return nil
			}
			last := evs[len(evs)-1]
			next := scanState{cur: &scanCursor{Batch: last.BatchID, Source: last.SourceID, Message: last.MessageID, Received: last.ReceivedAt},
				scanned: sc.scanned + int64(len(evs))}
			cur, err := json.Marshal(next.cur)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE cdp_privacy_requests SET scan_cursor = ?, progress_done = ?,
				progress_total = greatest(progress_total, ? + 1) WHERE tenant_id = ? AND id = ?`,
				string(cur), next.scanned, next.scanned, tenant, request); err != nil {
				return fmt.Errorf("record progress: %w", err)
			}
			sc = next
			return nil
		})
		if err != nil {
			return err
		}
		if len(evs) < s.scanChunk() {
			return nil
		}
		select {
		case <-stop:
			return ErrPrivacyContinue
		default:
		}
	}
}
