// Package httpserver is Stratum's HTTP surface on the stdlib ServeMux:
// /graphql (every GraphQL transport), /healthz, /readyz, /metrics, River UI
// at /admin/jobs, the development mail sink at /dev/mail/messages (outside
// production), and the embedded dashboard and GraphiQL at /.
package httpserver

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/observability"
)

// Authenticator resolves the caller of a request. It returns the request's
// context carrying the principal, the unchanged context for anonymous
// requests, or an error: an apperr UNAUTHENTICATED error (answered 401)
// for a credential that is present but invalid; any other error (the
// database is down, the request timed out) is answered 503 without its text.
type Authenticator interface {
	Authenticate(r *http.Request) (context.Context, error)
}

// OperatorCheck reports whether r comes from a platform operator (for
// /admin/jobs); app.operatorCheck audits what operators do there.
type OperatorCheck func(r *http.Request) bool

// Deps are what the router serves.
type Deps struct {
	Log     *slog.Logger
	Metrics *observability.Metrics
	// GraphQL is the gqlgen handler.
	GraphQL http.Handler
	// Auth authenticates /graphql requests; nil leaves every request anonymous.
	Auth Authenticator
	// Streams is cancelled at shutdown to end SSE streams and websockets
	// (which http.Server.Shutdown would otherwise wait for).
	Streams context.Context
	// Ready reports whether the database answers and migrations are current.
	Ready func(ctx context.Context) error
	// Jobs is River UI, mounted at /admin/jobs/ behind Operator.
	Jobs     http.Handler
	Operator OperatorCheck
	// Frontend holds the built dashboard (index.html, graphiql.html, assets/).
	Frontend fs.FS
	// MaxBodyBytes caps request bodies.
	MaxBodyBytes int64
	// ReadTimeout bounds the time to receive a request body (0: none).
	ReadTimeout time.Duration
	// CORSOrigins are allowed cross-origin callers.
	CORSOrigins []string
	// DevMail, if set, answers GET /dev/mail/messages: the development mail
	// sink's messages (development and tests only; app leaves it nil in
	// production).
	DevMail http.Handler
	// StripeWebhook, if set, answers POST /webhooks/stripe (unauthenticated:
	// it verifies Stripe's signature itself and bounds its own body).
	StripeWebhook http.Handler
	// OAuthCallback, if set, answers GET /oauth/{platform}/callback: an ad
	// platform returning the browser after its consent page (it reads the
	// session cookie itself).
	OAuthCallback http.Handler
	// Tracking, if set, answers POST /v1/{call}: the CDP's
	// Segment-compatible tracking API (unauthenticated here: it checks the
	// write key and bounds its own body).
	Tracking http.Handler
	// PrivacyExport, if set, answers GET /privacy/exports/{token}: a CDP
	// data-subject export's download link (it authenticates the requester
	// itself and checks the token's signature and expiry).
	PrivacyExport http.Handler
}

// New returns the root handler.
func New(d Deps) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := d.Ready(r.Context()); err != nil {
			// The reason (driver errors name the database, its user and
			// host) goes to the log only: /readyz answers anyone.
			d.Log.WarnContext(r.Context(), "not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"status":"unavailable"}`))
			return
		}
		w.Write([]byte(`{"status":"ready"}`))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.Metrics.Registry, promhttp.HandlerOpts{}))

	gql := limitBody(d.MaxBodyBytes, authenticate(d.Log, d.Auth, streams(d.Streams, d.GraphQL)))
	mux.Handle("/graphql", gql)

	if d.Jobs != nil {
		mux.Handle("/admin/jobs/", operatorOnly(d.Operator, d.Jobs))
		mux.Handle("GET /admin/jobs", http.RedirectHandler("/admin/jobs/", http.StatusMovedPermanently))
	}
	if d.StripeWebhook != nil {
		mux.Handle("POST /webhooks/stripe", d.StripeWebhook)
	}
	if d.OAuthCallback != nil {
		mux.Handle("GET /oauth/{platform}/callback", d.OAuthCallback)
	}
	if d.PrivacyExport != nil {
		mux.Handle("GET /privacy/exports/{token}", d.PrivacyExport)
	}
	if d.Tracking != nil {
		mux.Handle("POST /v1/{call}", d.Tracking)
		mux.Handle("OPTIONS /v1/{call}", d.Tracking) // CORS preflight of browser SDKs
	}
	if d.DevMail != nil {
		mux.Handle("GET /dev/mail/messages", d.DevMail)
	}
	mux.Handle("/", spa(d.Frontend))
	return observe(d.Log, d.Metrics, bodyDeadline(d.ReadTimeout, cors(d.CORSOrigins, mux)))
}

// authenticate attaches the principal, answers 401 for an invalid
// credential, and 503 when the credential could not be checked.
func authenticate(log *slog.Logger, a Authenticator, next http.Handler) http.Handler {
	if a == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, err := a.Authenticate(r)
		if err != nil {
			authFailed(log, w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// credentialStatus are the typed errors that say something about the
// credential itself, with their HTTP status.
var credentialStatus = map[apperr.Code]int{
	apperr.Unauthenticated: http.StatusUnauthorized,
	apperr.Forbidden:       http.StatusForbidden,
	apperr.Throttled:       http.StatusTooManyRequests,
}

// authFailed answers a failed authentication. Only an UNAUTHENTICATED
// error means the credential is bad (401, its client-safe message;
// FORBIDDEN and THROTTLED keep their own status).
// Anything else — the database unreachable, the pool exhausted, the
// request's deadline — says nothing about the credential: the client is
// told to retry (503 UNAVAILABLE with the request id) instead of being
// signed out, and the cause, which may name the database, its user and
// host, goes to the log only.
func authFailed(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	if e, ok := apperr.As(err); ok {
		if status, ok := credentialStatus[e.Code]; ok {
			writeError(w, status, string(e.Code), e.Message)
			return
		}
	}
	id := observability.RequestID(r.Context())
	log.ErrorContext(r.Context(), "authentication unavailable", "err", err)
	w.Header().Set("Retry-After", "5")
	writeError(w, http.StatusServiceUnavailable, "UNAVAILABLE",
		"the server cannot check credentials right now; try again shortly (request id "+id+")")
}

// streams ties long-lived requests (websocket upgrades and SSE) to the
// Streams context so shutdown can end them.
func streams(s context.Context, next http.Handler) http.Handler {
	if s == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		long := r.Header.Get("Upgrade") != "" || strings.Contains(r.Header.Get("Accept"), "text/event-stream")
		if !long {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(s, cancel)
		defer stop()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func operatorOnly(check OperatorCheck, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if check == nil || !check(r) {
			http.Error(w, "sign in as a platform operator (granted with `stratum admin grant-operator EMAIL`)", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// spa serves built assets: hashed files under assets/ with a year-long
// immutable cache, /graphiql from graphiql.html, and index.html for every
// other path (client-side routing).
func spa(dist fs.FS) http.Handler {
	files := http.FileServerFS(dist)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if p == "graphiql" || strings.HasPrefix(p, "graphiql/") {
			serveHTML(w, r, dist, "graphiql.html")
			return
		}
		if p != "" && p != "index.html" {
			if st, err := fs.Stat(dist, p); err == nil && !st.IsDir() {
				if strings.HasPrefix(p, "assets/") {
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				} else {
					w.Header().Set("Cache-Control", "public, max-age=300")
				}
				if servePrecompressed(w, r, dist, p) {
					return
				}
				files.ServeHTTP(w, r)
				return
			}
			if strings.HasPrefix(p, "assets/") || path.Ext(p) != "" {
				http.NotFound(w, r)
				return
			}
		}
		serveHTML(w, r, dist, "index.html")
	})
}

func serveHTML(w http.ResponseWriter, r *http.Request, dist fs.FS, name string) {
	b, err := fs.ReadFile(dist, name)
	if err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("The dashboard has not been built. Run `make run` (it builds frontend/ with npm) or `make frontend`.\nThe API is at /graphql.\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}

// precompressed are the encodings the frontend build writes beside each
// text asset (scripts/compress-dist.mjs), best first.
var precompressed = []struct{ encoding, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// servePrecompressed serves name's pre-compressed sibling when the client
// accepts its encoding, and reports whether it did.
func servePrecompressed(w http.ResponseWriter, r *http.Request, dist fs.FS, name string) bool {
	accept := r.Header.Get("Accept-Encoding")
	for _, pc := range precompressed {
		if !acceptsEncoding(accept, pc.encoding) {
			continue
		}
		f, err := dist.Open(name + pc.ext)
		if err != nil {
			continue
		}
		defer f.Close()
		st, err := f.Stat()
		rs, ok := f.(io.ReadSeeker)
		if err != nil || !ok {
			return false
		}
		if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.Header().Set("Content-Encoding", pc.encoding)
		w.Header().Add("Vary", "Accept-Encoding")
		http.ServeContent(w, r, name, st.ModTime(), rs)
		return true
	}
	w.Header().Add("Vary", "Accept-Encoding")
	return false
}

// acceptsEncoding reports whether an Accept-Encoding header allows enc
// (present without q=0).
func acceptsEncoding(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), enc) {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
