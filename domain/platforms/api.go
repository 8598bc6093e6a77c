package platforms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// This file is the wire-level contract of a real ad platform (issue 12):
// what the Meta, Google Ads, TikTok and Snapchat clients in
// domain/platforms/{meta,googleads,tiktok,snapchat} implement, and what the
// sync jobs, the OAuth flow and the action executor call. A client is
// stateless apart from its configuration: tokens and accounts are passed
// in, so one client serves every tenant, and a client never touches the
// database. Decisions are in docs/adr/0015-platform-connectors.md.
//
// Money is int64 micros of the account's currency (1 USD = 1_000_000)
// everywhere in this contract: Google and Snapchat report micros, Meta and
// TikTok report decimal strings or the currency's minor unit, which their
// clients convert exactly (internal/money), never through a float.

// Endpoints configure one platform's client (STRATUM_<PLATFORM>_* settings).
type Endpoints struct {
	// APIBase is the API root, e.g. https://graph.facebook.com (tests point
	// it at a local fake server).
	APIBase string
	// OAuthBase is the root of the platform's authorization and token
	// endpoints (for Meta https://www.facebook.com for the dialog; each
	// client documents which paths it appends).
	OAuthBase string
	// ClientID and ClientSecret are the app's OAuth credentials. A platform
	// without them is "not configured": it can be neither connected nor
	// synced, and says so.
	ClientID, ClientSecret string
	// DeveloperToken is Google Ads' developer-token header (unused elsewhere).
	DeveloperToken string
	// HTTP is the client used for every call (nil: a client with a 30 s
	// timeout).
	HTTP *http.Client
}

// Configured reports whether the platform has app credentials.
func (e Endpoints) Configured() bool { return e.ClientID != "" && e.ClientSecret != "" }

// Token is an OAuth grant as a platform returned it. It is secret: it is
// stored only sealed (AES-GCM) and never logged; String hides it.
type Token struct {
	AccessToken  string
	RefreshToken string
	// ExpiresAt is when AccessToken stops working (zero: the platform gave
	// no lifetime). RefreshExpiresAt likewise for RefreshToken.
	ExpiresAt        time.Time
	RefreshExpiresAt time.Time
	// Scopes granted, when the platform reports them.
	Scopes []string
	// Subject is the platform's id of the user or app that granted access
	// (TikTok's advertiser ids come with the token, see AdvertiserIDs).
	Subject string
	// AdvertiserIDs are the accounts a TikTok grant covers (TikTok returns
	// them with the token; other platforms leave it empty).
	AdvertiserIDs []string
}

// String never prints the secrets.
func (t Token) String() string { return "platforms.Token{redacted}" }

// GoString never prints the secrets.
func (t Token) GoString() string { return t.String() }

// AuthorizeRequest is the input of AuthorizeURL.
type AuthorizeRequest struct {
	// State is the opaque, single-use value bound to the user and tenant;
	// the callback refuses any other.
	State string
	// RedirectURI is Stratum's GET /oauth/<platform>/callback URL.
	RedirectURI string
	// CodeChallenge is the PKCE S256 challenge; empty for platforms whose
	// OAuth does not support PKCE (SupportsPKCE false).
	CodeChallenge string
}

// Account is an ad account a grant can see.
type Account struct {
	// ExternalID is the platform's id (Meta "act_123", Google customer id
	// "1234567890", TikTok advertiser id, Snapchat ad account UUID).
	ExternalID string
	Name       string
	// Currency is the ISO 4217 code; TimeZone the IANA name ("daily" is a
	// day in this zone on every platform).
	Currency string
	TimeZone string
	// ParentID is the manager/organization the account was found through
	// (Google login-customer-id, Snapchat organization id), if any.
	ParentID string
	// Status is the platform's account status word, as given.
	Status string
}

// Entity statuses in this contract (each client maps its platform's words).
const (
	StatusActive   = "ACTIVE"
	StatusPaused   = "PAUSED"
	StatusArchived = "ARCHIVED" // deleted/removed/archived on the platform
)

// RemoteCampaign is a campaign as the platform reports it.
type RemoteCampaign struct {
	ExternalID string
	Name       string
	Status     string // StatusActive, StatusPaused or StatusArchived
	// Objective as the platform names it (e.g. OUTCOME_SALES, SEARCH).
	Objective string
	// DailyBudgetMicros is the campaign-level daily budget; 0 when the
	// budget lives on the ad groups (or is a lifetime budget).
	DailyBudgetMicros int64
	// BudgetID is the separate budget resource, where the platform has one
	// (Google campaign budgets), used by update_budget.
	BudgetID string
}

// RemoteAdGroup is an ad set (Meta), ad group (Google, TikTok) or ad squad
// (Snapchat).
type RemoteAdGroup struct {
	ExternalID         string
	CampaignExternalID string
	Name               string
	Status             string
	DailyBudgetMicros  int64
	// BidMicros is the manual bid (0: automatic bidding).
	BidMicros int64
}

// RemoteAd is an ad.
type RemoteAd struct {
	ExternalID        string
	AdGroupExternalID string
	Name              string
	Status            string
}

// StructurePage is one page of an account's structure, in any mix; a
// client calls its callback once per page it fetched, campaigns before the
// ad groups before the ads.
type StructurePage struct {
	Campaigns []RemoteCampaign
	AdGroups  []RemoteAdGroup
	Ads       []RemoteAd
}

// Insight is one campaign's delivery on one day (the account's time zone).
type Insight struct {
	CampaignExternalID string
	// Day is the date in the account's time zone, as YYYY-MM-DD.
	Day                   string
	SpendMicros           int64
	Impressions           int64
	Clicks                int64
	Conversions           float64 // platforms attribute fractional conversions
	ConversionValueMicros int64
}

// Mutation kinds (the automation action types that reach a platform).
const (
	MutatePause        = "pause"
	MutateResume       = "resume"
	MutateUpdateBudget = "update_budget"
	MutateUpdateBid    = "update_bid"
)

// Mutation is one change to a campaign on the platform.
type Mutation struct {
	Kind         string
	Campaign     RemoteCampaign // ExternalID (and BudgetID for Google) as last synced
	BudgetMicros int64          // update_budget: the new daily budget
	// BidMicros is update_bid's new bid, set on every ad group of the
	// campaign (bids live on ad groups on all four platforms).
	BidMicros int64
	// IdempotencyKey is sent where the platform accepts one; where it does
	// not, the executor reads the entity back before retrying (CampaignState).
	IdempotencyKey string
}

// CampaignState is a campaign's settings read back from the platform after
// (or before) a mutation.
type CampaignState struct {
	Status            string
	DailyBudgetMicros int64
	// BidMicros is the ad groups' bid when they all share one (else 0).
	BidMicros int64
}

// API is one ad platform as Stratum uses it. Every method calls the
// platform over HTTP: never call it inside a database transaction. Errors
// are *APIError (or context errors); use ErrorKindOf to classify.
type API interface {
	// Platform is the platform name (Meta, Google, TikTok, Snapchat).
	Platform() string
	// Configured reports whether the app credentials are set.
	Configured() bool
	// SupportsPKCE reports whether AuthorizeURL takes a PKCE challenge.
	SupportsPKCE() bool
	// AuthorizeURL is the platform's consent page for req.
	AuthorizeURL(req AuthorizeRequest) string
	// Exchange trades an authorization code (and the PKCE verifier, if any)
	// for a token.
	Exchange(ctx context.Context, code, redirectURI, codeVerifier string) (Token, error)
	// Refresh renews tok (platforms without refresh tokens exchange a
	// long-lived token for a new one or return an ErrorAuth APIError).
	Refresh(ctx context.Context, tok Token) (Token, error)
	// Accounts lists the ad accounts tok can see.
	Accounts(ctx context.Context, tok Token) ([]Account, error)
	// Structure pages through acct's campaigns, ad groups and ads, calling
	// fn per page; an error from fn stops it and is returned.
	Structure(ctx context.Context, tok Token, acct Account, fn func(StructurePage) error) error
	// Insights pages through acct's daily campaign metrics for days in
	// [from, to] (YYYY-MM-DD in the account's time zone), calling fn per
	// page.
	Insights(ctx context.Context, tok Token, acct Account, from, to string, fn func([]Insight) error) error
	// Campaign reads one campaign's current settings.
	Campaign(ctx context.Context, tok Token, acct Account, c RemoteCampaign) (CampaignState, error)
	// Mutate applies m; the caller reads the result back with Campaign.
	Mutate(ctx context.Context, tok Token, acct Account, m Mutation) error
}

// ErrorKind classifies a platform error for the sync and action jobs.
type ErrorKind string

// Error kinds.
const (
	// ErrorRateLimited: the platform asked us to slow down; snooze the job
	// for RetryAfter (or a backoff) — not a failure.
	ErrorRateLimited ErrorKind = "RATE_LIMITED"
	// ErrorTransient: a 5xx, timeout or "try again" error; retry with backoff.
	ErrorTransient ErrorKind = "TRANSIENT"
	// ErrorAuth: the grant is expired, revoked or lacks permission; the
	// connection needs re-authorization (NEEDS_REAUTH + incident).
	ErrorAuth ErrorKind = "AUTH"
	// ErrorPermanent: the platform refused the request (bad value, entity
	// gone, policy); record its message, do not retry.
	ErrorPermanent ErrorKind = "PERMANENT"
)

// APIError is a platform's error with its own code and words.
type APIError struct {
	Platform string
	Kind     ErrorKind
	// HTTPStatus is the response status (0 when none).
	HTTPStatus int
	// Code is the platform's error code (e.g. Meta "17", Google
	// "RESOURCE_EXHAUSTED", TikTok "40100").
	Code string
	// Message is the platform's message, as given (shown to people).
	Message string
	// RetryAfter is how long the platform asked us to wait (0: unknown).
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s API error %s (%s): %s", e.Platform, e.Code, e.Kind, e.Message)
}

// Is makes rate-limited and transient errors match ErrUnavailable, so
// Transient keeps classifying them as "try again later".
func (e *APIError) Is(target error) bool {
	return target == ErrUnavailable && (e.Kind == ErrorRateLimited || e.Kind == ErrorTransient)
}

// ErrorKindOf classifies err: an *APIError's kind, context errors and
// ErrUnavailable as transient, anything else as permanent.
func ErrorKindOf(err error) ErrorKind {
	var ae *APIError
	switch {
	case errors.As(err, &ae):
		return ae.Kind
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return ErrorTransient
	default:
		return ErrorPermanent
	}
}
