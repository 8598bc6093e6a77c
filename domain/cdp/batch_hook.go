package cdp

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// BatchHook is what runs downstream of a processed batch inside the
// transaction that marks it processed (Service.BatchHook): conversion
// forwarding records its deliveries there, so a batch's events are queued
// for forwarding exactly when, and only if, the batch counts. The
// interface lives here so that cdp imports none of its consumers.
type BatchHook interface {
	// BatchProcessedTx runs once per batch, in the batch's transaction,
	// after consent carried by the batch's events has been applied (so
	// AdsConsentTx on tx sees it). events are the batch's events with the
	// profile each resolved to (uuid.Nil: none; empty when the service
	// has no Identity). An error rolls the batch back and its job retries.
	// It must cost next to nothing for a tenant it has no work for: the
	// batch job is on the ingest path's critical throughput.
	BatchProcessedTx(ctx context.Context, tx bun.Tx, tenant, batch uuid.UUID, events []BatchEventRef) error
}

// BatchEventRef names one event of a batch (cdp_events' key within the
// batch) and the profile it resolved to.
type BatchEventRef struct {
	SourceID  uuid.UUID
	MessageID string
	ProfileID uuid.UUID
}

// batchRefs pairs each event with its resolved profile.
func batchRefs(evs []batchEvent, profiles []uuid.UUID) []BatchEventRef {
	out := make([]BatchEventRef, len(evs))
	for i := range evs {
		out[i] = BatchEventRef{SourceID: evs[i].SourceID, MessageID: evs[i].MessageID, ProfileID: profiles[i]}
	}
	return out
}
