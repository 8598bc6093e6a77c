package app

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/conversions"
)

// Every platform a destination can name has its sender registered, under
// its own name.
func TestConversionSendersCoverEveryPlatform(t *testing.T) {
	got := conversionSenders()
	require.Len(t, got, len(conversions.Platforms))
	for _, p := range conversions.Platforms {
		require.Contains(t, got, p)
		require.Equal(t, p, got[p].Platform())
	}
}
