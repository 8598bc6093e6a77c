// Command devdb is `stratum devdb` without the rest of Stratum: it compiles
// in seconds, so `make run` runs `go run ./cmd/stratum/devdb ensure` before
// the build and a missing database or PostgreSQL shows at once.
//
//	devdb up [DB]   find or start PostgreSQL, create DB, print its URL
//	devdb down      stop the private cluster
//	devdb ensure    create DATABASE_URL's database if missing, or say what to do
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/stratumhq/stratum/internal/pgcluster"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && (os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help") {
		fmt.Println("usage:\n" + pgcluster.DevDBUsage)
		return
	}
	if err := pgcluster.DevDB(ctx, os.Args[1:], os.Getenv("DATABASE_URL"), os.Stdout, os.Stderr); err != nil {
		stop()
		fmt.Fprintln(os.Stderr, "devdb:", err)
		os.Exit(1)
	}
}
