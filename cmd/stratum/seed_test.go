package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/config"
)

func TestDemoLoginBanner(t *testing.T) {
	t.Parallel()
	t.Run("says once that the seeded demo tenant is simulated, and how to sign in", func(t *testing.T) {
		t.Parallel()
		got := demoLogin(config.Config{SeedDemo: true, DemoEmail: "demo@stratum.local", DemoPassword: "pw-2026"})
		require.Equal(t, "    Demo tenant: Demo Co (simulated)\n    Demo log-in: demo@stratum.local / pw-2026\n", got)
	})
	t.Run("names no demo tenant when serve does not seed one", func(t *testing.T) {
		t.Parallel()
		require.Empty(t, demoLogin(config.Config{SeedDemo: false, DemoEmail: "demo@stratum.local"}))
	})
}
