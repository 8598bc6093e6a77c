// Package cdp is Stratum's customer data platform (issue 13, docs/adr/0016).
//
// This package's Service owns ingestion: sources and their write keys
// (source.go), the Segment/RudderStack-compatible tracking API's parsing and
// validation (ingest.go), the per-source rate limit (ingest_limit.go), the
// group committer that writes accepted events in shared transactions
// (ingest_commit.go; the fast batch parser is ingest_fast.go), and the per-batch downstream work and the
// monthly partitions of the events table (events.go). Identity resolution
// and profiles are a separate type of this package (identity*.go, profile.go);
// the batch job resolves its events through it and applies them to the
// profiles (batch_profiles.go, Service.Identity). The dedup table's
// retention is retention.go; the simulated tenants' generated event stream
// (sent through the same ingestion path) is simulator.go. Computed traits
// (docs/adr/0019) are the Traits type (trait*.go): definitions, the batch
// job's incremental step (applyTraitsTx), backfill and maintenance.
//
// Consent per profile and purpose is consent*.go; data-subject requests
// (export, deletion) and the suppression list they leave are privacy*.go
// (docs/adr/0018).
//
// Tables: cdp_sources, cdp_message_ids, cdp_batches, cdp_events (and, of
// the identity side, cdp_profiles, cdp_identifiers, cdp_profile_merges,
// cdp_refused_links, cdp_identity_settings, cdp_consents,
// cdp_consent_history, cdp_privacy_requests, cdp_suppressions); computed
// traits: cdp_trait_tenants, cdp_trait_definitions, cdp_trait_profiles,
// cdp_computed_traits; segments: cdp_segments, cdp_segment_members,
// cdp_segment_membership_changes.
package cdp
