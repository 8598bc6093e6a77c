// Package clock is Stratum's one source of the current time. The database
// handle (internal/db.DB) holds a Clock and fixes its time once per
// transaction; domain services read that time (db.DB.Now) and pass it to
// SQL as a parameter instead of calling time.Now or SQL's now(), so a test
// that sets the clock (Manual) controls every time the code writes or
// compares: expiry, measurement windows, audit times.
//
// Times are in UTC and truncated to the microsecond, PostgreSQL's
// timestamptz precision, so a time written and read back compares equal to
// the one the code holds.
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	// Now is the current time, in UTC, truncated to the microsecond.
	Now() time.Time
}

// Real is the system clock (the default of every db.DB).
type Real struct{}

// Now is time.Now in UTC, truncated to the microsecond. The result carries
// no monotonic reading: durations between two of its times are wall-clock
// durations, like those between stored times.
func (Real) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Manual is a clock that moves only when told to, for tests. It is safe
// for concurrent use.
type Manual struct {
	mu sync.Mutex
	t  time.Time
}

// NewManual returns a clock stopped at t (in UTC, truncated to the microsecond).
func NewManual(t time.Time) *Manual {
	return &Manual{t: normalize(t)}
}

// Now is the clock's time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

// Set moves the clock to t (in UTC, truncated to the microsecond); t may
// be earlier than the clock's time.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = normalize(t)
}

// Advance moves the clock by d (backwards when d is negative) and returns
// the new time.
func (m *Manual) Advance(d time.Duration) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = normalize(m.t.Add(d))
	return m.t
}

func normalize(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

var (
	_ Clock = Real{}
	_ Clock = (*Manual)(nil)
)
