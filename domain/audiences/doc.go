// Package audiences is audience sync (issue 15, docs/adr/0023): a CDP
// segment kept in step with a customer-list audience on one ad account of
// a platform connection — Meta Custom Audiences, Google Ads Customer Match,
// TikTok audience segments, Snapchat customer lists.
//
// It owns the tables audiences (one per segment and ad account: the
// platform's audience id, status, size, progress, the cursor into the
// segment's membership changes) and audience_members (per profile, the
// platform's digests the platform accepted). It reads segments, membership
// changes, ADS consent and identifiers only through cdp.Segments, and
// reaches ad accounts and their grants only through platforms.Connections.
//
// Invariants:
//   - Only current members with ADS consent (denied without a decision) are
//     ever uploaded; a member who leaves, withdraws consent, loses every
//     identifier or is erased is removed with the digests that were added.
//   - No platform is called inside a transaction. A batch's outcome, the
//     member rows it changed and the cursor it completes are written in one
//     transaction after the platform accepted it, so a retried or crashed
//     run re-sends at most the one batch whose answer it did not record.
//   - The resolvers and the job gate nothing themselves: the GraphQL fields
//     carry @feature(key: "audience_sync"); the job skips tenants without it.
//
// Callers: resolvers (Sync, List, Get, Stop, Delete), the audiences.sync
// job (Run) and its sweep (Due), and cdp's membership hook (Changed).
package audiences
