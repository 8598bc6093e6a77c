package cdp

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/apperr"
)

// The live event debugger (ADR 0016, "Live event debugger"). What the
// tracking API receives is published on TopicEventReceived, sampled so
// that it never slows ingestion:
//
//   - accepted events: at most DebuggerPerCommit per source and commit,
//     published after the commit by a publisher goroutine (seen only if it
//     committed; see queueSample in ingest_commit.go);
//   - rejected requests: at most DebuggerRejectedPerSecond per source, handed
//     to a publisher goroutine through a bounded channel (full: dropped) that
//     runs a short pg_notify on the pool; errors are only logged.
//
// The envelope carries the debugger entry itself (no row holds a rejected
// request's payload): the payload is cut so that the envelope stays under
// realtime.MaxEnvelope.

// TopicEventReceived is the debugger's topic; its data is a DebuggerEvent.
const TopicEventReceived = "cdp.event_received"

// Sampling bounds of the debugger.
const (
	DebuggerPerCommit         = 10
	DebuggerRejectedPerSecond = 10
	// DebuggerPayloadBytes is the most of an event's JSON an entry holds.
	DebuggerPayloadBytes = 4096
	debuggerQueue        = 64
)

// Debugger statuses.
const (
	DebuggerAccepted = "ACCEPTED"
	DebuggerRejected = "REJECTED"
)

// DebuggerEvent is one entry of the live debugger.
type DebuggerEvent struct {
	SourceID   uuid.UUID `json:"s"`
	ReceivedAt time.Time `json:"at"`
	Status     string    `json:"st"`
	MessageID  string    `json:"m,omitempty"`
	Type       string    `json:"ty,omitempty"`
	Name       string    `json:"n,omitempty"`
	Payload    string    `json:"p"`
	Truncated  bool      `json:"tr,omitempty"`
	ErrorField string    `json:"ef,omitempty"`
	ErrorText  string    `json:"em,omitempty"`
}

// debuggerEnvelope is ev's realtime event, its payload cut (at a UTF-8
// boundary) until the envelope fits.
func debuggerEnvelope(tenant uuid.UUID, ev DebuggerEvent, raw []byte, key string) (realtime.Event, bool) {
	if key != "" {
		raw = bytes.ReplaceAll(raw, []byte(key), []byte("[redacted]"))
	}
	limit := DebuggerPayloadBytes
	for limit >= 64 {
		p, cut := cutUTF8(raw, limit)
		ev.Payload, ev.Truncated = string(p), cut
		data, err := json.Marshal(ev)
		if err != nil {
			return realtime.Event{}, false
		}
		out := realtime.Event{Tenant: tenant, Topic: TopicEventReceived, ID: ev.SourceID.String(), Data: data}
		if b, err := json.Marshal(out); err == nil && len(b) <= realtime.MaxEnvelope {
			return out, true
		}
		limit /= 2
	}
	return realtime.Event{}, false
}

func cutUTF8(b []byte, n int) ([]byte, bool) {
	if len(b) <= n {
		return b, false
	}
	b = b[:n]
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return b, true
}

// debugger publishes rejected requests outside any transaction.
type debugger struct {
	once   sync.Once
	ch     chan realtime.Event
	mu     sync.Mutex
	second int64
	counts map[uuid.UUID]int
}

// publishRejected hands a refused request of src to the publisher, unless
// src passed its rate this second or the queue is full. It never blocks.
func (s *Service) publishRejected(ctx context.Context, src keyedSource, key string, req Request, b *wireBatch, err error) {
	e, ok := apperr.As(err)
	if !ok {
		return
	}
	d := &s.debug
	now := s.DB.Now(ctx)
	d.mu.Lock()
	if sec := now.Unix(); sec != d.second || d.counts == nil {
		d.second, d.counts = sec, map[uuid.UUID]int{}
	}
	over := d.counts[src.SourceID] >= DebuggerRejectedPerSecond
	if !over {
		d.counts[src.SourceID]++
	}
	d.mu.Unlock()
	if over {
		return
	}
	ev := DebuggerEvent{SourceID: src.SourceID, ReceivedAt: req.ReceivedAt, Status: DebuggerRejected, ErrorText: e.Message}
	if len(e.Field) > 0 {
		ev.ErrorField = e.Field[0]
	}
	raw := req.Body
	if b != nil {
		if i, ok := e.Extensions["index"].(int); ok && i >= 0 && i < len(b.Batch) {
			raw = b.Batch[i]
		}
	}
	var w wireEvent
	if json.Unmarshal(raw, &w) == nil {
		ev.Type = w.Type
		if ev.Type == "" && b == nil {
			ev.Type = req.Endpoint
		}
		ev.MessageID, _ = idString(w.MessageID)
		switch {
		case !isNull(w.Event):
			ev.Name, _ = idString(w.Event)
		case !isNull(w.Name):
			ev.Name, _ = idString(w.Name)
		}
	}
	env, ok := debuggerEnvelope(src.TenantID, ev, raw, key)
	if !ok {
		return
	}
	d.once.Do(func() {
		d.ch = make(chan realtime.Event, debuggerQueue)
		go s.publishLoop(d.ch, s.committer().stop)
	})
	select {
	case d.ch <- env:
	default:
	}
}

// publishLoop sends rejected entries, each with a short pg_notify on the
// pool; a failure is logged and the entry dropped.
// It ends when the service is closed.
func (s *Service) publishLoop(ch <-chan realtime.Event, stop <-chan struct{}) {
	for {
		var env realtime.Event
		select {
		case env = <-ch:
		case <-stop:
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := realtime.Publish(ctx, s.DB.Bun, env); err != nil && s.Log != nil {
			s.Log.Warn("cdp debugger: publishing a rejected request failed", "err", err)
		}
		cancel()
	}
}
