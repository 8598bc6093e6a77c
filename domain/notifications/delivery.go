package notifications

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// Event is what a notification is about.
type Event string

// Events.
const (
	IncidentOpened       Event = "INCIDENT_OPENED"
	IncidentClosed       Event = "INCIDENT_CLOSED"
	ApprovalNeeded       Event = "ACTION_AWAITING_APPROVAL"
	AutopilotModeChanged Event = "AUTOPILOT_MODE_CHANGED"
	DailyDigest          Event = "DAILY_DIGEST"
	Test                 Event = "TEST"
)

// Type is the event's name in webhook bodies (and the Stratum-Event header).
func (e Event) Type() string {
	return map[Event]string{IncidentOpened: "incident.opened", IncidentClosed: "incident.closed", ApprovalNeeded: "action.awaiting_approval",
		AutopilotModeChanged: "autopilot.mode_changed", DailyDigest: "digest.daily", Test: "test"}[e]
}

// Status is a delivery's state.
type Status string

// Delivery states.
const (
	Pending Status = "PENDING" // waiting for its first attempt or a retry
	Sent    Status = "SENT"    // the receiver accepted it
	Failed  Status = "FAILED"  // refused for good, or out of retries
)

// Message is a notification as rendered when its event happened; each
// channel kind formats it its own way (render.go).
type Message struct {
	Event Event `json:"event"`
	// Title is one line (e-mail subject, Slack header).
	Title string `json:"title"`
	// Text is the plain-text body, without the link.
	Text string `json:"text"`
	// URL opens the right screen of the dashboard.
	URL string `json:"url"`
	// Severity is the incident's, for incident events.
	Severity string `json:"severity,omitempty"`
	// At is when the event happened.
	At time.Time `json:"at"`
	// Data are the event's ids (global IDs) and values, for webhook receivers.
	Data map[string]any `json:"data,omitempty"`
}

// Delivery is one message to one channel and its outcome.
type Delivery struct {
	bun.BaseModel `bun:"table:notification_deliveries,alias:nd"`
	TenantID      uuid.UUID `bun:"tenant_id,pk"`
	ID            uuid.UUID `bun:"id,pk"`
	ChannelID     uuid.UUID `bun:"channel_id"`
	Event         Event     `bun:"event"`
	// EventKey makes a delivery unique per channel and event occurrence.
	EventKey      string     `bun:"event_key"`
	Message       Message    `bun:"message,type:jsonb"`
	Status        Status     `bun:"status"`
	Attempts      int        `bun:"attempts"`
	LastError     *string    `bun:"last_error"`
	ResponseCode  *int       `bun:"response_code"`
	CreatedAt     time.Time  `bun:"created_at"`
	LastAttemptAt *time.Time `bun:"last_attempt_at"`
	SentAt        *time.Time `bun:"sent_at"`
}

// fanout queues msg for tenant's enabled channels that where selects
// (applied to the channels' query), one delivery per channel and key, and
// enqueues the new ones' jobs, all in tx. Channels that already have a
// delivery for key are skipped.
func (s *Service) fanout(ctx context.Context, tx bun.Tx, tenant uuid.UUID, key string, msg Message, where func(*bun.SelectQuery) *bun.SelectQuery) error {
	var ids []uuid.UUID
	if err := where(tx.NewSelect().Model((*Channel)(nil)).Column("id").Where("nc.enabled")).OrderExpr("nc.id").Scan(ctx, &ids); err != nil {
		return fmt.Errorf("channels for %s: %w", msg.Event, err)
	}
	for _, ch := range ids {
		if _, err := s.queue(ctx, tx, tenant, ch, key, msg); err != nil {
			return err
		}
	}
	return nil
}

// queue inserts one delivery and enqueues its job; it returns nil when
// the channel already has a delivery for key.
func (s *Service) queue(ctx context.Context, tx bun.Tx, tenant, channel uuid.UUID, key string, msg Message) (*Delivery, error) {
	d := &Delivery{TenantID: tenant, ID: uuid.New(), ChannelID: channel, Event: msg.Event, EventKey: key, Message: msg,
		Status: Pending, CreatedAt: s.DB.Now(ctx)}
	res, err := tx.NewInsert().Model(d).On("CONFLICT (tenant_id, channel_id, event_key) DO NOTHING").Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("queue delivery: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, nil
	}
	if s.Enqueue != nil {
		if err := s.Enqueue(ctx, tx, tenant, d.ID); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Test queues a test message to tenant's channel id (enabled or not) and
// returns its delivery; the delivery log shows the outcome.
func (s *Service) Test(ctx context.Context, tenant, id uuid.UUID) (d *Delivery, err error) {
	defer derrors.Wrap(&err, "notifications.Service.Test(%v, %v)", tenant, id)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		ch := new(Channel)
		if err := db.ScanByID(ctx, tx, ch, id, db.NoLock, "notification channel not found"); err != nil {
			return err
		}
		msg := Message{Event: Test, Title: "Test notification from Stratum",
			Text: fmt.Sprintf("This is a test of the channel “%s”. If you can read it, the channel works.", ch.Name),
			URL:  s.link("/settings/notifications"), At: s.DB.Now(ctx), Data: map[string]any{"channelId": relay.GlobalID(relay.TypeNotificationChannel, id)}}
		if d, err = s.queue(ctx, tx, tenant, id, "TEST:"+uuid.NewString(), msg); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "notification_channel.test", TargetType: relay.TypeNotificationChannel, TargetID: id})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// DeliveryFilter selects deliveries; zero values mean any.
type DeliveryFilter struct {
	Channel  uuid.UUID
	Statuses []Status
}

// Deliveries pages tenant's delivery log, newest first.
func (s *Service) Deliveries(ctx context.Context, tenant uuid.UUID, f DeliveryFilter, args relay.Args) (page *relay.Page[Delivery], err error) {
	defer derrors.Wrap(&err, "notifications.Service.Deliveries(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*Delivery)(nil))
		if f.Channel != uuid.Nil {
			q = q.Where("nd.channel_id = ?", f.Channel)
		}
		if len(f.Statuses) > 0 {
			q = q.Where("nd.status IN (?)", bun.List(f.Statuses))
		}
		page, err = relay.Paginate(ctx, q, args, "nd.created_at", "nd.id",
			func(d *Delivery) relay.Cursor { return relay.Cursor{At: d.CreatedAt, ID: d.ID} })
		return err
	})
	return page, err
}

// DeliveriesByID returns tenant's deliveries with the given ids (missing
// ids are absent).
func (s *Service) DeliveriesByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (_ map[uuid.UUID]*Delivery, err error) {
	defer derrors.Wrap(&err, "notifications.Service.DeliveriesByID(%v)", tenant)
	return db.ByIDs(ctx, s.DB, tenant, ids, func(x *Delivery) uuid.UUID { return x.ID })
}

// link is an absolute link to path on the dashboard.
func (s *Service) link(path string) string {
	base := s.Config.PublicURL
	for len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	return base + path
}
