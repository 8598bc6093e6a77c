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

// This file is the suppression list's enforcement (docs/adr/0018): a
// deleted person's identifiers are kept as (type, SHA-256 of the
// normalised value) in cdp_suppressions; the batch job drops the events of
// a batch that carry one, before identity resolution could bring the
// person back, and counts them on the suppression.

// keyedEvent is an event with its primary key and the columns its
// identifiers are read from.
type keyedEvent struct {
	batchEvent
	BatchID    uuid.UUID `bun:"batch_id"`
	SourceID   uuid.UUID `bun:"source_id"`
	MessageID  string    `bun:"message_id"`
	ReceivedAt time.Time `bun:"received_at"`
}

// suppressionKey is a suppressed identifier.
type suppressionKey struct {
	Type IdentifierType `bun:"identifier_type"`
	Hash string         `bun:"value_hash"`
}

func keyOf(id Identifier) suppressionKey {
	return suppressionKey{Type: id.Type, Hash: IdentifierHash(id.Value)}
}

// dropSuppressedEvents deletes the events of a pending batch that carry a
// suppressed identifier and counts each on the strongest suppression it
// matched, in one transaction (a retry finds them gone and counts nothing
// again). The batch job calls it before reading the batch.
func (s *Service) dropSuppressedEvents(ctx context.Context, tenant, batch uuid.UUID) error {
	if s.Identity == nil {
		return nil
	}
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var any bool
		if err := tx.NewRaw(`SELECT EXISTS (SELECT 1 FROM cdp_suppressions WHERE tenant_id = ?)`, tenant).Scan(ctx, &any); err != nil || !any {
			return err
		}
		var pending bool
		err := tx.NewRaw(`SELECT processed_at IS NULL FROM cdp_batches WHERE tenant_id = ? AND id = ? FOR UPDATE`, tenant, batch).Scan(ctx, &pending)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !pending) {
			return nil
		}
		if err != nil {
			return err
		}
		var evs []keyedEvent
		err = tx.NewRaw(`SELECT batch_id, source_id, message_id, received_at, `+eventIdentifierColumns+`
			FROM cdp_events WHERE tenant_id = ? AND batch_id = ?`, tenant, batch).Scan(ctx, &evs)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read batch: %w", err)
		}
		st, err := s.Identity.settingsTx(ctx, tx, tenant)
		if err != nil {
			return err
		}
		per := make([][]Identifier, len(evs))
		var all []Identifier
		for i := range evs {
			per[i], _ = cleanIdentifiers(evs[i].identifiers(), st)
			all = append(all, per[i]...)
		}
		suppressed, err := suppressedTx(ctx, tx, tenant, all)
		if err != nil || len(suppressed) == 0 {
			return err
		}
		counts := map[suppressionKey]int64{}
		var drop []keyedEvent
		for i := range evs {
			for _, id := range per[i] { // strongest first
				if k := keyOf(id); suppressed[k] {
					counts[k]++
					drop = append(drop, evs[i])
					break
				}
			}
		}
		if err := deleteEventsTx(ctx, tx, tenant, drop, false); err != nil {
			return err
		}
		now := s.DB.Now(ctx)
		for k, n := range counts {
			if _, err := tx.ExecContext(ctx, `UPDATE cdp_suppressions SET dropped_events = dropped_events + ?, last_dropped_at = ?
				WHERE tenant_id = ? AND identifier_type = ? AND value_hash = ?`, n, now, tenant, k.Type, k.Hash); err != nil {
				return fmt.Errorf("count dropped events: %w", err)
			}
		}
		return nil
	})
}

// suppressedTx returns which of ids are suppressed.
func suppressedTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ids []Identifier) (map[suppressionKey]bool, error) {
	out := map[suppressionKey]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	types := make([]string, len(ids))
	hashes := make([]string, len(ids))
	for i, id := range ids {
		k := keyOf(id)
		types[i], hashes[i] = string(k.Type), k.Hash
	}
	var rows []suppressionKey
	err := tx.NewRaw(`SELECT s.identifier_type, s.value_hash FROM cdp_suppressions s
		JOIN unnest(?::text[], ?::text[]) AS x(t, h) ON s.identifier_type = x.t AND s.value_hash = x.h
		WHERE s.tenant_id = ?`, pgdialect.Array(types), pgdialect.Array(hashes), tenant).Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read suppressions: %w", err)
	}
	for _, r := range rows {
		out[r] = true
	}
	return out, nil
}

// deleteEventsTx deletes events by primary key, and their dedup rows when
// dedup is set (an erasure; a dropped event keeps its dedup row, so a
// client's retry of it is still a duplicate).
func deleteEventsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, evs []keyedEvent, dedup bool) error {
	if len(evs) == 0 {
		return nil
	}
	batches := make([]string, len(evs))
	sources := make([]string, len(evs))
	msgs := make([]string, len(evs))
	at := make([]string, len(evs))
	for i, e := range evs {
		batches[i], sources[i], msgs[i], at[i] = e.BatchID.String(), e.SourceID.String(), e.MessageID, e.ReceivedAt.UTC().Format(time.RFC3339Nano)
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM cdp_events e
		USING unnest(?::uuid[], ?::uuid[], ?::text[], ?::timestamptz[]) AS x(b, s, m, r)
		WHERE e.tenant_id = ? AND e.batch_id = x.b AND e.source_id = x.s AND e.message_id = x.m AND e.received_at = x.r`,
		pgdialect.Array(batches), pgdialect.Array(sources), pgdialect.Array(msgs), pgdialect.Array(at), tenant)
	if err != nil {
		return fmt.Errorf("delete events: %w", err)
	}
	if !dedup {
		return nil
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM cdp_message_ids d
		USING unnest(?::uuid[], ?::text[]) AS x(s, m)
		WHERE d.tenant_id = ? AND d.source_id = x.s AND d.message_id = x.m`,
		pgdialect.Array(sources), pgdialect.Array(msgs), tenant)
	if err != nil {
		return fmt.Errorf("delete dedup rows: %w", err)
	}
	return nil
}
