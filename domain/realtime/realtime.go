// Package realtime publishes domain events to every Stratum process.
//
// Publish runs pg_notify inside the writing transaction, so an event is seen
// only if that transaction commits. Each process runs one Hub holding one
// LISTEN connection, which fans events out to local subscribers filtered by
// tenant and topic. Envelopes are small (ids, not payloads): subscribers load
// what they show. A subscriber whose bounded buffer is full is dropped with
// ErrSlowSubscriber; it never blocks the hub or other subscribers.
package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/internal/derrors"
)

// Channel is the PostgreSQL NOTIFY channel.
const Channel = "stratum_events"

// MaxEnvelope is the largest envelope Publish accepts (NOTIFY's hard limit is 8000 bytes).
const MaxEnvelope = 7900

// ErrSlowSubscriber ends a subscription whose buffer overflowed.
var ErrSlowSubscriber = errors.New("realtime: subscriber too slow, events dropped")

// ErrHubClosed ends subscriptions when the hub stops.
var ErrHubClosed = errors.New("realtime: server shutting down")

// Event is the envelope sent through NOTIFY.
type Event struct {
	Tenant uuid.UUID       `json:"t"`
	Topic  string          `json:"k"`
	ID     string          `json:"id,omitempty"`
	Data   json.RawMessage `json:"d,omitempty"`
	// Seq numbers the events a hub dispatched (set by Dispatch; not sent):
	// subscribers of one event share its Seq, so they can share its load.
	Seq uint64 `json:"-"`
}

// Publish sends ev when the transaction that exec belongs to commits.
// exec must be the transaction (e.g. bun.Tx): NOTIFY inside a transaction is
// delivered at commit and dropped at rollback.
func Publish(ctx context.Context, tx bun.IDB, ev Event) (err error) {
	defer derrors.Wrap(&err, "realtime.Publish(%v, %s)", ev.Tenant, ev.Topic)
	b, err := encode(ev)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "SELECT pg_notify(?, ?)", Channel, string(b))
	return err
}

// PublishAll sends evs, in order, when tx commits, in one statement (one
// round trip, where Publish takes one each): for a burst such as the live
// debugger's sample of a commit. An event that cannot be encoded fails
// the call before anything is sent.
func PublishAll(ctx context.Context, tx bun.IDB, evs []Event) (err error) {
	defer derrors.Wrap(&err, "realtime.PublishAll(%d events)", len(evs))
	if len(evs) == 0 {
		return nil
	}
	payloads := make([]string, len(evs))
	for i, ev := range evs {
		b, err := encode(ev)
		if err != nil {
			return err
		}
		payloads[i] = string(b)
	}
	// A function scan of unnest yields the array in order, and the
	// notifications are queued in the order they are called.
	_, err = tx.ExecContext(ctx, "SELECT pg_notify(?, p) FROM unnest(?::text[]) AS p", Channel, pgdialect.Array(payloads))
	return err
}

func encode(ev Event) ([]byte, error) {
	if ev.Tenant == uuid.Nil || ev.Topic == "" {
		return nil, errors.New("realtime: event needs a tenant and a topic")
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxEnvelope {
		return nil, fmt.Errorf("realtime: envelope of %d bytes exceeds %d; send ids, not payloads", len(b), MaxEnvelope)
	}
	return b, nil
}

// Subscription receives the events of one tenant and a set of topics.
type Subscription struct {
	hub    *Hub
	tenant uuid.UUID
	topics map[string]bool
	ch     chan *Event
	err    error
}

// C delivers events; it is closed when the subscription ends (see Err).
// Every subscriber of an event receives the same *Event: read it, never
// change it. (A channel of pointers: 64 queued events cost a subscriber
// 512 bytes instead of 5 KB, and an event is not copied per subscriber.)
func (s *Subscription) C() <-chan *Event { return s.ch }

// Err says why C was closed: nil after Close, ErrSlowSubscriber or ErrHubClosed.
func (s *Subscription) Err() error {
	s.hub.mu.RLock()
	defer s.hub.mu.RUnlock()
	return s.err
}

// Close ends the subscription. It is safe to call more than once.
func (s *Subscription) Close() { s.hub.remove(s, nil) }

// Hub fans notifications out to local subscribers.
type Hub struct {
	// Buffer is each subscriber's queue length (default 64).
	Buffer int
	// Log receives connection errors.
	Log *slog.Logger
	// OnSubscribers, if set, is told the subscriber count on every change (a metrics gauge).
	OnSubscribers func(n int)

	mu     sync.RWMutex
	seq    atomic.Uint64
	subs   map[*Subscription]struct{}
	closed bool
	ready  chan struct{}
	once   sync.Once
}

// NewHub returns a hub; call Run to start listening.
func NewHub(log *slog.Logger) *Hub {
	return &Hub{Buffer: 64, Log: log, subs: map[*Subscription]struct{}{}, ready: make(chan struct{})}
}

// Subscribe registers a subscriber for tenant's events on the given topics
// (all topics when none are given).
func (h *Hub) Subscribe(tenant uuid.UUID, topics ...string) *Subscription {
	s := &Subscription{hub: h, tenant: tenant, ch: make(chan *Event, h.Buffer)}
	if len(topics) > 0 {
		s.topics = map[string]bool{}
		for _, t := range topics {
			s.topics[t] = true
		}
	}
	h.mu.Lock()
	if h.closed {
		s.err = ErrHubClosed
		close(s.ch)
		h.mu.Unlock()
		return s
	}
	h.subs[s] = struct{}{}
	n := len(h.subs)
	h.mu.Unlock()
	h.report(n)
	return s
}

// Subscribers is the number of local subscribers.
func (h *Hub) Subscribers() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

// SubscribersOf is the number of local subscribers of tenant (a scan of
// all of them: for tests and diagnostics, not for a hot path).
func (h *Hub) SubscribersOf(tenant uuid.UUID) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for s := range h.subs {
		if s.tenant == tenant {
			n++
		}
	}
	return n
}

func (h *Hub) report(n int) {
	if h.OnSubscribers != nil {
		h.OnSubscribers(n)
	}
}

func (h *Hub) remove(s *Subscription, reason error) {
	h.mu.Lock()
	_, ok := h.subs[s]
	if ok {
		delete(h.subs, s)
		s.err = reason
		close(s.ch)
	}
	n := len(h.subs)
	h.mu.Unlock()
	if ok {
		h.report(n)
	}
}

// Dispatch delivers ev to matching local subscribers, dropping any whose
// buffer is full. Run calls it for every notification.
func (h *Hub) Dispatch(e Event) {
	e.Seq = h.seq.Add(1)
	ev := &e
	var slow []*Subscription
	h.mu.RLock()
	for s := range h.subs {
		if s.tenant != ev.Tenant || (s.topics != nil && !s.topics[ev.Topic]) {
			continue
		}
		select {
		case s.ch <- ev:
		default:
			slow = append(slow, s)
		}
	}
	h.mu.RUnlock()
	for _, s := range slow {
		h.remove(s, ErrSlowSubscriber)
	}
}

// Ready is closed once the first LISTEN is in place.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

// Run listens until ctx ends, reconnecting with exponential backoff (100 ms
// doubling to 10 s). connect must return a dedicated connection. When Run
// returns, every subscription ends with ErrHubClosed.
func (h *Hub) Run(ctx context.Context, connect func(ctx context.Context) (*pgx.Conn, error)) error {
	defer h.shutdown()
	backoff := 100 * time.Millisecond
	for {
		err := h.listen(ctx, connect)
		if ctx.Err() != nil {
			return nil
		}
		if h.Log != nil {
			h.Log.Warn("realtime listener lost its connection; reconnecting", "err", err, "backoff", backoff)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		if backoff *= 2; backoff > 10*time.Second {
			backoff = 10 * time.Second
		}
	}
}

func (h *Hub) listen(ctx context.Context, connect func(ctx context.Context) (*pgx.Conn, error)) error {
	conn, err := connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	h.once.Do(func() { close(h.ready) })
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var ev Event
		if err := json.Unmarshal([]byte(n.Payload), &ev); err != nil {
			if h.Log != nil {
				h.Log.Warn("realtime: malformed envelope ignored", "err", err)
			}
			continue
		}
		h.Dispatch(ev)
	}
}

func (h *Hub) shutdown() {
	h.mu.Lock()
	h.closed = true
	subs := h.subs
	h.subs = map[*Subscription]struct{}{}
	for s := range subs {
		s.err = ErrHubClosed
		close(s.ch)
	}
	h.mu.Unlock()
	h.report(0)
}
