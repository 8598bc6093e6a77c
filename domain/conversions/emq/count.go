package emq

import (
	"net"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/match"
	"github.com/stratumhq/stratum/domain/platforms"
)

// hashedFields maps the parameters package match normalises to its fields.
var hashedFields = map[Param]match.Field{
	Email: match.Email, Phone: match.Phone, ExternalID: match.ExternalID,
	FirstName: match.FirstName, LastName: match.LastName, City: match.City, State: match.State,
	Zip: match.Zip, Country: match.Country, Gender: match.Gender, DateOfBirth: match.DateOfBirth,
}

// Valid reports which of platform's parameters e carries with a valid
// value: one package match would put on the wire (a value that normalises
// to nothing — an email without "@", a phone number without enough digits —
// is not valid; a SHA-256 digest of a field the platform hashes is), a
// parseable client IP, a non-blank user agent, page URL, click id and
// browser id of the platform's own kinds.
func Valid(platform string, e conversions.Event) map[Param]bool {
	u := e.User
	out := map[Param]bool{}
	raw := map[Param]string{Email: u.Email, Phone: u.Phone, ExternalID: u.ExternalID,
		FirstName: u.FirstName, LastName: u.LastName, City: u.City, State: u.State,
		Zip: u.Zip, Country: u.Country, Gender: u.Gender, DateOfBirth: u.DateOfBirth}
	for p, f := range hashedFields {
		if !match.Sends(platform, f) {
			continue
		}
		if match.Value(platform, f, raw[p], u.Country) != "" {
			out[p] = true
		}
	}
	if net.ParseIP(strings.TrimSpace(u.ClientIP)) != nil {
		out[IP] = true
	}
	out[UserAgent] = strings.TrimSpace(u.UserAgent) != ""
	out[PageURL] = strings.TrimSpace(e.SourceURL) != ""
	out[ClickID] = present(clickIDs(platform, u)...)
	out[BrowserID] = present(browserIDs(platform, u)...)
	for p, ok := range out {
		if !ok {
			delete(out, p)
		}
	}
	return out
}

func clickIDs(platform string, u conversions.UserData) []string {
	switch platform {
	case platforms.Meta:
		return []string{u.Fbc}
	case platforms.Google:
		return []string{u.Gclid, u.Gbraid, u.Wbraid}
	case platforms.TikTok:
		return []string{u.TTclid}
	case platforms.Snapchat:
		return []string{u.ScClickID}
	}
	return nil
}

func browserIDs(platform string, u conversions.UserData) []string {
	switch platform {
	case platforms.Meta:
		return []string{u.Fbp}
	case platforms.TikTok:
		return []string{u.TTp}
	case platforms.Snapchat:
		return []string{u.ScCookie1}
	}
	return nil
}

func present(vs ...string) bool {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return true
		}
	}
	return false
}

// Count is the Coverage of events sent to platform at sentAt.
func Count(platform string, events []conversions.Event, sentAt time.Time) Coverage {
	c := Coverage{Valid: map[Param]int{}}
	for i := range events {
		c.Events++
		c.Timeliness += Timeliness(platform, events[i].Time, sentAt)
		for p := range Valid(platform, events[i]) {
			c.Valid[p]++
		}
	}
	return c
}
