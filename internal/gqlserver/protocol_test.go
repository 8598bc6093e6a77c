package gqlserver

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeConn feeds the guard client messages and records what it writes.
type fakeConn struct {
	proto string
	in    []string
	mu    sync.Mutex
	out   []any
	code  int
}

func (f *fakeConn) NextReader() (int, io.Reader, error) {
	if len(f.in) == 0 {
		return 0, nil, io.EOF
	}
	m := f.in[0]
	f.in = f.in[1:]
	return 1, bytes.NewReader([]byte(m)), nil
}
func (f *fakeConn) WriteJSON(v any) error {
	f.mu.Lock()
	f.out = append(f.out, v)
	f.mu.Unlock()
	return nil
}
func (f *fakeConn) WriteClose(code int, _ string) error {
	f.mu.Lock()
	f.code = code
	f.mu.Unlock()
	return nil
}
func (f *fakeConn) Close() error        { return nil }
func (f *fakeConn) Subprotocol() string { return f.proto }

// After a client's complete, gqlgen's own complete for the old operation
// must not free a new operation that reuses the id: a third subscribe with
// that id is still a duplicate.
func TestGuardKeepsAReusedIDAfterTheOldOperationsComplete(t *testing.T) {
	t.Parallel()
	f := &fakeConn{proto: subprotocolTransportWS, in: []string{
		`{"type":"connection_init"}`,
		`{"type":"subscribe","id":"a","payload":{}}`,
		`{"type":"complete","id":"a"}`,
		`{"type":"subscribe","id":"a","payload":{}}`,
	}}
	g := newProtocolGuard(f, 0, 10)
	for i := 0; i < 4; i++ {
		_, _, err := g.NextReader()
		require.NoError(t, err)
	}
	require.NoError(t, g.WriteJSON(serverMessage{Type: "complete", ID: "a"})) // the old operation ends
	require.Equal(t, 1, g.Running(), "the new operation under id a still runs")

	f.in = []string{`{"type":"subscribe","id":"a","payload":{}}`}
	_, _, err := g.NextReader()
	require.Error(t, err)
	require.Equal(t, CloseSubscriberExists, f.code)

	// Positive control: once the server ends the new one too, the id is free.
	f2 := &fakeConn{proto: subprotocolTransportWS, in: []string{`{"type":"connection_init"}`, `{"type":"subscribe","id":"a","payload":{}}`, `{"type":"subscribe","id":"a","payload":{}}`}}
	g2 := newProtocolGuard(f2, 0, 10)
	for i := 0; i < 2; i++ {
		_, _, err := g2.NextReader()
		require.NoError(t, err)
	}
	require.NoError(t, g2.WriteJSON(serverMessage{Type: "complete", ID: "a"}))
	_, _, err = g2.NextReader()
	require.NoError(t, err)
	require.Zero(t, f2.code)
}

// A legacy graphql-ws start without an id would run outside the per-socket
// operation cap (the guard counts operations by id): it closes the socket
// with 4400, while starts with ids are capped as usual.
func TestGuardRefusesALegacyStartWithoutAnID(t *testing.T) {
	t.Parallel()
	for _, msg := range []string{`{"type":"start","payload":{}}`, `{"type":"start","id":"","payload":{}}`} {
		f := &fakeConn{proto: "graphql-ws", in: []string{`{"type":"connection_init"}`, msg}}
		g := newProtocolGuard(f, 0, 1)
		_, _, err := g.NextReader()
		require.NoError(t, err)
		_, _, err = g.NextReader()
		require.Error(t, err, msg)
		require.Equal(t, CloseBadRequest, f.code, msg)
		require.Zero(t, g.Running())
	}
	// Positive control: starts with ids are forwarded and counted, the one
	// beyond the cap (1) is refused with an error message for its id.
	f := &fakeConn{proto: "graphql-ws", in: []string{`{"type":"connection_init"}`, `{"type":"start","id":"1","payload":{}}`,
		`{"type":"start","id":"2","payload":{}}`}}
	g := newProtocolGuard(f, 0, 1)
	for i := 0; i < 2; i++ {
		_, _, err := g.NextReader()
		require.NoError(t, err)
	}
	require.Equal(t, 1, g.Running())
	_, _, err := g.NextReader()
	require.ErrorIs(t, err, io.EOF) // the second start was answered by the guard, nothing left to read
	require.Zero(t, f.code)
	require.Len(t, f.out, 1, "an error message for id 2")
}
