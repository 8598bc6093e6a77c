package notifications

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/mail"
	"github.com/stratumhq/stratum/internal/relay"
)

// Kind is how a channel delivers.
type Kind string

// Channel kinds.
const (
	Email   Kind = "EMAIL"
	Slack   Kind = "SLACK"
	Webhook Kind = "WEBHOOK"
)

// Subscriptions are the events a channel hears.
type Subscriptions struct {
	// IncidentsOpened and IncidentsClosed select incidents of MinSeverity
	// or worse (an incident that escalates past MinSeverity counts as
	// opened then).
	IncidentsOpened bool               `bun:"incidents_opened"`
	IncidentsClosed bool               `bun:"incidents_closed"`
	MinSeverity     incidents.Severity `bun:"min_severity"`
	// Approvals: actions the trust gate holds for a person's approval.
	Approvals bool `bun:"approvals"`
	// Autopilot: the autopilot mode moving with the signal-health score.
	Autopilot bool `bun:"autopilot"`
	// DailyDigest: one summary a day (for the previous UTC day).
	DailyDigest bool `bun:"daily_digest"`
}

// DefaultSubscriptions are a new channel's when it names none: incidents
// of HIGH severity or worse opened and closed, approvals and autopilot
// mode changes; no digest.
func DefaultSubscriptions() Subscriptions {
	return Subscriptions{IncidentsOpened: true, IncidentsClosed: true, MinSeverity: incidents.High, Approvals: true, Autopilot: true}
}

// Channel is one way to reach a tenant's people.
type Channel struct {
	bun.BaseModel `bun:"table:notification_channels,alias:nc"`
	TenantID      uuid.UUID `bun:"tenant_id,pk"`
	ID            uuid.UUID `bun:"id,pk"`
	Kind          Kind      `bun:"kind"`
	Name          string    `bun:"name"`
	// Target is what may be shown: the e-mail address, the webhook URL, or
	// the Slack URL without its secret last segment.
	Target string `bun:"target"`
	// Secret is sealed (Sealer): the webhook's signing secret or the whole
	// Slack URL; nil for e-mail. Never leaves the package unsealed.
	Secret []byte `bun:"secret"`
	Subscriptions
	Enabled   bool      `bun:"enabled"`
	CreatedBy string    `bun:"created_by"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// Bounds of channel input.
const (
	MaxNameLength = 100
	// DefaultMaxChannels is how many channels a tenant may have (Config.MaxChannels).
	DefaultMaxChannels = 20
)

// CreateInput describes a new channel.
type CreateInput struct {
	Kind Kind
	Name string
	// Target is the e-mail address, the webhook URL or the Slack
	// incoming-webhook URL.
	Target string
	// Subscriptions default to DefaultSubscriptions when nil.
	Subscriptions *Subscriptions
}

func field(name string) []string { return []string{"input", name} }

// Create adds a channel to tenant as actor. For a webhook it returns the
// signing secret, shown only now ("whsec_" and 43 base64url characters;
// receivers key HMAC-SHA256 with the whole string).
func (s *Service) Create(ctx context.Context, tenant uuid.UUID, in CreateInput, actor string) (_ *Channel, secret string, err error) {
	defer derrors.Wrap(&err, "notifications.Service.Create(%v, %s)", tenant, in.Kind)
	name, err := checkName(in.Name)
	if err != nil {
		return nil, "", err
	}
	subs := DefaultSubscriptions()
	if in.Subscriptions != nil {
		subs = *in.Subscriptions
	}
	if err := subs.check(); err != nil {
		return nil, "", err
	}
	ch := &Channel{TenantID: tenant, ID: uuid.New(), Kind: in.Kind, Name: name, Subscriptions: subs, Enabled: true, CreatedBy: actor}
	var sealed string
	switch in.Kind {
	case Email:
		if s.Mailer == nil {
			return nil, "", apperr.Invalid(field("kind"), "e-mail is not configured on this server (STRATUM_SMTP_URL)")
		}
		if !mail.ValidAddress(in.Target) {
			return nil, "", apperr.Invalid(field("target"), "target must be one e-mail address, like ops@example.com")
		}
		ch.Target = in.Target
	case Webhook:
		if _, err := s.Config.Policy.CheckURL(in.Target); err != nil {
			return nil, "", apperr.Invalid(field("target"), "target %s", strings.TrimPrefix(err.Error(), "forbidden URL: "))
		}
		ch.Target = in.Target
		if secret, err = newSecret(); err != nil {
			return nil, "", err
		}
		sealed = secret
	case Slack:
		if ch.Target, err = s.checkSlackURL(in.Target); err != nil {
			return nil, "", err
		}
		sealed = in.Target
	default:
		return nil, "", apperr.Invalid(field("kind"), "kind must be EMAIL, SLACK or WEBHOOK")
	}
	if sealed != "" {
		if ch.Secret, err = s.Box.Seal([]byte(sealed)); err != nil {
			return nil, "", fmt.Errorf("seal the channel's secret: %w", err)
		}
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := db.CapTx(ctx, tx, "notification_channels:"+tenant.String(), tx.NewSelect().Model((*Channel)(nil)), s.Config.maxChannels(),
			fmt.Sprintf("a workspace has at most %d notification channels; delete one first", s.Config.maxChannels())); err != nil {
			return err
		}
		if err := uniqueName(ctx, tx, name, uuid.Nil); err != nil {
			return err
		}
		ch.CreatedAt = s.DB.Now(ctx)
		ch.UpdatedAt = ch.CreatedAt
		if _, err := tx.NewInsert().Model(ch).Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "notification_channel.create", TargetType: relay.TypeNotificationChannel,
			TargetID: ch.ID, Details: map[string]any{"kind": ch.Kind, "name": ch.Name}})
	})
	if err != nil {
		return nil, "", err
	}
	return ch, secret, nil
}

// UpdateInput changes a channel; nil fields are left alone.
type UpdateInput struct {
	Name          *string
	Enabled       *bool
	Subscriptions *Subscriptions
}

// Update changes tenant's channel id.
func (s *Service) Update(ctx context.Context, tenant, id uuid.UUID, in UpdateInput) (_ *Channel, err error) {
	defer derrors.Wrap(&err, "notifications.Service.Update(%v, %v)", tenant, id)
	var name string
	if in.Name != nil {
		if name, err = checkName(*in.Name); err != nil {
			return nil, err
		}
	}
	if in.Subscriptions != nil {
		if err := in.Subscriptions.check(); err != nil {
			return nil, err
		}
	}
	ch := new(Channel)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := db.ScanByID(ctx, tx, ch, id, db.LockNoKeyUpdate, "notification channel not found"); err != nil {
			return err
		}
		if in.Name != nil {
			if err := uniqueName(ctx, tx, name, id); err != nil {
				return err
			}
			ch.Name = name
		}
		if in.Enabled != nil {
			ch.Enabled = *in.Enabled
		}
		if in.Subscriptions != nil {
			ch.Subscriptions = *in.Subscriptions
		}
		ch.UpdatedAt = s.DB.Now(ctx)
		if _, err := tx.NewUpdate().Model(ch).ExcludeColumn("secret", "target", "kind", "created_at", "created_by").WherePK().Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "notification_channel.update", TargetType: relay.TypeNotificationChannel,
			TargetID: id, Details: map[string]any{"name": ch.Name, "enabled": ch.Enabled}})
	})
	if err != nil {
		return nil, err
	}
	return ch, nil
}

// Delete removes tenant's channel id and its delivery log. Deliveries in
// flight find no channel and end.
func (s *Service) Delete(ctx context.Context, tenant, id uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "notifications.Service.Delete(%v, %v)", tenant, id)
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		ch := new(Channel)
		if err := db.ScanByID(ctx, tx, ch, id, db.LockUpdate, "notification channel not found"); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(ch).WherePK().Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "notification_channel.delete", TargetType: relay.TypeNotificationChannel,
			TargetID: id, Details: map[string]any{"kind": ch.Kind, "name": ch.Name}})
	})
}

// List pages tenant's channels, newest first.
func (s *Service) List(ctx context.Context, tenant uuid.UUID, args relay.Args) (page *relay.Page[Channel], err error) {
	defer derrors.Wrap(&err, "notifications.Service.List(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		page, err = relay.Paginate(ctx, tx.NewSelect().Model((*Channel)(nil)), args, "nc.created_at", "nc.id",
			func(c *Channel) relay.Cursor { return relay.Cursor{At: c.CreatedAt, ID: c.ID} })
		return err
	})
	return page, err
}

// ChannelsByID returns tenant's channels with the given ids (missing ids
// are absent).
func (s *Service) ChannelsByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (_ map[uuid.UUID]*Channel, err error) {
	defer derrors.Wrap(&err, "notifications.Service.ChannelsByID(%v)", tenant)
	return db.ByIDs(ctx, s.DB, tenant, ids, func(x *Channel) uuid.UUID { return x.ID })
}

func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > MaxNameLength {
		return "", apperr.Invalid(field("name"), "name must be 1–%d characters", MaxNameLength)
	}
	if strings.ContainsAny(name, "\r\n") {
		return "", apperr.Invalid(field("name"), "name must be one line")
	}
	return name, nil
}

func uniqueName(ctx context.Context, tx bun.Tx, name string, except uuid.UUID) error {
	taken, err := tx.NewSelect().Model((*Channel)(nil)).Where("lower(nc.name) = lower(?) AND nc.id <> ?", name, except).Exists(ctx)
	if err != nil {
		return err
	}
	if taken {
		return apperr.Invalid(field("name"), "another channel is named %q", name)
	}
	return nil
}

// severities lists the severities, least severe first.
var severities = []incidents.Severity{incidents.Low, incidents.Medium, incidents.High, incidents.Critical}

// atLeast lists the minimum severities that let an incident of sev through.
func atLeast(sev incidents.Severity) []incidents.Severity {
	i := slices.Index(severities, sev)
	if i < 0 {
		return nil
	}
	return severities[:i+1]
}

func (s Subscriptions) check() error {
	if !slices.Contains(severities, s.MinSeverity) {
		return apperr.Invalid([]string{"input", "subscriptions", "minIncidentSeverity"}, "minIncidentSeverity must be LOW, MEDIUM, HIGH or CRITICAL")
	}
	return nil
}

// slackHost is where Slack's incoming webhooks live.
const slackHost = "hooks.slack.com"

// checkSlackURL accepts https://hooks.slack.com/services/<T…>/<B…>/<token>
// (or, in tests, the same path on one of Config.SlackHosts) and returns
// what may be shown of it: the URL without its token.
func (s *Service) checkSlackURL(raw string) (string, error) {
	bad := apperr.Invalid(field("target"), "target must be a Slack incoming-webhook URL, https://hooks.slack.com/services/…")
	u, err := s.Config.Policy.CheckURL(raw)
	if err != nil {
		return "", bad
	}
	ok := u.Scheme == "https" && u.Host == slackHost
	if !ok && slices.Contains(s.Config.SlackHosts, u.Host) {
		ok = true
	}
	parts := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	if !ok || len(parts) != 4 || parts[0] != "services" || slices.Contains(parts, "") || u.RawQuery != "" {
		return "", bad
	}
	return u.Scheme + "://" + u.Host + "/services/" + parts[1] + "/" + parts[2] + "/…", nil
}

// newSecret returns a webhook signing secret.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b), nil
}
