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
	w := &r.watcher
	s := &watchedStream{ctx: ctx, p: p, end: end}
	w.mu.Lock()
	if w.streams == nil {
		w.streams = map[*watchedStream]struct{}{}
	}
	w.streams[s] = struct{}{}
	if !w.started {
		w.started = true
		go r.watchLoop()
	}
	w.mu.Unlock()
	context.AfterFunc(ctx, func() {
		w.mu.Lock()
		delete(w.streams, s)
		w.mu.Unlock()
	})
}

func (r *Resolver) watchLoop() {
	every := r.Identity.WatchInterval
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		r.watcher.mu.Lock()
		if len(r.watcher.streams) == 0 { // idle: stop until the next stream
			r.watcher.started = false
			r.watcher.mu.Unlock()
			return
		}
		streams := make([]*watchedStream, 0, len(r.watcher.streams))
		for s := range r.watcher.streams {
			streams = append(streams, s)
		}
		r.watcher.mu.Unlock()
		for _, s := range streams {
			if s.ctx.Err() != nil {
				continue
			}
			if err := r.Identity.Auth.CheckRevoked(s.ctx, s.p); err != nil {
				if e, ok := apperr.As(err); ok && e.Code == apperr.Unauthenticated {
					r.watcher.mu.Lock()
					_, live := r.watcher.streams[s]
					delete(r.watcher.streams, s)
					r.watcher.mu.Unlock()
					if live {
						s.end(e.Message)
					}
				}
			}
		}
	}
}
