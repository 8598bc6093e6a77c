package wstest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// SSE is the graphql-sse "distinct connections" transport: one POST per
// operation with Accept: text/event-stream, answered with `event: next`
// frames and a final `event: complete`.
const SSE = "sse"

// SSEStream is one operation over server-sent events. Its Read has the
// shape of Conn.Read, so tests can treat the three transports alike.
type SSEStream struct {
	t      testing.TB
	ctx    context.Context
	cancel context.CancelFunc
	msgs   chan Message
	done   chan struct{}
	err    error
}

// DialSSE posts query with variables to the http(s) URL of a GraphQL
// endpoint, asking for an event stream, and reads its events in the
// background until the test ends or the server completes the stream. A
// response that is not an event stream (e.g. 401 before the operation ran)
// becomes one message of type "error" holding the response body.
func DialSSE(t testing.TB, ctx context.Context, httpURL, query string, variables map[string]any, header http.Header) *SSEStream {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	body, _ := json.Marshal(map[string]any{"query": query, "variables": variables})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, httpURL, bytes.NewReader(body))
	if err != nil {
		cancel()
		t.Fatalf("sse request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("sse post %s: %v", httpURL, err)
	}
	s := &SSEStream{t: t, ctx: ctx, cancel: cancel, msgs: make(chan Message, 64), done: make(chan struct{})}
	t.Cleanup(s.Close)
	go s.read(res)
	return s
}

func (s *SSEStream) read(res *http.Response) {
	defer close(s.done)
	defer close(s.msgs)
	defer res.Body.Close()
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(res.Body)
		s.send(Message{Type: "error", Payload: json.RawMessage(b)})
		s.err = errors.New("sse: response is not an event stream: " + res.Status)
		return
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var event, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if event != "" || data != "" {
				if event == "" {
					event = "message"
				}
				if !s.send(Message{Type: event, Payload: json.RawMessage(data)}) || event == "complete" {
					s.err = io.EOF
					return
				}
			}
			event, data = "", ""
		case strings.HasPrefix(line, ":"): // comment: the opening frame and keep-alive pings
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data += strings.TrimSpace(strings.TrimPrefix(line, "data:"))
		}
	}
	s.err = sc.Err()
	if s.err == nil {
		s.err = io.EOF
	}
}

// send queues m for Read unless the stream was closed.
func (s *SSEStream) send(m Message) bool {
	select {
	case s.msgs <- m:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// Read returns the next event ("next", "complete", or "error" for a
// response that was not a stream), or the error that ended the stream, or
// context.DeadlineExceeded after timeout.
func (s *SSEStream) Read(timeout time.Duration) (Message, error) {
	select {
	case m, ok := <-s.msgs:
		if !ok {
			return Message{}, s.err
		}
		return m, nil
	case <-time.After(timeout):
		return Message{}, context.DeadlineExceeded
	}
}

// Close ends the stream (the server sees the request cancelled) and waits
// for the reader to stop.
func (s *SSEStream) Close() {
	s.cancel()
	<-s.done
}
