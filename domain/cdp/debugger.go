package cdp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/apperr"
)

// The live event debugger (ADR 0016, "Live event debugger"). What the
// tracking API receives is published on TopicEventReceived, sampled so
// that it never slows ingestion:
//
//   - committed requests' events: at most DebuggerPerCommit per source and
//     commit, published after the commit by a publisher goroutine (seen
//     only if it committed; see queueSample in ingest_commit.go), each
//     ACCEPTED (stored) or DUPLICATE (its messageId was stored before:
//     acknowledged and dropped);
//   - refused requests, REJECTED (400) and THROTTLED (429, naming the
//     limit): at most DebuggerRejectedPerSecond per source, handed to a
//     publisher goroutine through a bounded channel (full: dropped) that
//     runs a short pg_notify on the pool; errors are only logged.
//
// A request refused with 401 names no source it could be shown for.
// The envelope carries the debugger entry itself (no row holds a refused
// request's payload): the payload is cut so that the envelope stays under
// realtime.MaxEnvelope.

// TopicEventReceived is the debugger's topic; its data is a DebuggerEvent.
const TopicEventReceived = "cdp.event_received"

// Sampling bounds of the debugger.
const (
	DebuggerPerCommit = 10
	// DebuggerRejectedPerSecond bounds the refused (REJECTED and
	// THROTTLED) entries per source and second.
	DebuggerRejectedPerSecond = 10
	// DebuggerPayloadBytes is the most of an event's JSON an entry holds.
	DebuggerPayloadBytes = 4096
	debuggerQueue        = 64
)

// Debugger statuses.
const (
	DebuggerAccepted  = "ACCEPTED"
	DebuggerDuplicate = "DUPLICATE"
	DebuggerRejected  = "REJECTED"
	DebuggerThrottled = "THROTTLED"
)

// Limits a THROTTLED entry names (DebuggerEvent.Limit).
const (
	// LimitSourceRate is the source's events a second.
	LimitSourceRate = "source_rate_limit"
	// LimitIngestQueue is this server's bound of events waiting for commit.
	LimitIngestQueue = "ingest_queue"
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
	// Limit names the limit of a THROTTLED entry: LimitSourceRate,
	// LimitIngestQueue or the plan's billing limit (monthly_ingested_events).
	Limit string `json:"l,omitempty"`
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

// publishSample publishes a committed group's sample in tx (in the
// sample's tenant): an entry is DUPLICATE when its messageId came earlier
// in the sample (decided when it was taken) or was stored by another
// batch — one that the batch job has materialised (ADR 0026): a copy of an
// event still staged in another batch shows as accepted here, and that
// batch job drops it.
func publishSample(ctx context.Context, tx bun.Tx, smp debuggerSample) error {
	type key struct {
		source uuid.UUID
		id     string
	}
	stored := map[key]bool{} // stored by an earlier batch
	var srcs, ids []string
	for _, x := range smp.entries {
		if x.ev.Status == DebuggerAccepted {
			srcs, ids = append(srcs, x.ev.SourceID.String()), append(ids, x.ev.MessageID)
		}
	}
	var rows []struct {
		Source uuid.UUID `bun:"source_id"`
		ID     string    `bun:"message_id"`
	}
	if len(ids) > 0 {
		if err := tx.NewRaw(`SELECT m.source_id, m.message_id FROM cdp_message_ids m
			JOIN unnest(?::uuid[], ?::text[]) AS k(source_id, message_id) ON m.source_id = k.source_id AND m.message_id = k.message_id
			WHERE m.tenant_id = ? AND m.batch_id <> ?`, pgdialect.Array(srcs), pgdialect.Array(ids), smp.tenant, smp.batch).Scan(ctx, &rows); err != nil {
			return err
		}
	}
	for _, r := range rows {
		stored[key{r.Source, r.ID}] = true
	}
	envs := make([]realtime.Event, 0, len(smp.entries))
	for _, x := range smp.entries {
		ev := x.ev
		if stored[key{ev.SourceID, ev.MessageID}] {
			ev.Status = DebuggerDuplicate
		}
		if env, ok := debuggerEnvelope(smp.tenant, ev, x.raw, ""); ok {
			envs = append(envs, env)
		}
	}
	// One statement for the sample (not one NOTIFY round trip an entry).
	return realtime.PublishAll(ctx, tx, envs)
}

// debugger publishes rejected requests outside any transaction.
type debugger struct {
	once   sync.Once
	ch     chan realtime.Event
	mu     sync.Mutex
	second int64
	counts map[uuid.UUID]int
}

// admit counts an entry of source for this second and reports whether it
// is within DebuggerRejectedPerSecond.
func (d *debugger) admit(source uuid.UUID, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if sec := now.Unix(); sec != d.second || d.counts == nil {
		d.second, d.counts = sec, map[uuid.UUID]int{}
	}
	if d.counts[source] >= DebuggerRejectedPerSecond {
		return false
	}
	d.counts[source]++
	return true
}

// publishRejected hands a refused request of src to the publisher, unless
// src passed its rate this second or the queue is full. It never blocks.
func (s *Service) publishRejected(ctx context.Context, src keyedSource, key string, req Request, b *wireBatch, err error) {
	e, ok := apperr.As(err)
	if !ok || !s.debug.admit(src.SourceID, s.DB.Now(ctx)) {
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
	s.enqueueDebug(src.TenantID, ev, raw, key)
}

// publishThrottled hands a request of src refused with THROTTLED (429) to
// the publisher, like publishRejected: its first event, the message and
// the limit it passed — limit, or when "" the plan's limit the error
// names (extensions.limit), else LimitIngestQueue. Shutting down
// (ErrClosed) is no limit and is not shown.
func (s *Service) publishThrottled(ctx context.Context, src keyedSource, key string, events []Event, err error, limit string) {
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Throttled || errors.Is(err, ErrClosed) || len(events) == 0 || !s.debug.admit(src.SourceID, s.DB.Now(ctx)) {
		return
	}
	if limit == "" {
		limit, _ = e.Extensions["limit"].(string)
	}
	if limit == "" {
		limit = LimitIngestQueue
	}
	first := events[0]
	ev := DebuggerEvent{SourceID: src.SourceID, ReceivedAt: first.ReceivedAt, Status: DebuggerThrottled, ErrorText: e.Message,
		MessageID: first.MessageID, Type: first.Type, Name: first.Name, Limit: limit}
	if len(events) > 1 {
		ev.ErrorText += fmt.Sprintf(" (a request of %d events; the first is shown)", len(events))
	}
	s.enqueueDebug(src.TenantID, ev, first.Raw, key)
}

// enqueueDebug hands an entry to the publisher goroutine (started on first
// use), dropping it when the queue is full.
func (s *Service) enqueueDebug(tenant uuid.UUID, ev DebuggerEvent, raw []byte, key string) {
	env, ok := debuggerEnvelope(tenant, ev, raw, key)
	if !ok {
		return
	}
	d := &s.debug
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
