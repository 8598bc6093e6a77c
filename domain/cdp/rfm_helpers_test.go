package cdp_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// analyticsStart is "now" of the RFM and funnel tests.
var analyticsStart = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// analyticsFixture is a tenant with partitions for the 16 months before
// analyticsStart and 2 after, for events written straight into cdp_events.
type analyticsFixture struct {
	tdb    *testdb.DB
	clock  *clock.Manual
	id     *cdp.Identity
	tenant uuid.UUID
	source uuid.UUID
	seq    int
}

func newAnalyticsFixture(t *testing.T) *analyticsFixture {
	t.Helper()
	tdb := testdb.New(t)
	c := clock.NewManual(analyticsStart)
	tdb.Clock = c
	f := &analyticsFixture{tdb: tdb, clock: c, id: cdp.NewIdentity(tdb.DB), source: uuid.New(),
		tenant: testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})}
	require.NoError(t, tdb.DB.InGlobal(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "SELECT stratum_cdp_ensure_partitions(?, 19)", analyticsStart.AddDate(0, -16, 0))
		return err
	}))
	return f
}

// person resolves a profile for a user id (and an anonymous id, when
// given, linked to it).
func (f *analyticsFixture) person(t *testing.T, user, anon string) uuid.UUID {
	t.Helper()
	ids := []cdp.Identifier{{Type: cdp.IdentifierUserID, Value: user}}
	if anon != "" {
		ids = append(ids, cdp.Identifier{Type: cdp.IdentifierAnonymousID, Value: anon})
	}
	p, _, err := f.id.Resolve(context.Background(), f.tenant, ids, analyticsStart.AddDate(-2, 0, 0))
	require.NoError(t, err)
	return p
}

// testEvent is a track event to store.
type testEvent struct {
	User, Anon string
	Name       string
	At         time.Time
	// Received defaults to At.
	Received time.Time
	// Props is a JSON object's text ("" for none).
	Props string
	// Type defaults to track.
	Type string
}

// store writes events into cdp_events.
func (f *analyticsFixture) store(t *testing.T, evs []testEvent) {
	t.Helper()
	type row struct {
		bun.BaseModel `bun:"table:cdp_events"`
		TenantID      uuid.UUID `bun:"tenant_id"`
		SourceID      uuid.UUID `bun:"source_id"`
		MessageID     string    `bun:"message_id"`
		ReceivedAt    time.Time `bun:"received_at"`
		BatchID       uuid.UUID `bun:"batch_id"`
		Type          string    `bun:"type"`
		Event         *string   `bun:"event"`
		AnonymousID   *string   `bun:"anonymous_id"`
		UserID        *string   `bun:"user_id"`
		Timestamp     time.Time `bun:"timestamp"`
		Properties    *string   `bun:"properties"`
		PayloadSize   int       `bun:"payload_size"`
	}
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	batch := uuid.New()
	rows := make([]row, len(evs))
	for i, e := range evs {
		f.seq++
		rec := e.Received
		if rec.IsZero() {
			rec = e.At
		}
		typ := e.Type
		if typ == "" {
			typ = "track"
		}
		rows[i] = row{TenantID: f.tenant, SourceID: f.source, MessageID: fmt.Sprintf("m-%d", f.seq), ReceivedAt: rec, BatchID: batch,
			Type: typ, Event: opt(e.Name), AnonymousID: opt(e.Anon), UserID: opt(e.User), Timestamp: e.At, Properties: opt(e.Props), PayloadSize: 10}
	}
	if len(rows) == 0 {
		return
	}
	require.NoError(t, f.tdb.DB.InTenant(context.Background(), f.tenant, func(ctx context.Context, tx bun.Tx) error {
		for start := 0; start < len(rows); start += 500 {
			chunk := rows[start:min(start+500, len(rows))]
			if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}))
}
