// Package app wires Stratum together: the shared pool, the realtime hub,
// River, the GraphQL handler and the HTTP router, from a config.Config. The
// stratum command and end-to-end tests both start servers through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"riverqueue.com/riverui"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/frontend"
	"github.com/stratumhq/stratum/graph"
	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/gqlserver"
	"github.com/stratumhq/stratum/internal/httpserver"
	"github.com/stratumhq/stratum/internal/observability"
	"github.com/stratumhq/stratum/internal/session"
	"github.com/stratumhq/stratum/jobs"
	"github.com/stratumhq/stratum/resolvers"
)

// Version is set at build time with -ldflags "-X github.com/stratumhq/stratum/app.Version=…".
var Version = "dev"

// Mode says which parts a process runs.
type Mode struct {
	API    bool // HTTP server (GraphQL, dashboard, metrics)
	Worker bool // River workers and periodic jobs
}

// App is one Stratum process.
type App struct {
	Cfg     config.Config
	Log     *slog.Logger
	Metrics *observability.Metrics
	DB      *db.DB
	Hub     *realtime.Hub
	River   *jobs.Client
	// Services are the domain services, built once (NewServices) and shared
	// by the resolvers and the job workers.
	Services *Services
	Resolver *resolvers.Resolver
	Sockets  *gqlserver.Sockets
	// SubscriptionGroups runs equal subscriptions once (ADR 0025).
	SubscriptionGroups *gqlserver.SubscriptionGroups
	// Handler is the root HTTP handler (nil without Mode.API).
	Handler http.Handler

	mode          Mode
	appURL        string
	riverUI       *riverui.Handler
	streams       context.Context
	cancelStreams context.CancelFunc
	bg            sync.WaitGroup
	cancelBG      context.CancelFunc
}

// New connects to the database as the application role and builds every
// part mode asks for. It does not migrate (see db.Migrator) nor listen.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, mode Mode) (*App, error) {
	appURL := cfg.AppDatabaseURL
	if appURL == "" {
		var err error
		if appURL, err = db.AppURL(cfg.DatabaseURL, "stratum_app", cfg.AppDBPassword); err != nil {
			return nil, fmt.Errorf("derive app database url: %w", err)
		}
	}
	// One budget sizes the pool's users: the API's queries, River, the
	// job workers (README, "Connection budget").
	budget, err := cfg.Budget(mode.API, mode.Worker)
	if err != nil {
		return nil, err
	}
	if budget.Over != "" {
		log.Warn("connection budget exceeded", "detail", budget.Over)
	}
	d, err := db.Open(ctx, appURL, cfg.DBMaxConns)
	if err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Log: log, Metrics: observability.NewMetrics(), DB: d, mode: mode, appURL: appURL}
	a.Hub = realtime.NewHub(log)
	a.Hub.OnSubscribers = func(n int) { a.Metrics.RealtimeSubs.Set(float64(n)) }
	a.Metrics.RegisterPool(d.Pool)
	a.Metrics.RegisterQueueDepth(jobs.QueueDepth(d))

	if a.Services, err = NewServices(d, cfg, log); err != nil {
		d.Close()
		return nil, err
	}
	a.Services.Deliveries.Metrics = a.Metrics
	a.installTestHooks()
	a.River, err = jobs.NewClient(d, jobs.Options{Log: log, Metrics: a.Metrics, Work: mode.Worker,
		Queues: jobs.QueueWorkers{High: budget.High, Default: budget.Default, Low: budget.Low}, Services: a.Services.Jobs(),
		Limits: jobs.Limits{MaxTimeout: cfg.JobTimeout, RescueAfter: cfg.JobRescueAfter}, NoRunOnStart: !cfg.PeriodicRunOnStart})
	if err != nil {
		d.Close()
		return nil, err
	}
	a.Services.EnqueueWith(a.River)
	a.Resolver = resolvers.New(resolvers.Config{DB: d, Hub: a.Hub, Log: log, Version: Version, River: a.River,
		Services: a.Services.Resolvers(), SecureCookies: cfg.SecureCookies(), WatchInterval: cfg.RevocationInterval})
	if mode.API {
		if err := a.buildHTTP(); err != nil {
			d.Close()
			return nil, err
		}
	}
	return a, nil
}

func (a *App) buildHTTP() error {
	a.streams, a.cancelStreams = context.WithCancel(context.Background())
	a.Sockets = gqlserver.NewSockets()
	a.Sockets.MaxPerIP = a.Cfg.MaxStreamsPerIP
	es := graph.NewExecutableSchema(graph.Config{
		Resolvers:  a.Resolver,
		Directives: a.Resolver.Directives(),
		Complexity: resolvers.Complexity(),
	})
	// A @feature key outside the catalogue stops start-up (and the
	// extension's Validate would panic on it).
	if err := resolvers.CheckFeatureKeys(es.Schema()); err != nil {
		return err
	}
	gql := gqlserver.New(es, gqlserver.Options{
		Log: a.Log, Metrics: a.Metrics,
		Introspection: a.Cfg.Introspection,
		MaxComplexity: a.Cfg.MaxComplexity, MaxDepth: a.Cfg.MaxDepth, MaxTokens: a.Cfg.MaxTokens,
		MaxWidth: a.Cfg.MaxWidth, MaxFields: a.Cfg.MaxFields, MaxOverlap: a.Cfg.MaxOverlap,
		InitTimeout: a.Cfg.WSInitTimeout, KeepAlive: a.Cfg.WSKeepAlive,
		MaxSubscriptions:     a.Cfg.WSMaxSubscriptions,
		MaxConcurrentQueries: a.Cfg.QueryConcurrency(), QueryQueueTimeout: a.Cfg.QueryQueueTimeout,
		OriginPatterns: originHosts(a.Cfg.CORSOrigins),
		InitFunc:       a.Resolver.WebsocketInit,
		Sockets:        a.Sockets,
	})
	gql.Use(session.CSRFGuard{})
	// SharedReads first: a query's entitlements read (which sizes the cost
	// limit's bucket by the effective plan) joins its one tenant transaction.
	gql.Use(gqlserver.SharedReads{DB: a.DB})
	gql.Use(resolvers.RequestEntitlements{Billing: a.Services.Billing})
	gql.Use(gqlserver.CostLimit{Limiter: a.Services.Auth.Limiter, Buckets: a.Services.Buckets})
	// Last, so innermost: limits, entitlements and metrics still see every
	// subscriber; equal subscribers then share one execution (ADR 0025).
	// serverTime sends its first tick on subscribe, which a member joining
	// a running group would miss.
	a.SubscriptionGroups = &gqlserver.SubscriptionGroups{Principal: a.Resolver.SubscriptionGroupKey,
		Ungrouped: map[string]bool{"serverTime": true}, Metrics: a.Metrics}
	gql.Use(a.SubscriptionGroups)
	ui, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(a.River, nil),
		Prefix:    "/admin/jobs",
		Logger:    a.Log,
	})
	if err != nil {
		return fmt.Errorf("river ui: %w", err)
	}
	a.riverUI = ui
	var devMail http.Handler
	if a.Services.MailSink != nil && !a.Cfg.Production() {
		devMail = a.Services.MailSink
	}
	a.Handler = httpserver.New(httpserver.Deps{
		Log: a.Log, Metrics: a.Metrics,
		GraphQL:       a.Sockets.Middleware(a.Resolver.HTTPMiddleware(gql)),
		Auth:          a.Resolver.Authenticator(),
		Streams:       a.streams,
		Ready:         a.Ready,
		Jobs:          ui,
		Operator:      a.operatorCheck,
		Frontend:      frontend.Dist(),
		MaxBodyBytes:  a.Cfg.MaxBodyBytes,
		ReadTimeout:   a.Cfg.HTTPReadTimeout,
		CORSOrigins:   a.Cfg.CORSOrigins,
		DevMail:       devMail,
		StripeWebhook: a.stripeWebhook(),
		OAuthCallback: a.oauthCallback(),
		Tracking:      a.trackingAPI(),
		PrivacyExport: a.privacyExport(),
	})
	return nil
}

func originHosts(origins []string) []string {
	var out []string
	for _, o := range origins {
		if i := len("https://"); len(o) > i && o[:i] == "https://" {
			o = o[i:]
		} else if i := len("http://"); len(o) > i && o[:i] == "http://" {
			o = o[i:]
		}
		out = append(out, o)
	}
	return out
}

// Ready reports whether the database answers and no migration is pending.
func (a *App) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := a.DB.Pool.Ping(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	n, err := db.Pending(ctx, a.DB.Pool)
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%d migrations pending", n)
	}
	return nil
}

// Start runs the background parts: the realtime listener, River (workers
// in worker mode) and River UI. It returns once the listener is in place.
func (a *App) Start(ctx context.Context) error {
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancelBG = cancel
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		a.Hub.Run(bg, a.listenConn)
	}()
	if a.mode.Worker {
		if err := a.River.Start(bg); err != nil {
			return fmt.Errorf("start river: %w", err)
		}
		jobs.ObserveOutcomes(bg, a.River, a.Metrics)
	}
	if lim := a.Services.Auth.Limiter; lim != nil {
		a.bg.Add(1)
		go func() {
			defer a.bg.Done()
			lim.Run(bg, func(err error) { a.Log.Warn("rate limiter maintenance", "err", err) })
		}()
	}
	if a.riverUI != nil {
		if err := a.riverUI.Start(bg); err != nil {
			return fmt.Errorf("start river ui: %w", err)
		}
	}
	select {
	case <-a.Hub.Ready():
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("realtime listener did not connect within 10s")
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *App) listenConn(ctx context.Context) (*pgx.Conn, error) {
	return pgx.Connect(ctx, a.appURL)
}

// Serve listens on addr (or uses l when given) until ctx ends, then shuts
// down gracefully: websockets get a 1001 going-away close, SSE streams end,
// in-flight requests finish, running jobs finish (bounded by
// Cfg.ShutdownTimeout), and the pool closes.
func (a *App) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down", "timeout", a.Cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.Cfg.ShutdownTimeout)
	defer cancel()
	a.Sockets.CloseAll(1001, "server shutting down")
	a.cancelStreams()
	err := srv.Shutdown(sctx)
	a.Stop(sctx)
	return err
}

// Stop stops River (letting running jobs finish until ctx ends, then
// cancelling them), the listener, writes the rate limiter's unsynced
// spending, and closes the pool.
func (a *App) Stop(ctx context.Context) {
	// The CDP's group committer writes what is queued (the HTTP server has
	// shut down: no request waits any more) and refuses new work.
	a.Services.CDP.Close(ctx)
	if a.mode.Worker {
		if err := a.River.Stop(ctx); err != nil {
			a.Log.Warn("jobs did not finish in time; cancelling", "err", err)
			hard, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			a.River.StopAndCancel(hard)
			cancel()
		}
	}
	if a.cancelBG != nil {
		a.cancelBG()
	}
	a.bg.Wait()
	if a.cancelStreams != nil {
		a.cancelStreams()
	}
	if lim := a.Services.Auth.Limiter; lim != nil {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second) // ctx may be spent on River
		defer cancel()
		if err := lim.Flush(fctx); err != nil {
			a.Log.Warn("flush rate limits at shutdown", "err", err)
		}
	}
	a.DB.Close()
}
