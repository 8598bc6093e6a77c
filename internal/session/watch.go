package session

import (
	"context"
	"sync"
	"time"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/gqlserver"
)

// Watcher ends long-lived streams (websockets, SSE) whose credential is
// revoked or expires. One goroutine per Watcher checks every registered
// stream each Interval against the in-memory revocation view: 10,000 open
// dashboards cost one timer, not 10,000. The goroutine stops while no
// stream is open. Set Auth before the first Watch; the zero value of the
// rest is ready.
type Watcher struct {
	// Auth checks credentials (CheckRevoked).
	Auth *auth.Service
	// Interval is how often each stream is checked (default 1s).
	Interval time.Duration

	mu      sync.Mutex
	streams map[*watchedStream]struct{}
	started bool
}

type watchedStream struct {
	ctx context.Context
	p   *auth.Principal
	end func(reason string)
}

// Watch calls end (once) when p's credential is revoked or expires,
// checking every Interval until ctx ends.
func (w *Watcher) Watch(ctx context.Context, p *auth.Principal, end func(reason string)) {
	s := &watchedStream{ctx: ctx, p: p, end: end}
	if w.add(s) {
		go w.loop()
	}
	context.AfterFunc(ctx, func() { w.remove(s) })
}

// WatchSocket makes a signed-in websocket connection close with 4403 when
// its credential is revoked or expires (graphql-ws clients then
// re-authenticate). It returns ctx unchanged for anonymous connections
// and without the auth service.
func (w *Watcher) WatchSocket(ctx context.Context) context.Context {
	p, ok := auth.FromContext(ctx)
	if !ok || w.Auth == nil {
		return ctx
	}
	ctx, cancel := context.WithCancel(ctx)
	w.Watch(ctx, p, func(reason string) {
		gqlserver.CloseSocket(ctx, 4403, "Forbidden: "+reason)
		cancel()
	})
	return ctx
}

// add registers s and reports whether the checking goroutine must start.
func (w *Watcher) add(s *watchedStream) (start bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.streams == nil {
		w.streams = map[*watchedStream]struct{}{}
	}
	w.streams[s] = struct{}{}
	start, w.started = !w.started, true
	return start
}

// remove unregisters s and reports whether it was still registered.
func (w *Watcher) remove(s *watchedStream) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.streams[s]
	delete(w.streams, s)
	return ok
}

// snapshot returns the registered streams; with none it marks the checking
// goroutine stopped and returns ok false.
func (w *Watcher) snapshot() (streams []*watchedStream, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.streams) == 0 {
		w.started = false
		return nil, false
	}
	for s := range w.streams {
		streams = append(streams, s)
	}
	return streams, true
}

func (w *Watcher) loop() {
	every := w.Interval
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		streams, ok := w.snapshot()
		if !ok { // idle: stop until the next stream
			return
		}
		for _, s := range streams {
			w.check(s)
		}
	}
}

// check ends s when its credential no longer holds.
func (w *Watcher) check(s *watchedStream) {
	if s.ctx.Err() != nil {
		return
	}
	err := w.Auth.CheckRevoked(s.ctx, s.p)
	if e, ok := apperr.As(err); ok && e.Code == apperr.Unauthenticated && w.remove(s) {
		s.end(e.Message)
	}
}
