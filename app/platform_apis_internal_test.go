package app

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/config"
)

// TestPlatformAPIsFollowConfiguration: every real platform has a client,
// configured exactly when its credentials are set (a platform without them
// is "not configured", never faked).
func TestPlatformAPIsFollowConfiguration(t *testing.T) {
	t.Parallel()
	cfg, err := config.FromMap(map[string]string{"STRATUM_TIKTOK_CLIENT_ID": "app", "STRATUM_TIKTOK_CLIENT_SECRET": "secret"})
	require.NoError(t, err)
	apis := platformAPIs(cfg)
	for _, p := range []string{platforms.Meta, platforms.Google, platforms.TikTok, platforms.Snapchat} {
		api, ok := apis[p]
		require.True(t, ok, "%s has a client", p)
		require.Equal(t, p, api.Platform())
		require.Equal(t, p == platforms.TikTok, api.Configured(), "%s configured", p)
	}
	require.NotContains(t, apis, platforms.Simulator, "the simulator is not a real platform")
}
