// Package conversions forwards first-party CDP events to the ad platforms'
// conversion APIs (Meta Conversions API, Google Ads click conversions with
// enhanced conversions, TikTok Events API, Snapchat Conversions API v3)
// exactly once per destination and event, scores their event match quality
// and keeps customer-list audiences in step with segments (issue 15).
//
// This file holds the types every part shares: the platform-neutral Event a
// CDP event becomes once mapped, the per-platform Sender that turns a batch
// of them into one request on the platform's wire format, and the Outcome
// per event that the delivery log records. The normalisation and hashing
// rules live in one table (package match); the four senders in package
// senders; local fakes that check requests against the platforms'
// documented rules in package capifake.
package conversions

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/platforms"
)

// Platforms a destination can forward to: the GraphQL Platform enum's
// values without SIMULATOR. (Issue 15 writes Google's as GOOGLE_ADS; the
// API has one Platform enum, whose Google value is GOOGLE — docs/adr/0022.)
var Platforms = []string{platforms.Meta, platforms.Google, platforms.TikTok, platforms.Snapchat}

// ValidPlatform reports whether p is one of Platforms.
func ValidPlatform(p string) bool {
	for _, x := range Platforms {
		if x == p {
			return true
		}
	}
	return false
}

// UserData is the customer information of one event as the CDP holds it:
// raw, neither normalised nor hashed. Each Sender normalises and hashes
// what its platform wants hashed (package match) and sends the rest in
// clear; a value that already is a SHA-256 hex digest is passed on as it is.
type UserData struct {
	Email       string
	Phone       string
	FirstName   string
	LastName    string
	Gender      string
	DateOfBirth string
	City        string
	State       string
	Zip         string
	Country     string
	// ExternalID is the CDP's userId (hashed for Meta, TikTok, Snapchat).
	ExternalID string
	// Sent in clear, never hashed.
	ClientIP  string
	UserAgent string
	Fbc       string // Meta click id cookie (_fbc)
	Fbp       string // Meta browser id cookie (_fbp)
	Gclid     string // Google click ids
	Gbraid    string
	Wbraid    string
	TTclid    string // TikTok click id
	TTp       string // TikTok cookie (_ttp)
	ScClickID string // Snapchat click id
	ScCookie1 string // Snapchat cookie (_scid)
}

// Event is one CDP event mapped for one destination.
type Event struct {
	// Key is Stratum's idempotency key of the delivery: one per
	// (destination, CDP message id). A retried or resumed job sends an
	// event under the same key and EventID.
	Key string
	// EventID is sent as the platform's deduplication id (Meta event_id,
	// TikTok event_id, Snapchat v3 event_id; Google uses OrderID): the
	// CDP event's messageId, so browser and server copies deduplicate.
	EventID string
	// SourceEvent is the CDP event's name (e.g. "Order Completed").
	SourceEvent string
	// Name is the platform's event name after mapping (e.g. "Purchase").
	Name string
	// Time is when the event happened (the CDP's clock-corrected timestamp).
	Time time.Time
	// ActionSource is where it happened: website, app, physical_store,
	// system_generated, email, chat, phone_call, other (Meta's vocabulary;
	// senders translate).
	ActionSource string
	// SourceURL is the page the event happened on (website events).
	SourceURL string
	User      UserData
	// ValueMicros is the conversion value in millionths of Currency;
	// nil when the event has none.
	ValueMicros *int64
	// Currency is an ISO 4217 code, upper case.
	Currency   string
	ContentIDs []string
	OrderID    string
}

// Destination is what a Sender needs of a destination: where to send and
// with which (opened) credentials.
type Destination struct {
	ID       uuid.UUID
	Platform string
	// BaseURL is the platform API's base URL (the platform's own unless
	// the tenant or a test set another).
	BaseURL string
	// Credentials are the opened credential fields, keyed as the GraphQL
	// input names them (META: pixelId, accessToken; GOOGLE: customerId,
	// conversionActionId, developerToken, loginCustomerId, refreshToken or
	// accessToken; TIKTOK: pixelCode, accessToken; SNAPCHAT: pixelId,
	// accessToken).
	Credentials map[string]string
	// TestEventCode, when set, marks requests as test events (Meta
	// test_event_code, TikTok test_event_code; Snapchat and Google have no
	// equivalent and send validate-only requests where available).
	TestEventCode string
	// LimitedDataUse sends Meta's data_processing_options ["LDU"] with
	// country and state 0 (geolocation by Meta).
	LimitedDataUse bool
}

// Status of one event's delivery.
type Status string

const (
	// Pending: stored, not yet sent.
	StatusPending Status = "PENDING"
	// Sent: the platform accepted it.
	StatusSent Status = "SENT"
	// Retry: the request failed transiently (429, 5xx, network); sent again
	// with backoff under the same key.
	StatusRetry Status = "RETRY"
	// Failed: the platform refused it (a 4xx validation error, a per-event
	// error) or it could not be sent (a required field missing, too old);
	// never retried automatically, replayable.
	StatusFailed Status = "FAILED"
	// Dead: retries exhausted; replayable.
	StatusDead Status = "DEAD"
	// Skipped: not eligible (no ADS consent); recorded, never sent.
	StatusSkipped Status = "SKIPPED"
)

// Outcome is the platform's answer for one event of a batch.
type Outcome struct {
	Key    string
	Status Status
	// Code is the platform's error code, when it gave one.
	Code string
	// Message is the platform's reason in its own words (or Stratum's
	// precise reason for an event that was never sent). Never contains
	// credentials.
	Message string
}

// Result is a Sender's answer for one request.
type Result struct {
	// Outcomes holds one entry per event sent, in the order given.
	Outcomes []Outcome
	// RetryAfter is the platform's Retry-After (or rate-limit reset) when
	// the whole request is to be retried; zero when it gave none.
	RetryAfter time.Duration
	// Summary is a short, credential-free description of the response for
	// the delivery log (HTTP status, events_received, fbtrace_id, …).
	Summary string
	// HTTPStatus is the response's status code (0 when no response).
	HTTPStatus int
}

// Sender sends batches of events to one platform's conversion API. It never
// runs inside a database transaction.
type Sender interface {
	// Platform is the platform name (a value of Platforms).
	Platform() string
	// MaxBatch is the platform's limit of events per request (Meta 1,000,
	// TikTok 1,000, Google 2,000, Snapchat per its documentation).
	MaxBatch() int
	// MaxAge is the oldest event the platform accepts (Meta: 7 days);
	// older events are diverted with a reason before a batch is built.
	MaxAge() time.Duration
	// Check applies the platform's required-field rules to one event at
	// time now; a non-empty answer is the precise reason it cannot be sent.
	Check(e Event, now time.Time) string
	// Send sends one batch (at most MaxBatch events, all passing Check).
	// An error means no per-event answer is known (network failure,
	// timeout, 429, 5xx): every event is to be retried, after
	// Result.RetryAfter when set. Otherwise Result.Outcomes has one entry
	// per event (a 4xx refusal of the whole request fails every event with
	// the platform's message).
	Send(ctx context.Context, d Destination, events []Event) (Result, error)
}

// Mapping maps one CDP event name to a platform event name, with paths into
// the CDP event for the platform's fields (dot-separated from the event's
// root, e.g. "properties.revenue", "properties.products.product_id" for
// every element of an array). Empty paths take the defaults of the
// platform's standard event (Segment's e-commerce spec: revenue or total,
// currency, products[].product_id, order_id).
type Mapping struct {
	Source     string `json:"source"`
	Target     string `json:"target"`
	Value      string `json:"value,omitempty"`
	Currency   string `json:"currency,omitempty"`
	ContentIDs string `json:"contentIds,omitempty"`
	OrderID    string `json:"orderId,omitempty"`
}

// CDPEvent is a stored CDP event (a cdp_events row) with the profile it
// resolved to, as the delivery job reads it.
type CDPEvent struct {
	MessageID   string
	Type        string // track, page, screen, identify, …
	Event       string // track: the event name; page/screen: the name
	AnonymousID string
	UserID      string
	Timestamp   time.Time
	ReceivedAt  time.Time
	Properties  json.RawMessage
	Traits      json.RawMessage
	Context     json.RawMessage
	ProfileID   *uuid.UUID
}
