package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/user"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/internal/config"
)

// admin runs `stratum admin grant-operator|revoke-operator EMAIL`: the
// platform-operator flag is granted only from the command line (by whoever
// holds the database credentials), never through the API. The change is
// written to platform_audit_log.
func admin(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	if len(args) != 2 || (args[0] != "grant-operator" && args[0] != "revoke-operator") {
		return fmt.Errorf("usage: stratum admin grant-operator|revoke-operator EMAIL")
	}
	a, err := app.New(ctx, cfg, log, app.Mode{})
	if err != nil {
		return err
	}
	defer a.DB.Close()
	actor := "cli"
	if u, err := user.Current(); err == nil {
		actor = "cli:" + u.Username
	}
	on := args[0] == "grant-operator"
	if err := a.Resolver.Svc.Auth.SetOperator(ctx, args[1], on, actor); err != nil {
		return err
	}
	verb := "is now"
	if !on {
		verb = "is no longer"
	}
	fmt.Fprintf(os.Stdout, "%s %s a platform operator (takes effect on their next request to /admin/jobs; log in again for operator fields)\n", args[1], verb)
	return nil
}
