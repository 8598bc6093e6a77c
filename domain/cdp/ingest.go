package cdp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Limits of the tracking API, as Segment documents them: 32 KB per event
// (and per single call), 500 KB per batch request (both after gzip is
// undone).
const (
	MaxEventBytes = 32 * 1024
	MaxBatchBytes = 500 * 1024
	// maxIDLen bounds messageId, userId, anonymousId, groupId, previousId
	// and event names.
	maxIDLen = 512
)

// Types are the call types of the Segment spec.
var Types = []string{"track", "identify", "page", "screen", "group", "alias"}

// Endpoints are the tracking API's calls: one per type, plus batch and
// import (both take {"batch": [...]}).
var Endpoints = append(slices.Clone(Types), "batch", "import")

// IsBatch reports whether endpoint takes a batch.
func IsBatch(endpoint string) bool { return endpoint == "batch" || endpoint == "import" }

// Request is one call of the tracking API as received: its endpoint
// ("track", …, "batch", "import"), its JSON body with any gzip undone
// (bounded by the caller to MaxBatchBytes + 1, or MaxEventBytes + 1 for a
// single call), the HTTP Basic username (the write key, "" without one)
// and when it arrived.
type Request struct {
	Endpoint   string
	Body       []byte
	BasicUser  string
	ReceivedAt time.Time
}

// Event is one validated event, as stored in cdp_events.
type Event struct {
	SourceID          uuid.UUID
	MessageID         string
	Type              string
	Name              string // track: event; page, screen: name
	AnonymousID       string
	UserID            string
	GroupID           string
	PreviousID        string
	OriginalTimestamp *time.Time
	SentAt            *time.Time
	ReceivedAt        time.Time
	Timestamp         time.Time
	Properties        []byte
	Traits            []byte
	Context           []byte
	Integrations      []byte
	Size              int
	// Raw is the event's JSON as sent (the live debugger shows a sample).
	Raw []byte
}

// wireEvent is an event as the Segment and RudderStack SDKs send it. Ids
// may be strings or numbers; objects stay raw.
type wireEvent struct {
	Type              string          `json:"type"`
	MessageID         json.RawMessage `json:"messageId"`
	AnonymousID       json.RawMessage `json:"anonymousId"`
	UserID            json.RawMessage `json:"userId"`
	GroupID           json.RawMessage `json:"groupId"`
	PreviousID        json.RawMessage `json:"previousId"`
	Event             json.RawMessage `json:"event"`
	Name              json.RawMessage `json:"name"`
	Properties        json.RawMessage `json:"properties"`
	Traits            json.RawMessage `json:"traits"`
	Context           json.RawMessage `json:"context"`
	Integrations      json.RawMessage `json:"integrations"`
	Timestamp         json.RawMessage `json:"timestamp"`
	OriginalTimestamp json.RawMessage `json:"originalTimestamp"`
	SentAt            json.RawMessage `json:"sentAt"`
	WriteKey          string          `json:"writeKey"`
}

// wireBatch is the body of /v1/batch and /v1/import: the events and
// defaults for them (sentAt, context, integrations).
type wireBatch struct {
	Batch        []json.RawMessage `json:"batch"`
	WriteKey     string            `json:"writeKey"`
	SentAt       json.RawMessage   `json:"sentAt"`
	Context      json.RawMessage   `json:"context"`
	Integrations json.RawMessage   `json:"integrations"`
	// events are Batch's events as fastBatch read them (nil when
	// encoding/json read the body: validate decodes each event then).
	events []wireEvent
}

// parsed is a request's events with the write key it names.
type parsed struct {
	writeKey string
	events   []Event
	bytes    int
}

// invalid is a refusal of the request naming the offending field, e.g.
// batch[3].properties, with the event's index in extensions.index.
func invalid(index int, batch bool, field, format string, args ...any) *apperr.Error {
	path := field
	ext := map[string]any{}
	if batch {
		path = fmt.Sprintf("batch[%d]", index)
		if field != "" {
			path += "." + field
		}
		ext["index"] = index
	}
	ext["field"] = path
	return &apperr.Error{Code: apperr.BadUserInput, Field: []string{path}, Message: path + ": " + fmt.Sprintf(format, args...), Extensions: ext}
}

// envelope reads the write key of req's body without validating its events
// (authentication comes before validation); a body that is not JSON is
// refused.
func envelope(req Request) (key string, b *wireBatch, single *wireEvent, err error) {
	if !utf8.Valid(req.Body) {
		// jsonb and text columns refuse invalid UTF-8.
		return "", nil, nil, invalid(0, false, "body", "the body is not valid UTF-8")
	}
	if IsBatch(req.Endpoint) {
		if len(req.Body) > MaxBatchBytes {
			return "", nil, nil, invalid(0, false, "body", "a batch is at most %d bytes (500 KB)", MaxBatchBytes)
		}
		if fb, ok := fastBatch(req.Body); ok {
			return fb.WriteKey, fb, nil, nil
		}
		b = new(wireBatch)
		if err := json.Unmarshal(req.Body, b); err != nil {
			return "", nil, nil, invalid(0, false, "body", "not a JSON object with a batch array: %s", jsonProblem(err))
		}
		return b.WriteKey, b, nil, nil
	}
	if !slices.Contains(Types, req.Endpoint) {
		return "", nil, nil, invalid(0, false, "type", "unknown call %q", req.Endpoint)
	}
	if len(req.Body) <= MaxEventBytes {
		if w, ok := fastEvent(req.Body); ok {
			return w.WriteKey, nil, &w, nil
		}
	}
	single = new(wireEvent)
	if err := json.Unmarshal(req.Body, single); err != nil {
		return "", nil, nil, invalid(0, false, "body", "not a JSON object: %s", jsonProblem(err))
	}
	return single.WriteKey, nil, single, nil
}

// jsonProblem is a decoding error's text without Go's type names.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("%s has the wrong type (%s)", te.Field, te.Value)
		}
		return fmt.Sprintf("wrong type (%s)", te.Value)
	}
	return "invalid JSON"
}

// validate turns the request's events into Events of source, all or none:
// the first invalid event refuses the whole request.
func validate(req Request, b *wireBatch, single *wireEvent, source uuid.UUID) ([]Event, int, error) {
	if single != nil {
		if len(req.Body) > MaxEventBytes {
			return nil, 0, invalid(0, false, largestField(req.Body), "an event is at most %d bytes (32 KB); this one is %d", MaxEventBytes, len(req.Body))
		}
		single.Type = req.Endpoint // the endpoint decides the type
		e, err := toEvent(single, len(req.Body), req.ReceivedAt, nil, nil, nil, 0, false)
		if err != nil {
			return nil, 0, err
		}
		e.SourceID, e.Raw = source, req.Body
		return []Event{e}, e.Size, nil
	}
	if len(b.Batch) == 0 {
		return nil, 0, invalid(0, false, "batch", "the batch has no events")
	}
	sentAt, err := parseTime(b.SentAt)
	if err != nil {
		return nil, 0, invalid(0, false, "sentAt", "%v", err)
	}
	if err := checkObject(b.Context); err != nil {
		return nil, 0, invalid(0, false, "context", "%v", err)
	}
	if !isNull(b.Context) {
		if b.Context, err = storable(b.Context); err != nil {
			return nil, 0, invalid(0, false, "context", "%v", err)
		}
	}
	out := make([]Event, 0, len(b.Batch))
	total := 0
	for i, raw := range b.Batch {
		if len(raw) > MaxEventBytes {
			return nil, 0, invalid(i, true, largestField(raw), "an event is at most %d bytes (32 KB); this one is %d", MaxEventBytes, len(raw))
		}
		var w wireEvent
		if b.events != nil {
			w = b.events[i]
		} else if err := json.Unmarshal(raw, &w); err != nil {
			return nil, 0, invalid(i, true, "", "not a JSON object: %s", jsonProblem(err))
		}
		e, err := toEvent(&w, len(raw), req.ReceivedAt, sentAt, b.Context, b.Integrations, i, true)
		if err != nil {
			return nil, 0, err
		}
		e.SourceID, e.Raw = source, raw
		total += e.Size
		out = append(out, e)
	}
	return out, total, nil
}

// toEvent validates one event. sentAt, context and integrations are the
// batch's defaults.
func toEvent(w *wireEvent, size int, receivedAt time.Time, sentAt *time.Time, context, integrations json.RawMessage, i int, batch bool) (Event, error) {
	e := Event{Type: w.Type, ReceivedAt: receivedAt, Size: size}
	if !slices.Contains(Types, w.Type) {
		return e, invalid(i, batch, "type", "must be one of %s", strings.Join(Types, ", "))
	}
	var err error
	str := func(field string, raw json.RawMessage, dst *string) bool {
		if err != nil {
			return false
		}
		var s string
		if s, err = idString(raw); err != nil {
			err = invalid(i, batch, field, "%v", err)
			return false
		}
		*dst = s
		return true
	}
	str("messageId", w.MessageID, &e.MessageID)
	str("anonymousId", w.AnonymousID, &e.AnonymousID)
	str("userId", w.UserID, &e.UserID)
	str("groupId", w.GroupID, &e.GroupID)
	str("previousId", w.PreviousID, &e.PreviousID)
	switch e.Type {
	case "track":
		str("event", w.Event, &e.Name)
	case "page", "screen":
		str("name", w.Name, &e.Name)
	}
	if err != nil {
		return e, err
	}
	if e.MessageID == "" {
		// Segment's HTTP API adds a messageId when a call has none; such an
		// event cannot be deduplicated on retry (ADR 0016).
		e.MessageID = uuid.NewString()
	}
	switch {
	case e.Type == "alias" && e.PreviousID == "":
		return e, invalid(i, batch, "previousId", "an alias needs previousId")
	case e.Type == "alias" && e.UserID == "":
		return e, invalid(i, batch, "userId", "an alias needs userId")
	case e.UserID == "" && e.AnonymousID == "":
		return e, invalid(i, batch, "userId", "every call needs a userId or an anonymousId")
	case e.Type == "track" && e.Name == "":
		return e, invalid(i, batch, "event", "a track call needs an event name")
	case e.Type == "group" && e.GroupID == "":
		return e, invalid(i, batch, "groupId", "a group call needs a groupId")
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  *[]byte
	}{{"properties", w.Properties, &e.Properties}, {"traits", w.Traits, &e.Traits}, {"context", w.Context, &e.Context}, {"integrations", w.Integrations, &e.Integrations}} {
		if err := checkObject(f.raw); err != nil {
			return e, invalid(i, batch, f.name, "%v", err)
		}
		if !isNull(f.raw) {
			v, err := storable(f.raw)
			if err != nil {
				return e, invalid(i, batch, f.name, "%v", err)
			}
			*f.dst = v
		}
	}
	if e.Context == nil && !isNull(context) {
		e.Context = context
	}
	if e.Integrations == nil && !isNull(integrations) && checkObject(integrations) == nil {
		if v, err := storable(integrations); err == nil {
			e.Integrations = v
		}
	}
	// Times: originalTimestamp is the client's time of the event (the
	// timestamp it sent); timestamp removes the client's clock skew,
	// originalTimestamp + (receivedAt - sentAt), when it sent sentAt.
	ts, err := parseTime(w.Timestamp)
	if err != nil {
		return e, invalid(i, batch, "timestamp", "%v", err)
	}
	orig, err := parseTime(w.OriginalTimestamp)
	if err != nil {
		return e, invalid(i, batch, "originalTimestamp", "%v", err)
	}
	if orig == nil {
		orig = ts
	}
	own, err := parseTime(w.SentAt)
	if err != nil {
		return e, invalid(i, batch, "sentAt", "%v", err)
	}
	if own != nil {
		sentAt = own
	}
	e.OriginalTimestamp, e.SentAt = orig, sentAt
	switch {
	case orig == nil:
		e.Timestamp = receivedAt
	case sentAt != nil:
		e.Timestamp = orig.Add(receivedAt.Sub(*sentAt))
	default:
		e.Timestamp = *orig
	}
	return e, nil
}

// idString reads an id that may be a JSON string or number ("" when absent
// or null).
func idString(raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var s string
	switch raw[0] {
	case '"':
		if v, ok := plainString(raw); ok {
			s = v
		} else if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("not a string")
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", fmt.Errorf("not a number")
		}
		s = n.String()
	default:
		return "", fmt.Errorf("must be a string or a number")
	}
	if len(s) > maxIDLen || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return "", fmt.Errorf("must be valid text of at most %d bytes", maxIDLen)
	}
	return s, nil
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// checkObject accepts an absent or null value or a JSON object.
func checkObject(raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	if t := bytes.TrimSpace(raw); t[0] != '{' {
		return fmt.Errorf("must be an object")
	}
	return nil
}

// storable is an object as PostgreSQL's jsonb accepts it. JSON allows what
// jsonb refuses: a lone UTF-16 surrogate escape ("\ud800") and \u0000.
// Only a value with an escape can hold either (the SDKs write non-ASCII
// text as UTF-8, so this is rare): it is decoded and re-encoded, which
// turns lone surrogates into U+FFFD, and then refused if it holds U+0000.
func storable(raw json.RawMessage) ([]byte, error) {
	if !bytes.Contains(raw, []byte(`\u`)) {
		return raw, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON")
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("invalid JSON")
	}
	out := bytes.TrimRight(b.Bytes(), "\n")
	if bytes.Contains(out, []byte(`\u0000`)) {
		return nil, fmt.Errorf("must not contain \\u0000")
	}
	return out, nil
}

// parseTime reads an ISO-8601 time (RFC 3339, as the SDKs send it); nil
// when absent or null.
func parseTime(raw json.RawMessage) (*time.Time, error) {
	if isNull(raw) {
		return nil, nil
	}
	s, ok := plainString(raw)
	if !ok {
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("must be an ISO-8601 time string")
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("must be an ISO-8601 time such as 2026-01-02T15:04:05.000Z")
	}
	if t.Year() < 1970 || t.Year() > 9999 {
		return nil, fmt.Errorf("out of range")
	}
	t = t.UTC()
	return &t, nil
}

// largestField names the largest member of an oversized event (the one to
// trim), "" when it is not an object.
func largestField(raw []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	best, size := "", -1
	for k, v := range m {
		if len(v) > size || (len(v) == size && k < best) {
			best, size = k, len(v)
		}
	}
	return best
}

// Ingest takes one call of the tracking API: it authenticates the write
// key (HTTP Basic username, else the body's writeKey), validates every
// event (all or nothing), applies the source's rate limit and hands them
// to the group committer, returning once they are committed (or
// known to be duplicates). Errors are typed for the HTTP layer:
// UNAUTHENTICATED (no or unknown key), FORBIDDEN (disabled source),
// FEATURE_DISABLED (no cdp flag), THROTTLED (rate limit, with
// extensions.retryAfterSeconds; the monthly events limit, with
// extensions.limit), BAD_USER_INPUT naming the field (and the event's
// index in a batch).
func (s *Service) Ingest(ctx context.Context, req Request) (n int, err error) {
	defer derrors.Wrap(&err, "cdp.Service.Ingest(%s)", req.Endpoint)
	key, b, single, perr := envelope(req)
	if req.BasicUser != "" {
		key = req.BasicUser
	}
	if key == "" {
		if perr != nil {
			return 0, perr
		}
		return 0, apperr.Unauthenticatedf("no write key: send it as the HTTP Basic username or the writeKey field")
	}
	src, found, err := s.lookupKey(ctx, key)
	switch {
	case err != nil:
		return 0, err
	case !found:
		return 0, apperr.Unauthenticatedf("unknown write key")
	case !src.Enabled:
		return 0, apperr.Forbiddenf("this source is disabled")
	}
	if perr != nil {
		s.rejected(ctx, src, 1)
		s.publishRejected(ctx, src, key, req, nil, perr)
		return 0, perr
	}
	events, size, err := validate(req, b, single, src.SourceID)
	if err != nil {
		s.rejected(ctx, src, max(1, len(b.batchOrNil())))
		s.publishRejected(ctx, src, key, req, b, err)
		return 0, err
	}
	if wait, ok := s.takeEvents(ctx, src.SourceID, src.RateLimit, len(events)); !ok {
		secs := int(wait.Seconds())
		if time.Duration(secs)*time.Second < wait {
			secs++
		}
		err := &apperr.Error{Code: apperr.Throttled, Message: fmt.Sprintf("this source accepts %d events a second; retry in %d s", src.RateLimit, secs),
			Extensions: map[string]any{"retryAfterSeconds": secs}}
		s.publishThrottled(ctx, src, key, events, err, LimitSourceRate)
		return 0, err
	}
	if err := s.submit(ctx, src.TenantID, key, events, size); err != nil {
		s.publishThrottled(ctx, src, key, events, err, "")
		return 0, err
	}
	return len(events), nil
}

func (b *wireBatch) batchOrNil() []json.RawMessage {
	if b == nil {
		return nil
	}
	return b.Batch
}

// rejected counts a refused request's events on its source; a failure to
// count is not the caller's problem (the refusal stands).
func (s *Service) rejected(ctx context.Context, src keyedSource, n int) {
	_ = s.countRejected(context.WithoutCancel(ctx), src.TenantID, src.SourceID, n)
}

// RetryAfter is a THROTTLED error's retryAfterSeconds (0 without one).
func RetryAfter(err error) int {
	e, ok := apperr.As(err)
	if !ok {
		return 0
	}
	switch v := e.Extensions["retryAfterSeconds"].(type) {
	case int:
		return v
	case string:
		n, _ := strconv.Atoi(v)
		return n
	}
	return 0
}
