package model

import (
	"time"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/notifications"
)

// NotificationDelivery is an entry of the delivery log; its Channel is
// filled by the resolver that loads it (one query for a page's channels).
type NotificationDelivery struct {
	ID            string               `json:"id"`
	Channel       *NotificationChannel `json:"channel"`
	Event         notifications.Event  `json:"event"`
	Status        notifications.Status `json:"status"`
	Title         string               `json:"title"`
	Text          string               `json:"text"`
	URL           string               `json:"url"`
	Attempts      int                  `json:"attempts"`
	ResponseCode  *int                 `json:"responseCode,omitempty"`
	LastError     *string              `json:"lastError,omitempty"`
	CreatedAt     time.Time            `json:"createdAt"`
	LastAttemptAt *time.Time           `json:"lastAttemptAt,omitempty"`
	SentAt        *time.Time           `json:"sentAt,omitempty"`

	ChannelID uuid.UUID `json:"-"`
}

// IsNode implements Node.
func (NotificationDelivery) IsNode() {}

// GetID implements Node.
func (d NotificationDelivery) GetID() string { return d.ID }
