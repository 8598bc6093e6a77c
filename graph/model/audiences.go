package model

import (
	"time"

	"github.com/google/uuid"
)

// Audience is an audience as the API shows it; it keeps the segment's and
// the ad account's ids so that its segment and account fields load them.
type Audience struct {
	ID                 string                `json:"id"`
	Platform           Platform              `json:"platform"`
	PlatformAudienceID *string               `json:"platformAudienceId,omitempty"`
	Status             AudienceStatus        `json:"status"`
	Size               int                   `json:"size"`
	LastSyncAt         *time.Time            `json:"lastSyncAt,omitempty"`
	Error              *string               `json:"error,omitempty"`
	Progress           *AudienceSyncProgress `json:"progress"`
	CreatedAt          time.Time             `json:"createdAt"`
	// SegmentID and AccountID name the segment and the ad account (not sent
	// to clients).
	SegmentID uuid.UUID `json:"-"`
	AccountID uuid.UUID `json:"-"`
}
