package emq

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// Param names one counted parameter (stable: stored in the hourly rows'
// JSON and returned by the API).
type Param string

// The parameters counted. PageURL is context, not customer information: it
// has no weight and never appears in Missing.
const (
	Email       Param = "email"
	Phone       Param = "phone"
	ExternalID  Param = "external_id"
	ClickID     Param = "click_id"
	BrowserID   Param = "browser_id"
	IP          Param = "client_ip"
	UserAgent   Param = "user_agent"
	FirstName   Param = "first_name"
	LastName    Param = "last_name"
	City        Param = "city"
	State       Param = "state"
	Zip         Param = "zip"
	Country     Param = "country"
	Gender      Param = "gender"
	DateOfBirth Param = "date_of_birth"
	PageURL     Param = "page_url"
)

// Params lists every Param, in display order.
var Params = []Param{Email, Phone, ExternalID, ClickID, BrowserID, IP, UserAgent,
	FirstName, LastName, City, State, Zip, Country, Gender, DateOfBirth, PageURL}

// Weights are each platform's parameter weights (summing to 10). A
// parameter absent for a platform is not sent to it and not scored.
var Weights = map[string]map[Param]float64{
	platforms.Meta: {
		Email: 2.5, Phone: 2.0, ExternalID: 1.0, ClickID: 1.3, BrowserID: 0.9, IP: 0.6, UserAgent: 0.6,
		FirstName: 0.25, LastName: 0.25, City: 0.1, State: 0.1, Zip: 0.15, Country: 0.1, Gender: 0.05, DateOfBirth: 0.1,
	},
	// Google click conversions: the click id attributes the conversion;
	// enhanced conversions add hashed email, phone, name and address.
	platforms.Google: {
		ClickID: 3.0, Email: 3.5, Phone: 2.0,
		FirstName: 0.3, LastName: 0.3, Zip: 0.3, Country: 0.2, City: 0.2, State: 0.2,
	},
	platforms.TikTok: {
		Email: 3.0, Phone: 2.0, ClickID: 1.5, ExternalID: 1.0, BrowserID: 1.0, IP: 0.75, UserAgent: 0.75,
	},
	platforms.Snapchat: {
		Email: 3.0, Phone: 2.0, ClickID: 1.5, BrowserID: 0.8, IP: 0.75, UserAgent: 0.75, ExternalID: 0.55,
		FirstName: 0.15, LastName: 0.15, Zip: 0.1, City: 0.05, State: 0.05, Country: 0.05, Gender: 0.05, DateOfBirth: 0.05,
	},
}

// Horizon is, per platform, the event age at which timeliness reaches 0:
// the oldest event the platform accepts.
var Horizon = map[string]time.Duration{
	platforms.Meta:     7 * 24 * time.Hour,
	platforms.TikTok:   7 * 24 * time.Hour,
	platforms.Snapchat: 7 * 24 * time.Hour,
	platforms.Google:   90 * 24 * time.Hour,
}

// The weights of the CDP quality components and the floor of the
// combination (Estimate = P × (Floor + (1−Floor) × Q)).
const (
	WeightIdentifier   = 0.35
	WeightCompleteness = 0.25
	WeightTimeliness   = 0.20
	WeightContext      = 0.20
	Floor              = 0.5
)

// Coverage is what the scorer reads: counts over a set of events of one
// platform (one hour of one destination and event name, or any sum of
// such).
type Coverage struct {
	// Events is the number of events.
	Events int `json:"events"`
	// Valid counts, per parameter, the events carrying a valid value.
	Valid map[Param]int `json:"valid"`
	// Timeliness is the sum over the events of their timeliness (0–1).
	Timeliness float64 `json:"timeliness"`
}

// Add adds o's counts to c.
func (c *Coverage) Add(o Coverage) {
	c.Events += o.Events
	c.Timeliness += o.Timeliness
	if len(o.Valid) > 0 && c.Valid == nil {
		c.Valid = map[Param]int{}
	}
	for p, n := range o.Valid {
		c.Valid[p] += n
	}
}

// share is the share of events carrying p (0–1).
func (c Coverage) share(p Param) float64 {
	if c.Events <= 0 {
		return 0
	}
	return math.Min(1, float64(c.Valid[p])/float64(c.Events))
}

// ParameterScore is P, 0–10.
func ParameterScore(platform string, c Coverage) float64 {
	var s float64
	for p, w := range Weights[platform] {
		s += w * c.share(p)
	}
	return s
}

// identifiers are the deterministic identifiers of platform.
func identifiers(platform string) []Param {
	var out []Param
	for _, p := range []Param{Email, Phone, ExternalID, ClickID} {
		if _, ok := Weights[platform][p]; ok {
			out = append(out, p)
		}
	}
	return out
}

// meanShare is the mean of the shares of ps.
func (c Coverage) meanShare(ps []Param) float64 {
	if len(ps) == 0 {
		return 0
	}
	var s float64
	for _, p := range ps {
		s += c.share(p)
	}
	return s / float64(len(ps))
}

// Quality is the CDP's per-event quality of c's events, with its parts.
type Quality struct {
	Identifier, Completeness, Timeliness, Context float64
	// Total is the weighted sum, 0–1.
	Total float64
}

// CDPQuality is Q for platform's events counted in c.
func CDPQuality(platform string, c Coverage) Quality {
	if c.Events <= 0 {
		return Quality{}
	}
	var all []Param
	for p := range Weights[platform] {
		all = append(all, p)
	}
	q := Quality{
		Identifier:   c.meanShare(identifiers(platform)),
		Completeness: c.meanShare(all),
		Timeliness:   math.Min(1, math.Max(0, c.Timeliness/float64(c.Events))),
		Context:      c.meanShare([]Param{IP, UserAgent, PageURL, ClickID}),
	}
	q.Total = WeightIdentifier*q.Identifier + WeightCompleteness*q.Completeness +
		WeightTimeliness*q.Timeliness + WeightContext*q.Context
	return q
}

// Score is the estimate, 0–10 (0 when there are no events or the platform
// is unknown).
func Score(platform string, c Coverage) float64 {
	if c.Events <= 0 {
		return 0
	}
	p := ParameterScore(platform, c)
	q := CDPQuality(platform, c).Total
	return math.Max(0, math.Min(10, p*(Floor+(1-Floor)*q)))
}

// Timeliness is one event's timeliness (0–1) when sent at sentAt: 1 within
// an hour of the event, 0 at the platform's horizon, linear between.
func Timeliness(platform string, eventTime, sentAt time.Time) float64 {
	h, ok := Horizon[platform]
	if !ok {
		return 0
	}
	d := sentAt.Sub(eventTime)
	if d <= time.Hour {
		return 1
	}
	return math.Max(0, 1-float64(d-time.Hour)/float64(h-time.Hour))
}

// Advice is one missing parameter and what adding it would gain.
type Advice struct {
	Parameter Param
	// Coverage is the share of events carrying it now (0–1).
	Coverage float64
	// Impact is the score points the estimate would gain were every
	// event to carry it.
	Impact float64
	// Advice says it in a sentence.
	Advice string
}

// minImpact hides parameters whose absence costs less than this.
const minImpact = 0.005

// Missing lists the platform's parameters not carried by every event,
// the costliest first (ties by parameter order). eventName names the
// events in the advice ("" says "events").
func Missing(platform, eventName string, c Coverage) []Advice {
	if c.Events <= 0 {
		return nil
	}
	base := Score(platform, c)
	var out []Advice
	for _, p := range Params {
		if _, ok := Weights[platform][p]; !ok {
			continue
		}
		share := c.share(p)
		if share >= 1 {
			continue
		}
		full := Coverage{Events: c.Events, Timeliness: c.Timeliness, Valid: map[Param]int{}}
		for k, n := range c.Valid {
			full.Valid[k] = n
		}
		full.Valid[p] = c.Events
		impact := Score(platform, full) - base
		if impact < minImpact {
			continue
		}
		out = append(out, Advice{Parameter: p, Coverage: share, Impact: impact,
			Advice: advice(platform, eventName, p, share, impact)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Impact > out[j].Impact })
	return out
}

func advice(platform, eventName string, p Param, share, impact float64) string {
	events := "events"
	if eventName != "" {
		events = eventName + " events"
	}
	missing := int(math.Round((1 - share) * 100))
	if missing == 0 {
		missing = 1 // some are missing: never say 0 %
	}
	return fmt.Sprintf("%d %% of %s have no %s; adding it would raise EMQ by ≈ %.1f",
		missing, events, Label(platform, p), impact)
}

// Label is p as people know it on platform (e.g. Meta's click id is fbc).
func Label(platform string, p Param) string {
	switch p {
	case ClickID:
		return map[string]string{platforms.Meta: "click id (fbc)", platforms.Google: "click id (gclid, gbraid or wbraid)",
			platforms.TikTok: "click id (ttclid)", platforms.Snapchat: "click id (ScCid)"}[platform]
	case BrowserID:
		return map[string]string{platforms.Meta: "browser id (fbp)", platforms.TikTok: "browser id (_ttp)",
			platforms.Snapchat: "browser id (_scid)"}[platform]
	case IP:
		return "client IP address"
	case UserAgent:
		return "user agent"
	case ExternalID:
		return "external id"
	case PageURL:
		return "page URL"
	}
	return map[Param]string{Email: "email", Phone: "phone", FirstName: "first name", LastName: "last name",
		City: "city", State: "state", Zip: "postal code", Country: "country", Gender: "gender",
		DateOfBirth: "date of birth"}[p]
}
