package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/wstest"
)

// streamTransports are the transports every subscription case runs on.
var streamTransports = []string{wstest.TransportWS, wstest.LegacyWS, wstest.SSE}

// Waits of the subscription cases. eventWithin bounds how long tenant A's
// event may take to reach A's subscribers (it goes through a NOTIFY and,
// for the trust fields, a recompute); afterControl is how long B's stream
// is read after A's subscribers have their event: the hub puts an event
// into every matching subscriber's queue in one pass, so B's copy, if the
// hub leaked one, is already on its way.
const (
	registerWithin = 10 * time.Second
	eventWithin    = 15 * time.Second
	afterControl   = 500 * time.Millisecond
)

// stream is one principal's subscription, read in the background.
type stream struct {
	who  string
	msgs chan wstest.Message
	got  []wstest.Message
	done bool // the server ended the stream
}

// openStream subscribes to query as s (anonymous without an access token) over transport.
func (f *isoFixture) openStream(t *testing.T, who, transport, query string, vars map[string]any, s session) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var read func(time.Duration) (wstest.Message, error)
	if transport == wstest.SSE {
		var h map[string][]string
		if s.Access != "" {
			h = s.H()
		}
		read = wstest.DialSSE(t, ctx, f.b.srv.URL+"/graphql", query, vars, h).Read
	} else {
		ws := wstest.Dial(t, ctx, f.b.srv.URL+"/graphql", transport, nil)
		init := map[string]any{}
		if s.Access != "" {
			init["Authorization"] = "Bearer " + s.Access
		}
		ws.Init(init)
		ws.Subscribe("1", query, vars)
		read = ws.Read
	}
	st := &stream{who: who, msgs: make(chan wstest.Message, 64)}
	go func() {
		defer close(st.msgs)
		for {
			m, err := read(time.Hour)
			if err != nil {
				return
			}
			if m.Type == "data" { // legacy graphql-ws
				m.Type = "next"
			}
			select {
			case st.msgs <- m:
			case <-ctx.Done():
				return
			}
		}
	}()
	return st
}

// take records one message (ok false: the stream ended).
func (st *stream) take(m wstest.Message, ok bool) {
	if !ok {
		st.done = true
		return
	}
	st.got = append(st.got, m)
	if m.Type == "complete" || m.Type == "error" {
		st.done = true
	}
}

// until reads messages until cond holds, the stream ends or timeout passes.
func (st *stream) until(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for !cond() {
		if st.done {
			return false
		}
		select {
		case m, ok := <-st.msgs:
			st.take(m, ok)
		case <-poll.C:
		case <-deadline.C:
			return cond()
		}
	}
	return true
}

// drain reads whatever arrives within d.
func (st *stream) drain(d time.Duration) {
	st.until(d, func() bool { return false })
}

// events returns the stream's "next" messages that carry data: a
// subscription refused by its resolver (NOT_FOUND) arrives over SSE as one
// "next" with errors and null data, which is no event (its codes and text
// are still checked: outcome holds every message).
func (st *stream) events() []wstest.Message {
	var out []wstest.Message
	for _, m := range st.got {
		if m.Type != "next" {
			continue
		}
		var doc struct {
			Data json.RawMessage `json:"data"`
		}
		if json.Unmarshal(m.Payload, &doc) == nil && (len(doc.Data) == 0 || string(doc.Data) == "null") {
			continue
		}
		out = append(out, m)
	}
	return out
}

// outcome is everything the stream delivered, with its codes.
func (st *stream) outcome(t *testing.T) outcome {
	var raw []string
	var codes []string
	for _, m := range st.got {
		raw = append(raw, m.Type+" "+string(m.Payload))
		var doc any
		if len(m.Payload) > 0 && json.Unmarshal(m.Payload, &doc) != nil {
			doc = string(m.Payload)
		}
		if m.Type == "error" {
			doc = map[string]any{"errors": doc}
		}
		codes = append(codes, codesOf(doc)...)
	}
	return outcome{raw: strings.Join(raw, "\n"), codes: codes}
}

// runStreamCase runs a subscription case over transport: A's owner (the
// control), tenant B's owner and A's viewer subscribe, each waited for
// until the server's hub holds its subscription (or, for a ticking field,
// until its first event); then tenant A emits the event. A's owner and
// viewer must receive it; B must receive nothing (and, for a ticking
// field, none of A's data).
func (f *isoFixture) runStreamCase(t *testing.T, name, transport string, c isolationCase) verdict {
	var v verdict
	hub := f.b.srv.App.Hub
	var vars map[string]any
	if c.Vars != nil {
		vars = c.Vars(f)
	}
	label := name + " over " + transport
	// Each case's tenants are its own, so counting the hub's subscribers
	// per tenant lets cases run side by side.
	open := func(who string, s session) *stream {
		_, tenant, err := relay.ParseGlobalID(s.TenantID)
		require.NoError(t, err)
		want := hub.SubscribersOf(tenant) + 1
		st := f.openStream(t, who, transport, c.Query, vars, s)
		registered := func() bool { return hub.SubscribersOf(tenant) >= want }
		if c.Ticks {
			registered = func() bool { return len(st.events()) > 0 }
		}
		if !st.until(registerWithin, registered) && !st.done {
			v.failf("%s's subscription %s was not registered within %s: %s", who, label, registerWithin, st.outcome(t).raw)
		}
		return st
	}
	control := open("tenant A's owner", f.ownerA)
	other := open("tenant B's owner", f.ownerB)
	viewer := open("tenant A's viewer", f.viewerA)
	if c.Trigger != nil {
		c.Trigger(t, f)
	}

	// The control: A's owner receives A's event.
	hasEvent := func(st *stream) func() bool {
		return func() bool {
			for _, m := range st.events() {
				if seesAll(string(m.Payload), f.sees(c)) {
					return true
				}
			}
			return false
		}
	}
	if !control.until(eventWithin, hasEvent(control)) {
		v.failf("CONTROL: tenant A's owner received no event of A through %s within %s, so B's silence proves nothing: %s",
			label, eventWithin, control.outcome(t).raw)
	}
	f.checkControl(&v, label, isolationCase{Sees: c.Sees, ControlCodes: c.ControlCodes, Viewer: Public}, control.outcome(t))
	if c.Viewer != Refused && !viewer.until(eventWithin, hasEvent(viewer)) {
		v.failf("a VIEWER of tenant A received no event of A through %s within %s: %s", label, eventWithin, viewer.outcome(t).raw)
	}
	f.checkViewer(&v, label, c, viewer.outcome(t))

	// Tenant B: nothing of A.
	other.drain(afterControl)
	if !c.Ticks && len(other.events()) > 0 {
		v.failf("LEAK: tenant B received an event through %s while only tenant A had any: %s", label, other.outcome(t).raw)
	}
	f.checkB(&v, label, c, other.outcome(t))
	return v
}

func seesAll(raw string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(raw, w) {
			return false
		}
	}
	return true
}

func init() {
	addIsolationCases(map[string]isolationCase{
		"Subscription.serverTime": {Query: `subscription { serverTime(intervalSeconds: 1) }`, Viewer: Public, Ticks: true},
	})
}
