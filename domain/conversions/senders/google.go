package senders

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/match"
	"github.com/stratumhq/stratum/domain/platforms"
)

// Google Ads click conversions with enhanced conversions:
// POST {base}/{version}/customers/{customerId}:uploadClickConversions.
// https://developers.google.com/google-ads/api/rest/reference/rest/latest/customers/uploadClickConversions
const (
	GoogleVersion  = "v26" // the version domain/platforms/googleads pins
	GoogleBaseURL  = "https://googleads.googleapis.com"
	GoogleMaxBatch = 2000
	// GoogleMaxAge: click conversions are accepted up to 90 days after
	// the click (the longest click-through window).
	GoogleMaxAge = 90 * 24 * time.Hour
	// googleMaxIdentifiers: "up to five identifiers" per conversion.
	googleMaxIdentifiers = 5
)

// Google sends click conversions. Credentials: customerId, conversionActionId,
// developerToken, accessToken (an OAuth access token: the caller exchanges
// the destination's refreshToken for it before Send), loginCustomerId
// (optional, for a manager account).
type Google struct{ c Config }

// NewGoogle returns the Google Ads sender.
func NewGoogle(c Config) *Google { return &Google{c: c.withDefaults()} }

var _ conversions.Sender = (*Google)(nil)

// Platform is GOOGLE.
func (*Google) Platform() string { return platforms.Google }

// MaxBatch is 2,000 conversions per request.
func (*Google) MaxBatch() int { return GoogleMaxBatch }

// MaxAge is 90 days.
func (*Google) MaxAge() time.Duration { return GoogleMaxAge }

type googleRequest struct {
	Conversions    []googleConversion `json:"conversions"`
	PartialFailure bool               `json:"partialFailure"`
	ValidateOnly   bool               `json:"validateOnly,omitempty"`
}

type googleConversion struct {
	ConversionAction   string                 `json:"conversionAction"`
	ConversionDateTime string                 `json:"conversionDateTime"`
	ConversionValue    *json.Number           `json:"conversionValue,omitempty"`
	CurrencyCode       string                 `json:"currencyCode,omitempty"`
	OrderID            string                 `json:"orderId,omitempty"`
	Gclid              string                 `json:"gclid,omitempty"`
	Gbraid             string                 `json:"gbraid,omitempty"`
	Wbraid             string                 `json:"wbraid,omitempty"`
	UserIdentifiers    []googleUserIdentifier `json:"userIdentifiers,omitempty"`
}

type googleUserIdentifier struct {
	HashedEmail       string         `json:"hashedEmail,omitempty"`
	HashedPhoneNumber string         `json:"hashedPhoneNumber,omitempty"`
	AddressInfo       *googleAddress `json:"addressInfo,omitempty"`
}

type googleAddress struct {
	HashedFirstName string `json:"hashedFirstName,omitempty"`
	HashedLastName  string `json:"hashedLastName,omitempty"`
	City            string `json:"city,omitempty"`
	State           string `json:"state,omitempty"`
	CountryCode     string `json:"countryCode,omitempty"`
	PostalCode      string `json:"postalCode,omitempty"`
}

// googleStatus is google.rpc.Status with GoogleAdsFailure details.
type googleStatus struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Details []struct {
		Errors []struct {
			ErrorCode map[string]string `json:"errorCode"`
			Message   string            `json:"message"`
			Location  struct {
				FieldPathElements []struct {
					FieldName string `json:"fieldName"`
					Index     *int   `json:"index"`
				} `json:"fieldPathElements"`
			} `json:"location"`
		} `json:"errors"`
		RequestID string `json:"requestId"`
	} `json:"details"`
}

type googleAnswer struct {
	PartialFailureError *googleStatus `json:"partialFailureError"`
	Error               *googleStatus `json:"error"`
}

func googleIdentifiers(u conversions.UserData) []googleUserIdentifier {
	id := match.User(platforms.Google, u)
	var out []googleUserIdentifier
	if id.Email != "" {
		out = append(out, googleUserIdentifier{HashedEmail: id.Email})
	}
	if id.Phone != "" {
		out = append(out, googleUserIdentifier{HashedPhoneNumber: id.Phone})
	}
	// Google matches an address only with first name, last name, country
	// and postal code all present.
	if id.FirstName != "" && id.LastName != "" && id.Country != "" && id.Zip != "" {
		out = append(out, googleUserIdentifier{AddressInfo: &googleAddress{
			HashedFirstName: id.FirstName, HashedLastName: id.LastName,
			City: id.City, State: id.State, CountryCode: id.Country, PostalCode: id.Zip,
		}})
	}
	if len(out) > googleMaxIdentifiers {
		out = out[:googleMaxIdentifiers]
	}
	return out
}

// Check: a time within 90 days and not in the future, and a click id
// (gclid, gbraid or wbraid) or an email/phone for enhanced conversions.
func (g *Google) Check(e conversions.Event, now time.Time) string {
	if e.Name == "" {
		return "the event maps to no conversion"
	}
	if r := checkTime(e, now, GoogleMaxAge, "Google Ads"); r != "" {
		return r
	}
	u := e.User
	if u.Gclid == "" && u.Gbraid == "" && u.Wbraid == "" {
		id := match.Present(platforms.Google, u)
		if id.Email == "" && id.Phone == "" {
			return "Google Ads needs a click id (gclid, gbraid or wbraid) or an email or phone number for enhanced conversions"
		}
	}
	return ""
}

// googleTime is "yyyy-mm-dd hh:mm:ss+|-hh:mm" (here always UTC, +00:00).
func googleTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05-07:00") }

func (g *Google) build(d conversions.Destination, events []conversions.Event, action string) googleRequest {
	req := googleRequest{Conversions: make([]googleConversion, len(events)), PartialFailure: true, ValidateOnly: d.TestEventCode != ""}
	for i, e := range events {
		c := googleConversion{
			ConversionAction: action, ConversionDateTime: googleTime(e.Time),
			ConversionValue: decimal(e.Currency, e.ValueMicros), CurrencyCode: e.Currency,
			OrderID: e.OrderID, UserIdentifiers: googleIdentifiers(e.User),
		}
		// Google deduplicates by order id: without one, the CDP message id
		// keeps a resent conversion from counting twice.
		if c.OrderID == "" {
			c.OrderID = e.EventID
		}
		// Exactly one click id.
		switch {
		case e.User.Gclid != "":
			c.Gclid = e.User.Gclid
		case e.User.Gbraid != "":
			c.Gbraid = e.User.Gbraid
		default:
			c.Wbraid = e.User.Wbraid
		}
		req.Conversions[i] = c
	}
	return req
}

// Send uploads one batch with partialFailure: per-conversion errors come
// back in partialFailureError, located by conversions[i] in each error's
// field path; the other conversions are accepted.
func (g *Google) Send(ctx context.Context, d conversions.Destination, events []conversions.Event) (conversions.Result, error) {
	creds, missing := need(d, "customerId", "conversionActionId", "developerToken", "accessToken")
	if missing != "" {
		return refuse(events, missing), nil
	}
	customer, action, devToken, token := strings.ReplaceAll(creds[0], "-", ""), creds[1], creds[2], creds[3]
	login := strings.ReplaceAll(strings.TrimSpace(d.Credentials["loginCustomerId"]), "-", "")
	if !onlyDigits(customer) || !onlyDigits(action) || login != "" && !onlyDigits(login) {
		return refuse(events, "customerId, conversionActionId and loginCustomerId must be digits"), nil
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	h.Set("developer-token", devToken)
	if login != "" {
		h.Set("login-customer-id", login)
	}
	secrets := []string{token, devToken}
	u := baseURL(d, GoogleBaseURL) + "/" + GoogleVersion + "/customers/" + customer + ":uploadClickConversions"
	actionName := "customers/" + customer + "/conversionActions/" + action
	resp, err := post(ctx, g.c.HTTP, platforms.Google, u, h, g.build(d, events, actionName), secrets)
	if err != nil {
		return conversions.Result{Summary: scrub(err.Error(), secrets)}, err
	}
	res := conversions.Result{HTTPStatus: resp.status}
	var a googleAnswer
	_ = json.Unmarshal(resp.body, &a)
	if resp.status == http.StatusOK {
		res.Outcomes = every(events, conversions.StatusSent, "", "")
		failed := 0
		if pf := a.PartialFailureError; pf != nil {
			failed = applyGoogleFailures(res.Outcomes, pf, secrets)
		}
		res.Summary = fmt.Sprintf("HTTP 200, %d of %d conversions accepted", len(events)-failed, len(events))
		if d.TestEventCode != "" {
			res.Summary += " (validateOnly)"
		}
		return res, nil
	}
	msg, status := fmt.Sprintf("HTTP %d", resp.status), ""
	if a.Error != nil {
		msg, status = scrub(clip(googleMessage(a.Error)), secrets), a.Error.Status
	}
	res.Summary = fmt.Sprintf("HTTP %d %s: %s", resp.status, status, msg)
	if resp.status == http.StatusTooManyRequests || resp.status >= 500 || status == "RESOURCE_EXHAUSTED" || status == "UNAVAILABLE" {
		res.RetryAfter = retryAfter(resp.header, g.c.Now())
		return res, &TransientError{Platform: platforms.Google, Status: resp.status, Message: msg, RetryAfter: res.RetryAfter}
	}
	res.Outcomes = every(events, conversions.StatusFailed, status, msg)
	return res, nil
}

// googleMessage prefers the first GoogleAdsError's message (precise) to
// the status message (generic).
func googleMessage(s *googleStatus) string {
	for _, d := range s.Details {
		for _, e := range d.Errors {
			if e.Message != "" {
				return e.Message
			}
		}
	}
	return s.Message
}

// applyGoogleFailures marks the conversions a partial failure names; an
// error that names no conversion fails them all. It returns how many failed.
func applyGoogleFailures(out []conversions.Outcome, pf *googleStatus, secrets []string) int {
	failed := map[int]bool{}
	located := false
	for _, d := range pf.Details {
		for _, e := range d.Errors {
			code := ""
			for k, v := range e.ErrorCode {
				code = k + "." + v
			}
			idx := -1
			for _, el := range e.Location.FieldPathElements {
				if el.FieldName == "conversions" && el.Index != nil {
					idx = *el.Index
				}
			}
			if idx < 0 || idx >= len(out) {
				continue
			}
			located = true
			if !failed[idx] {
				out[idx] = conversions.Outcome{Key: out[idx].Key, Status: conversions.StatusFailed, Code: code, Message: scrub(clip(e.Message), secrets)}
				failed[idx] = true
			}
		}
	}
	if !located && pf.Message != "" {
		for i := range out {
			out[i] = conversions.Outcome{Key: out[i].Key, Status: conversions.StatusFailed, Code: strconv.Itoa(pf.Code), Message: scrub(clip(pf.Message), secrets)}
		}
		return len(out)
	}
	return len(failed)
}
