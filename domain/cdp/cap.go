package cdp

// Per-workspace caps on what a workspace creates and every job then works
// through (db.CapTx).
const (
	MaxSources = 100
	MaxFunnels = 100
)
