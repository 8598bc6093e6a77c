package gqlserver

import "time"

// keepAliveMessage is a server ping (graphql-transport-ws) or keep-alive
// (legacy graphql-ws); the Type field lets the guard read it without a
// JSON round trip.
type keepAliveMessage struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
}

// startKeepAlive starts the keep-alive goroutine unless it runs. One
// goroutine pings every open socket each keepAlive interval, where gqlgen's
// transport runs a ticker goroutine per socket; it stops while no socket
// is open.
func (s *Sockets) startKeepAlive() {
	if s.keepAlive <= 0 {
		return
	}
	s.mu.Lock()
	start := !s.sweeping
	s.sweeping = true
	s.mu.Unlock()
	if start {
		go s.keepAliveLoop()
	}
}

func (s *Sockets) keepAliveLoop() {
	t := time.NewTicker(s.keepAlive)
	defer t.Stop()
	for range t.C {
		m := <-s.conns
		open := make([]*trackedConn, 0, len(m))
		for c := range m {
			if tc, ok := c.(*trackedConn); ok {
				open = append(open, tc)
			}
		}
		if len(open) == 0 {
			// Decided while holding conns: Accept adds under conns before it
			// calls startKeepAlive, so no socket is left without pings.
			s.mu.Lock()
			s.sweeping = false
			s.mu.Unlock()
			s.conns <- m
			return
		}
		s.conns <- m
		for _, c := range open {
			c.keepAlive()
		}
	}
}

// keepAlive pings an initialised socket. A graphql-transport-ws client
// that has not answered a ping two intervals later is disconnected, as
// gqlgen's pong deadline did; legacy graphql-ws has no pong and gets its
// "ka" message.
func (c *trackedConn) keepAlive() {
	g := c.guard
	if !g.initialised() {
		return
	}
	if !g.transportWS {
		c.sock.WriteJSON(keepAliveMessage{Type: "ka"})
		return
	}
	g.mu.Lock()
	waiting := g.pingOut && !g.ponged
	if waiting {
		g.unanswered++
	} else {
		g.pingOut, g.ponged, g.unanswered = true, false, 0
	}
	gone := g.unanswered >= 2
	g.mu.Unlock()
	switch {
	case gone:
		c.forget()
		c.sock.fail(false)
	case !waiting:
		c.sock.WriteJSON(keepAliveMessage{Type: "ping"})
	}
}
