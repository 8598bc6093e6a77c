package capifake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// Google Ads fake: POST /{GoogleVersion}/customers/{id}:uploadClickConversions.
// Rules: developers.google.com/google-ads/api/rest/reference/rest/latest/customers/uploadClickConversions,
// .../docs/conversions/upload-clicks and enhance-conversions (at most 2,000
// conversions per request, partialFailure required, one click id, up to 5
// user identifiers, hashed email/phone/names, clear address fields).
const (
	GoogleVersion            = "v26"
	GoogleCustomerID         = "1234567890"
	GoogleLoginCustomerID    = "9876543210"
	GoogleConversionActionID = "555000111"
	GoogleDeveloperToken     = "capifake-dev-token-0123"
	GoogleAccessToken        = "ya29.capifakeGoogleAccessToken"
	googleMaxBatch           = 2000
	googleMaxAge             = 90 * 24 * time.Hour
)

// NewGoogle starts the Google Ads fake; it closes with t.
func NewGoogle(t testing.TB, opts ...Option) *Server {
	return start(t, platforms.Google, (*Server).serveGoogle, opts)
}

type googleReqWire struct {
	Conversions    []googleConvWire `json:"conversions"`
	PartialFailure *bool            `json:"partialFailure"`
	ValidateOnly   bool             `json:"validateOnly"`
	JobID          *int             `json:"jobId"`
}

type googleConvWire struct {
	ConversionAction   string           `json:"conversionAction"`
	ConversionDateTime string           `json:"conversionDateTime"`
	ConversionValue    *json.Number     `json:"conversionValue"`
	CurrencyCode       string           `json:"currencyCode"`
	OrderID            string           `json:"orderId"`
	Gclid              string           `json:"gclid"`
	Gbraid             string           `json:"gbraid"`
	Wbraid             string           `json:"wbraid"`
	UserIdentifiers    []googleUserWire `json:"userIdentifiers"`
}

type googleUserWire struct {
	HashedEmail          string             `json:"hashedEmail"`
	HashedPhoneNumber    string             `json:"hashedPhoneNumber"`
	AddressInfo          *googleAddressWire `json:"addressInfo"`
	UserIdentifierSource string             `json:"userIdentifierSource"`
}

type googleAddressWire struct {
	HashedFirstName     string `json:"hashedFirstName"`
	HashedLastName      string `json:"hashedLastName"`
	HashedStreetAddress string `json:"hashedStreetAddress"`
	City                string `json:"city"`
	State               string `json:"state"`
	CountryCode         string `json:"countryCode"`
	PostalCode          string `json:"postalCode"`
}

var googleTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$`)

// googleErr is a google.rpc.Status error body with a GoogleAdsFailure.
func googleErr(w http.ResponseWriter, status int, rpc string, code map[string]string, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": status, "message": "Request contains an invalid argument.", "status": rpc,
		"details": []any{map[string]any{
			"@type":  "type.googleapis.com/google.ads.googleads." + GoogleVersion + ".errors.GoogleAdsFailure",
			"errors": []any{map[string]any{"errorCode": code, "message": msg}}, "requestId": "capifake-req",
		}},
	}})
}

func (s *Server) serveGoogle(w http.ResponseWriter, r *http.Request) {
	switch status, retry := s.injected(); {
	case status == http.StatusTooManyRequests:
		setRetryAfter(w, retry)
		googleErr(w, status, "RESOURCE_EXHAUSTED", map[string]string{"quotaError": "RESOURCE_EXHAUSTED"}, "Too many requests. Retry in a few seconds.")
		return
	case status != 0:
		googleErr(w, status, "INTERNAL", map[string]string{"internalError": "INTERNAL_ERROR"}, "An internal error has occurred.")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/"+GoogleVersion+"/customers/")
	customer, method, _ := strings.Cut(rest, ":")
	if !ok || method != "uploadClickConversions" {
		s.violation(r, "path must be /%s/customers/{customerId}:uploadClickConversions", GoogleVersion)
		googleErr(w, http.StatusNotFound, "NOT_FOUND", map[string]string{"requestError": "UNKNOWN"}, "unknown path")
		return
	}
	auth, dev := r.Header.Get("Authorization"), r.Header.Get("developer-token")
	switch {
	case !strings.HasPrefix(auth, "Bearer ") || dev == "":
		s.violation(r, "missing Authorization: Bearer <token> or developer-token header")
		googleErr(w, http.StatusUnauthorized, "UNAUTHENTICATED", map[string]string{"authenticationError": "NOT_ADS_USER"}, "Request is missing required authentication credential.")
		return
	case strings.TrimPrefix(auth, "Bearer ") != GoogleAccessToken:
		googleErr(w, http.StatusUnauthorized, "UNAUTHENTICATED", map[string]string{"authenticationError": "OAUTH_TOKEN_INVALID"}, "Request had invalid authentication credentials.")
		return
	case dev != GoogleDeveloperToken:
		googleErr(w, http.StatusUnauthorized, "PERMISSION_DENIED", map[string]string{"authorizationError": "DEVELOPER_TOKEN_NOT_APPROVED"}, "The developer token is not approved.")
		return
	case customer != GoogleCustomerID:
		googleErr(w, http.StatusForbidden, "PERMISSION_DENIED", map[string]string{"authorizationError": "USER_PERMISSION_DENIED"}, "User doesn't have permission to access customer.")
		return
	}
	if l := r.Header.Get("login-customer-id"); l != "" && l != GoogleLoginCustomerID {
		s.violation(r, "login-customer-id %q is not the manager account's digits", l)
	}
	body, err := readBody(w, r)
	if err != nil {
		s.violation(r, "unreadable body: %v", err)
		googleErr(w, http.StatusBadRequest, "INVALID_ARGUMENT", map[string]string{"requestError": "INVALID_INPUT"}, "unreadable body")
		return
	}
	if s.raw {
		n := max(countArray(body, "conversions"), 0)
		s.countRaw(n)
		writeJSON(w, http.StatusOK, map[string]any{"results": make([]struct{}, n)})
		return
	}
	var req googleReqWire
	if err := decodeStrict(bytes.NewReader(body), &req); err != nil {
		s.violation(r, "body does not match UploadClickConversionsRequest: %v", err)
		googleErr(w, http.StatusBadRequest, "INVALID_ARGUMENT", map[string]string{"requestError": "INVALID_INPUT"}, "Invalid JSON payload received. "+err.Error())
		return
	}
	if req.PartialFailure == nil || !*req.PartialFailure {
		s.violation(r, "partialFailure must be true (uploadClickConversions requires it)")
		googleErr(w, http.StatusBadRequest, "INVALID_ARGUMENT", map[string]string{"requestError": "REQUIRED_FIELD_MISSING"}, "partial_failure must be true.")
		return
	}
	if len(req.Conversions) == 0 || len(req.Conversions) > googleMaxBatch {
		s.violation(r, "conversions has %d entries; Google takes 1 to %d", len(req.Conversions), googleMaxBatch)
		googleErr(w, http.StatusBadRequest, "INVALID_ARGUMENT", map[string]string{"requestError": "TOO_MANY_ELEMENTS"}, "Too many conversions in the request.")
		return
	}
	raws := rawEvents(body, "conversions")
	now := s.now()
	var errs []any
	results := make([]any, len(req.Conversions))
	var acc []Accepted
	for i, c := range req.Conversions {
		failIdx := func(code map[string]string, msg string) {
			errs = append(errs, map[string]any{"errorCode": code, "message": msg, "location": map[string]any{
				"fieldPathElements": []any{map[string]any{"fieldName": "conversions", "index": i}}}})
			results[i] = map[string]any{}
		}
		t, p := s.googleProblem(c, now)
		if p != "" {
			s.violation(r, "conversions[%d]: %s", i, p)
			failIdx(map[string]string{"fieldError": "INVALID_VALUE"}, p)
			continue
		}
		if msg, bad := s.eventError(c.OrderID); bad {
			failIdx(map[string]string{"conversionUploadError": "CLICK_NOT_FOUND"}, msg)
			continue
		}
		results[i] = map[string]any{"gclid": c.Gclid, "conversionAction": c.ConversionAction, "conversionDateTime": c.ConversionDateTime}
		acc = append(acc, Accepted{DedupKey: c.OrderID, EventID: c.OrderID, Name: c.ConversionAction, Time: t, Test: req.ValidateOnly, JSON: raws[i]})
	}
	s.record(acc)
	resp := map[string]any{"results": results}
	if len(errs) > 0 {
		resp["partialFailureError"] = map[string]any{
			"code": 3, "message": fmt.Sprintf("%d of %d conversions failed.", len(errs), len(req.Conversions)),
			"details": []any{map[string]any{
				"@type":  "type.googleapis.com/google.ads.googleads." + GoogleVersion + ".errors.GoogleAdsFailure",
				"errors": errs, "requestId": "capifake-req",
			}},
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) googleProblem(c googleConvWire, now time.Time) (time.Time, string) {
	want := "customers/" + GoogleCustomerID + "/conversionActions/" + GoogleConversionActionID
	if c.ConversionAction != want {
		return time.Time{}, fmt.Sprintf("conversionAction %q is not the resource name %q", c.ConversionAction, want)
	}
	if !googleTimeRE.MatchString(c.ConversionDateTime) {
		return time.Time{}, fmt.Sprintf("conversionDateTime %q is not yyyy-mm-dd hh:mm:ss+|-hh:mm", c.ConversionDateTime)
	}
	t, err := time.Parse("2006-01-02 15:04:05-07:00", c.ConversionDateTime)
	if err != nil {
		return t, fmt.Sprintf("conversionDateTime %q: %v", c.ConversionDateTime, err)
	}
	if now.Sub(t) > googleMaxAge {
		return t, "the conversion is older than 90 days (EXPIRED_EVENT)"
	}
	if t.Sub(now) > time.Hour {
		return t, "conversionDateTime is in the future"
	}
	clicks := 0
	for _, id := range []string{c.Gclid, c.Gbraid, c.Wbraid} {
		if id != "" {
			clicks++
			if p := checkClear("click id", id); p != "" {
				return t, p
			}
		}
	}
	if clicks > 1 {
		return t, "at most one of gclid, gbraid, wbraid"
	}
	if clicks == 0 && len(c.UserIdentifiers) == 0 {
		return t, "a click id or userIdentifiers is required"
	}
	if len(c.UserIdentifiers) > 5 {
		return t, "at most 5 userIdentifiers"
	}
	for j, u := range c.UserIdentifiers {
		set := 0
		for _, b := range []bool{u.HashedEmail != "", u.HashedPhoneNumber != "", u.AddressInfo != nil} {
			if b {
				set++
			}
		}
		if set != 1 {
			return t, fmt.Sprintf("userIdentifiers[%d] must set exactly one of hashedEmail, hashedPhoneNumber, addressInfo", j)
		}
		if p := firstOf(optHashed("hashedEmail", u.HashedEmail), optHashed("hashedPhoneNumber", u.HashedPhoneNumber)); p != "" {
			return t, p
		}
		if a := u.AddressInfo; a != nil {
			if p := firstOf(checkHashed("addressInfo.hashedFirstName", a.HashedFirstName), checkHashed("addressInfo.hashedLastName", a.HashedLastName),
				optHashed("addressInfo.hashedStreetAddress", a.HashedStreetAddress),
				checkClear("addressInfo.city", a.City), checkClear("addressInfo.state", a.State), checkClear("addressInfo.postalCode", a.PostalCode)); p != "" {
				return t, p
			}
			if len(a.CountryCode) != 2 || a.PostalCode == "" {
				return t, "addressInfo needs a two-letter countryCode and a postalCode, in clear"
			}
		}
	}
	if p := s.checkMoney("conversionValue", c.ConversionValue, c.CurrencyCode, false); p != "" {
		return t, p
	}
	if c.OrderID == "" {
		return t, "orderId is how Google deduplicates: Stratum always sends one"
	}
	return t, ""
}

func optHashed(field, v string) string {
	if v == "" {
		return ""
	}
	return checkHashed(field, v)
}
