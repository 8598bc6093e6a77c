package gqlserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
)

// CloseTryAgainLater is the close code of a dropped slow consumer: RFC
// 6455's 1013 "Try Again Later". graphql-ws (PROTOCOL.md) defines no code
// for a client that does not keep up, and its client treats every 4xxx
// code of the protocol and every 1xxx code but 1000, 1001, 1005, 1006,
// 1012, 1013 and 1014 as fatal (no reconnect) — 1008 "Policy Violation"
// among them. 1013 makes graphql-ws and subscriptions-transport-ws clients
// reconnect with their backoff, which is what a dashboard that fell behind
// once should do; the close reason says why.
const CloseTryAgainLater = 1013

// Outgoing-queue defaults (SocketLimits).
const (
	DefaultQueueMessages = 64
	DefaultQueueBytes    = 1 << 20
	DefaultWriteTimeout  = 10 * time.Second
)

// Socket buffer sizes. net/http hands a hijacked connection over with a
// 4 KB read buffer and a 4 KB write buffer, ≈ 8 KB per websocket that
// mostly idles. Client messages are small (connection_init, subscribe),
// and coder/websocket reads a payload larger than the buffer straight from
// the connection; a server message up to ≈ 1 KB (a subscription event)
// still goes out in one write.
const (
	socketReadBuffer  = 512
	socketWriteBuffer = 1024
)

// SocketLimits bound what one websocket may hold for a client that does
// not read.
type SocketLimits struct {
	// QueueMessages and QueueBytes bound the messages waiting to be written
	// (default 64 and 1 MiB): one more closes the socket with 1013 (a slow
	// consumer) and drops what was queued.
	QueueMessages, QueueBytes int
	// WriteTimeout bounds a blocked write to the network (default 10s; a
	// write may be given as little as half of it, see corkedConn); a
	// client that lets it expire is dropped as a slow consumer too,
	// without a close frame (it reads nothing).
	WriteTimeout time.Duration
}

func (l SocketLimits) withDefaults() SocketLimits {
	if l.QueueMessages <= 0 {
		l.QueueMessages = DefaultQueueMessages
	}
	if l.QueueBytes <= 0 {
		l.QueueBytes = DefaultQueueBytes
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = DefaultWriteTimeout
	}
	return l
}

// Reasons a slow consumer is dropped (the reason label of
// stratum_realtime_slow_consumers_dropped_total).
const (
	DropQueueFull    = "queue_full"
	DropWriteTimeout = "write_timeout"
	DropHubBuffer    = "hub_buffer"
)

// errSlowConsumer is what WriteJSON returns once the socket is dropped.
var errSlowConsumer = errors.New("websocket: slow consumer dropped")

// socketConn is a coder/websocket connection as the websocket transport
// (wstransport.go) uses it, with a bounded outgoing queue: WriteJSON marshals and
// queues, never waits for the network, so a client that stops reading
// blocks nothing but its own socket — not the operations' goroutines,
// not the realtime hub, not other subscribers. A writer goroutine runs
// only while there is something to write (an idle socket has none), one
// write at a time with a timeout. When the queue overflows, the queue is
// dropped and the socket closed with 1013 after the write in flight; the
// drop is reported to onDrop once.
//
// It replaces gqlgen's CoderWebsocketImplementation, whose WriteJSON
// writes synchronously without a deadline under the connection's lock.
type socketConn struct {
	c      *websocket.Conn
	cork   *corkedConn // under c: bounds writes, sends several queued messages in one
	limits SocketLimits
	onDrop func(reason string)

	mu       sync.Mutex
	queue    [][]byte
	qbuf     *[][]byte // queue's array, from queuePool (nil: none taken)
	queued   int       // bytes in queue
	writing  bool      // a writer goroutine runs
	dropped  bool      // slow consumer: no more writes
	closeSet bool      // a close frame follows the queue
	code     int
	reason   string
}

var _ transport.WebsocketConn = (*socketConn)(nil)

// acceptSocket upgrades r with small buffers (smallBuffers).
func acceptSocket(w http.ResponseWriter, r *http.Request, opts websocket.AcceptOptions, subprotocols []string,
	header http.Header, limits SocketLimits, onDrop func(string)) (*socketConn, error) {
	for k, vs := range header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for _, p := range subprotocols {
		if !slices.Contains(opts.Subprotocols, p) {
			opts.Subprotocols = append(opts.Subprotocols, p)
		}
	}
	sb := &smallBuffers{ResponseWriter: w}
	c, err := websocket.Accept(sb, r, &opts)
	if err != nil {
		return nil, err
	}
	limits = limits.withDefaults()
	sb.cork.setTimeout(limits.WriteTimeout) // Accept succeeded: it hijacked through sb
	return &socketConn{c: c, cork: sb.cork, limits: limits, onDrop: onDrop}, nil
}

// smallBuffers hands coder/websocket the hijacked connection with
// socketReadBuffer/socketWriteBuffer-sized buffers instead of net/http's
// 4 KB ones. Bytes the client sent after its upgrade request are kept.
// Its writer writes through a corkedConn (cork), kept for the socket.
type smallBuffers struct {
	http.ResponseWriter
	cork *corkedConn
}

func (s *smallBuffers) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	ahead, _ := brw.Reader.Peek(brw.Reader.Buffered())
	ahead = bytes.Clone(ahead)
	size := max(socketReadBuffer, len(ahead))
	br := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(ahead), conn), size)
	if len(ahead) > 0 {
		// coder/websocket keeps what is buffered (Peek of Buffered), so
		// the bytes read ahead must be in the buffer, not behind it.
		if _, err := br.Peek(len(ahead)); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	// net/http flushed its response (the 101) before handing brw over.
	s.cork = &corkedConn{Conn: conn}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(s.cork, socketWriteBuffer)), nil
}

// corkedConn is what coder/websocket's buffered writer flushes into: the
// connection, except while corked, when the bytes collect until uncork
// sends them in one write — several queued messages, one system call
// (the call is most of a message's cost). coder/websocket writes a frame
// under its own lock, so frames never interleave; a control frame it
// writes meanwhile (a pong) joins the corked bytes in order.
//
// It also bounds every write to the connection — the socket writer's and
// coder/websocket's own (pongs, the close frame) — by the write timeout:
// the connection's write deadline is moved to now + timeout whenever less
// than half of it is left, so a write blocks for at most the timeout and
// at least half of it, and a busy socket sets its deadline once every
// half-timeout rather than twice a message (a context per write, as
// coder/websocket takes it, armed a timer and an AfterFunc each time:
// ≈ 15 % of the server's CPU in a 10,000-subscriber fan-out).
type corkedConn struct {
	net.Conn
	mu       sync.Mutex
	corked   bool
	buf      []byte
	pooled   *[]byte // buf's array, from corkPool while corked
	timeout  time.Duration
	deadline time.Time
}

// A fan-out writes a batch to every socket at once: the buffers a corked
// batch collects in, and the queues' arrays, are taken from pools while a
// socket writes and given back after, so an event allocates neither per
// socket (≈ 80 % of the 666 bytes the server allocated per delivery of a
// 50,000-subscription fan-out, measured by BenchmarkSubscriptionFanOut)
// and an idle socket still holds neither. Buffers that grew past
// maxPooledCork or maxPooledQueue are left to the collector.
var (
	corkPool  = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}
	queuePool = sync.Pool{New: func() any { q := make([][]byte, 0, 16); return &q }}
)

const (
	maxPooledCork  = 64 << 10
	maxPooledQueue = 1024
)

func (c *corkedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.corked {
		c.buf = append(c.buf, p...)
		c.mu.Unlock()
		return len(p), nil
	}
	err := c.armLocked()
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// armLocked keeps the write deadline at least half the timeout ahead.
func (c *corkedConn) armLocked() error {
	if c.timeout <= 0 {
		return nil
	}
	now := time.Now()
	if c.deadline.Sub(now) >= c.timeout/2 {
		return nil
	}
	c.deadline = now.Add(c.timeout)
	return c.Conn.SetWriteDeadline(c.deadline)
}

func (c *corkedConn) setTimeout(d time.Duration) {
	c.mu.Lock()
	c.timeout = d
	c.mu.Unlock()
}

func (c *corkedConn) setCork() {
	c.mu.Lock()
	c.corked = true
	if c.pooled == nil {
		c.pooled = corkPool.Get().(*[]byte)
		c.buf = (*c.pooled)[:0]
	}
	c.mu.Unlock()
}

// uncork writes what collected and gives the buffer back: an idle socket
// keeps none.
func (c *corkedConn) uncork() error {
	c.mu.Lock()
	b, pooled := c.buf, c.pooled
	c.buf, c.pooled, c.corked = nil, nil, false
	var err error
	if len(b) > 0 {
		err = c.armLocked()
	}
	c.mu.Unlock()
	if len(b) > 0 && err == nil {
		_, err = c.Conn.Write(b) // the bytes are the kernel's when it returns
	}
	if pooled != nil && cap(b) <= maxPooledCork {
		*pooled = b[:0]
		corkPool.Put(pooled)
	}
	return err
}

func (s *socketConn) Subprotocol() string { return s.c.Subprotocol() }

func (s *socketConn) SetReadLimit(limit int64) { s.c.SetReadLimit(limit) }

// NextReader returns the next client message; a normal close is
// transport.ErrWebsocketClosed, as gqlgen expects.
func (s *socketConn) NextReader() (int, io.Reader, error) {
	data, err := s.readMessage()
	if err != nil {
		return 0, nil, err
	}
	return int(websocket.MessageText), bytes.NewReader(data), nil
}

// readMessage returns the next client message; a normal close is
// transport.ErrWebsocketClosed.
func (s *socketConn) readMessage() ([]byte, error) {
	_, data, err := s.c.Read(context.Background())
	if err != nil {
		switch websocket.CloseStatus(err) {
		case websocket.StatusNormalClosure, websocket.StatusNoStatusRcvd:
			return nil, transport.ErrWebsocketClosed
		}
		return nil, err
	}
	return data, nil
}

// WriteJSON queues v. A full queue drops the consumer: the queue is
// discarded and the socket closes with 1013 after the write in flight.
func (s *socketConn) WriteJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.enqueue(b)
}

// enqueue queues messages already marshalled (they are the socket's from
// now on), with WriteJSON's bounds; the writer finds them together.
func (s *socketConn) enqueue(msgs ...[]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped || s.closeSet {
		return transport.ErrWebsocketClosed
	}
	for _, b := range msgs {
		if len(s.queue) >= s.limits.QueueMessages || s.queued+len(b) > s.limits.QueueBytes {
			s.dropLocked(DropQueueFull)
			return errSlowConsumer
		}
		if s.qbuf == nil {
			s.qbuf = queuePool.Get().(*[][]byte)
			s.queue = (*s.qbuf)[:0]
		}
		s.queue = append(s.queue, b)
		s.queued += len(b)
	}
	s.startLocked()
	return nil
}

// Drop closes the socket as a slow consumer (reason for the metric), with
// 1013 after the write in flight, discarding what is queued. It reports
// whether this call dropped it.
func (s *socketConn) Drop(reason string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped {
		return false
	}
	s.dropLocked(reason)
	return true
}

func (s *socketConn) dropLocked(reason string) {
	s.dropped = true
	s.queue, s.qbuf, s.queued = nil, nil, 0
	if !s.closeSet {
		s.setCloseLocked(CloseTryAgainLater, "Try again later: slow consumer")
	}
	if s.onDrop != nil {
		s.onDrop(reason) // a counter: it never calls back into s
	}
	s.startLocked()
}

// WriteClose sends a close frame with code and reason after what is
// queued, then ends the connection (the handshake runs on the writer
// goroutine, bounded by coder/websocket's 5s).
func (s *socketConn) WriteClose(code int, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closeSet {
		return nil
	}
	s.setCloseLocked(code, reason)
	s.startLocked()
	return nil
}

func (s *socketConn) setCloseLocked(code int, reason string) {
	s.closeSet, s.code, s.reason = true, code, reason
}

// Close ends the connection now unless a close frame is on its way, whose
// handshake then owns the connection.
func (s *socketConn) Close() error {
	s.mu.Lock()
	closing := s.closeSet
	s.mu.Unlock()
	if closing {
		return nil
	}
	return s.c.CloseNow()
}

// startLocked starts the writer goroutine unless it runs.
func (s *socketConn) startLocked() {
	if !s.writing {
		s.writing = true
		go s.flush()
	}
}

// flush writes the queue, then the close frame if one was asked for, and
// exits when there is nothing left: an idle socket holds no goroutine.
func (s *socketConn) flush() {
	for {
		s.mu.Lock()
		batch, qbuf := s.queue, s.qbuf
		s.queue, s.qbuf, s.queued = nil, nil, 0
		if len(batch) == 0 {
			if !s.closeSet {
				s.writing = false
				s.mu.Unlock()
				return
			}
			code, reason := s.code, s.reason
			s.mu.Unlock()
			// writing stays true: nothing is written after the close.
			s.c.Close(websocket.StatusCode(code), reason)
			return
		}
		s.mu.Unlock()
		err := s.writeAll(batch)
		if qbuf != nil && cap(batch) <= maxPooledQueue {
			clear(batch) // the messages are written (or lost): the pool keeps none of them
			*qbuf = batch[:0]
			queuePool.Put(qbuf)
		}
		if err != nil {
			s.fail(errors.Is(err, context.DeadlineExceeded))
			return
		}
	}
}

// fail ends the connection after a failed write; a write that timed out
// drops a slow consumer. Later writes are refused.
func (s *socketConn) fail(timedOut bool) {
	s.mu.Lock()
	first := !s.dropped
	s.dropped, s.closeSet = true, true
	s.queue, s.qbuf, s.queued = nil, nil, 0
	s.mu.Unlock()
	if timedOut && first && s.onDrop != nil {
		s.onDrop(DropWriteTimeout)
	}
	s.c.CloseNow()
}

// writeAll writes the messages of a batch: several in one write to the
// connection (corked). The write timeout is the connection's write
// deadline, which corkedConn keeps ahead of every write.
func (s *socketConn) writeAll(batch [][]byte) error {
	var err error
	if len(batch) == 1 {
		err = s.c.Write(context.Background(), websocket.MessageText, batch[0])
	} else {
		s.cork.setCork()
		for _, b := range batch {
			if err = s.c.Write(context.Background(), websocket.MessageText, b); err != nil {
				break
			}
		}
		if uerr := s.cork.uncork(); err == nil {
			err = uerr
		}
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return err
}
