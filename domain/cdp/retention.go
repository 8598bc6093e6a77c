package cdp

import (
	"context"
	"time"

	"github.com/stratumhq/stratum/internal/derrors"
)

// DedupWindow is how long a stored event's messageId is remembered
// (cdp_message_ids): a retry received within it is acknowledged and
// dropped; one arriving later would be stored again. SDK retries come
// within minutes to hours (the server SDKs retry a few times with
// backoff; Segment itself deduplicates within about a day), and mobile
// SDKs that queue events offline send them days later at worst, so 35
// days covers every retry horizon we know of with a wide margin while
// bounding the table to about a month of events (ADR 0016, "Dedup
// retention").
const DedupWindow = 35 * 24 * time.Hour

// Defaults of the dedup table's pruning (the periodic
// cdp.prune_message_ids job).
const (
	// DefaultPruneBatch is how many ids one transaction deletes.
	DefaultPruneBatch = 10_000
	// MaxPruneBatches bounds one call of PruneMessageIDs, so that a run
	// ends well within its job's timeout; the next run goes on.
	MaxPruneBatches = 50
)

func (c Config) pruneBatch() int {
	if c.PruneBatch <= 0 || c.PruneBatch > 100_000 {
		return DefaultPruneBatch
	}
	return c.PruneBatch
}

// PruneMessageIDs deletes the dedup rows of every tenant received longer
// ago than DedupWindow (before the database clock's now − DedupWindow),
// oldest first, in transactions of Config.PruneBatch rows (default
// DefaultPruneBatch), until none is left or MaxPruneBatches were deleted
// or ctx ends. It returns how many it deleted and whether it stopped with
// rows possibly left (more = true: the next run goes on).
func (s *Service) PruneMessageIDs(ctx context.Context) (deleted int, more bool, err error) {
	defer derrors.Wrap(&err, "cdp.Service.PruneMessageIDs")
	return s.pruneBatches(ctx, "stratum_cdp_prune_message_ids", DedupWindow)
}

// pruneBatches deletes with the SECURITY DEFINER prune function fn
// (before, lim) what is older than keep, Config.PruneBatch rows a
// transaction, at most MaxPruneBatches (db.PruneInBatches).
func (s *Service) pruneBatches(ctx context.Context, fn string, keep time.Duration) (deleted int, more bool, err error) {
	return s.DB.PruneInBatches(ctx, fn, keep, s.Config.pruneBatch(), MaxPruneBatches)
}

// MembershipChangeRetention is how long segment membership changes
// (cdp_segment_membership_changes: the entries and exits audience sync
// and the segment screen's chart read) are kept. Half a year covers the
// chart's longest range (90 days) and an audience sync paused for months;
// one whose cursor falls behind it syncs the current members in full.
const MembershipChangeRetention = 180 * 24 * time.Hour

// PruneMembershipChanges deletes the membership changes of every tenant
// older than MembershipChangeRetention, in batches like PruneMessageIDs.
func (s *Service) PruneMembershipChanges(ctx context.Context) (deleted int, more bool, err error) {
	defer derrors.Wrap(&err, "cdp.Service.PruneMembershipChanges")
	return s.pruneBatches(ctx, "stratum_cdp_prune_segment_changes", MembershipChangeRetention)
}
