package conversions

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/secretbox"
	"github.com/stratumhq/stratum/internal/webhook"
)

// Destinations manages a tenant's conversion destinations (docs/adr/0022,
// "Destinations"): where CDP events are forwarded, with which sealed
// credentials and mappings, and the test event that checks them.
//
// Table: conversion_destinations. The capi flag is checked by the API
// (@feature); the plan's conversion_destinations limit is reserved in the
// creating transaction and given back in the deleting one.
type Destinations struct {
	DB *db.DB
	// Box seals the credentials (the STRATUM_ENCRYPTION_KEY keyring).
	Box *secretbox.Keyring
	// Billing reserves the plan's conversion_destinations limit (nil: no
	// limit, for tests).
	Billing *billing.Service
	// Connections resolves a Google destination's connectionId to the
	// connection's access token (nil: connectionId is refused).
	Connections *platforms.Connections
	// Senders holds one Sender per platform; a platform without one cannot
	// be tested (testConversionDestination says so).
	Senders map[string]Sender
	// AllowLoopbackHTTP accepts baseUrl http://127.0.0.1…, http://[::1]…
	// and http://localhost… (development and tests: a local fake of the
	// platform). Otherwise, and always for other hosts, baseUrl must be
	// https to a public host.
	AllowLoopbackHTTP bool
	// TestInterval is the least time between two test events of one
	// destination (DefaultTestInterval when zero).
	TestInterval time.Duration
	// TestTimeout bounds a test event's request (DefaultTestTimeout when
	// zero).
	TestTimeout time.Duration

	tokensOnce sync.Once
	tokens     *lru.Cache[[32]byte, cachedToken] // by SHA-256 of the refresh token
}

// Defaults and bounds of Destinations.
const (
	DefaultTestInterval = 10 * time.Second
	DefaultTestTimeout  = 20 * time.Second
	MaxDestinationName  = 100
	MaxTestEventCode    = 64
	// MaxEventMappings bounds a destination's mappings.
	MaxEventMappings = 200
)

// StoredDestination is a row of conversion_destinations. Credentials are
// sealed; only CredentialKeys says which fields are set.
type StoredDestination struct {
	bun.BaseModel `bun:"table:conversion_destinations,alias:cd"`

	TenantID       uuid.UUID `bun:"tenant_id,pk"`
	ID             uuid.UUID `bun:"id,pk"`
	Platform       string    `bun:"platform"`
	Name           string    `bun:"name"`
	Credentials    []byte    `bun:"credentials"`
	CredentialKeys []string  `bun:"credential_keys,array"`
	// BaseURL is nil for the platform's own API.
	BaseURL        *string   `bun:"base_url"`
	TestEventCode  *string   `bun:"test_event_code"`
	EventMappings  []Mapping `bun:"event_mappings,type:jsonb"`
	LimitedDataUse bool      `bun:"limited_data_use"`
	// LegitimateInterest forwards profiles without an ADS consent decision;
	// LegitimateInterestSetBy/At record who (a user's or API key's id) last
	// changed it and when.
	LegitimateInterest      bool       `bun:"legitimate_interest"`
	LegitimateInterestSetBy *uuid.UUID `bun:"legitimate_interest_set_by"`
	LegitimateInterestSetAt *time.Time `bun:"legitimate_interest_set_at"`
	Enabled                 bool       `bun:"enabled"`
	LastTestAt              *time.Time `bun:"last_test_at"`
	CreatedAt               time.Time  `bun:"created_at"`
	UpdatedAt               time.Time  `bun:"updated_at"`
	// ThrottledUntil is the platform's last pause, which the flush sets
	// (conversions.Deliveries); here it is only read — a Returning("*")
	// scans every column — and never written through this model.
	ThrottledUntil *time.Time `bun:"throttled_until,scanonly"`
}

// DestinationInput is createConversionDestination's input.
type DestinationInput struct {
	Platform    string
	Name        string
	Credentials map[string]string
	// BaseURL: "" for the platform's own API.
	BaseURL            string
	TestEventCode      string
	EventMappings      []Mapping
	LimitedDataUse     bool
	LegitimateInterest bool
	Enabled            bool
}

// DestinationPatch is updateConversionDestination's input; nil fields are
// kept. Credentials are merged into the stored ones: a key with a value
// replaces it, a key with the empty string removes it, keys not named are
// kept; the result must be a valid set for the platform. BaseURL and
// TestEventCode set to "" clear them.
type DestinationPatch struct {
	Name               *string
	Credentials        map[string]string
	BaseURL            *string
	TestEventCode      *string
	EventMappings      []Mapping
	SetEventMappings   bool
	LimitedDataUse     *bool
	LegitimateInterest *bool
	Enabled            *bool
}

func (s *Destinations) testInterval() time.Duration {
	if s.TestInterval > 0 {
		return s.TestInterval
	}
	return DefaultTestInterval
}

func (s *Destinations) testTimeout() time.Duration {
	if s.TestTimeout > 0 {
		return s.TestTimeout
	}
	return DefaultTestTimeout
}

func validDestName(name string) error {
	if strings.TrimSpace(name) == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxDestinationName {
		return apperr.Invalid([]string{"input", "name"}, "a destination's name is 1 to %d characters", MaxDestinationName)
	}
	return nil
}

func validTestEventCode(code string) error {
	if len(code) > MaxTestEventCode {
		return apperr.Invalid([]string{"input", "testEventCode"}, "a test event code is at most %d characters", MaxTestEventCode)
	}
	for _, r := range code {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return apperr.Invalid([]string{"input", "testEventCode"}, "a test event code is letters, digits, _ and - (e.g. Meta's TEST12345)")
		}
	}
	return nil
}

// CheckBaseURL checks a destination's baseUrl: an absolute https URL of a
// public host, without user information, query or fragment; http only to
// a loopback host (127.0.0.0/8, ::1, localhost) and only when
// AllowLoopbackHTTP (a local fake in development and tests). The returned
// form has no trailing slash.
func (s *Destinations) CheckBaseURL(raw string) (string, error) {
	path := []string{"input", "baseUrl"}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "", apperr.Invalid(path, "baseUrl must be an absolute URL like https://graph.facebook.com")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", apperr.Invalid(path, "baseUrl must not contain a query or a #fragment")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	loopback := host == "localhost"
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().IsLoopback() {
		loopback = true
	}
	if u.User != nil {
		return "", apperr.Invalid(path, "baseUrl must not contain a user name or password")
	}
	switch {
	case u.Scheme == "http" && loopback && s.AllowLoopbackHTTP:
	case u.Scheme == "http" && loopback:
		return "", apperr.Invalid(path, "baseUrl may use http only to a local test server in development; use https")
	case u.Scheme == "http":
		return "", apperr.Invalid(path, "baseUrl must use https (http is accepted only for a loopback test server in development)")
	case u.Scheme == "https" && loopback && s.AllowLoopbackHTTP:
	default:
		if _, err := webhook.Production.CheckURL(raw); err != nil {
			return "", apperr.Invalid(path, "baseUrl %s", strings.TrimPrefix(err.Error(), webhook.ErrForbiddenURL.Error()+": "))
		}
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// validateMappings bounds and validates mappings for platform.
func validateMappings(platform string, ms []Mapping) error {
	if len(ms) > MaxEventMappings {
		return apperr.Invalid([]string{"input", "eventMappings"}, "at most %d event mappings", MaxEventMappings)
	}
	return ValidateMappings(platform, ms)
}

// checkConnection checks that a Google destination's connectionId names
// one of tenant's Google connections that is not the sandbox.
func (s *Destinations) checkConnection(ctx context.Context, tenant uuid.UUID, creds map[string]string) error {
	raw := creds[CredConnectionID]
	if raw == "" {
		return nil
	}
	refuse := apperr.Invalid(credPath(CredConnectionID), "connectionId must be the ID of one of the workspace's Google platform connections")
	if s.Connections == nil {
		return apperr.Invalid(credPath(CredConnectionID), "this server cannot reuse platform connections; give a refreshToken or accessToken")
	}
	_, id, err := relay.ParseGlobalID(raw)
	if err != nil {
		return refuse
	}
	v, err := s.Connections.Get(ctx, tenant, id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return refuse
	}
	if err != nil {
		return err
	}
	if v.Platform != platforms.Google || v.Sandbox {
		return refuse
	}
	return nil
}

// who is the principal changing the legitimate-interest flag: a user's id,
// else an API key's (nil without a principal).
func who(ctx context.Context) *uuid.UUID {
	p, ok := auth.FromContext(ctx)
	switch {
	case !ok:
		return nil
	case p.UserID != uuid.Nil:
		return &p.UserID
	case p.APIKeyID != uuid.Nil:
		return &p.APIKeyID
	}
	return nil
}

func (s *Destinations) seal(creds map[string]string) ([]byte, error) {
	b, err := json.Marshal(creds)
	if err != nil {
		return nil, err
	}
	return s.Box.Seal(b)
}

func (s *Destinations) open(d *StoredDestination) (map[string]string, error) {
	b, err := s.Box.Open(d.Credentials)
	if err != nil {
		return nil, fmt.Errorf("open the credentials of destination %s: %w", d.ID, err)
	}
	var creds map[string]string
	if err := json.Unmarshal(b, &creds); err != nil {
		return nil, fmt.Errorf("the credentials of destination %s are not a JSON object", d.ID)
	}
	return creds, nil
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Create adds a destination, in one transaction that first reserves one of
// the plan's conversion destinations (over the limit: BAD_USER_INPUT at
// ["input"], nothing saved). Audited (never with credential values).
func (s *Destinations) Create(ctx context.Context, tenant uuid.UUID, in DestinationInput) (_ *StoredDestination, err error) {
	defer derrors.Wrap(&err, "conversions.Destinations.Create(%s)", tenant)
	if !ValidPlatform(in.Platform) {
		return nil, apperr.Invalid([]string{"input", "platform"}, "conversions can be forwarded to META, GOOGLE, TIKTOK or SNAPCHAT")
	}
	if err := validDestName(in.Name); err != nil {
		return nil, err
	}
	if err := ValidateCredentials(in.Platform, in.Credentials); err != nil {
		return nil, err
	}
	creds := normalizeCredentials(in.Platform, in.Credentials)
	d := &StoredDestination{TenantID: tenant, ID: uuid.New(), Platform: in.Platform, Name: strings.TrimSpace(in.Name),
		CredentialKeys: sortedKeys(creds), EventMappings: in.EventMappings, LimitedDataUse: in.LimitedDataUse,
		LegitimateInterest: in.LegitimateInterest, Enabled: in.Enabled}
	if in.BaseURL != "" {
		u, err := s.CheckBaseURL(in.BaseURL)
		if err != nil {
			return nil, err
		}
		d.BaseURL = &u
	}
	if err := validTestEventCode(in.TestEventCode); err != nil {
		return nil, err
	}
	d.TestEventCode = nilIfEmpty(in.TestEventCode)
	if d.EventMappings == nil {
		d.EventMappings = []Mapping{}
	}
	if err := validateMappings(in.Platform, d.EventMappings); err != nil {
		return nil, err
	}
	if err := s.checkConnection(ctx, tenant, creds); err != nil {
		return nil, err
	}
	if d.Credentials, err = s.seal(creds); err != nil {
		return nil, err
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if s.Billing != nil {
			if err := s.Billing.ReserveTx(ctx, tx, tenant, billing.ConversionDestinations, 1); err != nil {
				if e, ok := apperr.As(err); ok {
					e.Field = []string{"input"}
				}
				return err
			}
		}
		now := s.DB.Now(ctx)
		d.CreatedAt, d.UpdatedAt = now, now
		if d.LegitimateInterest {
			d.LegitimateInterestSetBy, d.LegitimateInterestSetAt = who(ctx), &now
		}
		if _, err := tx.NewInsert().Model(d).Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, destinationAudit("conversion_destination.create", d, nil))
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Update changes a destination (see DestinationPatch). Audited: the
// fields changed and the credential keys set, never their values.
func (s *Destinations) Update(ctx context.Context, tenant, id uuid.UUID, p DestinationPatch) (_ *StoredDestination, err error) {
	defer derrors.Wrap(&err, "conversions.Destinations.Update(%s, %s)", tenant, id)
	if p.Name != nil {
		if err := validDestName(*p.Name); err != nil {
			return nil, err
		}
	}
	var baseURL *string
	if p.BaseURL != nil {
		u := ""
		if *p.BaseURL != "" {
			if u, err = s.CheckBaseURL(*p.BaseURL); err != nil {
				return nil, err
			}
		}
		baseURL = &u
	}
	if p.TestEventCode != nil {
		if err := validTestEventCode(*p.TestEventCode); err != nil {
			return nil, err
		}
	}
	for k, v := range p.Credentials {
		if len(v) > MaxCredentialValue {
			return nil, apperr.Invalid(credPath(clipKey(k)), "%s is at most %d bytes", clipKey(k), MaxCredentialValue)
		}
	}
	// The platform (which the credentials and mappings are checked
	// against) never changes: read it first, then check outside the
	// transaction, then apply under a lock.
	cur, err := db.ByID[StoredDestination](ctx, s.DB, tenant, id, "no such conversion destination")
	if err != nil {
		return nil, err
	}
	if p.SetEventMappings {
		if p.EventMappings == nil {
			p.EventMappings = []Mapping{}
		}
		if err := validateMappings(cur.Platform, p.EventMappings); err != nil {
			return nil, err
		}
	}
	if p.Credentials != nil {
		for _, k := range sortedKeys(p.Credentials) {
			if _, known := credentialFields[cur.Platform][k]; !known {
				return nil, apperr.Invalid(credPath(clipKey(k)), "%s destinations take no credential %q; they take %s",
					cur.Platform, clipKey(k), strings.Join(CredentialKeys(cur.Platform), ", "))
			}
		}
		if err := s.checkConnection(ctx, tenant, p.Credentials); err != nil {
			return nil, err
		}
	}
	d := new(StoredDestination)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := db.ScanByID(ctx, tx, d, id, db.LockNoKeyUpdate, "no such conversion destination"); err != nil {
			return err
		}
		changed := []string{}
		if p.Credentials != nil {
			stored, err := s.open(d)
			if err != nil {
				return err
			}
			merged := mergeCredentials(stored, p.Credentials)
			if err := ValidateCredentials(d.Platform, merged); err != nil {
				return err
			}
			merged = normalizeCredentials(d.Platform, merged)
			if d.Credentials, err = s.seal(merged); err != nil {
				return err
			}
			d.CredentialKeys = sortedKeys(merged)
			changed = append(changed, "credentials")
		}
		if p.Name != nil {
			d.Name = strings.TrimSpace(*p.Name)
			changed = append(changed, "name")
		}
		if baseURL != nil {
			d.BaseURL = nilIfEmpty(*baseURL)
			changed = append(changed, "baseUrl")
		}
		if p.TestEventCode != nil {
			d.TestEventCode = nilIfEmpty(*p.TestEventCode)
			changed = append(changed, "testEventCode")
		}
		if p.SetEventMappings {
			d.EventMappings = p.EventMappings
			changed = append(changed, "eventMappings")
		}
		if p.LimitedDataUse != nil {
			d.LimitedDataUse = *p.LimitedDataUse
			changed = append(changed, "limitedDataUse")
		}
		now := s.DB.Now(ctx)
		if p.LegitimateInterest != nil && *p.LegitimateInterest != d.LegitimateInterest {
			d.LegitimateInterest = *p.LegitimateInterest
			d.LegitimateInterestSetBy, d.LegitimateInterestSetAt = who(ctx), &now
			changed = append(changed, "legitimateInterest")
		}
		if p.Enabled != nil {
			d.Enabled = *p.Enabled
			changed = append(changed, "enabled")
		}
		if d.EventMappings == nil {
			d.EventMappings = []Mapping{}
		}
		d.UpdatedAt = now
		if _, err := tx.NewUpdate().Model(d).WherePK().ExcludeColumn("tenant_id", "id", "platform", "created_at", "last_test_at").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, destinationAudit("conversion_destination.update", d, map[string]any{"changed": changed}))
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Delete removes a destination with its delivery log and gives its unit
// of the plan's limit back. Audited.
func (s *Destinations) Delete(ctx context.Context, tenant, id uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "conversions.Destinations.Delete(%s, %s)", tenant, id)
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		d := new(StoredDestination)
		if err := db.ScanByID(ctx, tx, d, id, db.LockUpdate, "no such conversion destination"); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(d).WherePK().Exec(ctx); err != nil {
			return err
		}
		// No foreign key cascades to the delivery log (migrations 0069, 0073); the
		// queued batches do cascade, so no flush records a row after this.
		if _, err := tx.ExecContext(ctx, `DELETE FROM conversion_deliveries WHERE tenant_id = ? AND destination_id = ?`, tenant, id); err != nil {
			return fmt.Errorf("delete deliveries: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM conversion_sent_requests WHERE tenant_id = ? AND destination_id = ?`, tenant, id); err != nil {
			return fmt.Errorf("delete sent requests: %w", err)
		}
		if s.Billing != nil {
			if err := s.Billing.ReleaseTx(ctx, tx, tenant, billing.ConversionDestinations, 1); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, destinationAudit("conversion_destination.delete", d, nil))
	})
}

// Get reads one of tenant's destinations (NOT_FOUND when it has none with
// id).
func (s *Destinations) Get(ctx context.Context, tenant, id uuid.UUID) (_ *StoredDestination, err error) {
	defer derrors.Wrap(&err, "conversions.Destinations.Get(%s, %s)", tenant, id)
	return db.ByID[StoredDestination](ctx, s.DB, tenant, id, "no such conversion destination")
}

// List pages tenant's destinations, newest first.
func (s *Destinations) List(ctx context.Context, tenant uuid.UUID, args relay.Args) (_ *relay.Page[StoredDestination], err error) {
	defer derrors.Wrap(&err, "conversions.Destinations.List(%s)", tenant)
	var p *relay.Page[StoredDestination]
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*StoredDestination)(nil)).Where("cd.tenant_id = ?", tenant)
		p, err = relay.Paginate(ctx, q, args, "cd.created_at", "cd.id", func(x *StoredDestination) relay.Cursor {
			return relay.Cursor{At: x.CreatedAt, ID: x.ID}
		})
		return err
	})
	return p, err
}

// Open returns what a Sender needs of destination d: its base URL and
// opened credentials (a connectionId resolved to the connection's current
// access token). Call it outside a transaction: a connection's token may
// be refreshed at Google.
func (s *Destinations) Open(ctx context.Context, d *StoredDestination) (_ Destination, err error) {
	defer derrors.Wrap(&err, "conversions.Destinations.Open(%s, %s)", d.TenantID, d.ID)
	creds, err := s.open(d)
	if err != nil {
		return Destination{}, err
	}
	out := Destination{ID: d.ID, Platform: d.Platform, Credentials: creds, LimitedDataUse: d.LimitedDataUse}
	if d.BaseURL != nil {
		out.BaseURL = *d.BaseURL
	}
	if d.TestEventCode != nil {
		out.TestEventCode = *d.TestEventCode
	}
	if err := s.ResolveToken(ctx, d.TenantID, creds); err != nil {
		return Destination{}, err
	}
	return out, nil
}

// ResolveToken gives a GOOGLE destination's opened credentials the OAuth
// access token its sender needs when they hold none: a connectionId's
// connection's current token (refreshed by the connection when due), or a
// refreshToken exchanged at Google through Stratum's OAuth client (the
// connections' Google API), kept until five minutes before it expires.
// Other credentials are left as they are. Call it with no transaction
// open: it may call Google.
func (s *Destinations) ResolveToken(ctx context.Context, tenant uuid.UUID, creds map[string]string) (err error) {
	defer derrors.Wrap(&err, "conversions.Destinations.ResolveToken(%s)", tenant)
	if creds[CredAccessToken] != "" {
		return nil
	}
	if raw, ok := creds[CredConnectionID]; ok {
		if s.Connections == nil {
			return errors.New("the destination reuses a platform connection, which this server cannot read")
		}
		_, cid, err := relay.ParseGlobalID(raw)
		if err != nil {
			return errors.New("the destination's connectionId is malformed")
		}
		v, err := s.Connections.Get(ctx, tenant, cid)
		if err != nil {
			return err
		}
		tok, err := s.Connections.Token(ctx, &v.Connection)
		if err != nil {
			return err
		}
		creds[CredAccessToken] = tok.AccessToken
		return nil
	}
	rt := creds[CredRefreshToken]
	if rt == "" {
		return nil
	}
	key := sha256.Sum256([]byte(rt))
	now := s.DB.Now(ctx)
	s.tokensOnce.Do(func() { s.tokens, _ = lru.New[[32]byte, cachedToken](maxCachedTokens) }) // only fails for a size ≤ 0
	if c, ok := s.tokens.Get(key); ok && now.Before(c.until) {
		creds[CredAccessToken] = c.access
		return nil
	}
	var api platforms.API
	if s.Connections != nil && s.Connections.Platforms != nil {
		api = s.Connections.Platforms.APIs[platforms.Google]
	}
	if api == nil {
		return errors.New("this server has no Google OAuth client to exchange the refresh token (set STRATUM_GOOGLE_ADS_CLIENT_ID and STRATUM_GOOGLE_ADS_CLIENT_SECRET, or use a connection)")
	}
	tok, err := api.Refresh(ctx, platforms.Token{RefreshToken: rt})
	if err != nil {
		return fmt.Errorf("Google refused the destination's refresh token: %s", strings.ReplaceAll(err.Error(), rt, "[redacted]"))
	}
	if tok.AccessToken == "" {
		return errors.New("Google returned no access token for the destination's refresh token")
	}
	until := tok.ExpiresAt.Add(-5 * time.Minute)
	if tok.ExpiresAt.IsZero() {
		until = now.Add(30 * time.Minute)
	}
	s.tokens.Add(key, cachedToken{access: tok.AccessToken, until: until})
	creds[CredAccessToken] = tok.AccessToken
	return nil
}

// maxCachedTokens bounds the exchanged access tokens kept in memory.
const maxCachedTokens = 1024

// cachedToken is an access token exchanged for a refresh token, usable
// until until.
type cachedToken struct {
	access string
	until  time.Time
}

// destinationAudit is the audit entry of a change of d: its name,
// platform and credential keys, never a credential value.
func destinationAudit(action string, d *StoredDestination, details map[string]any) audit.Entry {
	if details == nil {
		details = map[string]any{}
	}
	details["name"] = d.Name
	details["platform"] = d.Platform
	details["credentialKeys"] = d.CredentialKeys
	details["enabled"] = d.Enabled
	details["legitimateInterest"] = d.LegitimateInterest
	return audit.Entry{TenantID: d.TenantID, Action: action, TargetType: relay.TypeConversionDestination, TargetID: d.ID, Details: details}
}
