package app

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/capifake"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/config"
)

// Every platform a destination can name has its sender registered, under
// its own name.
func TestConversionSendersCoverEveryPlatform(t *testing.T) {
	got := conversionSenders(config.Config{Env: "development"})
	require.Len(t, got, len(conversions.Platforms))
	for _, p := range conversions.Platforms {
		require.Contains(t, got, p)
		require.Equal(t, p, got[p].Platform())
	}
}

// A destination's baseUrl is the tenant's: in production the senders dial
// public addresses only. The check is the dialer's, on the address a name
// resolved to (the senders do no URL check of their own), so a public
// name pointing at the server's own network is refused like the loopback
// address here. The development senders reach the same fake (positive
// control).
func TestProductionConversionSendersRefuseTheServersOwnNetwork(t *testing.T) {
	fake := capifake.NewMeta(t)
	dest := fake.Destination()
	value := int64(12_500_000)
	ev := conversions.Event{Key: "k1", EventID: "e1", Name: "Purchase", Time: time.Now(), ActionSource: "website", ValueMicros: &value, Currency: "EUR",
		SourceURL: "https://shop.example/done", User: conversions.UserData{Email: "a@example.com", UserAgent: "Mozilla/5.0", ClientIP: "203.0.113.9"}}

	dev := conversionSenders(config.Config{Env: "development"})[platforms.Meta]
	res, err := dev.Send(context.Background(), dest, []conversions.Event{ev})
	require.NoError(t, err, "development reaches a loopback fake")
	require.Len(t, res.Outcomes, 1)
	require.Equal(t, conversions.StatusSent, res.Outcomes[0].Status, "%+v %v", res.Outcomes[0], fake.Errors())
	require.Equal(t, 1, fake.Count())

	prod := conversionSenders(config.Config{Env: "production"})[platforms.Meta]
	_, err = prod.Send(context.Background(), dest, []conversions.Event{ev})
	require.Error(t, err, "production refuses a loopback address")
	require.Contains(t, err.Error(), "not a public address")
	require.Equal(t, 1, fake.Count(), "nothing more reached the fake")
}
