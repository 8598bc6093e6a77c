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

	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
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
	// batch job is on the ingest path's critical throughput. raw runs
	// pgx-native work (binary parameters) on tx's own connection.
	BatchProcessedTx(ctx context.Context, tx bun.Tx, raw db.PgxConn, tenant, batch uuid.UUID, events []BatchEventRef) error
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

// StoredEvent is one stored event as consumers downstream of the batch
// job read it (conversion forwarding rebuilds what it sends from it, so
// it never copies an event's personal data).
type StoredEvent struct {
	BatchID     uuid.UUID       `bun:"batch_id"`
	SourceID    uuid.UUID       `bun:"source_id"`
	MessageID   string          `bun:"message_id"`
	ReceivedAt  time.Time       `bun:"received_at"`
	Type        string          `bun:"type"`
	Event       *string         `bun:"event"`
	AnonymousID *string         `bun:"anonymous_id"`
	UserID      *string         `bun:"user_id"`
	Timestamp   time.Time       `bun:"timestamp"`
	Properties  json.RawMessage `bun:"properties"`
	Traits      json.RawMessage `bun:"traits"`
	Context     json.RawMessage `bun:"context"`
}

// EventKey is a stored event's primary key within its tenant.
type EventKey struct {
	BatchID    uuid.UUID `json:"batch_id"`
	SourceID   uuid.UUID `json:"source_id"`
	MessageID  string    `json:"message_id"`
	ReceivedAt time.Time `json:"received_at"`
}

const storedEventColumns = `e.batch_id, e.source_id, e.message_id, e.received_at, e.type, e.event, e.anonymous_id, e.user_id,
	e."timestamp", e.properties, e.traits, e.context`

// BatchesEventsTx reads the events of batches in tx (erased or expired
// ones are absent), in no particular order.
func BatchesEventsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, batches []uuid.UUID) (_ []StoredEvent, err error) {
	defer derrors.Wrap(&err, "cdp.BatchesEventsTx(%s, %d batches)", tenant, len(batches))
	if len(batches) == 0 {
		return nil, nil
	}
	var evs []StoredEvent
	err = tx.NewRaw(`SELECT `+storedEventColumns+` FROM cdp_events e WHERE e.tenant_id = ? AND e.batch_id = ANY(?::uuid[])`,
		tenant, pgdialect.Array(batches)).Scan(ctx, &evs)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read batch events: %w", err)
	}
	return evs, nil
}

// EventsByKeyTx reads the stored events of keys in tx; erased or expired
// ones are absent from the answer.
func EventsByKeyTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, keys []EventKey) (_ []StoredEvent, err error) {
	defer derrors.Wrap(&err, "cdp.EventsByKeyTx(%s, %d keys)", tenant, len(keys))
	if len(keys) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(keys)
	if err != nil {
		return nil, err
	}
	var evs []StoredEvent
	err = tx.NewRaw(`SELECT `+storedEventColumns+` FROM jsonb_to_recordset(?::jsonb)
			AS k(batch_id uuid, source_id uuid, message_id text, received_at timestamptz)
		JOIN cdp_events e ON e.tenant_id = ? AND e.batch_id = k.batch_id AND e.source_id = k.source_id
			AND e.message_id = k.message_id AND e.received_at = k.received_at`, string(b), tenant).Scan(ctx, &evs)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return evs, nil
}
