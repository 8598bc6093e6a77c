package cdp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// PartitionMonthsAhead is how many monthly partitions of cdp_events exist
// from the current month on (this month and the next two).
const PartitionMonthsAhead = 3

// EnsurePartitions creates the missing monthly partitions of cdp_events
// for the current month and the next two (the periodic
// cdp.ensure_partitions job; the group committer calls it too when a
// write finds no partition). It returns how many it created.
func (s *Service) EnsurePartitions(ctx context.Context) (n int, err error) {
	defer derrors.Wrap(&err, "cdp.Service.EnsurePartitions")
	err = s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT stratum_cdp_ensure_partitions(?, ?)", s.DB.Now(ctx), PartitionMonthsAhead).Scan(ctx, &n)
	})
	return n, err
}

// ProcessBatch is the cdp.process_batch job's work for one committed
// batch. With Identity set, the batch's events are first resolved to
// profiles (Identity.ResolveBatch, in transactions of its own: resolving
// the same identifiers again changes nothing, so a retry re-resolves
// harmlessly). Then, in one transaction that also marks the batch
// processed, it adds the batch's events to its sources' received counters
// and last_event_at, applies the events to their profiles (identify
// traits, seen times, event, purchase and revenue counters) and runs
// OnBatch, so a retried or rescued job counts nothing twice. It reports
// whether this call did the work (false: already processed or no such
// batch).
func (s *Service) ProcessBatch(ctx context.Context, tenant, batch uuid.UUID) (done bool, err error) {
	defer derrors.Wrap(&err, "cdp.Service.ProcessBatch(%s, %s)", tenant, batch)
	// Staged events become rows first (ADR 0026), in their own transaction:
	// what follows reads them as stored.
	if err := s.materialise(ctx, tenant, batch); err != nil {
		return false, err
	}
	var deltas map[uuid.UUID]*profileDelta
	var refs []BatchEventRef
	if s.Identity != nil {
		if err := s.dropSuppressedEvents(ctx, tenant, batch); err != nil {
			return false, fmt.Errorf("drop suppressed events: %w", err)
		}
		pending, evs, err := s.readBatchEvents(ctx, tenant, batch)
		if err != nil {
			return false, fmt.Errorf("read events: %w", err)
		}
		if !pending {
			return false, nil
		}
		profiles, err := s.resolveBatchEvents(ctx, tenant, evs)
		if err != nil {
			return false, err
		}
		deltas = batchDeltas(evs, profiles)
		if s.BatchHook != nil {
			refs = batchRefs(evs, profiles)
		}
	}
	for attempt := 1; ; attempt++ {
		done, err = s.processBatchTx(ctx, tenant, batch, deltas, refs)
		if err == nil || attempt >= maxResolveAttempts || !retryableIdentity(err) {
			break
		}
	}
	if done && s.TestAfterBatch != nil {
		s.TestAfterBatch(ctx, tenant, batch)
	}
	return done, err
}

// processBatchTx is ProcessBatch's transaction (retried whole when it
// loses a deadlock to a concurrent merge of the same profiles).
func (s *Service) processBatchTx(ctx context.Context, tenant, batch uuid.UUID, deltas map[uuid.UUID]*profileDelta, refs []BatchEventRef) (done bool, err error) {
	err = s.DB.InTenantConn(ctx, tenant, func(ctx context.Context, tx bun.Tx, raw db.PgxConn) error {
		done = false
		var sources string
		now := s.DB.Now(ctx)
		err := tx.NewRaw(`UPDATE cdp_batches SET processed_at = ? WHERE tenant_id = ? AND id = ? AND processed_at IS NULL RETURNING sources::text`,
			now, tenant, batch).Scan(ctx, &sources)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cdp_sources AS s
			SET received = s.received + x.events, last_event_at = greatest(s.last_event_at, x.last)
			FROM jsonb_to_recordset(?::jsonb) AS x(id uuid, events bigint, last timestamptz)
			WHERE s.tenant_id = ? AND s.id = x.id`, sources, tenant); err != nil {
			return err
		}
		if err := applyDeltasTx(ctx, tx, tenant, deltas, now); err != nil {
			return err
		}
		// Computed traits before segments: a segment's computed-trait
		// conditions read the values this batch just wrote.
		traited, err := applyTraitsTx(ctx, tx, tenant, batch, now)
		if err != nil {
			return err
		}
		if err := s.applyBatchConsentsTx(ctx, tx, tenant, batch, now); err != nil {
			return err
		}
		if err := s.refreshSegmentsForBatchTx(ctx, tx, tenant, deltas, traited); err != nil {
			return err
		}
		if s.OnBatch != nil {
			if err := s.OnBatch(ctx, tx, tenant, batch); err != nil {
				return err
			}
		}
		if s.BatchHook != nil {
			if err := s.BatchHook.BatchProcessedTx(ctx, tx, raw, tenant, batch, refs); err != nil {
				return fmt.Errorf("batch hook: %w", err)
			}
		}
		done = true
		return nil
	})
	return done, err
}
