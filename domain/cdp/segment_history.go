package cdp

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Bounds of MembershipHistory's range, in days. The longest range stays
// well inside MembershipChangeRetention, so every day it shows still has
// all its changes.
const (
	MinMembershipHistoryDays = 1
	MaxMembershipHistoryDays = 90
)

// MembershipDay counts a segment's entries and exits on one UTC day.
type MembershipDay struct {
	// Date is the start of the day (00:00 UTC).
	Date    time.Time `bun:"day"`
	Entered int64     `bun:"entered"`
	Exited  int64     `bun:"exited"`
}

// membershipHistorySQL counts, in one statement, a segment's changes per
// UTC day from ?2 (the first day's start) to ?3 (the end of today): every
// day is there, those without changes as zeros. It returns no row when the
// segment does not exist in this tenant (the tenant condition and RLS),
// which the caller reports as NOT_FOUND.
//
// The changes are read through the (tenant_id, segment_id, id) index with
// the range of `at` as a filter: a segment's changes are at most
// MembershipChangeRetention old, so the scan stays within one segment's
// half year even for the longest range. Days are generated and grouped as
// UTC timestamps, whatever the session's time zone.
const membershipHistorySQL = `
WITH seg AS (
  SELECT s.id FROM cdp_segments s WHERE s.tenant_id = ?0 AND s.id = ?1
),
days AS (
  SELECT d AS day FROM generate_series((?2::timestamptz) AT TIME ZONE 'UTC',
    (?3::timestamptz - interval '1 day') AT TIME ZONE 'UTC', interval '1 day') AS d
),
counts AS (
  SELECT date_trunc('day', c.at AT TIME ZONE 'UTC') AS day,
    count(*) FILTER (WHERE c.change = 'ENTERED') AS entered,
    count(*) FILTER (WHERE c.change = 'EXITED') AS exited
  FROM cdp_segment_membership_changes c
  WHERE c.tenant_id = ?0 AND c.segment_id = ?1 AND c.at >= ?2::timestamptz AND c.at < ?3::timestamptz
  GROUP BY 1
)
SELECT days.day AT TIME ZONE 'UTC' AS day, coalesce(counts.entered, 0) AS entered, coalesce(counts.exited, 0) AS exited
FROM seg CROSS JOIN days
LEFT JOIN counts ON counts.day = days.day
ORDER BY days.day`

// MembershipHistory counts a segment's entries and exits per UTC day over
// the last days days (today, by the database clock, included), oldest
// first; days without changes are zeros. days outside
// MinMembershipHistoryDays..MaxMembershipHistoryDays: BAD_USER_INPUT at
// ["days"]. NOT_FOUND when the tenant has no such segment.
func (s *Segments) MembershipHistory(ctx context.Context, tenant, segmentID uuid.UUID, days int) (_ []MembershipDay, err error) {
	defer derrors.Wrap(&err, "cdp.Segments.MembershipHistory(%s, %s, %d)", tenant, segmentID, days)
	if days < MinMembershipHistoryDays || days > MaxMembershipHistoryDays {
		return nil, apperr.Invalid([]string{"days"}, "days is between %d and %d", MinMembershipHistoryDays, MaxMembershipHistoryDays)
	}
	var out []MembershipDay
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := s.DB.Now(ctx).UTC()
		end := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
		return tx.NewRaw(membershipHistorySQL, tenant, segmentID, end.AddDate(0, 0, -days), end).Scan(ctx, &out)
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, apperr.NotFoundf("no such segment")
	}
	for i := range out {
		out[i].Date = out[i].Date.UTC()
	}
	return out, nil
}
