package mail

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// SinkName is what the dashboard and the API call the Sink, so that nobody
// mistakes it for delivered mail.
const SinkName = "Development mail sink"

// Sink is the development mail sink: it keeps the last messages in memory
// instead of sending them, for `make run` and tests without an SMTP server.
// The server exposes it at GET /dev/mail/messages in development and tests
// only (it holds every message sent, whoever it was for).
type Sink struct {
	// From is the sender of messages that name none.
	From string
	// Max is how many messages are kept (default 100; older ones drop out).
	Max int

	mu   sync.Mutex
	seq  int
	msgs []Stored
}

// Stored is a message the Sink kept.
type Stored struct {
	// Seq numbers messages in the order the Sink got them, from 1.
	Seq     int       `json:"seq"`
	From    string    `json:"from"`
	To      []string  `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	Date    time.Time `json:"date"`
	ID      string    `json:"messageId,omitempty"`
}

// Send implements Sender: it checks m as SMTP would and keeps it.
func (s *Sink) Send(_ context.Context, m Message) error {
	if m.From == "" {
		m.From = s.From
	}
	if err := m.check(); err != nil {
		return &permanentError{err}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	s.msgs = append(s.msgs, Stored{Seq: s.seq, From: m.From, To: append([]string(nil), m.To...), Subject: m.Subject, Text: m.Text, Date: m.Date, ID: m.ID})
	limit := s.Max
	if limit <= 0 {
		limit = 100
	}
	if over := len(s.msgs) - limit; over > 0 {
		s.msgs = append([]Stored(nil), s.msgs[over:]...)
	}
	return nil
}

// Messages returns the kept messages, newest first.
func (s *Sink) Messages() []Stored {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Stored, len(s.msgs))
	for i, m := range s.msgs {
		out[len(s.msgs)-1-i] = m
	}
	return out
}

// ServeHTTP answers GET with the sink's name and messages, newest first, as
// JSON: {"name": "Development mail sink", "messages": [...]}.
func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(struct {
		Name     string   `json:"name"`
		Messages []Stored `json:"messages"`
	}{SinkName, s.Messages()})
}
