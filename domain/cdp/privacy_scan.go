package cdp

import (
	"context"
	"database/sql"
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

// startRequest marks request RUNNING (again, on a retry) and returns it
// with its person and the tenant's identity settings; ok is false when
// there is nothing to do (done, failed, gone, or its profile is gone).
func (s *Privacy) startRequest(ctx context.Context, tenant, id uuid.UUID, kind string) (r *PrivacyRequest, p *person, st identitySettings, ok bool, err error) {
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
			_, err := tx.ExecContext(ctx, `UPDATE cdp_privacy_requests SET status = ?, error = ?, finished_at = ?
				WHERE tenant_id = ? AND id = ?`, RequestFailed, "the profile no longer exists", now, tenant, id)
			return err
		}
		var total int64
		if err := tx.NewRaw(`SELECT count(*) FROM cdp_events WHERE tenant_id = ?`, tenant).Scan(ctx, &total); err != nil {
			return err
		}
		// The events, then one step for the rest.
		if _, err := tx.ExecContext(ctx, `UPDATE cdp_privacy_requests SET status = ?, started_at = coalesce(started_at, ?),
			progress_done = 0, progress_total = ? WHERE tenant_id = ? AND id = ?`, RequestRunning, now, total+1, tenant, id); err != nil {
			return err
		}
		if st, err = s.Identity.settingsTx(ctx, tx, tenant); err != nil {
			return err
		}
		ok = true
		return nil
	})
	return r, p, st, ok, err
}

// scannedEvent is an event of a scan, with its row as JSON when asked.
type scannedEvent struct {
	keyedEvent
	Doc *string `bun:"doc"`
}

// scanCursor is the primary key of the last event scanned.
type scanCursor struct {
	batch, source uuid.UUID
	message       string
	received      time.Time
}

// scanEvents walks tenant's events in primary-key order, s.ScanChunk per
// transaction, and calls fn in each chunk's transaction with the events
// that carry one of p's identifiers (with their rows as JSON when withDoc
// is set), then records the progress of request. It returns how many
// events matched.
func (s *Privacy) scanEvents(ctx context.Context, tenant, request uuid.UUID, p *person, st identitySettings, withDoc bool,
	fn func(ctx context.Context, tx bun.Tx, matched []scannedEvent) error) (int64, error) {
	var cur *scanCursor
	var scanned, matched int64
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
			if cur != nil {
				q = q.Where("(e.batch_id, e.source_id, e.message_id, e.received_at) > (?, ?, ?, ?)", cur.batch, cur.source, cur.message, cur.received)
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
			matched += int64(len(hit))
			scanned += int64(len(evs))
			return setProgressTx(ctx, tx, tenant, request, scanned, 0)
		})
		if err != nil {
			return matched, err
		}
		if len(evs) < s.scanChunk() {
			return matched, nil
		}
		last := evs[len(evs)-1]
		cur = &scanCursor{batch: last.BatchID, source: last.SourceID, message: last.MessageID, received: last.ReceivedAt}
		if ctx.Err() != nil {
			return matched, ctx.Err()
		}
	}
}
