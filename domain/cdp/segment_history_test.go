package cdp

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// insertChanges appends membership changes of seg directly (the history
// reads whatever the refreshes wrote; this places them on chosen days).
func insertChanges(t *testing.T, f *membershipFixture, tenant, seg uuid.UUID, change string, at ...time.Time) {
	t.Helper()
	require.NoError(t, f.tdb.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		for _, a := range at {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_segment_membership_changes (tenant_id, segment_id, profile_id, change, at)
				VALUES (?, ?, ?, ?, ?)`, tenant, seg, uuid.New(), change, a); err != nil {
				return err
			}
		}
		return nil
	}))
}

func emptySegment(t *testing.T, segs *Segments, tenant uuid.UUID) uuid.UUID {
	t.Helper()
	// No profiles exist, so saving it records no change.
	seg, err := segs.CreateSegment(context.Background(), tenant, SegmentInput{Name: "s", Kind: SegmentStatic,
		Rules: &Rule{Field: FieldLifecycleStage, Operator: OpEquals, Value: ptr(StageKnown)}})
	require.NoError(t, err)
	return seg.ID
}

// The history has one row per UTC day of the range, oldest first, ending
// today by the database clock; each day counts that day's entries and
// exits, days without any are zeros, and changes outside the range (before
// its first day, after today, of another segment) are not counted.
func TestMembershipHistoryCountsPerDay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMembershipFixture(t, 1) // now: 2026-12-02 09:00 UTC
	seg := emptySegment(t, f.segs, f.tenant)
	other := emptySegment(t, f.segs, f.tenant)
	today := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return today.AddDate(0, 0, n) }

	insertChanges(t, f, f.tenant, seg, "ENTERED",
		today, f.now.Add(-time.Minute), f.now, // today: 3 (its first instant counts)
		day(-1).Add(23*time.Hour+59*time.Minute+59*time.Second), // yesterday's last second
		day(-6), day(-6).Add(time.Hour), // first day of a 7-day range
		day(-7).Add(23*time.Hour),  // just before it
		day(-29),                   // first day of 30 days
		day(-30).Add(12*time.Hour), // before 30 days
		day(1),                     // tomorrow: not yet
	)
	insertChanges(t, f, f.tenant, seg, "EXITED", today.Add(time.Hour), day(-1), day(-1), day(-1), day(-6))
	insertChanges(t, f, f.tenant, other, "ENTERED", today, day(-1), day(-6))

	got, err := f.segs.MembershipHistory(ctx, f.tenant, seg, 7)
	require.NoError(t, err)
	want := []MembershipDay{
		{Date: day(-6), Entered: 2, Exited: 1},
		{Date: day(-5)}, {Date: day(-4)}, {Date: day(-3)}, {Date: day(-2)},
		{Date: day(-1), Entered: 1, Exited: 3},
		{Date: today, Entered: 3, Exited: 1},
	}
	require.Equal(t, want, got)

	got, err = f.segs.MembershipHistory(ctx, f.tenant, seg, 30)
	require.NoError(t, err)
	require.Len(t, got, 30)
	require.Equal(t, day(-29), got[0].Date)
	require.Equal(t, today, got[29].Date)
	require.Equal(t, MembershipDay{Date: day(-29), Entered: 1}, got[0])
	require.Equal(t, MembershipDay{Date: day(-7), Entered: 1}, got[22])
	var entered, exited int64
	for _, d := range got {
		entered += d.Entered
		exited += d.Exited
	}
	require.EqualValues(t, 8, entered, "all but the change 30 days ago and tomorrow's")
	require.EqualValues(t, 5, exited)

	// One day is today alone.
	got, err = f.segs.MembershipHistory(ctx, f.tenant, seg, 1)
	require.NoError(t, err)
	require.Equal(t, []MembershipDay{{Date: today, Entered: 3, Exited: 1}}, got)

	// A day turns over at midnight UTC by the database clock.
	f.tdb.Clock.(*clock.Manual).Set(day(1).Add(time.Second))
	got, err = f.segs.MembershipHistory(ctx, f.tenant, seg, 2)
	require.NoError(t, err)
	require.Equal(t, []MembershipDay{{Date: today, Entered: 3, Exited: 1}, {Date: day(1), Entered: 1}}, got)
}

// The history follows the refreshes: saving a segment records its members'
// entries, a rule change their exits, on today's row.
func TestMembershipHistoryFollowsRefreshes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMembershipFixture(t, 3)
	f.batch(t, 30)
	r := Rule{Identifier: IdentifierUserID, Operator: OpExists}
	seg, err := f.segs.CreateSegment(ctx, f.tenant, SegmentInput{Name: "known", Kind: SegmentDynamic, Rules: &r})
	require.NoError(t, err)
	require.Positive(t, seg.Size)
	size := seg.Size
	_, err = f.segs.UpdateSegment(ctx, f.tenant, seg.ID, SegmentPatch{Rules: &Rule{Not: &r}})
	require.NoError(t, err)
	got, err := f.segs.MembershipHistory(ctx, f.tenant, seg.ID, 3)
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, MembershipDay{Date: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}, MembershipDay{Date: got[2].Date})
	require.Equal(t, size, got[2].Exited)
	require.Positive(t, got[2].Entered-size, "the profiles without a user id entered when the rule flipped")
	require.Zero(t, got[0].Entered+got[0].Exited+got[1].Entered+got[1].Exited)
}

// days outside 1..90 is BAD_USER_INPUT at ["days"]; the bounds themselves
// are accepted.
func TestMembershipHistoryDaysBounds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMembershipFixture(t, 1)
	seg := emptySegment(t, f.segs, f.tenant)
	for _, days := range []int{0, -1, 91, 365} {
		_, err := f.segs.MembershipHistory(ctx, f.tenant, seg, days)
		e, ok := apperr.As(err)
		require.True(t, ok, "days %d: %v", days, err)
		require.Equal(t, apperr.BadUserInput, e.Code)
		require.Equal(t, []string{"days"}, e.Field)
	}
	for _, days := range []int{MinMembershipHistoryDays, MaxMembershipHistoryDays} {
		got, err := f.segs.MembershipHistory(ctx, f.tenant, seg, days)
		require.NoError(t, err)
		require.Len(t, got, days)
	}
}

// Another tenant's segment, and one that does not exist, are NOT_FOUND;
// its owner reads the same segment's history (positive control).
func TestMembershipHistoryOtherTenantNotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMembershipFixture(t, 1)
	other := testdb.MustInsertTenant(t, f.tdb.DB, testdb.Tenant{})
	seg := emptySegment(t, f.segs, f.tenant)
	insertChanges(t, f, f.tenant, seg, "ENTERED", f.now)

	got, err := f.segs.MembershipHistory(ctx, f.tenant, seg, 7)
	require.NoError(t, err)
	require.EqualValues(t, 1, got[6].Entered, "the owner sees its change")

	_, err = f.segs.MembershipHistory(ctx, other, seg, 7)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "%v", err)
	_, err = f.segs.MembershipHistory(ctx, f.tenant, uuid.New(), 7)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "%v", err)
}
