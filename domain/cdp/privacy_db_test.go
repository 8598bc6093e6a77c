package cdp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// privacyFixture is a tenant with two people, Ann (user u-ann, 5 events)
// and Bob (user u-bob, 4 events), their events in one batch.
type privacyFixture struct {
	tdb      *testdb.DB
	tenant   uuid.UUID
	privacy  *Privacy
	ann, bob uuid.UUID
}

func newPrivacyFixture(t *testing.T) *privacyFixture {
	t.Helper()
	ctx := context.Background()
	tdb := testdb.New(t)
	c := clock.NewManual(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	tdb.Clock = c
	f := &privacyFixture{tdb: tdb, tenant: testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})}
	id := NewIdentity(tdb.DB)
	f.privacy = &Privacy{DB: tdb.DB, Identity: id, ScanChunk: 2,
		Enqueue: func(context.Context, bun.Tx, uuid.UUID, uuid.UUID, string) error { return nil }}
	_, err := (&Service{DB: tdb.DB}).EnsurePartitions(ctx)
	require.NoError(t, err)
	var err2 error
	f.ann, _, err2 = id.Resolve(ctx, f.tenant, []Identifier{{IdentifierUserID, "u-ann"}}, c.Now())
	require.NoError(t, err2)
	f.bob, _, err2 = id.Resolve(ctx, f.tenant, []Identifier{{IdentifierUserID, "u-bob"}}, c.Now())
	require.NoError(t, err2)
	batch, source := uuid.New(), uuid.New()
	require.NoError(t, tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		for i := range 9 {
			user := "u-ann"
			if i%2 == 1 {
				user = "u-bob"
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
					user_id, "timestamp", payload_size) VALUES (?, ?, ?, ?, ?, 'track', 'Viewed', ?, ?, 10)`,
				f.tenant, source, fmt.Sprintf("%s-%d", user, i), c.Now(), batch, user, c.Now()); err != nil {
				return err
			}
		}
		return nil
	}))
	return f
}

func (f *privacyFixture) events(t *testing.T) (n int) {
	require.NoError(t, f.tdb.DB.InTenant(context.Background(), f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT count(*) FROM cdp_events`).Scan(ctx, &n)
	}))
	return n
}

// closed is a stop channel already closed: a run does one chunk.
func closed() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// A run stopped by its budget resumes where it stopped: run chunk by
// chunk, a deletion erases Ann's 5 events and none of Bob's 4, and an
// export holds Ann's 5 events exactly once.
func TestPrivacyRunsResumeChunkByChunk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newPrivacyFixture(t)

	exp, err := f.privacy.RequestExport(ctx, f.tenant, f.ann)
	require.NoError(t, err)
	runs := 0
	for {
		runs++
		done, err := f.privacy.RunExport(ctx, f.tenant, exp.ID, closed())
		if errors.Is(err, ErrPrivacyContinue) {
			r, err := f.privacy.PrivacyRequest(ctx, f.tenant, exp.ID)
			require.NoError(t, err)
			require.Equal(t, RequestRunning, r.Status)
			require.EqualValues(t, 2*runs, r.ProgressDone, "one chunk of 2 a run")
			continue
		}
		require.NoError(t, err)
		require.True(t, done)
		break
	}
	require.Equal(t, 5, runs, "9 events in chunks of 2")
	var row struct {
		Export []byte `bun:"export"`
	}
	require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT export FROM cdp_privacy_requests WHERE id = ?`, exp.ID).Scan(ctx, &row)
	}))
	var doc struct {
		Profile struct {
			ID uuid.UUID `json:"id"`
		} `json:"profile"`
		Events []struct {
			MessageID string `json:"message_id"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal(row.Export, &doc), "%s", row.Export)
	require.Equal(t, f.ann, doc.Profile.ID)
	var ids []string
	for _, e := range doc.Events {
		ids = append(ids, e.MessageID)
	}
	require.ElementsMatch(t, []string{"u-ann-0", "u-ann-2", "u-ann-4", "u-ann-6", "u-ann-8"}, ids)

	del, err := f.privacy.RequestDeletion(ctx, f.tenant, f.ann)
	require.NoError(t, err)
	require.Equal(t, 9, f.events(t))
	_, err = f.privacy.RunDeletion(ctx, f.tenant, del.ID, closed())
	require.ErrorIs(t, err, ErrPrivacyContinue)
	require.Less(t, f.events(t), 9, "the first chunk's events of Ann are gone")
	require.Greater(t, f.events(t), 4)
	done, err := f.privacy.RunDeletion(ctx, f.tenant, del.ID, nil) // the rest in one run
	require.NoError(t, err)
	require.True(t, done)
	require.Equal(t, 4, f.events(t), "Bob's events stay")
	r, err := f.privacy.PrivacyRequest(ctx, f.tenant, del.ID)
	require.NoError(t, err)
	require.Equal(t, RequestDone, r.Status)
	require.EqualValues(t, 5, r.ErasedEvents)
	require.Nil(t, r.ProfileID)
	// Done is done: another run does nothing.
	done, err = f.privacy.RunDeletion(ctx, f.tenant, del.ID, nil)
	require.NoError(t, err)
	require.False(t, done)
	// The export made of Ann is gone with her.
	require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT export FROM cdp_privacy_requests WHERE id = ?`, exp.ID).Scan(ctx, &row)
	}))
	require.Nil(t, row.Export)
}
