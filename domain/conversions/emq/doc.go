// Package emq estimates the event match quality (EMQ) of the conversions a
// destination forwards: how well a platform will be able to match them to
// its users, on the platforms' 0–10 scale, and which missing parameters
// cost the most (issue 15, docs/adr/0022 "EMQ").
//
// The scorer (score.go, count.go) is pure: it reads a Coverage — how many events,
// and per parameter how many carried a valid value — and answers a Score
// and the fix-it list (Missing). Storage (store.go) keeps one Coverage per
// destination, event name and hour, and turns the latest into the signal
// measurement that is the EMQ component of signal health.
//
// # The estimate
//
// Two parts, both computed from the same per-parameter counts:
//
// Parameter score P (0–10): Σ_p w(platform, p) × coverage(p), where
// coverage(p) is the share of events carrying a valid p and the weights of
// a platform sum to 10 (Weights). The ORDER of the weights follows each
// platform's documentation of which customer-information parameters matter
// most (Meta's EMQ guidance: email, phone, external_id, fbc, fbp, client
// IP and user agent, then name and address fields; Google enhanced
// conversions: email, phone, name and address, plus the click id; TikTok:
// email, phone, ttclid, external_id, _ttp, IP and user agent; Snapchat:
// email, phone, sc_click_id, IP and user agent, _scid). The platforms publish
// no numbers: the magnitudes are Stratum's, chosen so that email and phone
// together are about half the scale, as the platforms' guidance implies.
//
// CDP quality Q (0–1), the CDP's per-event quality, each component the
// mean over the events of a per-event value in [0, 1]:
//
//   - identifier quality (35 %): the share of the platform's deterministic
//     identifiers present and valid: email, phone, external id (where the
//     platform takes it) and its click id.
//   - completeness (25 %): the share of every parameter the platform takes
//     (the keys of Weights) present and valid.
//   - timeliness (20 %): 1 when the event is sent within an hour of when it
//     happened, falling linearly to 0 at the platform's horizon (Horizon:
//     Meta, TikTok, Snapchat 7 days; Google 90 days); the sender's clock
//     (the batch's time) against the event's time.
//   - context richness (20 %): the share of {client IP, user agent, page
//     URL, click id} present.
//
// Estimate = P × (0.5 + 0.5 × Q). The parameters decide what can match at
// all; stale, context-poor events of the same parameters match less, down
// to half. Every component is linear in the per-parameter counts, so the
// estimate is computable from aggregates (hours, destinations) and adding a
// valid parameter to an event never lowers it (both factors are
// non-decreasing in every count; the tests check it as a property).
//
// # Who calls it
//
// The delivery pipeline calls (*Service).RecordTx in the tenant
// transaction that records a batch's outcome; resolvers call Scores,
// Score and Trend; the job conversions.emq_platform calls
// (*PlatformFetcher).Due and Fetch, which asks Meta's Dataset Quality API
// for each enabled META destination's own scores (platform.go) and stores
// them with StorePlatformScores (or the failure with
// RecordPlatformFailure).
//
// # The platform's own score
//
// Where Meta reported a score for a destination's event in the last
// Window, Scores answers the latest one (Source PLATFORM) with the
// estimate beside it, and the estimate's calibration error: the mean over
// those fetches of |estimate over the Window before the fetch − fetched
// score|, counting the fetches with events of ours before them. The EMQ
// signal measurement uses the platform's score for such events (weighted
// by Stratum's count of them) and the estimate for the others.
package emq
