package pgcluster

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
)

// DevDBUsage describes the devdb subcommands.
const DevDBUsage = `devdb up [DB]   find or start PostgreSQL, create DB (default stratum) if missing, print its URL
devdb down      stop the private cluster Ensure started for .data/pg
devdb ensure    the check make run does before building: with DATABASE_URL, create its database
                if missing (or print the command that does and fail); without, say where
                PostgreSQL will be found or started (or fail with the fix)`

// DevDB runs `devdb up [DB] | down | ensure` for `stratum devdb` and for the
// small `go run ./cmd/stratum/devdb`, which compiles in seconds and so runs
// before the build. databaseURL is DATABASE_URL; only ensure reads it.
// Progress goes to stderr; up prints the URL on stdout.
func DevDB(ctx context.Context, args []string, databaseURL string, stdout, stderr io.Writer) error {
	sub := "up"
	if len(args) > 0 {
		sub = args[0]
	}
	logf := func(f string, a ...any) { fmt.Fprintf(stderr, f+"\n", a...) }
	switch sub {
	case "up":
		opts := Options{Log: logf}
		if len(args) > 1 {
			opts.Database = args[1]
		}
		c, err := Ensure(ctx, opts)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, c.URL)
		return nil
	case "down":
		return StopDataDir(ctx, "")
	case "ensure":
		return ensure(ctx, databaseURL, logf)
	}
	return fmt.Errorf("devdb: unknown subcommand %q (up, down, ensure)", sub)
}

func ensure(ctx context.Context, databaseURL string, logf func(string, ...any)) error {
	if databaseURL == "" {
		msg, err := Check(ctx, Options{Log: logf})
		if err != nil {
			return err
		}
		logf("DATABASE_URL is unset: %s", msg)
		return nil
	}
	created, err := EnsureDatabase(ctx, databaseURL)
	if err != nil {
		return err
	}
	if cfg, err := pgx.ParseConfig(databaseURL); err == nil && created {
		logf("created database %q on %s (DATABASE_URL)", cfg.Database, where(cfg))
	}
	return nil
}
