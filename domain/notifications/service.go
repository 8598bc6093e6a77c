package notifications

import (
	"time"

	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/mail"
	"github.com/stratumhq/stratum/internal/webhook"
)

// Service manages channels and sends notifications.
type Service struct {
	DB     *db.DB
	Config Config
	// Box seals channel secrets at rest (auth's Box in app).
	Box Sealer
	// Mailer sends e-mail (SMTP, or the development sink); nil means the
	// server has no e-mail, and e-mail channels cannot be created.
	Mailer mail.Sender
	// Poster posts webhook and Slack bodies (a webhook.Client with the
	// server's Policy).
	Poster Poster
	// Enqueue, if set, starts the delivery's job in tx, the transaction
	// that created it; jobs.DeliverHook sets it. Without it deliveries stay
	// PENDING.
	Enqueue func(ctx context.Context, tx bun.Tx, tenant, delivery uuid.UUID) error
	// Incidents and Automation are read for the daily digest's figures
	// (through their exported services).
	Incidents  *incidents.Service
	Automation *automation.Service
	// Facts, if set, replaces the digest's figures (tests).
	Facts func(ctx context.Context, tenant uuid.UUID, from, to time.Time) (*DigestFacts, error)
}

// Config are the notification settings.
type Config struct {
	// PublicURL is how people reach the dashboard (links in messages).
	PublicURL string
	// Policy decides which webhook and Slack URLs may be saved; the Poster
	// applies the same policy when it connects.
	Policy webhook.Policy
	// SlackHosts are hosts (host:port) accepted for Slack URLs besides
	// hooks.slack.com: tests point a channel at a local fake. Empty outside
	// tests.
	SlackHosts []string
	// MaxChannels caps a tenant's channels (default DefaultMaxChannels).
	MaxChannels int
}

func (c Config) maxChannels() int {
	if c.MaxChannels <= 0 {
		return DefaultMaxChannels
	}
	return c.MaxChannels
}

// Sealer seals and opens small secrets (auth.Box).
type Sealer interface {
	Seal(plain []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}

// Poster posts a JSON body to a URL (webhook.Client).
type Poster interface {
	Post(ctx context.Context, url string, header map[string]string, body []byte) (webhook.Response, error)
}
