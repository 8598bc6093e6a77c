package googleadsfake

// The *:mutate methods as documented:
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.campaigns/mutate
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.campaignBudgets/mutate
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.adGroups/mutate
//     (body: operations[], partialFailure, validateOnly, responseContentType;
//      an operation has create | update | remove and updateMask)
//   https://protobuf.dev/reference/protobuf/google.protobuf/#field-mask (JSON: comma-separated lowerCamelCase paths)
//   https://developers.google.com/google-ads/api/reference/rpc/latest/CampaignBudgetErrorEnum.CampaignBudgetError
//     (NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT)
//   https://developers.google.com/google-ads/api/reference/rpc/latest/OperationAccessDeniedErrorEnum.OperationAccessDeniedError
//     (OPERATION_NOT_PERMITTED_FOR_REMOVED_RESOURCE)
//   https://developers.google.com/google-ads/api/reference/rpc/latest/BiddingErrorEnum.BiddingError
//     (BID_TOO_MANY_FRACTIONAL_DIGITS)

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/stratumhq/stratum/internal/money"
)

// updatable lists, per service, the update fields the fake applies.
var updatable = map[string]map[string]bool{
	"campaigns":       {"status": true},
	"campaignBudgets": {"amountMicros": true},
	"adGroups":        {"cpcBidMicros": true},
}

// resourceColl is the resource-name collection per service.
var resourceColl = map[string]string{"campaigns": "campaigns", "campaignBudgets": "campaignBudgets", "adGroups": "adGroups"}

var intText = regexp.MustCompile(`^-?[0-9]+$`)

// pending is one validated update.
type pending struct {
	resource, id, field, value string
	micros                     int64
}

// mutate validates every operation first and applies them all or none
// (partialFailure is not served).
func (s *Server) mutate(w http.ResponseWriter, r *http.Request, cs *customerState, service string) {
	var body struct {
		Operations          []json.RawMessage `json:"operations"`
		PartialFailure      bool              `json:"partialFailure"`
		ValidateOnly        bool              `json:"validateOnly"`
		ResponseContentType string            `json:"responseContentType"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		s.invalid(w, "requestError", "INVALID_INPUT", "%s:mutate body: %v (fields: operations, partialFailure, validateOnly, responseContentType)", service, err)
		return
	}
	if len(body.Operations) == 0 || len(body.Operations) > 10000 {
		s.invalid(w, "mutateError", "TOO_MANY_MUTATE_OPERATIONS_IN_REQUEST", "%s:mutate needs 1 to 10,000 operations, got %d", service, len(body.Operations))
		return
	}
	if body.PartialFailure {
		s.invalid(w, "requestError", "INVALID_INPUT", "partialFailure is not served by the fake")
		return
	}
	var ups []pending
	for i, raw := range body.Operations {
		p, ok := s.operation(w, cs, service, i, raw)
		if !ok {
			return
		}
		ups = append(ups, p)
	}
	results := make([]map[string]string, 0, len(ups))
	s.mu.Lock()
	for _, p := range ups {
		if !body.ValidateOnly {
			s.apply(cs, service, p)
		}
		results = append(results, map[string]string{"resourceName": p.resource})
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"results": results})
}

// operation validates operation i.
func (s *Server) operation(w http.ResponseWriter, cs *customerState, service string, i int, raw json.RawMessage) (pending, bool) {
	var op map[string]json.RawMessage
	if err := json.Unmarshal(raw, &op); err != nil {
		s.invalid(w, "requestError", "INVALID_INPUT", "operations[%d] is not an object: %v", i, err)
		return pending{}, false
	}
	for k := range op {
		switch k {
		case "update", "updateMask":
		case "create", "remove":
			s.invalid(w, "requestError", "INVALID_INPUT", "operations[%d].%s is not served by the fake (only update)", i, k)
			return pending{}, false
		default:
			s.invalid(w, "requestError", "INVALID_INPUT", "operations[%d]: Unknown name %q: Cannot find field", i, k)
			return pending{}, false
		}
	}
	var mask string
	var upd map[string]json.RawMessage
	if json.Unmarshal(op["updateMask"], &mask) != nil || json.Unmarshal(op["update"], &upd) != nil || upd == nil {
		s.invalid(w, "requestError", "INVALID_INPUT", "operations[%d] needs update (an object) and updateMask (a string)", i)
		return pending{}, false
	}
	var rn string
	if json.Unmarshal(upd["resourceName"], &rn) != nil || rn == "" {
		s.invalid(w, "requestError", "RESOURCE_NAME_MISSING", "operations[%d].update.resourceName is missing", i)
		return pending{}, false
	}
	var fieldsSet []string
	for k := range upd {
		if k == "resourceName" {
			continue
		}
		if !updatable[service][k] {
			s.invalid(w, "requestError", "INVALID_INPUT", "operations[%d].update.%s is not a field the fake updates on %s (fields: %v)", i, k, service, keys(updatable[service]))
			return pending{}, false
		}
		fieldsSet = append(fieldsSet, k)
	}
	paths := strings.Split(mask, ",")
	sort.Strings(paths)
	sort.Strings(fieldsSet)
	if len(fieldsSet) != 1 || strings.Join(paths, ",") != strings.Join(fieldsSet, ",") {
		s.invalid(w, "fieldMaskError", "FIELD_NOT_FOUND", "operations[%d].updateMask %q must list exactly the updated fields %v in lowerCamelCase", i, mask, fieldsSet)
		return pending{}, false
	}
	parts := splitResource(rn)
	if len(parts) != 4 || parts[0] != "customers" || parts[2] != resourceColl[service] || !isID(parts[3]) {
		s.invalid(w, "requestError", "INVALID_RESOURCE_NAME", "operations[%d].update.resourceName %q is not customers/{customerId}/%s/{id}", i, rn, resourceColl[service])
		return pending{}, false
	}
	if parts[1] != cs.ID {
		s.invalid(w, "requestError", "INVALID_RESOURCE_NAME", "operations[%d].update.resourceName %q names another customer than the path's %s", i, rn, cs.ID)
		return pending{}, false
	}
	p := pending{resource: rn, id: parts[3], field: fieldsSet[0], value: string(bytes.Trim(upd[fieldsSet[0]], `"`))}
	return s.checkValue(w, cs, service, i, p, upd[p.field])
}

// checkValue validates the new value and that the entity exists.
func (s *Server) checkValue(w http.ResponseWriter, cs *customerState, service string, i int, p pending, raw json.RawMessage) (pending, bool) {
	notFound := func() (pending, bool) {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Request contains an invalid argument.",
			adsErr{"mutateError", "RESOURCE_NOT_FOUND", "The requested resource was not found: " + p.resource, 0})
		return pending{}, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if service == "campaigns" {
		var st string
		if json.Unmarshal(raw, &st) != nil || (st != "ENABLED" && st != "PAUSED") {
			s.invalid(w, "requestError", "INVALID_ENUM_VALUE", "operations[%d].update.status must be ENABLED or PAUSED (remove with a remove operation), got %s", i, raw)
			return pending{}, false
		}
		switch c := cs.campByID[p.id]; {
		case c == nil:
			return notFound()
		case c.Status == "REMOVED":
			writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Request contains an invalid argument.",
				adsErr{"operationAccessDeniedError", "OPERATION_NOT_PERMITTED_FOR_REMOVED_RESOURCE", "This operation is not allowed because the resource is removed.", 0})
			return pending{}, false
		}
		return p, true
	}
	text := string(raw)
	if strings.HasPrefix(text, `"`) {
		if json.Unmarshal(raw, &text) != nil {
			text = ""
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if !intText.MatchString(text) || err != nil || n <= 0 {
		s.invalid(w, "requestError", "INVALID_INPUT", "operations[%d].update.%s must be a positive int64 of micros (proto3 JSON: a string of digits), got %s", i, p.field, raw)
		return pending{}, false
	}
	unit := int64(1)
	for e := money.Exponent(cs.Currency); e < 6; e++ {
		unit *= 10
	}
	if n%unit != 0 {
		category, code := "campaignBudgetError", "NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT"
		if service == "adGroups" {
			category, code = "biddingError", "BID_TOO_MANY_FRACTIONAL_DIGITS"
		}
		s.invalid(w, category, code, "operations[%d].update.%s %d is not a multiple of %s's minimum unit (%d micros)", i, p.field, n, cs.Currency, unit)
		return pending{}, false
	}
	p.micros = n
	switch service {
	case "campaignBudgets":
		for _, c := range cs.campaigns {
			if c.BudgetID == p.id {
				return p, true
			}
		}
		return notFound()
	default:
		if cs.groupByID[p.id] == nil {
			return notFound()
		}
		return p, true
	}
}

// apply changes the state (mu held).
func (s *Server) apply(cs *customerState, service string, p pending) {
	switch service {
	case "campaigns":
		cs.campByID[p.id].Status = p.value
	case "campaignBudgets":
		for _, c := range cs.campaigns {
			if c.BudgetID == p.id {
				c.BudgetMicros = p.micros
			}
		}
	case "adGroups":
		cs.groupByID[p.id].CpcBidMicros = p.micros
	}
	s.mutations = append(s.mutations, Mutation{CustomerID: cs.ID, Resource: p.resource, Field: p.field, Value: p.value})
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
