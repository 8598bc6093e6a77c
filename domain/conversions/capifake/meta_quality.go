package capifake

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// Meta's Dataset Quality API on the Meta fake:
// GET /{MetaVersion}/dataset_quality?dataset_id={MetaPixelID}&fields=web{…}.
// Rules: developers.facebook.com/docs/marketing-api/conversions-api/dataset-quality-api
// (a GET; dataset_id, the pixel id, and fields required; the token as
// access_token or Authorization: Bearer; agent_name optional). Malformed
// requests (another method, a body, no dataset_id or fields, a field Meta
// does not have, no token) fail the test; a token Meta does not know is
// answered 401 with code 190 and a pixel it cannot read 400 with code
// 100/33, as Meta answers them, without failing the test (both happen to
// real destinations).

// QualityScore is the fake's answer for one event name.
type QualityScore struct {
	EventName string
	// Score is event_match_quality.composite_score (0–10).
	Score float64
	// MatchKeys is match_key_feedback: identifier → coverage percentage.
	MatchKeys map[string]float64
}

// SetQuality makes the Dataset Quality API report score (and matchKeys)
// for eventName, replacing an earlier one of that name.
func (s *Server) SetQuality(eventName string, score float64, matchKeys map[string]float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := QualityScore{EventName: eventName, Score: score, MatchKeys: matchKeys}
	for i := range s.quality {
		if s.quality[i].EventName == eventName {
			s.quality[i] = q
			return
		}
	}
	s.quality = append(s.quality, q)
}

// qualityFields is the documented field tree under which fields= is
// checked: nil is a scalar, anyFields an object whose subfields are not
// checked.
type qualityFields map[string]qualityFields

var anyFields = qualityFields{"*": nil}

var metaQualitySchema = qualityFields{
	"web": {
		"event_name": nil,
		"event_match_quality": {
			"composite_score": nil,
			"match_key_feedback": {
				"identifier": nil,
				"coverage":   {"percentage": nil, "description": nil},
			},
			"diagnostics": anyFields,
		},
		"event_coverage":      anyFields,
		"dedupe_key_feedback": anyFields,
		"data_freshness":      anyFields,
		"acr":                 anyFields,
	},
}

// fieldNode is one name of a Graph API fields expression, with its
// subfields when braced.
type fieldNode struct {
	name   string
	braced bool
	kids   []fieldNode
}

var fieldNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// parseFields parses "a,b{c,d{e}}".
func parseFields(s string) ([]fieldNode, error) {
	nodes, rest, err := parseFieldList(s, 0)
	if err != nil {
		return nil, err
	}
	if rest != "" {
		return nil, fmt.Errorf("unexpected %q", clip(rest))
	}
	return nodes, nil
}

func parseFieldList(s string, depth int) ([]fieldNode, string, error) {
	if depth > 8 {
		return nil, "", fmt.Errorf("fields nest too deep")
	}
	var out []fieldNode
	for {
		i := strings.IndexAny(s, ",{}")
		if i < 0 {
			i = len(s)
		}
		n := fieldNode{name: strings.TrimSpace(s[:i])}
		if !fieldNameRE.MatchString(n.name) {
			return nil, "", fmt.Errorf("bad field name %q", clip(n.name))
		}
		s = s[i:]
		if strings.HasPrefix(s, "{") {
			kids, rest, err := parseFieldList(s[1:], depth+1)
			if err != nil {
				return nil, "", err
			}
			if !strings.HasPrefix(rest, "}") {
				return nil, "", fmt.Errorf("unclosed { after %s", n.name)
			}
			n.braced, n.kids, s = true, kids, rest[1:]
		}
		out = append(out, n)
		if !strings.HasPrefix(s, ",") {
			return out, s, nil
		}
		s = s[1:]
	}
}

// checkFields finds a field the schema does not have ("" when all exist).
func checkFields(nodes []fieldNode, schema qualityFields, path string) string {
	if _, ok := schema["*"]; ok {
		return ""
	}
	for _, n := range nodes {
		sub, ok := schema[n.name]
		if !ok {
			return path + n.name
		}
		if n.braced {
			if sub == nil {
				return path + n.name + "{…} (a scalar has no subfields)"
			}
			if p := checkFields(n.kids, sub, path+n.name+"."); p != "" {
				return p
			}
		}
	}
	return ""
}

// asked reports whether the path of names is among nodes (a braced object
// asked without subfields counts as asking for all of them).
func asked(nodes []fieldNode, path ...string) bool {
	for _, n := range nodes {
		if n.name != path[0] {
			continue
		}
		if len(path) == 1 || !n.braced {
			return true
		}
		return asked(n.kids, path[1:]...)
	}
	return false
}

var digitsRE = regexp.MustCompile(`^[0-9]+$`)

func (s *Server) serveMetaQuality(w http.ResponseWriter, r *http.Request) {
	switch status, retry := s.injected(); {
	case status == http.StatusTooManyRequests:
		setRetryAfter(w, retry)
		metaErr(w, status, 4, 0, "(#4) Application request limit reached", "")
		return
	case status != 0:
		metaErr(w, status, 2, 0, "An unexpected error has occurred. Please retry your request later.", "")
		return
	}
	if r.Method != http.MethodGet {
		s.violation(r, "method %s: dataset_quality is read with GET", r.Method)
		metaErr(w, http.StatusBadRequest, 100, 0, "Unsupported "+strings.ToLower(r.Method)+" request.", "")
		return
	}
	if r.URL.Path != "/"+MetaVersion+"/dataset_quality" {
		s.violation(r, "path must be /%s/dataset_quality", MetaVersion)
		metaErr(w, http.StatusBadRequest, 2500, 0, "Unknown path components: "+r.URL.Path, "")
		return
	}
	if r.ContentLength > 0 {
		s.violation(r, "a GET carries no body")
	}
	q := r.URL.Query()
	token := q.Get("access_token")
	if h := r.Header.Get("Authorization"); token == "" && strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimPrefix(h, "Bearer ")
	}
	dataset, fields := q.Get("dataset_id"), q.Get("fields")
	nodes, perr := parseFields(fields)
	switch {
	case token == "":
		s.violation(r, "no access token (access_token or Authorization: Bearer)")
		metaErr(w, http.StatusBadRequest, 104, 0, "An access token is required to request this resource.", "")
		return
	case !digitsRE.MatchString(dataset):
		s.violation(r, "dataset_id %q must be the pixel id (digits)", clip(dataset))
		metaErr(w, http.StatusBadRequest, 100, 0, "(#100) The parameter dataset_id is required", "")
		return
	case fields == "":
		s.violation(r, "fields is required (web{event_name,event_match_quality{composite_score,…}})")
		metaErr(w, http.StatusBadRequest, 100, 0, "(#100) The parameter fields is required", "")
		return
	case perr != nil:
		s.violation(r, "fields %q: %v", clip(fields), perr)
		metaErr(w, http.StatusBadRequest, 100, 0, "(#100) Syntax error in fields", "")
		return
	case q.Has("agent_name") && q.Get("agent_name") == "":
		s.violation(r, "agent_name is empty")
	}
	if bad := checkFields(nodes, metaQualitySchema, ""); bad != "" {
		s.violation(r, "fields: %s is not a Dataset Quality field", bad)
		metaErr(w, http.StatusBadRequest, 100, 0, "(#100) Tried accessing nonexisting field ("+bad+")", "")
		return
	}
	if !asked(nodes, "web", "event_name") || !asked(nodes, "web", "event_match_quality", "composite_score") {
		s.violation(r, "fields %q asks for no web event_name and event_match_quality.composite_score", clip(fields))
	}
	switch {
	case token != MetaAccessToken:
		metaErr(w, http.StatusUnauthorized, 190, 0, "Invalid OAuth access token - Cannot parse access token", "")
		return
	case dataset != MetaPixelID:
		metaErr(w, http.StatusBadRequest, 100, 33, fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", dataset), "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"web": s.qualityAnswer(nodes)})
}

// qualityAnswer is the web[] of the scores set, with the fields asked for.
func (s *Server) qualityAnswer(nodes []fieldNode) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]map[string]any, 0, len(s.quality))
	for _, qs := range s.quality {
		e := map[string]any{}
		if asked(nodes, "web", "event_name") {
			e["event_name"] = qs.EventName
		}
		emq := map[string]any{}
		if asked(nodes, "web", "event_match_quality", "composite_score") {
			emq["composite_score"] = qs.Score
		}
		if asked(nodes, "web", "event_match_quality", "match_key_feedback") {
			keys := []map[string]any{}
			for _, id := range sortedKeys(qs.MatchKeys) {
				keys = append(keys, map[string]any{"identifier": id, "coverage": map[string]any{"percentage": qs.MatchKeys[id]}})
			}
			emq["match_key_feedback"] = keys
		}
		if len(emq) > 0 {
			e["event_match_quality"] = emq
		}
		out = append(out, e)
	}
	return out
}

func sortedKeys(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
