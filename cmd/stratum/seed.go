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
	return app.Seed(ctx, a, log)
}

func demoLogin(cfg config.Config) string {
	s := "    Demo tenant: " + app.DemoTenantName + " (simulated data)\n"
	if cfg.SeedDemo {
		s += "    Demo log-in: " + cfg.DemoEmail + " / " + cfg.DemoPassword + "\n"
	}
	return s
}
