package platforms

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// The stored side of the connectors (migration 0039, docs/adr/0015).

// Connection statuses (GraphQL ConnectionStatus).
const (
	ConnectionOK          = "OK"
	ConnectionDegraded    = "DEGRADED"
	ConnectionDown        = "DOWN"
	ConnectionNeedsReauth = "NEEDS_REAUTH"
)

// Connection is a tenant's grant of access to one platform, or its
// simulator-backed sandbox (Sandbox, platform SIMULATOR: simulated data,
// outside billing limits, removable).
type Connection struct {
	bun.BaseModel  `bun:"table:platform_connections,alias:pc"`
	TenantID       uuid.UUID `bun:"tenant_id,pk"`
	ID             uuid.UUID `bun:"id,pk"`
	Platform       string    `bun:"platform"`
	Sandbox        bool      `bun:"sandbox"`
	Status         string    `bun:"status"`
	StatusMessage  string    `bun:"status_message"`
	ExternalUserID string    `bun:"external_user_id"`
	// TokenSealed is the platforms.Token as JSON sealed with AES-GCM under
	// the key TokenKeyID; never stored or logged in clear.
	TokenSealed      []byte     `bun:"token_sealed"`
	TokenKeyID       *string    `bun:"token_key_id"`
	TokenExpiresAt   *time.Time `bun:"token_expires_at"`
	RefreshExpiresAt *time.Time `bun:"refresh_expires_at"`
	Scopes           []string   `bun:"scopes,array"`
	LastSyncAt       *time.Time `bun:"last_sync_at"`
	LastError        string     `bun:"last_error"`
	LastErrorAt      *time.Time `bun:"last_error_at"`
	CreatedBy        *uuid.UUID `bun:"created_by"`
	CreatedAt        time.Time  `bun:"created_at"`
	UpdatedAt        time.Time  `bun:"updated_at"`
}

// OAuthState is a pending authorization: StateHash is SHA-256 of the state
// sent to the platform; single use (UsedAt), short-lived (ExpiresAt), bound
// to the user and tenant that started it.
type OAuthState struct {
	bun.BaseModel  `bun:"table:platform_oauth_states,alias:os"`
	TenantID       uuid.UUID  `bun:"tenant_id,pk"`
	StateHash      []byte     `bun:"state_hash,pk"`
	UserID         uuid.UUID  `bun:"user_id"`
	Platform       string     `bun:"platform"`
	RedirectURI    string     `bun:"redirect_uri"`
	ReturnTo       string     `bun:"return_to"`
	VerifierSealed []byte     `bun:"verifier_sealed"`
	CreatedAt      time.Time  `bun:"created_at"`
	ExpiresAt      time.Time  `bun:"expires_at"`
	UsedAt         *time.Time `bun:"used_at"`
}

// AdAccount is an ad account a connection reaches. Selected accounts are
// synced and, unless Sandbox, count against the plan's connected-account
// limit.
type AdAccount struct {
	bun.BaseModel  `bun:"table:ad_accounts,alias:aa"`
	TenantID       uuid.UUID `bun:"tenant_id,pk"`
	ID             uuid.UUID `bun:"id,pk"`
	ConnectionID   uuid.UUID `bun:"connection_id"`
	Platform       string    `bun:"platform"`
	ExternalID     string    `bun:"external_id"`
	Name           string    `bun:"name"`
	Currency       string    `bun:"currency"`
	TimeZone       string    `bun:"time_zone"`
	ParentID       string    `bun:"parent_id"`
	PlatformStatus string    `bun:"platform_status"`
	Sandbox        bool      `bun:"sandbox"`
	Selected       bool      `bun:"selected"`
	// InsightsThrough is the last day (account time zone) whose insights
	// are synced; incremental syncs re-read a window before it for late
	// attribution.
	InsightsThrough *time.Time `bun:"insights_through,type:date"`
	// InsightsFrom is the first day whose insights a sync recorded (nil
	// when none has, or when unknown: accounts synced before migration
	// 0070). Stored rows lie in [InsightsFrom, InsightsThrough] unless a
	// chunk's progress was lost in a crash.
	InsightsFrom      *time.Time `bun:"insights_from,type:date"`
	StructureSyncedAt *time.Time `bun:"structure_synced_at"`
	CreatedAt         time.Time  `bun:"created_at"`
	UpdatedAt         time.Time  `bun:"updated_at"`
}

// Remote is the account as the platform API's calls take it.
func (a *AdAccount) Remote() Account {
	return Account{ExternalID: a.ExternalID, Name: a.Name, Currency: a.Currency, TimeZone: a.TimeZone, ParentID: a.ParentID, Status: a.PlatformStatus}
}

// AdGroup is a stored ad set / ad group / ad squad.
type AdGroup struct {
	bun.BaseModel     `bun:"table:ad_groups,alias:ag"`
	TenantID          uuid.UUID `bun:"tenant_id,pk"`
	ID                uuid.UUID `bun:"id,pk"`
	CampaignID        uuid.UUID `bun:"campaign_id"`
	ExternalID        string    `bun:"external_id"`
	Name              string    `bun:"name"`
	Status            string    `bun:"status"`
	DailyBudgetMicros int64     `bun:"daily_budget_micros"`
	BidMicros         int64     `bun:"bid_micros"`
	UpdatedAt         time.Time `bun:"updated_at"`
}

// Ad is a stored ad.
type Ad struct {
	bun.BaseModel `bun:"table:ads,alias:ad"`
	TenantID      uuid.UUID `bun:"tenant_id,pk"`
	ID            uuid.UUID `bun:"id,pk"`
	AdGroupID     uuid.UUID `bun:"ad_group_id"`
	ExternalID    string    `bun:"external_id"`
	Name          string    `bun:"name"`
	Status        string    `bun:"status"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

// Sync kinds, triggers and run statuses (GraphQL SyncKind, SyncRunStatus).
const (
	SyncStructure = "STRUCTURE"
	SyncInsights  = "INSIGHTS"
	SyncBackfill  = "BACKFILL"

	TriggerSchedule = "SCHEDULE"
	TriggerUser     = "USER"

	RunQueued    = "QUEUED"
	RunRunning   = "RUNNING"
	RunSucceeded = "SUCCEEDED"
	RunFailed    = "FAILED"
	RunCanceled  = "CANCELED"
)

// SyncRun is one sync of one account. At most one queued or running run
// exists per account, kind and window (a unique index); a backfill runs in
// chunks and resumes from ResumeFrom after a crash.
type SyncRun struct {
	bun.BaseModel `bun:"table:sync_runs,alias:sr"`
	TenantID      uuid.UUID  `bun:"tenant_id,pk"`
	ID            uuid.UUID  `bun:"id,pk"`
	ConnectionID  uuid.UUID  `bun:"connection_id"`
	AdAccountID   uuid.UUID  `bun:"ad_account_id"`
	Kind          string     `bun:"kind"`
	Trigger       string     `bun:"trigger"`
	WindowFrom    *time.Time `bun:"window_from,type:date"`
	WindowTo      *time.Time `bun:"window_to,type:date"`
	ResumeFrom    *time.Time `bun:"resume_from,type:date"`
	Status        string     `bun:"status"`
	ProgressDone  int        `bun:"progress_done"`
	ProgressTotal int        `bun:"progress_total"`
	RowsWritten   int64      `bun:"rows_written"`
	// APICalls and APIErrors count the run's calls to the platform and
	// those that failed (TRANSIENT or PERMANENT), over all its attempts;
	// APILastError is the platform's message of the last failed one.
	APICalls     int        `bun:"api_calls"`
	APIErrors    int        `bun:"api_errors"`
	APILastError string     `bun:"api_last_error"`
	Error        string     `bun:"error"`
	RequestedBy  *uuid.UUID `bun:"requested_by"`
	QueuedAt     time.Time  `bun:"queued_at"`
	StartedAt    *time.Time `bun:"started_at"`
	FinishedAt   *time.Time `bun:"finished_at"`
	UpdatedAt    time.Time  `bun:"updated_at"`
}
