package resolvers

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/internal/session"
)

// Identity wires the identity services into the resolver.
type Identity struct {
	Auth    *auth.Service
	Tenancy *tenancy.Service
	// SecureCookies adds the Secure attribute (outside development).
	SecureCookies bool
	// WatchInterval is how often open subscriptions re-check their
	// credential (default 1s).
	WatchInterval time.Duration
	// Buckets size cost-based rate limits by plan ("" is the default, and
	// "anonymous" applies per client IP to unauthenticated callers).
	Buckets map[string]auth.Bucket
}

// UseIdentity installs the identity services and the real authenticator.
func (r *Resolver) UseIdentity(id Identity) {
	r.Identity = id
	r.Svc.Auth, r.Svc.Tenancy = id.Auth, id.Tenancy
	r.Auth = session.Credentials{Auth: id.Auth}
	r.watcher.Auth, r.watcher.Interval = id.Auth, id.WatchInterval
}

// HTTPMiddleware lets resolvers set session cookies on the response, and
// ends SSE streams whose credential is revoked or expires. Wrap the GraphQL
// handler with it (inside authentication).
func (r *Resolver) HTTPMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := session.WithResponseWriter(req.Context(), w)
		if p, ok := auth.FromContext(ctx); ok && strings.Contains(req.Header.Get("Accept"), "text/event-stream") {
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			defer cancel()
			r.watcher.Watch(ctx, p, func(string) { cancel() })
		}
		next.ServeHTTP(w, r.withLoaders(req.WithContext(ctx)))
	})
}
