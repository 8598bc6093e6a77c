package resolvers

import (
	"context"
	"net/http"
	"strings"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/session"
)

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
