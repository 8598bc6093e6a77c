package cdp

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/stratumhq/stratum/internal/jsonscan"
)

// The fast path of the batch parser (ADR 0016, "Parsing"). encoding/json
// reads a /v1/batch body four times over — json.Unmarshal checks the whole
// body, then decodes it, copying every event out as a json.RawMessage, and
// each event is checked and decoded again — and it was the largest share
// of the server's CPU per event. fastBatch reads the body once with
// internal/jsonscan (which accepts exactly what json.Valid accepts),
// keeping every event and each field as a slice of the body, and hands
// validate the same wireBatch and wireEvents the slow path would have made.
//
// It only takes the plain case and gives up (ok false) on anything else —
// any syntax error, a member name matching a field only case-insensitively
// (encoding/json's folding), a type or writeKey that is not a plain string,
// a batch that is not an array of objects, an event over MaxEventBytes —
// and the caller then runs encoding/json, so every refusal and its message
// stays the slow path's. FuzzFastBatch checks that both paths agree on
// every input the fast path takes.

// Member names of the batch envelope and of an event.
var (
	batchFields = []string{"batch", "writeKey", "sentAt", "context", "integrations"}
	eventFields = []string{"type", "messageId", "anonymousId", "userId", "groupId", "previousId", "event", "name",
		"properties", "traits", "context", "integrations", "timestamp", "originalTimestamp", "sentAt", "writeKey"}
)

// folded reports a member name that encoding/json would match to one of
// fields only case-insensitively (the fast path leaves it to it).
func folded(k []byte, fields []string) bool {
	for _, f := range fields {
		if bytes.EqualFold(k, []byte(f)) {
			return true
		}
	}
	return false
}

// fastBatch reads a batch body; ok is false when it leaves the body to
// encoding/json.
func fastBatch(body []byte) (b *wireBatch, ok bool) {
	s := jsonscan.New(body)
	if s.Peek() != jsonscan.Object {
		return nil, false
	}
	b = new(wireBatch)
	s.EnterObject()
	for s.More() {
		k := s.Key()
		switch string(k) {
		case "batch":
			switch s.Peek() {
			case jsonscan.Null:
				s.Null()
				b.Batch, b.events = nil, nil
			case jsonscan.Array:
				b.Batch, b.events = b.Batch[:0], b.events[:0]
				s.EnterArray()
				for s.More() {
					raw := s.Raw()
					if s.Err() != nil || len(raw) > MaxEventBytes {
						return nil, false
					}
					w, ok := fastEvent(raw)
					if !ok {
						return nil, false
					}
					b.Batch = append(b.Batch, raw)
					b.events = append(b.events, w)
				}
			default:
				return nil, false
			}
		case "writeKey":
			v, plain := s.String()
			if !plain {
				return nil, false
			}
			b.WriteKey = string(v)
		case "sentAt":
			b.SentAt = s.Raw()
		case "context":
			b.Context = s.Raw()
		case "integrations":
			b.Integrations = s.Raw()
		default:
			if folded(k, batchFields) {
				return nil, false
			}
			s.Skip()
		}
	}
	if s.End() != nil {
		return nil, false
	}
	if b.Batch != nil && len(b.events) != len(b.Batch) {
		return nil, false
	}
	return b, true
}

// fastEvent reads one event of a batch (raw is a complete, valid JSON
// value).
func fastEvent(raw []byte) (w wireEvent, ok bool) {
	s := jsonscan.New(raw)
	if s.Peek() != jsonscan.Object {
		return w, false
	}
	s.EnterObject()
	for s.More() {
		k := s.Key()
		var dst *json.RawMessage
		switch string(k) {
		case "type", "writeKey":
			if s.Peek() != jsonscan.String {
				return w, false
			}
			v, plain := s.String()
			if !plain {
				return w, false
			}
			if string(k) == "type" {
				w.Type = string(v)
			} else {
				w.WriteKey = string(v)
			}
			continue
		case "messageId":
			dst = &w.MessageID
		case "anonymousId":
			dst = &w.AnonymousID
		case "userId":
			dst = &w.UserID
		case "groupId":
			dst = &w.GroupID
		case "previousId":
			dst = &w.PreviousID
		case "event":
			dst = &w.Event
		case "name":
			dst = &w.Name
		case "properties":
			dst = &w.Properties
		case "traits":
			dst = &w.Traits
		case "context":
			dst = &w.Context
		case "integrations":
			dst = &w.Integrations
		case "timestamp":
			dst = &w.Timestamp
		case "originalTimestamp":
			dst = &w.OriginalTimestamp
		case "sentAt":
			dst = &w.SentAt
		default:
			if folded(k, eventFields) {
				return w, false
			}
			s.Skip()
			continue
		}
		*dst = s.Raw()
	}
	return w, s.End() == nil
}

// plainString is the text of a JSON string value without escapes (ok
// false for anything else: a value to decode with encoding/json). raw is
// a valid JSON value, so its text has no quote or control character.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	in := raw[1 : len(raw)-1]
	if bytes.IndexByte(in, '\\') >= 0 || !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}
