// Command stratum is Stratum's one binary:
//
//	stratum serve            API + workers (migrates first when STRATUM_AUTO_MIGRATE is on)
//	stratum api              API only
//	stratum worker           River workers and periodic jobs only
//	stratum migrate up|down|status
//	stratum seed             create the demo tenant (idempotent)
//	stratum devdb up|down    find or start (stop) the local PostgreSQL used when DATABASE_URL is unset
//	stratum devdb ensure     create DATABASE_URL's database if missing (what make run checks first)
//	stratum admin grant-operator|revoke-operator EMAIL
//	stratum version
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/observability"
	"github.com/stratumhq/stratum/internal/pgcluster"
)

const usage = `usage: stratum <command>

commands:
  serve                 run the API and the workers (default)
  api                   run the API only
  worker                run River workers and periodic jobs only
  migrate up|down|status
  seed                  create the demo tenant and its data (idempotent)
  admin grant-operator EMAIL | revoke-operator EMAIL
                        make a user a platform operator (River UI, operator fields), or stop
  devdb up [DB]|down    find or start PostgreSQL and print DATABASE_URL (creating DB), or stop the private cluster under .data/
  devdb ensure          create DATABASE_URL's database if missing, or print the command that does; without
                        DATABASE_URL, say where PostgreSQL will be found or started (make run runs this first)
  catalogue-md [-w FILE] print the plans' flag and limit matrix (domain/billing/catalog.go) as Markdown, or
                        rewrite it between the catalogue markers of FILE (README.md)
  healthcheck           exit 0 when /healthz on STRATUM_HTTP_ADDR answers (for container HEALTHCHECK)
  version               print the version
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "stratum:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version", "--version", "-v":
		fmt.Println("stratum", app.Version)
		return nil
	case "help", "--help", "-h":
		fmt.Print(usage)
		return nil
	case "healthcheck":
		return healthcheck()
	case "catalogue-md":
		return catalogueMarkdown(args)
	}
	cfg, err := config.Load()
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := observability.NewLogger(os.Stderr, cfg.LogLevel)
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	switch cmd {
	case "devdb":
		return devdb(ctx, args, cfg.DatabaseURL)
	case "serve", "api":
		if cfg.JWTSecretGenerated { // once per process, not once per app.New (serve also builds one to seed)
			log.Warn("STRATUM_JWT_SECRET is not set: signing with a random secret for this process only; sessions end when it stops")
		}
	case "worker", "migrate", "seed", "admin":
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}

	cluster, err := ensureDatabase(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := cluster.Stop(context.Background()); err != nil {
			log.Error("stop private PostgreSQL", "err", err)
		} else if cluster != nil && cluster.Started {
			log.Info("private PostgreSQL stopped")
		}
	}()
	migrator := &db.Migrator{OwnerURL: cfg.DatabaseURL, AppRole: "stratum_app", AppPassword: cfg.AppDBPassword,
		Log: func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) }}
	if cfg.AppDatabaseURL != "" {
		migrator.AppRole, migrator.AppPassword = "", "" // managed by the operator
	}

	switch cmd {
	case "migrate":
		return migrate(ctx, migrator, args)
	case "seed":
		if err := migrator.Up(ctx); err != nil {
			return err
		}
		return seed(ctx, cfg, log)
	case "admin":
		return admin(ctx, cfg, log, args)
	}
	mode := app.Mode{API: cmd != "worker", Worker: cmd != "api"}
	if cfg.AutoMigrate {
		if err := migrator.Up(ctx); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	if cmd == "serve" && cfg.SeedDemo {
		if err := seed(ctx, cfg, log); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	return serve(ctx, cfg, log, mode)
}

// ensureDatabase fills cfg.DatabaseURL from a local PostgreSQL when unset
// (never in production).
func ensureDatabase(ctx context.Context, cfg *config.Config, log *slog.Logger) (*pgcluster.Cluster, error) {
	if cfg.DatabaseURL != "" {
		return nil, nil
	}
	c, err := pgcluster.Ensure(ctx, pgcluster.Options{Log: func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) }})
	if err != nil {
		return nil, err
	}
	cfg.DatabaseURL = c.URL
	return c, nil
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, mode app.Mode) error {
	a, err := app.New(ctx, cfg, log, mode)
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		a.Stop(context.Background())
		return err
	}
	if !mode.API {
		log.Info("worker running")
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		a.Stop(sctx)
		return nil
	}
	l, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		a.Stop(context.Background())
		return err
	}
	printWelcome(cfg)
	log.Info("listening", "addr", l.Addr().String(), "mode", fmt.Sprintf("%+v", mode))
	if err := a.Serve(ctx, l); err != nil && !errors.Is(err, net.ErrClosed) && err.Error() != "http: Server closed" {
		return err
	}
	log.Info("stopped")
	return nil
}

func printWelcome(cfg config.Config) {
	u := cfg.PublicURL
	fmt.Fprintf(os.Stderr, `
  Stratum is running (%s mode)
    Dashboard   %s/
    GraphiQL    %s/graphiql
    GraphQL     %s/graphql   (websocket: graphql-transport-ws and graphql-ws; SSE: Accept text/event-stream)
    Metrics     %s/metrics   Health %s/healthz   Ready %s/readyz
    River UI    %s/admin/jobs/   (platform operators: stratum admin grant-operator EMAIL)
%s
`, cfg.Env, u, u, u, u, u, u, u, demoLogin(cfg))
	if cfg.MailSink() {
		fmt.Fprintf(os.Stderr, "    Mail        %s/dev/mail   (Development mail sink: no STRATUM_SMTP_URL, so e-mail is kept here, not sent)\n\n", u)
	}
}

func migrate(ctx context.Context, m *db.Migrator, args []string) error {
	sub := "up"
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "up":
		return m.Up(ctx)
	case "down":
		return m.Down(ctx)
	case "status":
		all, err := m.Status(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "VERSION\tNAME\tSTATUS")
		for _, mig := range all {
			st := "pending"
			if mig.AppliedAt != nil {
				st = "applied " + mig.AppliedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%04d\t%s\t%s\n", mig.Version, mig.Name, st)
		}
		return w.Flush()
	}
	return fmt.Errorf("migrate: unknown subcommand %q (up, down, status)", sub)
}

func devdb(ctx context.Context, args []string, databaseURL string) error {
	return pgcluster.DevDB(ctx, args, databaseURL, os.Stdout, os.Stderr)
}
