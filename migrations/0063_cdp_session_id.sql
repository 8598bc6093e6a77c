-- Sessions from the SDKs' own session ids (issue 13): RudderStack's SDKs
-- send context.sessionId (Segment's Amplitude plugin a session id the same
-- way). The profile remembers the ids of its recent events, each with its
-- latest event time ({"<id>": "<time>"}, at most cdp.MaxRecentSessions):
-- an event whose id is not among them starts a session, so a new SDK
-- session counts even within the 30-minute gap, and two devices'
-- interleaved sessions count once each.

-- +goose Up
ALTER TABLE cdp_profiles ADD COLUMN recent_sessions jsonb;

-- +goose Down
ALTER TABLE cdp_profiles DROP COLUMN recent_sessions;
