// Package gqlserver builds Stratum's gqlgen handler: every transport real
// clients use (GraphQL-over-HTTP GET and POST, graphql-transport-ws and the
// legacy graphql-ws on one websocket path, Server-Sent Events), complexity,
// depth and token limits, automatic persisted queries, introspection, the
// error presenter and the recover func; and the operation extensions the
// app registers on it: the cost-based rate limit (CostLimit) and one
// shared read transaction per query (SharedReads).
package gqlserver

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/observability"
)

// Options configure the handler.
type Options struct {
	Log     *slog.Logger
	Metrics *observability.Metrics
	// Introspection allows __schema and __type queries.
	Introspection bool
	// MaxComplexity, MaxDepth and MaxTokens bound each operation.
	MaxComplexity, MaxDepth, MaxTokens int
	// MaxWidth, MaxFields and MaxOverlap bound a document before it is
	// validated (see SelectionLimit).
	MaxWidth, MaxFields, MaxOverlap int
	// InitTimeout closes websockets that send no connection_init in time
	// (4408).
	InitTimeout time.Duration
	// MaxSubscriptions caps the operations running at once on one
	// websocket (0: no cap); the next is refused with THROTTLED.
	MaxSubscriptions int
	// KeepAlive is the ping interval of both websocket protocols; a
	// graphql-transport-ws client that has not answered a ping by the next
	// one is disconnected.
	KeepAlive time.Duration
	// SocketLimits bound each websocket's outgoing queue and writes (slow
	// consumers are closed with 1013).
	SocketLimits SocketLimits
	// OriginPatterns are the cross-origin hosts allowed to open websockets
	// (same-origin is always allowed).
	OriginPatterns []string
	// InitFunc authenticates a websocket's connection_init payload. It
	// returns the context the connection's operations run in. Nil accepts
	// every connection as anonymous.
	InitFunc transport.WebsocketInitFunc
	// Sockets tracks open websockets so shutdown can close them with 1001.
	Sockets *Sockets
	// MaxConcurrentQueries caps the query operations executing at once
	// (Admission; 0: no cap — the app passes config.QueryConcurrency).
	// QueryQueueTimeout bounds a query's wait for its turn (0: 10s).
	MaxConcurrentQueries int
	QueryQueueTimeout    time.Duration
	// ComplexityHook, if set, sees each operation's computed complexity
	// (the identity issue's cost-based rate limits use it).
	ComplexityHook func(ctx context.Context, complexity int) error
}

// New returns the GraphQL handler for es.
func New(es graphql.ExecutableSchema, o Options) *handler.Server {
	srv := handler.New(es)
	if o.Sockets == nil {
		o.Sockets = NewSockets()
	}
	o.Sockets.configure(o.KeepAlive, o.SocketLimits, o.Metrics)
	// The websocket transport goes first: it only takes upgrade requests.
	// It is ours (wstransport.go), not gqlgen's; the init timeout, the
	// protocol's close codes and the per-socket operation cap are the
	// protocol guard's, the keep-alive pings Sockets' (one goroutine for
	// every socket).
	srv.AddTransport(&wsTransport{
		accept:      websocket.AcceptOptions{OriginPatterns: o.OriginPatterns},
		sockets:     o.Sockets,
		initTimeout: o.InitTimeout,
		maxOps:      o.MaxSubscriptions,
		init:        initOnOwnStack(o.InitFunc),
		log:         o.Log,
	})
	srv.AddTransport(transport.Options{})
	// SSE before POST: it takes POSTs that accept text/event-stream.
	srv.AddTransport(transport.SSE{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})

	// Admission first: the outermost operation interceptor, so a query
	// queued for its turn has done nothing yet but parse and validate.
	if a := NewAdmission(o.MaxConcurrentQueries, cmp.Or(o.QueryQueueTimeout, 10*time.Second), o.Metrics); a != nil {
		srv.Use(a)
	}
	validated := boundedCache[*ast.QueryDocument]{Cache: lru.New[*ast.QueryDocument](1000),
		size: func(query string, _ *ast.QueryDocument) int { return len(query) }}
	srv.SetQueryCache(validated)
	srv.SetParserTokenLimit(o.MaxTokens)
	if o.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: boundedCache[string]{Cache: lru.New[string](1000),
		size: func(_ string, query string) int { return len(query) }}})
	// After the persisted-query extension, which fills in hash-only queries.
	srv.Use(SelectionLimit{MaxWidth: o.MaxWidth, MaxFields: o.MaxFields, MaxOverlap: o.MaxOverlap,
		TokenLimit: o.MaxTokens, Validated: validated})
	// Cost like the large public GraphQL APIs: every object costs 1 (a
	// connection its page size, resolvers.Complexity), scalar and enum fields
	// nothing — selecting more columns of a row costs the database nothing
	// worth rationing, fetching more rows does.
	srv.Use(extension.FixedComplexityLimit(o.MaxComplexity, complexity.WithFixedScalarValue(0)))
	srv.Use(DepthLimit{Max: o.MaxDepth})
	if o.ComplexityHook != nil {
		srv.Use(complexityHook{hook: o.ComplexityHook})
	}
	srv.Use(newMetricsExtension(o.Metrics))
	srv.SetErrorPresenter(ErrorPresenter(o.Log, o.Metrics))
	srv.SetRecoverFunc(RecoverFunc(o.Log))
	return srv
}

// initOnOwnStack runs a websocket's connection_init authentication on a
// goroutine of its own. It is the deepest call the socket's reader
// goroutine makes (credential checks, database reads): run inline it
// grows that goroutine's stack, which the socket then keeps while it idles
// in a read (the runtime shrinks a stack only to a size 4× its use).
func initOnOwnStack(init transport.WebsocketInitFunc) transport.WebsocketInitFunc {
	if init == nil {
		return nil
	}
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		type result struct {
			ctx context.Context
			ack *transport.InitPayload
			err error
		}
		ch := make(chan result, 1)
		go func() {
			defer func() {
				if v := recover(); v != nil {
					slog.Default().ErrorContext(ctx, "websocket init panicked", "panic", v, "stack", string(debug.Stack()))
					ch <- result{ctx, nil, fmt.Errorf("internal error")}
				}
			}()
			c, ack, err := init(ctx, p)
			ch <- result{c, ack, err}
		}()
		r := <-ch
		return r.ctx, r.ack, r.err
	}
}

// Sockets tracks open websockets, and caps the long-lived streams
// (websockets and SSE subscriptions) one client IP holds open.
type Sockets struct {
	// MaxPerIP caps the websockets and SSE streams open at once from one
	// client IP (0: no cap). Set it before serving; the next stream is
	// refused with 429 THROTTLED before any upgrade.
	MaxPerIP int

	conns chan map[transport.WebsocketConn]struct{}
	mu    sync.Mutex
	perIP map[string]int
	// sweeping says the keep-alive goroutine runs (under mu).
	sweeping bool

	// Set by New (configure) before serving.
	keepAlive time.Duration
	limits    SocketLimits
	metrics   *observability.Metrics
}

func (s *Sockets) configure(keepAlive time.Duration, limits SocketLimits, m *observability.Metrics) {
	s.keepAlive, s.limits, s.metrics = keepAlive, limits, m
}

// dropped counts a slow consumer closed for reason.
func (s *Sockets) dropped(reason string) {
	if s.metrics != nil {
		s.metrics.SlowConsumersDropped.WithLabelValues(reason).Inc()
	}
}

// NewSockets returns an empty tracker.
func NewSockets() *Sockets {
	s := &Sockets{conns: make(chan map[transport.WebsocketConn]struct{}, 1), perIP: map[string]int{}}
	s.conns <- map[transport.WebsocketConn]struct{}{}
	return s
}

// Count is the number of open websockets.
func (s *Sockets) Count() int {
	m := <-s.conns
	defer func() { s.conns <- m }()
	return len(m)
}

// CloseAll sends every open websocket a close frame with code and reason
// (1001 "going away" at shutdown).
func (s *Sockets) CloseAll(code int, reason string) {
	m := <-s.conns
	open := make([]transport.WebsocketConn, 0, len(m))
	for c := range m {
		open = append(open, c)
	}
	s.conns <- m
	for _, c := range open {
		c.WriteClose(code, reason)
	}
}

type slotKey struct{}

type socketSlot struct {
	conn *trackedConn
	// accepted is closed once the websocket is accepted (see detach).
	accepted chan struct{}
	// adopted says the transport's reader goroutine took the socket over
	// (the handler returned at once); it then calls finish, which releases
	// the stream slot, when the socket ends.
	adopted bool
	finish  func()
}

// Middleware lets CloseSocket find the websocket of a connection's context
// and holds each stream (websocket upgrade or SSE request) to MaxPerIP.
// Wrap the GraphQL handler with it: the slot is held until the handler
// returns, which for a stream is when it ends.
func (s *Sockets) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upgrade := r.Header.Get("Upgrade") != ""
		sse := r.Method == http.MethodPost && strings.Contains(r.Header.Get("Accept"), "text/event-stream")
		if !upgrade && !sse {
			next.ServeHTTP(w, r)
			return
		}
		ip := streamKey(r)
		if !s.reserve(ip) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
			json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
				"message":    fmt.Sprintf("this address already holds %d open subscription streams (websockets and SSE), the most allowed; close one first", s.MaxPerIP),
				"extensions": map[string]any{"code": "THROTTLED"},
			}}})
			return
		}
		if upgrade {
			s.detach(w, r, ip, next)
			return
		}
		defer s.release(ip)
		next.ServeHTTP(w, r)
	})
}

// detach runs a websocket upgrade on a goroutine of its own and returns
// as soon as the connection is hijacked: the request's goroutine, whose
// stack holds the whole middleware chain, ends, and net/http lets go of
// the 4 KB read and write buffers its connection kept for the handler's
// lifetime (both ≈ 12 KB of every idle websocket, measured in
// docs/benchmarks.md). The socket's context keeps the request's values
// but not its cancellation, which net/http fires when the handler
// returns; shutdown ends sockets with CloseAll. The stream slot is held
// until the socket ends.
func (s *Sockets) detach(w http.ResponseWriter, r *http.Request, ip string, next http.Handler) {
	slot := &socketSlot{accepted: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.WithValue(context.WithoutCancel(r.Context()), slotKey{}, slot))
	var once sync.Once
	slot.finish = func() {
		once.Do(func() {
			cancel()
			s.release(ip)
		})
	}
	dw := &detachedWriter{}
	dw.w.Store(&w)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if !slot.adopted {
				slot.finish()
			}
		}()
		defer func() {
			// As net/http does for a handler: a panic ends this socket only.
			if p := recover(); p != nil {
				slog.Default().ErrorContext(ctx, "websocket handler panicked", "panic", p, "stack", string(debug.Stack()))
			}
		}()
		next.ServeHTTP(dw, r.WithContext(ctx))
	}()
	// Until the upgrade succeeds the goroutine may still answer with an
	// error on w, which must happen before this handler returns.
	select {
	case <-slot.accepted:
		// gqlgen's handler keeps its ResponseWriter (a deferred recover
		// writes to it) for the socket's lifetime; through net/http's
		// response it would keep the connection's 4 KB buffers too.
		dw.w.Store(nil)
	case <-done:
	}
}

// detachedWriter is the ResponseWriter of a detached upgrade: it lets go
// of net/http's once the connection is hijacked (writes then fail as
// they would on the hijacked response).
type detachedWriter struct {
	w      atomic.Pointer[http.ResponseWriter]
	header http.Header
}

func (d *detachedWriter) Unwrap() http.ResponseWriter {
	if w := d.w.Load(); w != nil {
		return *w
	}
	return nil
}

func (d *detachedWriter) Header() http.Header {
	if w := d.w.Load(); w != nil {
		return (*w).Header()
	}
	if d.header == nil {
		d.header = http.Header{}
	}
	return d.header
}

func (d *detachedWriter) Write(b []byte) (int, error) {
	if w := d.w.Load(); w != nil {
		return (*w).Write(b)
	}
	return 0, http.ErrHijacked
}

func (d *detachedWriter) WriteHeader(code int) {
	if w := d.w.Load(); w != nil {
		(*w).WriteHeader(code)
	}
}

// reserve takes a stream slot for ip, or reports that ip has none left.
func (s *Sockets) reserve(ip string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.MaxPerIP > 0 && s.perIP[ip] >= s.MaxPerIP {
		return false
	}
	s.perIP[ip]++
	return true
}

func (s *Sockets) release(ip string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perIP[ip]--; s.perIP[ip] <= 0 {
		delete(s.perIP, ip)
	}
}

// streamKey is what the stream cap counts r by: its address, an IPv6
// one by its /64 (auth.LimitKeyIP).
func streamKey(r *http.Request) string { return auth.LimitKeyIP(clientIP(r)) }

// clientIP is the connection's address (the server trusts no forwarding
// header, like the rate limits).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// DropSlowConsumer closes the websocket whose connection context is ctx
// as a slow consumer (1013, counted under reason), discarding what it has
// queued. It reports whether there was a websocket to drop.
//
// In a subscription group's execution (SubscriptionGroups) it drops every
// member of the group: the execution fell behind for all of them.
func DropSlowConsumer(ctx context.Context, reason string) bool {
	if dropAll, ok := ctx.Value(groupDropKey{}).(func(string)); ok {
		dropAll(reason)
		return true
	}
	slot, ok := ctx.Value(slotKey{}).(*socketSlot)
	if !ok || slot.conn == nil {
		return false
	}
	if slot.conn.sock.Drop(reason) {
		slot.conn.sockets.dropped(reason)
	}
	return true
}

// CloseSocket closes the websocket whose connection context is ctx with
// code and reason (4403 when its credential is revoked or expired). It
// reports whether there was one.
func CloseSocket(ctx context.Context, code int, reason string) bool {
	slot, ok := ctx.Value(slotKey{}).(*socketSlot)
	if !ok || slot.conn == nil {
		return false
	}
	// WriteClose runs the close handshake in the background; gqlgen's read
	// loop then ends and cancels the connection's operations.
	slot.conn.WriteClose(code, reason)
	return true
}

type trackedConn struct {
	transport.WebsocketConn
	guard   *protocolGuard
	sock    *socketConn
	sockets *Sockets
}

func (c *trackedConn) forget() {
	m := <-c.sockets.conns
	delete(m, c)
	c.sockets.conns <- m
}

func (c *trackedConn) Close() error {
	c.forget()
	return c.WebsocketConn.Close()
}

func (c *trackedConn) WriteClose(code int, msg string) error {
	c.forget()
	return c.WebsocketConn.WriteClose(code, msg)
}
