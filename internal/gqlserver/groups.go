package gqlserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stratumhq/stratum/internal/observability"
)

// DefaultGroupBuffer is how many responses a grouped subscriber may have
// waiting before it is dropped as a slow consumer (SubscriptionGroups).
const DefaultGroupBuffer = 16

// DropGroupBuffer is the slow-consumer reason of a grouped subscriber
// whose responses piled up past its buffer.
const DropGroupBuffer = "group_buffer"

// SubscriptionGroups is a gqlgen extension that executes a subscription
// once per group of equal subscribers instead of once per subscriber
// (ADR 0025). Subscribers are equal when their document, operation name,
// variables and effective permissions (Principal's answer: tenant, role,
// scopes…) are: gqlgen resolves each event once for the group, the
// group marshals it once, and writes the same bytes to every websocket
// member's socket queue — only the operation id differs, one socket's
// members go out in one write — while an SSE member's stream gets the
// same response through gqlgen's transport. The group's execution runs
// in a context of its own, detached from the member that started it, so
// it outlives any one member; it ends when its last member leaves (or
// when the subscription itself ends, which ends every member's stream).
//
// gqlgen keeps parsing, validation, the schema, the directives and the
// transports' protocol (init, subscribe, complete, errors, keep-alive);
// this extension is the line: it sits innermost among the operation
// interceptors (after cost limits and metrics, which still see every
// subscriber), replaces the per-subscriber execution, and for websocket
// members the per-subscriber event loop of gqlgen's transport (which
// marshalled every event twice per subscriber on a goroutine of its own).
// A member's gqlgen operation goroutine stays, parked, until the member
// leaves, and then writes its complete.
//
// A permission change never leaks: members of a group have equal
// permissions by construction, and a subscriber whose role is lowered or
// whose credential is revoked has its socket (or SSE stream) closed by the
// session watcher, which ends its membership like any other leave.
type SubscriptionGroups struct {
	// Principal returns the effective-permission part of the caller's
	// group key; ok false runs the subscription ungrouped (anonymous).
	Principal func(ctx context.Context) (key string, ok bool)
	// Ungrouped names root subscription fields that must run once per
	// subscriber: fields that send something on subscribe (a snapshot, a
	// first tick) would not send it to a member joining a running group.
	Ungrouped map[string]bool
	// Buffer bounds each member's waiting responses (DefaultGroupBuffer).
	Buffer int
	// Metrics, when set, get the group count, the fan-out duration and
	// dropped members.
	Metrics *observability.Metrics

	mu     sync.Mutex
	groups map[string]*subGroup
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = (*SubscriptionGroups)(nil)

type subGroup struct {
	key     string
	members map[*groupMember]struct{}
	// bySocket holds the members by socket (nil: SSE), so that the pump
	// queues one socket's events together and its writer sends them at
	// once.
	bySocket map[*socketConn][]*groupMember
	cancel   context.CancelFunc
	ended    bool
}

type groupMember struct {
	ch      chan *graphql.Response
	ctx     context.Context // the member's own operation context
	g       *subGroup
	dropped atomic.Bool // closed as a slow consumer
	// sink, for a websocket member, is where the pump writes its events
	// itself (ch then only closes); nil for SSE, whose events go through
	// ch and gqlgen's transport. started (the pump's) and delivered tell
	// whether the pump wrote it an event.
	sink      *directSink
	sock      *socketConn // the member's websocket (nil for SSE), held on the member for the pump's walk
	started   bool
	delivered atomic.Bool
	// sinkClosed, under sinkMu, is set when the member's stream ends;
	// the pump writes to the sink only before.
	sinkMu     sync.Mutex
	sinkClosed bool
	// wake resumes the member's parked websocket operation to end it
	// (wsOperation.park); a no-op for SSE.
	wake func()
}

// directSink is the end of a websocket member's event messages: `,"id":…,"type":"next"}` (graphql-transport-ws) or "data"
// (legacy graphql-ws) — what gqlgen's transport writes for an event,
// after the payload the whole group shares.
type directSink struct{ tail []byte }

// socketSink returns the websocket and sink of the subscription running
// in ctx, or nils (SSE).
func socketSink(ctx context.Context) (*socketConn, *directSink) {
	op := wsOperationOf(ctx)
	if op == nil {
		return nil, nil
	}
	qid, err := json.Marshal(op.id)
	if err != nil {
		return nil, nil
	}
	typ := `,"type":"data"}`
	if op.c.guard.transportWS {
		typ = `,"type":"next"}`
	}
	tail := append(append([]byte(`,"id":`), qid...), typ...)
	return op.c.sock, &directSink{tail: tail}
}

// eventFrames builds an event's message for members' sockets: the part
// every member shares once per event, and per member only its tail (and,
// on its first event, its cost report).
type eventFrames struct {
	r       *graphql.Response
	payload []byte // the response as gqlgen's transport marshals it
	err     error
	built   bool
}

func (f *eventFrames) build() error {
	if !f.built {
		f.built = true
		f.payload, f.err = json.Marshal(f.r)
	}
	return f.err
}

// frame is the member's message: {"payload":<response>,"id":…,"type":…},
// the response with extensions.cost added when cost is set.
func (f *eventFrames) frame(sink *directSink, cost json.RawMessage) ([]byte, error) {
	if err := f.build(); err != nil {
		return nil, err
	}
	const open = `{"payload":`
	payload := f.payload
	if cost != nil {
		if f.r.Extensions == nil && len(payload) > 1 && payload[len(payload)-1] == '}' {
			// {"data":…} → {"data":…,"extensions":{"cost":…}}
			const ext = `,"extensions":{"cost":`
			b := make([]byte, 0, len(open)+len(payload)+len(ext)+len(cost)+2+len(sink.tail))
			b = append(append(append(append(b, open...), payload[:len(payload)-1]...), ext...), cost...)
			return append(append(b, "}}"...), sink.tail...), nil
		}
		cp := *f.r
		cp.Extensions = maps.Clone(f.r.Extensions)
		if cp.Extensions == nil {
			cp.Extensions = map[string]any{}
		}
		cp.Extensions["cost"] = cost
		var err error
		if payload, err = json.Marshal(&cp); err != nil {
			return nil, err
		}
	}
	b := make([]byte, 0, len(open)+len(payload)+len(sink.tail))
	return append(append(append(b, open...), payload...), sink.tail...), nil
}

// ExtensionName implements graphql.HandlerExtension.
func (*SubscriptionGroups) ExtensionName() string { return "SubscriptionGroups" }

// Validate implements graphql.HandlerExtension.
func (*SubscriptionGroups) Validate(graphql.ExecutableSchema) error { return nil }

// Groups is the number of groups running (each one execution).
func (s *SubscriptionGroups) Groups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.groups)
}

// Members is the number of subscribers in groups.
func (s *SubscriptionGroups) Members() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, g := range s.groups {
		n += len(g.members)
	}
	return n
}

// InterceptOperation implements graphql.OperationInterceptor.
func (s *SubscriptionGroups) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Subscription || s.Principal == nil {
		return next(ctx)
	}
	who, ok := s.Principal(ctx)
	if !ok {
		return next(ctx)
	}
	field := ""
	if fs := graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Subscription"}); len(fs) == 1 {
		field = fs[0].Name
	}
	if field == "" || s.Ungrouped[field] {
		return next(ctx)
	}
	key, ok := groupKey(oc, who)
	if !ok {
		return next(ctx)
	}
	buf := s.Buffer
	if buf <= 0 {
		buf = DefaultGroupBuffer
	}
	m := &groupMember{ch: make(chan *graphql.Response, buf), ctx: ctx}
	m.sock, m.sink = socketSink(ctx)
	m.wake = func() {}
	if m.sink != nil {
		// The pump writes this member's events: its websocket operation
		// holds no goroutine until it ends, and leaves when it is stopped.
		m.wake = wsOperationOf(ctx).park(func() { s.leave(m) })
	}
	var (
		gctx  context.Context
		start bool
	)
	s.mu.Lock()
	g := s.groups[key]
	if g == nil {
		// The group's execution keeps the first member's values (the
		// operation, the principal — equal for every member by the key)
		// but not its cancellation, nor its socket: a hub overflow drops
		// every member (DropSlowConsumer finds the group's hook first).
		g = &subGroup{key: key, members: map[*groupMember]struct{}{}}
		gctx, g.cancel = context.WithCancel(context.WithoutCancel(ctx))
		gctx = context.WithValue(gctx, groupDropKey{}, func(reason string) { s.dropAll(g, reason) })
		if s.groups == nil {
			s.groups = map[string]*subGroup{}
		}
		s.groups[key] = g
		start = true
		s.gauge(1)
	}
	g.members[m] = struct{}{}
	if g.bySocket == nil {
		g.bySocket = map[*socketConn][]*groupMember{}
	}
	g.bySocket[m.sock] = append(g.bySocket[m.sock], m)
	m.g = g
	s.mu.Unlock()
	if start {
		h := next(gctx)
		go s.pump(gctx, g, h)
	}
	if m.sink == nil {
		context.AfterFunc(ctx, func() { s.leave(m) })
	} else if ctx.Err() != nil {
		s.leave(m) // stopped before it joined (park's leave found no group)
	}
	var (
		own      graphql.ResponseHandler // this member's own execution (below)
		received bool
	)
	// The handler watches the member's own context, not the one the
	// transport passes it: gqlgen hands the transport the context that
	// reached the executor, which for the member that started the group is
	// the group's.
	handle := func() *graphql.Response {
		if own != nil {
			return own(ctx)
		}
		select {
		case r, ok := <-m.ch:
			if !ok {
				if received || m.delivered.Load() || m.dropped.Load() || ctx.Err() != nil {
					return nil
				}
				// The group ended before this member got anything: it
				// joined a subscription that was refused (a one-shot
				// error) or ended as it joined. It runs its own, so that
				// it gets its own answer rather than a bare complete.
				own = next(ctx)
				return own(ctx)
			}
			received = true
			// The member's own copy of the response's envelope: outer
			// interceptors add per-subscriber extensions (the cost
			// report) to it. Data, the marshalled selection, is shared.
			cp := *r
			if r.Extensions != nil {
				cp.Extensions = maps.Clone(r.Extensions)
			}
			return &cp
		case <-ctx.Done():
			return nil
		}
	}
	return func(context.Context) *graphql.Response {
		r := handle()
		if r == nil && m.sink != nil {
			// gqlgen writes the member's complete next: nothing of the
			// group's may follow it on the socket.
			m.sinkMu.Lock()
			m.sinkClosed = true
			m.sinkMu.Unlock()
		}
		return r
	}
}

// groupKey hashes what makes two subscribers' responses equal.
func groupKey(oc *graphql.OperationContext, who string) (string, bool) {
	vars, err := json.Marshal(oc.Variables) // map keys sorted: canonical
	if err != nil {
		return "", false
	}
	h := sha256.New()
	for _, part := range []string{oc.RawQuery, oc.OperationName, string(vars), who} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// pump executes the group's subscription: each response once, handed to
// every member.
//
// A stream that ends by itself leaves the group's context uncancelled
// (nothing is left to stop, and the member that started the group may
// still be writing the last response with it: see InterceptOperation).
func (s *SubscriptionGroups) pump(ctx context.Context, g *subGroup, h graphql.ResponseHandler) {
	var (
		members []*groupMember
		batch   = make([][]byte, 0, 8)
	)
	for {
		r := h(ctx)
		if r == nil {
			s.end(g)
			return
		}
		// gqlgen marshals a subscription's events into one buffer it
		// reuses for the next event: the members, which write this one
		// while the pump already asks for the next, get a copy.
		r.Data = bytes.Clone(r.Data)
		start := time.Now()
		s.mu.Lock()
		if g.ended {
			s.mu.Unlock()
			return
		}
		members = members[:0]
		for _, ms := range g.bySocket {
			members = append(members, ms...) // one socket's members together
		}
		s.mu.Unlock()
		frames := eventFrames{r: r}
		for i := 0; i < len(members); {
			m := members[i]
			if m.sink == nil {
				select {
				case m.ch <- r:
				default:
					s.drop(m, DropGroupBuffer)
				}
				i++
				continue
			}
			j := i + 1
			for j < len(members) && members[j].sock == m.sock {
				j++
			}
			if err := s.deliver(members[i:j], &frames, batch[:0]); err != nil {
				s.end(g) // not marshallable: the subscription ends for all
				return
			}
			i = j
		}
		if s.Metrics != nil {
			s.Metrics.RealtimeFanOut.Observe(time.Since(start).Seconds())
		}
	}
}

// deliver queues an event for members on one socket, at once, with each
// member's id (and its cost report with its first event). A member whose
// stream ended gets nothing: gqlgen may already have written its
// complete. A full socket queue drops the socket (queue_full), which ends
// its operations and so their membership.
func (s *SubscriptionGroups) deliver(members []*groupMember, frames *eventFrames, batch [][]byte) error {
	for _, m := range members {
		m.sinkMu.Lock()
		defer m.sinkMu.Unlock()
		if m.sinkClosed {
			continue
		}
		var cost json.RawMessage
		if !m.started {
			m.started = true
			cost, _ = takeCostReport(m.ctx)
		}
		frame, err := frames.frame(m.sink, cost)
		if err != nil {
			return err
		}
		m.delivered.Store(true)
		batch = append(batch, frame)
	}
	if len(batch) > 0 {
		members[0].sock.enqueue(batch...)
	}
	return nil
}

// leave takes m out of its group (its subscriber left); the last
// member's leaving ends the group's execution.
func (s *SubscriptionGroups) leave(m *groupMember) {
	s.mu.Lock()
	_, last := s.removeLocked(m)
	s.mu.Unlock()
	if last {
		m.g.cancel()
	}
}

// removeLocked takes m out of its group: whether it was in it, and
// whether it was the last (the group is then ended and forgotten).
func (s *SubscriptionGroups) removeLocked(m *groupMember) (was, last bool) {
	g := m.g
	if g == nil {
		return false, false // not yet joined
	}
	if _, was = g.members[m]; !was {
		return false, false
	}
	delete(g.members, m)
	sock := m.sock
	if rest := slices.DeleteFunc(g.bySocket[sock], func(o *groupMember) bool { return o == m }); len(rest) > 0 {
		g.bySocket[sock] = rest
	} else {
		delete(g.bySocket, sock)
	}
	if len(g.members) == 0 && !g.ended {
		g.ended = true
		delete(s.groups, g.key)
		s.gauge(-1)
		return true, true
	}
	return true, false
}

// end closes every member's stream: the subscription ended by itself.
func (s *SubscriptionGroups) end(g *subGroup) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.ended {
		return
	}
	g.ended = true
	delete(s.groups, g.key)
	s.gauge(-1)
	for m := range g.members {
		close(m.ch)
		m.wake()
		delete(g.members, m)
	}
	g.bySocket = nil
}

// drop ends the stream of a member that does not keep up (run by the
// pump, the only goroutine that closes members' channels) and closes its
// websocket as a slow consumer. A member that already left is left alone:
// its socket may carry other, healthy operations.
func (s *SubscriptionGroups) drop(m *groupMember, reason string) {
	s.mu.Lock()
	was, last := s.removeLocked(m)
	if was {
		m.dropped.Store(true)
		close(m.ch)
		m.wake()
	}
	s.mu.Unlock()
	if last {
		m.g.cancel()
	}
	if was && m.ctx.Err() == nil {
		DropSlowConsumer(m.ctx, reason)
	}
}

// dropAll drops every member of g (its execution fell behind its events).
func (s *SubscriptionGroups) dropAll(g *subGroup, reason string) {
	s.mu.Lock()
	members := make([]*groupMember, 0, len(g.members))
	for m := range g.members {
		members = append(members, m)
	}
	s.mu.Unlock()
	for _, m := range members {
		DropSlowConsumer(m.ctx, reason)
	}
}

func (s *SubscriptionGroups) gauge(d float64) {
	if s.Metrics != nil {
		s.Metrics.SubscriptionGroups.Add(d)
	}
}

type groupDropKey struct{}
