package gqlserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stratumhq/stratum/internal/observability"
)

// ticks is a test event source: every running `subscription { tick }`
// operation receives each published payload.
type ticks struct {
	mu   sync.Mutex
	subs map[chan string]context.Context
}

func (t *ticks) schema() graphql.ExecutableSchema {
	s := gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { a: Int } type Subscription { tick: String }`})
	return &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return s },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 0, false
		},
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			ch := make(chan string, 1)
			t.mu.Lock()
			t.subs[ch] = ctx
			t.mu.Unlock()
			// The operation's context ends with it (gqlgen stops calling the
			// handler once it is cancelled).
			context.AfterFunc(ctx, func() {
				t.mu.Lock()
				delete(t.subs, ch)
				t.mu.Unlock()
			})
			return func(ctx context.Context) *graphql.Response {
				select {
				case p := <-ch:
					data, _ := json.Marshal(map[string]string{"tick": p})
					return &graphql.Response{Data: data}
				case <-ctx.Done():
					return nil
				}
			}
		},
	}
}

// publish hands p to every running operation (to none that has ended).
func (t *ticks) publish(p string) {
	t.mu.Lock()
	subs := make(map[chan string]context.Context, len(t.subs))
	for ch, ctx := range t.subs {
		subs[ch] = ctx
	}
	t.mu.Unlock()
	for ch, ctx := range subs {
		select {
		case ch <- p:
		case <-ctx.Done():
		}
	}
}

func (t *ticks) running() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.subs)
}

// smallSendBuffers makes the server's sockets buffer little in the kernel,
// so a client that stops reading fills them after a few messages.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

func startTickServer(t *testing.T, limits SocketLimits) (*ticks, *observability.Metrics, *Sockets, string) {
	t.Helper()
	src := &ticks{subs: map[chan string]context.Context{}}
	m := observability.NewMetrics()
	sockets := NewSockets()
	h := New(src.schema(), Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: m,
		MaxComplexity: 1000, MaxDepth: 10, MaxTokens: 1000, MaxWidth: 100, MaxFields: 100, MaxOverlap: 100,
		KeepAlive: time.Hour, Sockets: sockets, SocketLimits: limits})
	srv := httptest.NewUnstartedServer(sockets.Middleware(h))
	srv.Listener = smallSendBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	return src, m, sockets, "ws" + strings.TrimPrefix(srv.URL, "http")
}

// dialTick opens a graphql-transport-ws socket subscribed to tick. A
// small receive buffer makes a client that stops reading stall soon.
func dialTick(t *testing.T, ctx context.Context, url string) *websocket.Conn {
	t.Helper()
	dialer := &net.Dialer{}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetReadBuffer(4096)
		}
		return c, err
	}}}
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPClient: client})
	require.NoError(t, err)
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { c.CloseNow() })
	require.NoError(t, wsjson.Write(ctx, c, map[string]any{"type": "connection_init"}))
	var ack struct{ Type string }
	require.NoError(t, wsjson.Read(ctx, c, &ack))
	require.Equal(t, "connection_ack", ack.Type)
	require.NoError(t, wsjson.Write(ctx, c, map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{"query": "subscription { tick }"}}))
	return c
}

// nextTick reads c's next tick payload.
func nextTick(t *testing.T, ctx context.Context, c *websocket.Conn) string {
	t.Helper()
	for {
		var m struct {
			Type    string
			Payload struct{ Data struct{ Tick string } }
		}
		require.NoError(t, wsjson.Read(ctx, c, &m))
		if m.Type == "next" {
			return m.Payload.Data.Tick
		}
	}
}

// A client that stops reading is dropped once its socket's queue is full:
// closed with 1013 and counted, while the two others receive every event,
// before and after, without waiting on it.
func TestStalledConsumerIsDroppedWhileOthersKeepReceiving(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A write timeout far above the test's length: the drop must come from
	// the queue bound, not a clock.
	src, m, _, url := startTickServer(t, SocketLimits{QueueMessages: 8, WriteTimeout: 10 * time.Minute})
	a, b, stalled := dialTick(t, ctx, url), dialTick(t, ctx, url), dialTick(t, ctx, url)
	require.Eventually(t, func() bool { return src.running() == 3 }, 10*time.Second, 5*time.Millisecond)

	dropped := func() float64 { return testutil.ToFloat64(m.SlowConsumersDropped.WithLabelValues(DropQueueFull)) }
	payload := strings.Repeat("x", 2048) // a few fill the kernel's small buffers
	sent := 0
	for ; dropped() == 0; sent++ {
		require.Less(t, sent, 5000, "the stalled consumer was never dropped")
		p := fmt.Sprintf("%d-%s", sent, payload)
		src.publish(p)
		require.Equal(t, p, nextTick(t, ctx, a))
		require.Equal(t, p, nextTick(t, ctx, b))
	}
	require.Greater(t, sent, 8, "the stalled socket first queued its 8 messages")

	// The others go on receiving after the drop.
	for i := 0; i < 20; i++ {
		p := fmt.Sprintf("after-%d", i)
		src.publish(p)
		require.Equal(t, p, nextTick(t, ctx, a))
		require.Equal(t, p, nextTick(t, ctx, b))
	}
	require.Equal(t, 1.0, dropped(), "one consumer dropped, once")

	// The stalled client, reading again, finds what the kernel held and
	// then the close frame: 1013, try again later.
	var err error
	for err == nil {
		_, _, err = stalled.Read(ctx)
	}
	require.Equal(t, websocket.StatusCode(CloseTryAgainLater), websocket.CloseStatus(err), "closed with 1013: %v", err)
	if !assert.Eventually(t, func() bool { return src.running() == 2 }, 10*time.Second, 5*time.Millisecond, "its operation ended") {
		buf := make([]byte, 1<<20)
		t.Fatalf("%s", buf[:runtime.Stack(buf, true)])
	}
}

// A client that stops reading while its queue has room is dropped when
// one write stays blocked past the write timeout (the connection's write
// deadline): counted under write_timeout, its operation ends, and the
// others keep receiving every event.
func TestBlockedWriteDropsAtTheWriteTimeout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A queue far larger than the test sends: the drop must come from the
	// deadline, not the queue bound.
	src, m, _, url := startTickServer(t, SocketLimits{QueueMessages: 100000, QueueBytes: 1 << 30, WriteTimeout: 50 * time.Millisecond})
	a, stalled := dialTick(t, ctx, url), dialTick(t, ctx, url)
	require.Eventually(t, func() bool { return src.running() == 2 }, 10*time.Second, 5*time.Millisecond)

	timedOut := func() float64 { return testutil.ToFloat64(m.SlowConsumersDropped.WithLabelValues(DropWriteTimeout)) }
	payload := strings.Repeat("z", 2048)
	for sent := 0; timedOut() == 0; sent++ {
		require.Less(t, sent, 5000, "the blocked write never timed out")
		p := fmt.Sprintf("%d-%s", sent, payload)
		src.publish(p)
		require.Equal(t, p, nextTick(t, ctx, a))
	}
	require.Zero(t, testutil.ToFloat64(m.SlowConsumersDropped.WithLabelValues(DropQueueFull)), "not the queue bound")
	require.Eventually(t, func() bool { return src.running() == 1 }, 10*time.Second, 5*time.Millisecond, "its operation ended")
	for i := 0; i < 5; i++ {
		p := fmt.Sprintf("after-%d", i)
		src.publish(p)
		require.Equal(t, p, nextTick(t, ctx, a))
	}
	require.Equal(t, 1.0, timedOut(), "one consumer dropped, once")
	// The stalled client, reading again, finds what the kernel held and
	// then the end of the connection (no close frame: it read nothing).
	var err error
	for err == nil {
		_, _, err = stalled.Read(ctx)
	}
	require.NoError(t, ctx.Err())
}

// After every subscriber leaves — normally, or dropped as slow — no
// goroutine, socket or operation is left: the counts return to what they
// were before the first socket opened.
func TestSocketsLeaveNothingBehind(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	src, m, sockets, url := startTickServer(t, SocketLimits{QueueMessages: 4, WriteTimeout: 10 * time.Minute})
	subs := func() float64 { return testutil.ToFloat64(m.GraphQLSubscriptions.WithLabelValues("tick")) }
	// A warm-up socket: net/http and the test's client start their own
	// long-lived goroutines (idle keep-alive pools) on first use.
	w := dialTick(t, ctx, url)
	require.Eventually(t, func() bool { return src.running() == 1 }, 10*time.Second, 5*time.Millisecond)
	w.Close(websocket.StatusNormalClosure, "")
	require.Eventually(t, func() bool { return src.running() == 0 && sockets.Count() == 0 }, 10*time.Second, 5*time.Millisecond)
	// Counted inside Eventually's condition goroutine, like the checks below.
	var base int
	require.Eventually(t, func() bool { base = runtime.NumGoroutine(); return true }, time.Second, time.Millisecond)

	const n = 30
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		conns[i] = dialTick(t, ctx, url)
	}
	require.Eventually(t, func() bool { return src.running() == n }, 10*time.Second, 5*time.Millisecond)
	// Positive controls: the counters see the open sockets.
	require.Equal(t, n, sockets.Count())
	require.Equal(t, float64(n), subs())
	require.GreaterOrEqual(t, runtime.NumGoroutine(), base+n, "each open socket holds a goroutine (its reader)")
	// Events flow; one socket stops reading and is dropped.
	src.publish("one")
	for _, c := range conns[1:] {
		require.Equal(t, "one", nextTick(t, ctx, c))
	}
	for i := 0; testutil.ToFloat64(m.SlowConsumersDropped.WithLabelValues(DropQueueFull)) == 0; i++ {
		require.Less(t, i, 5000)
		src.publish(strings.Repeat("y", 2048))
		for _, c := range conns[1:] {
			nextTick(t, ctx, c)
		}
	}
	go func() { // the dropped client drains to its close frame
		for {
			if _, _, err := conns[0].Read(ctx); err != nil {
				return
			}
		}
	}()
	for _, c := range conns[1:] {
		c.Close(websocket.StatusNormalClosure, "")
	}

	require.Eventually(t, func() bool {
		return src.running() == 0 && sockets.Count() == 0 && subs() == 0
	}, 10*time.Second, 5*time.Millisecond, "running %d, sockets %d, subscriptions gauge %v", src.running(), sockets.Count(), subs())
	if !assert.Eventually(t, func() bool { return runtime.NumGoroutine() <= base }, 10*time.Second, 10*time.Millisecond) {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines: %d, before the sockets: %d\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
	}
}

// One goroutine pings every socket: a graphql-transport-ws client that
// answers stays open, one that reads but never answers is disconnected
// (as gqlgen's pong deadline did), and a legacy graphql-ws client gets
// "ka" keep-alives.
func TestKeepAlivePingsEverySocket(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	src := &ticks{subs: map[chan string]context.Context{}}
	sockets := NewSockets()
	h := New(src.schema(), Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: observability.NewMetrics(),
		MaxComplexity: 1000, MaxDepth: 10, MaxTokens: 1000, MaxWidth: 100, MaxFields: 100, MaxOverlap: 100,
		KeepAlive: 50 * time.Millisecond, Sockets: sockets})
	srv := httptest.NewServer(sockets.Middleware(h))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	dial := func(proto string) *websocket.Conn {
		c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{proto}})
		require.NoError(t, err)
		t.Cleanup(func() { c.CloseNow() })
		require.NoError(t, wsjson.Write(ctx, c, map[string]any{"type": "connection_init"}))
		return c
	}
	type msg struct{ Type string }
	answers, silent, legacy := dial("graphql-transport-ws"), dial("graphql-transport-ws"), dial("graphql-ws")

	pings := 0
	for pings < 5 {
		var m msg
		require.NoError(t, wsjson.Read(ctx, answers, &m))
		if m.Type == "ping" {
			pings++
			require.NoError(t, wsjson.Write(ctx, answers, map[string]any{"type": "pong"}))
		}
	}
	var err error
	for seen := 0; err == nil; {
		var m msg
		if err = wsjson.Read(ctx, silent, &m); err == nil && m.Type == "ping" {
			seen++
		}
		require.LessOrEqual(t, seen, 1, "a client that never answers its ping is closed instead of pinged again")
	}
	require.NotErrorIs(t, ctx.Err(), context.DeadlineExceeded)
	kas := 0
	for kas < 2 {
		var m msg
		require.NoError(t, wsjson.Read(ctx, legacy, &m))
		if m.Type == "ka" {
			kas++
		}
	}
	// The client that answers is still open.
	require.NoError(t, wsjson.Write(ctx, answers, map[string]any{"type": "ping"}))
	for {
		var m msg
		require.NoError(t, wsjson.Read(ctx, answers, &m))
		if m.Type == "pong" {
			break
		}
	}
}

// Batches go out through pooled queue arrays and cork buffers, which the
// next batch — of this socket or another — reuses: every message arrives
// whole, once and in order, with batches of one message, of several, and
// larger than a pooled buffer is kept (a 100 kB message), on sockets
// writing at the same time.
func TestPooledBuffersDeliverEveryMessageIntact(t *testing.T) {
	const sockets, batches = 4, 60
	msg := func(sock, batch, i int) []byte {
		size := 40 + (batch*7+i*13)%300
		if batch%20 == 19 && i == 0 {
			size = 100_000 // past maxPooledCork
		}
		return fmt.Appendf(nil, "%d/%d/%d/%s", sock, batch, i, strings.Repeat("x", size))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sock, _ := strconv.Atoi(r.URL.Query().Get("s"))
		s, err := acceptSocket(w, r, websocket.AcceptOptions{}, nil, nil, SocketLimits{QueueMessages: 64, QueueBytes: 1 << 20}, nil)
		if err != nil {
			return
		}
		defer s.Close()
		for b := range batches {
			var batch [][]byte
			for i := range 1 + b%5 {
				batch = append(batch, msg(sock, b, i))
			}
			if err := s.enqueue(batch...); err != nil {
				t.Error(err)
				return
			}
			// The next batch once the client has read this one, so each
			// batch is written on its own (corked when it has several).
			if _, err := s.readMessage(); err != nil {
				t.Error(err)
				return
			}
		}
		s.readMessage() // until the client closes
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for sock := range sockets {
		wg.Go(func() {
			c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"?s="+strconv.Itoa(sock), nil)
			if !assert.NoError(t, err) {
				return
			}
			defer c.CloseNow()
			c.SetReadLimit(1 << 20)
			for b := range batches {
				for i := range 1 + b%5 {
					_, got, err := c.Read(ctx)
					if !assert.NoError(t, err) || !assert.Equal(t, string(msg(sock, b, i)), string(got), "socket %d batch %d message %d", sock, b, i) {
						return
					}
				}
				if !assert.NoError(t, c.Write(ctx, websocket.MessageText, []byte("ok"))) {
					return
				}
			}
		})
	}
	wg.Wait()
}
