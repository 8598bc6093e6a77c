package main

import (
	"context"
	"log/slog"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/internal/config"
)

func seed(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	a, err := app.New(ctx, cfg, log, app.Mode{})
	if err != nil {
		return err
	}
	defer a.DB.Close()
	defer a.Services.CDP.Close(ctx) // the simulated events' group committer
	return app.Seed(ctx, a, log)
}

// demoLogin is the start-up banner's lines about the demo tenant, printed
// when serve seeds it (its name already says that its data is simulated).
func demoLogin(cfg config.Config) string {
	if !cfg.SeedDemo {
		return ""
	}
	return "    Demo tenant: " + app.DemoTenantName + "\n" +
		"    Demo log-in: " + cfg.DemoEmail + " / " + cfg.DemoPassword + "\n"
}
