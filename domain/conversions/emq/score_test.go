package emq_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/emq"
	"github.com/stratumhq/stratum/domain/platforms"
)

var t0 = time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)

// full is an event carrying every parameter any platform takes.
func full() conversions.Event {
	return conversions.Event{Name: "Purchase", Time: t0, SourceURL: "https://shop.example/checkout", User: conversions.UserData{
		Email: "John_Smith@Gmail.com", Phone: "+1 (650) 555-1212", FirstName: "John", LastName: "Smith",
		Gender: "male", DateOfBirth: "1990-02-14", City: "Menlo Park", State: "CA", Zip: "94025", Country: "US",
		ExternalID: "user-1", ClientIP: "203.0.113.7", UserAgent: "Mozilla/5.0", Fbc: "fb.1.1554763741205.AbCdEf",
		Fbp: "fb.1.1558571054389.1098115397", Gclid: "Cj0KCQ", TTclid: "E.C.P.x", TTp: "ttp1", ScClickID: "sc1", ScCookie1: "scid1",
	}}
}

func TestWeightsSumToTen(t *testing.T) {
	t.Parallel()
	for _, p := range conversions.Platforms {
		var s float64
		for _, w := range emq.Weights[p] {
			s += w
		}
		require.InDelta(t, 10, s, 1e-9, p)
		require.Contains(t, emq.Horizon, p)
	}
	require.InDelta(t, 1, emq.WeightIdentifier+emq.WeightCompleteness+emq.WeightTimeliness+emq.WeightContext, 1e-9)
}

func TestValid(t *testing.T) {
	t.Parallel()
	bad := conversions.Event{Time: t0, User: conversions.UserData{Email: "not an email", Phone: "12", ClientIP: "999.1.1.1", UserAgent: "  "}}
	require.Empty(t, emq.Valid(platforms.Meta, bad), "values that normalise to nothing are not valid")
	digest := conversions.Event{Time: t0, User: conversions.UserData{Email: strings.Repeat("ab", 32)}}
	require.Equal(t, map[emq.Param]bool{emq.Email: true}, emq.Valid(platforms.Meta, digest), "a digest is valid")
	v := emq.Valid(platforms.Google, full())
	require.True(t, v[emq.ClickID] && v[emq.Email] && v[emq.Zip])
	require.False(t, v[emq.ExternalID], "Google takes no external id")
	require.False(t, v[emq.BrowserID])
	onlyTT := conversions.Event{User: conversions.UserData{TTclid: "x"}}
	require.True(t, emq.Valid(platforms.TikTok, onlyTT)[emq.ClickID])
	require.False(t, emq.Valid(platforms.Meta, onlyTT)[emq.ClickID], "a TikTok click id is no Meta click id")
}

func TestScore(t *testing.T) {
	t.Parallel()
	emailOnly := conversions.Event{Name: "Purchase", Time: t0, User: conversions.UserData{Email: "a@b.co"}}
	stale := full()
	stale.Time = t0.Add(-8 * 24 * time.Hour)
	for _, tc := range []struct {
		name     string
		platform string
		events   []conversions.Event
		min, max float64
	}{
		{"no events", platforms.Meta, nil, 0, 0},
		{"everything, fresh", platforms.Meta, []conversions.Event{full()}, 10, 10},
		{"everything, fresh, Google", platforms.Google, []conversions.Event{full()}, 10, 10},
		{"everything, fresh, TikTok", platforms.TikTok, []conversions.Event{full()}, 10, 10},
		{"everything, fresh, Snapchat", platforms.Snapchat, []conversions.Event{full()}, 10, 10},
		// P = 2.5; Q = .35×(1/4) + .25×(1/15) + .2×1 + 0 = 0.304; 2.5×(0.5+0.152) = 1.63
		{"email only", platforms.Meta, []conversions.Event{emailOnly}, 1.62, 1.64},
		// Past the horizon: timeliness 0 → Q = 0.8, 10 × 0.9.
		{"everything, stale", platforms.Meta, []conversions.Event{stale}, 9, 9},
		{"half the events complete", platforms.Meta, []conversions.Event{full(), {Time: t0}}, 2.5, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := emq.Score(tc.platform, emq.Count(tc.platform, tc.events, t0))
			require.GreaterOrEqual(t, got, tc.min-1e-9)
			require.LessOrEqual(t, got, tc.max+1e-9)
		})
	}
}

func TestTimeliness(t *testing.T) {
	t.Parallel()
	require.Equal(t, 1.0, emq.Timeliness(platforms.Meta, t0, t0.Add(59*time.Minute)))
	require.InDelta(t, 0.5, emq.Timeliness(platforms.Meta, t0, t0.Add(time.Hour+83*time.Hour+30*time.Minute)), 1e-9)
	require.Equal(t, 0.0, emq.Timeliness(platforms.Meta, t0, t0.Add(8*24*time.Hour)))
	require.Greater(t, emq.Timeliness(platforms.Google, t0, t0.Add(8*24*time.Hour)), 0.9, "Google's horizon is 90 days")
}

func TestMissing(t *testing.T) {
	t.Parallel()
	noPhone := full()
	noPhone.User.Phone = ""
	// 58 of 100 events carry a phone.
	events := make([]conversions.Event, 100)
	for i := range events {
		events[i] = full()
		if i >= 58 {
			events[i] = noPhone
		}
	}
	c := emq.Count(platforms.Meta, events, t0)
	adv := emq.Missing(platforms.Meta, "Purchase", c)
	require.Len(t, adv, 1)
	a := adv[0]
	require.Equal(t, emq.Phone, a.Parameter)
	require.InDelta(t, 0.58, a.Coverage, 1e-9)
	full := c
	full.Valid = map[emq.Param]int{}
	for k, n := range c.Valid {
		full.Valid[k] = n
	}
	full.Valid[emq.Phone] = 100
	require.InDelta(t, emq.Score(platforms.Meta, full)-emq.Score(platforms.Meta, c), a.Impact, 1e-9)
	require.Greater(t, a.Impact, 0.8)
	require.Regexp(t, `^42 % of Purchase events have no phone; adding it would raise EMQ by ≈ \d\.\d$`, a.Advice)

	// An empty event: everything missing, sorted by impact, email first.
	adv = emq.Missing(platforms.Meta, "", emq.Count(platforms.Meta, []conversions.Event{{Time: t0}}, t0))
	require.Len(t, adv, len(emq.Weights[platforms.Meta]))
	require.Equal(t, emq.Email, adv[0].Parameter)
	require.Equal(t, emq.Phone, adv[1].Parameter)
	for i := 1; i < len(adv); i++ {
		require.GreaterOrEqual(t, adv[i-1].Impact, adv[i].Impact)
	}
	require.Contains(t, adv[0].Advice, "100 % of events have no email")
	require.Nil(t, emq.Missing(platforms.Meta, "", emq.Coverage{}))
}

// setters each give an event one more parameter.
var setters = []func(*conversions.Event){
	func(e *conversions.Event) { e.User.Email = "x@example.com" },
	func(e *conversions.Event) { e.User.Phone = "+44 20 7946 0958" },
	func(e *conversions.Event) { e.User.ExternalID = "u1" },
	func(e *conversions.Event) { e.User.FirstName = "Ann" },
	func(e *conversions.Event) { e.User.LastName = "Lee" },
	func(e *conversions.Event) { e.User.City = "London" },
	func(e *conversions.Event) { e.User.State = "CA" },
	func(e *conversions.Event) { e.User.Zip = "94025" },
	func(e *conversions.Event) { e.User.Country = "GB" },
	func(e *conversions.Event) { e.User.Gender = "f" },
	func(e *conversions.Event) { e.User.DateOfBirth = "1980-01-02" },
	func(e *conversions.Event) { e.User.ClientIP = "198.51.100.1" },
	func(e *conversions.Event) { e.User.UserAgent = "UA" },
	func(e *conversions.Event) { e.User.Fbc = "fbc" },
	func(e *conversions.Event) { e.User.Fbp = "fbp" },
	func(e *conversions.Event) { e.User.Gclid = "g" },
	func(e *conversions.Event) { e.User.TTclid = "t" },
	func(e *conversions.Event) { e.User.TTp = "tp" },
	func(e *conversions.Event) { e.User.ScClickID = "s" },
	func(e *conversions.Event) { e.User.ScCookie1 = "sc" },
	func(e *conversions.Event) { e.SourceURL = "https://x.example/" },
}

// TestMonotone: adding a parameter to any event of any batch never lowers
// the estimate (a property over random batches); the positive control is
// that it raises it in some case for every platform.
func TestMonotone(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	raised := map[string]bool{}
	for iter := 0; iter < 3000; iter++ {
		p := conversions.Platforms[r.IntN(len(conversions.Platforms))]
		events := make([]conversions.Event, 1+r.IntN(6))
		for i := range events {
			events[i].Time = t0.Add(-time.Duration(r.IntN(200)) * time.Hour)
			for _, set := range setters {
				if r.IntN(3) == 0 {
					set(&events[i])
				}
			}
		}
		sent := t0
		before := emq.Score(p, emq.Count(p, events, sent))
		i := r.IntN(len(events))
		setters[r.IntN(len(setters))](&events[i])
		after := emq.Score(p, emq.Count(p, events, sent))
		require.GreaterOrEqual(t, after, before-1e-12, "platform %s, iteration %d", p, iter)
		require.False(t, math.IsNaN(after))
		require.LessOrEqual(t, after, 10.0)
		if after > before {
			raised[p] = true
		}
	}
	for _, p := range conversions.Platforms {
		require.True(t, raised[p], "no parameter ever raised %s's score", p)
	}
}

func TestCoverageAdd(t *testing.T) {
	t.Parallel()
	a := emq.Count(platforms.Meta, []conversions.Event{full()}, t0)
	b := emq.Count(platforms.Meta, []conversions.Event{{Time: t0}}, t0)
	var sum emq.Coverage
	sum.Add(a)
	sum.Add(b)
	both := emq.Count(platforms.Meta, []conversions.Event{full(), {Time: t0}}, t0)
	require.Equal(t, both, sum)
}
