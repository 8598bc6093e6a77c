package resolvers

import (
	"context"
	"sync"
	"time"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/apperr"
)

// credentialWatch ends long-lived streams (websockets, SSE) whose
// credential is revoked or expires. One goroutine per process checks every
// registered stream each WatchInterval against the in-memory revocation
// view: 10,000 open dashboards cost one timer, not 10,000. The goroutine
// stops while no stream is open.
type credentialWatch struct {
	mu      sync.Mutex
	streams map[*watchedStream]struct{}
	started bool
}

type watchedStream struct {
	ctx context.Context
	p   *auth.Principal
	end func(reason string)
}

// watch calls end (once) when p's credential is revoked or expires,
// checking every WatchInterval until ctx ends.
func (r *Resolver) watch(ctx context.Context, p *auth.Principal, end func(reason string)) {
	s := &watchedStream{ctx: ctx, p: p, end: end}
	if r.watcher.add(s) {
		go r.watchLoop()
	}
	context.AfterFunc(ctx, func() { r.watcher.remove(s) })
}

// add registers s and reports whether the checking goroutine must start.
func (w *credentialWatch) add(s *watchedStream) (start bool) {
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
func (w *credentialWatch) remove(s *watchedStream) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.streams[s]
	delete(w.streams, s)
	return ok
}

// snapshot returns the registered streams; with none it marks the checking
// goroutine stopped and returns ok false.
func (w *credentialWatch) snapshot() (streams []*watchedStream, ok bool) {
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

func (r *Resolver) watchLoop() {
	every := r.Identity.WatchInterval
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		streams, ok := r.watcher.snapshot()
		if !ok { // idle: stop until the next stream
			return
		}
		for _, s := range streams {
			r.check(s)
		}
	}
}

// check ends s when its credential no longer holds.
func (r *Resolver) check(s *watchedStream) {
	if s.ctx.Err() != nil {
		return
	}
	err := r.Identity.Auth.CheckRevoked(s.ctx, s.p)
	if e, ok := apperr.As(err); ok && e.Code == apperr.Unauthenticated && r.watcher.remove(s) {
		s.end(e.Message)
	}
}
