package platforms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/secretbox"
)

// This file is the connections side of issue 12 (docs/adr/0015): a tenant's
// grants of access to the real platforms (OAuth, oauth.go), the ad accounts
// they reach and which of them are synced (counted against the plan's
// connected_ad_accounts limit), the simulator-backed sandbox connection
// every workspace may add, and the token source the sync and action jobs
// read grants through (tokens.go).

// TopicConnectionChanged is published when a connection is added, changed
// (status, accounts, selection) or removed (envelope ID: the connection id).
const TopicConnectionChanged = "platforms.connection_changed"

// Real lists the real ad platforms (the simulator is not connected by OAuth).
var Real = []string{Meta, Google, TikTok, Snapchat}

// Limits reserve and release the plan's counted limits (billing.Service).
type Limits interface {
	ReserveTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, l billing.Limit, n int64) error
	ReleaseTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, l billing.Limit, n int64) error
}

// Connections manages a tenant's platform connections. It is built in
// app.NewServices and is the Service's TokenSource.
type Connections struct {
	DB        *db.DB
	Platforms *Service
	// Box seals tokens and PKCE verifiers (the STRATUM_ENCRYPTION_KEY keyring).
	Box       *secretbox.Keyring
	Limits    Limits
	Incidents *incidents.Service
	// PublicURL is this server's address: the OAuth redirect URI must be its
	// /oauth/<platform>/callback.
	PublicURL string
	// StateTTL is how long an authorization may take (default 10 minutes).
	StateTTL time.Duration
	// RefreshBefore is how long before expiry a grant is refreshed
	// (default 5 minutes).
	RefreshBefore time.Duration
}

// Bounds of hostile input.
const (
	// MaxSelectedIDs bounds selectAdAccounts' list.
	MaxSelectedIDs = 200
	// MaxAccountsPerConnection bounds the accounts stored for one grant.
	MaxAccountsPerConnection = 1000
	// MaxPendingStates is how many unfinished authorizations a user keeps
	// (the oldest is dropped).
	MaxPendingStates = 10
	maxMessage       = 2000
)

// SandboxAccountName names the sandbox connection's one ad account.
const SandboxAccountName = "Sandbox (simulated)"

// Name is a platform's display name.
func Name(platform string) string {
	switch platform {
	case Meta:
		return "Meta"
	case Google:
		return "Google Ads"
	case TikTok:
		return "TikTok"
	case Snapchat:
		return "Snapchat"
	case Simulator:
		return "Simulator"
	}
	return platform
}

// EnvPrefix is the STRATUM_<P>_ prefix of a platform's settings.
func EnvPrefix(platform string) string {
	if platform == Google {
		return "GOOGLE_ADS"
	}
	return platform
}

// Slug is the platform's path segment in /oauth/<slug>/callback.
func Slug(platform string) string { return strings.ToLower(platform) }

// PlatformBySlug is the inverse of Slug for the real platforms.
func PlatformBySlug(slug string) (string, bool) {
	for _, p := range Real {
		if Slug(p) == slug {
			return p, true
		}
	}
	return "", false
}

func isReal(p string) bool {
	for _, x := range Real {
		if x == p {
			return true
		}
	}
	return false
}

// Availability says whether a real platform can be connected here.
type Availability struct {
	Platform     string
	Configured   bool
	SupportsPKCE bool
}

// Availability lists the real platforms with whether this server has their
// app credentials (a platform without a client is not configured).
func (c *Connections) Availability() []Availability {
	out := make([]Availability, 0, len(Real))
	for _, p := range Real {
		a := Availability{Platform: p}
		if api := c.Platforms.APIs[p]; api != nil && api.Configured() {
			a.Configured, a.SupportsPKCE = true, api.SupportsPKCE()
		}
		out = append(out, a)
	}
	return out
}

// ConnectionView is a connection with its accounts, as the API shows it.
type ConnectionView struct {
	Connection
	Accounts []AdAccount
}

// List returns tenant's connections (oldest first) with their accounts.
func (c *Connections) List(ctx context.Context, tenant uuid.UUID) (out []ConnectionView, err error) {
	defer derrors.Wrap(&err, "platforms.Connections.List(%v)", tenant)
	err = c.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var cs []Connection
		if err := tx.NewSelect().Model(&cs).OrderExpr("pc.created_at, pc.id").Scan(ctx); err != nil {
			return err
		}
		var as []AdAccount
		if err := tx.NewSelect().Model(&as).OrderExpr("aa.name, aa.external_id, aa.id").Scan(ctx); err != nil {
			return err
		}
		by := map[uuid.UUID][]AdAccount{}
		for _, a := range as {
			by[a.ConnectionID] = append(by[a.ConnectionID], a)
		}
		out = make([]ConnectionView, len(cs))
		for i, cn := range cs {
			out[i] = ConnectionView{Connection: cn, Accounts: by[cn.ID]}
		}
		return nil
	})
	return out, err
}

// Get returns one of tenant's connections with its accounts (NOT_FOUND
// when it is not the tenant's).
func (c *Connections) Get(ctx context.Context, tenant, id uuid.UUID) (v *ConnectionView, err error) {
	defer derrors.Wrap(&err, "platforms.Connections.Get(%v, %v)", tenant, id)
	err = c.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		v, err = viewTx(ctx, tx, id)
		return err
	})
	return v, err
}

func viewTx(ctx context.Context, tx bun.Tx, id uuid.UUID) (*ConnectionView, error) {
	v := &ConnectionView{}
	if err := db.NotFound(tx.NewSelect().Model(&v.Connection).Where("pc.id = ?", id).Scan(ctx), "no such connection"); err != nil {
		return nil, err
	}
	if err := tx.NewSelect().Model(&v.Accounts).Where("aa.connection_id = ?", id).OrderExpr("aa.name, aa.external_id, aa.id").Scan(ctx); err != nil {
		return nil, err
	}
	return v, nil
}

func publishConnection(ctx context.Context, tx bun.Tx, tenant, id uuid.UUID) error {
	return realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: TopicConnectionChanged, ID: id.String()})
}

// reauthKey is the incident cause key of a connection needing
// re-authorization: one unresolved incident per connection.
func reauthKey(id uuid.UUID) string { return "connection:" + id.String() + ":reauth" }

// SelectAdAccounts makes exactly accountIDs the synced accounts of the
// connection, atomically: newly selected real accounts reserve the plan's
// connected_ad_accounts limit (over it nothing changes and the limit's
// refusal is returned), deselected ones release it; sandbox accounts are
// outside the limit.
func (c *Connections) SelectAdAccounts(ctx context.Context, tenant, connectionID uuid.UUID, accountIDs []uuid.UUID) (v *ConnectionView, err error) {
	defer derrors.Wrap(&err, "platforms.Connections.SelectAdAccounts(%v, %v)", tenant, connectionID)
	if len(accountIDs) > MaxSelectedIDs {
		return nil, apperr.Invalid([]string{"input", "accountIds"}, "select at most %d accounts at once", MaxSelectedIDs)
	}
	want := map[uuid.UUID]bool{}
	for _, id := range accountIDs {
		want[id] = true
	}
	err = c.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		cn := new(Connection)
		if err := db.NotFound(tx.NewSelect().Model(cn).Where("pc.id = ?", connectionID).For("NO KEY UPDATE").Scan(ctx), "no such connection"); err != nil {
			return err
		}
		var as []AdAccount
		if err := tx.NewSelect().Model(&as).Where("aa.connection_id = ?", connectionID).For("NO KEY UPDATE").Scan(ctx); err != nil {
			return err
		}
		known := map[uuid.UUID]bool{}
		for _, a := range as {
			known[a.ID] = true
		}
		for i, id := range accountIDs {
			if !known[id] {
				return apperr.Invalid([]string{"input", "accountIds", fmt.Sprint(i)}, "not an ad account of this connection")
			}
		}
		var added, removed int64
		var on, off []uuid.UUID
		for _, a := range as {
			switch {
			case want[a.ID] && !a.Selected:
				on = append(on, a.ID)
				if !a.Sandbox {
					added++
				}
			case !want[a.ID] && a.Selected:
				off = append(off, a.ID)
				if !a.Sandbox {
					removed++
				}
			}
		}
		// Release before reserving: swapping accounts at the limit fits.
		if removed > 0 && c.Limits != nil {
			if err := c.Limits.ReleaseTx(ctx, tx, tenant, billing.AdAccounts, removed); err != nil {
				return err
			}
		}
		if added > 0 && c.Limits != nil {
			if err := c.Limits.ReserveTx(ctx, tx, tenant, billing.AdAccounts, added); err != nil {
				if e, ok := apperr.As(err); ok && e.Code == apperr.BadUserInput && e.Field == nil {
					e.Field = []string{"input", "accountIds"}
				}
				return err
			}
		}
		now := c.DB.Now(ctx)
		for sel, ids := range map[bool][]uuid.UUID{true: on, false: off} {
			if len(ids) == 0 {
				continue
			}
			if _, err := tx.NewUpdate().Model((*AdAccount)(nil)).Set("selected = ?, updated_at = ?", sel, now).
				Where("id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
				return err
			}
		}
		if len(on)+len(off) > 0 {
			if err := audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "platform.select_accounts", TargetType: relay.TypePlatformConnection, TargetID: connectionID,
				Details: map[string]any{"connectionId": connectionID.String(), "platform": cn.Platform, "selected": len(on), "deselected": len(off)}}); err != nil {
				return err
			}
			if err := publishConnection(ctx, tx, tenant, connectionID); err != nil {
				return err
			}
		}
		v, err = viewTx(ctx, tx, connectionID)
		return err
	})
	return v, err
}

// DisconnectPlatform removes a connection: its ad accounts, and the
// campaigns, ad groups, ads, metrics and sync runs synced from them, go with
// it (cascade; metrics deleted first, see writeInsights); its selected real accounts give back their
// connected_ad_accounts units; an open re-authorization incident is
// resolved. The grant is not revoked at the platform (the person can
// remove the app in the platform's settings).
func (c *Connections) DisconnectPlatform(ctx context.Context, tenant, connectionID uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "platforms.Connections.DisconnectPlatform(%v, %v)", tenant, connectionID)
	return c.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		cn := new(Connection)
		if err := db.NotFound(tx.NewSelect().Model(cn).Where("pc.id = ?", connectionID).For("UPDATE").Scan(ctx), "no such connection"); err != nil {
			return err
		}
		n, err := tx.NewSelect().Model((*AdAccount)(nil)).Where("connection_id = ? AND selected AND NOT sandbox", connectionID).Count(ctx)
		if err != nil {
			return err
		}
		// Metrics have no per-row foreign key (migration 0048): lock the
		// accounts (waiting for syncs writing their metrics, and making
		// later writers find no account), delete their campaigns' metrics,
		// then let the connection's cascade take the rest.
		var accounts []uuid.UUID
		if err := tx.NewSelect().Table("ad_accounts").Column("id").Where("connection_id = ?", connectionID).For("UPDATE").Scan(ctx, &accounts); err != nil {
			return err
		}
		if len(accounts) > 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM ad_campaign_metrics WHERE campaign_id IN
				(SELECT id FROM ad_campaigns WHERE ad_account_id = ANY(?::uuid[]))`, pgdialect.Array(accounts)); err != nil {
				return err
			}
		}
		if _, err := tx.NewDelete().Model((*Connection)(nil)).Where("id = ?", connectionID).Exec(ctx); err != nil {
			return err
		}
		if n > 0 && c.Limits != nil {
			if err := c.Limits.ReleaseTx(ctx, tx, tenant, billing.AdAccounts, int64(n)); err != nil {
				return err
			}
		}
		if c.Incidents != nil {
			if _, err := c.Incidents.CloseTx(ctx, tx, tenant, []string{reauthKey(connectionID)}, "The connection was removed.", incidents.System); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "platform.disconnected", TargetType: relay.TypePlatformConnection, TargetID: connectionID,
			Details: map[string]any{"connectionId": connectionID.String(), "platform": cn.Platform, "sandbox": cn.Sandbox}}); err != nil {
			return err
		}
		return publishConnection(ctx, tx, tenant, connectionID)
	})
}

// ConnectSandbox adds the tenant's simulator-backed sandbox connection (at
// most one per tenant: a second call returns the existing one) with one
// selected ad account, "Sandbox (simulated)". Its data is simulated, it is
// outside the plan's limits, and DisconnectPlatform removes it. It is open
// on every plan: it is how a new workspace tries Stratum.
func (c *Connections) ConnectSandbox(ctx context.Context, tenant uuid.UUID, user *uuid.UUID) (v *ConnectionView, err error) {
	defer derrors.Wrap(&err, "platforms.Connections.ConnectSandbox(%v)", tenant)
	err = c.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := c.DB.Now(ctx)
		cn := &Connection{TenantID: tenant, ID: uuid.New(), Platform: Simulator, Sandbox: true, Status: ConnectionOK,
			Scopes: []string{}, CreatedBy: user, CreatedAt: now, UpdatedAt: now}
		res, err := tx.NewInsert().Model(cn).On("CONFLICT (tenant_id, platform, external_user_id) DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var id uuid.UUID
			if err := tx.NewSelect().Model((*Connection)(nil)).Column("id").Where("platform = ? AND external_user_id = ''", Simulator).Scan(ctx, &id); err != nil {
				return err
			}
			v, err = viewTx(ctx, tx, id)
			return err
		}
		// "sandbox-1" is the sync slice's SandboxAccountID: the simulator-backed
		// API serves the account by it.
		acct := &AdAccount{TenantID: tenant, ID: uuid.New(), ConnectionID: cn.ID, Platform: Simulator, ExternalID: "sandbox-1",
			Name: SandboxAccountName, Currency: "USD", TimeZone: "UTC", PlatformStatus: StatusActive, Sandbox: true, Selected: true,
			CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(acct).Exec(ctx); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "platform.sandbox_connected", TargetType: relay.TypePlatformConnection, TargetID: cn.ID,
			Details: map[string]any{"connectionId": cn.ID.String()}}); err != nil {
			return err
		}
		if err := publishConnection(ctx, tx, tenant, cn.ID); err != nil {
			return err
		}
		v, err = viewTx(ctx, tx, cn.ID)
		return err
	})
	return v, err
}

// storedToken is a Token as sealed in token_sealed.
type storedToken struct {
	AccessToken      string    `json:"access_token"`
	RefreshToken     string    `json:"refresh_token,omitempty"`
	ExpiresAt        time.Time `json:"expires_at,omitzero"`
	RefreshExpiresAt time.Time `json:"refresh_expires_at,omitzero"`
	Scopes           []string  `json:"scopes,omitempty"`
	Subject          string    `json:"subject,omitempty"`
	AdvertiserIDs    []string  `json:"advertiser_ids,omitempty"`
}

// sealToken seals tok, returning the sealed bytes and the key id.
func (c *Connections) sealToken(tok Token) ([]byte, string, error) {
	b, err := json.Marshal(storedToken(tok))
	if err != nil {
		return nil, "", err
	}
	sealed, err := c.Box.Seal(b)
	if err != nil {
		return nil, "", err
	}
	return sealed, c.Box.Primary(), nil
}

// openToken opens a connection's sealed token.
func (c *Connections) openToken(cn *Connection) (Token, error) {
	if len(cn.TokenSealed) == 0 {
		return Token{}, errors.New("the connection has no stored grant")
	}
	b, err := c.Box.Open(cn.TokenSealed)
	if err != nil {
		return Token{}, fmt.Errorf("open the stored grant: %w", err)
	}
	var st storedToken
	if err := json.Unmarshal(b, &st); err != nil {
		return Token{}, errors.New("the stored grant is not a token")
	}
	return Token(st), nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// clipBytes shortens s to at most n bytes on a rune boundary.
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// AdAccount returns one of tenant's ad accounts with its connection
// (NOT_FOUND when it is not the tenant's). Audience sync calls it to reach
// the account with the connection's grant (Token).
func (c *Connections) AdAccount(ctx context.Context, tenant, id uuid.UUID) (a *AdAccount, cn *Connection, err error) {
	defer derrors.Wrap(&err, "platforms.Connections.AdAccount(%v, %v)", tenant, id)
	err = c.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		a = new(AdAccount)
		if err := db.NotFound(tx.NewSelect().Model(a).Where("aa.id = ?", id).Scan(ctx), "no such ad account"); err != nil {
			return err
		}
		cn = new(Connection)
		return db.NotFound(tx.NewSelect().Model(cn).Where("pc.id = ?", a.ConnectionID).Scan(ctx), "no such connection")
	})
	if err != nil {
		return nil, nil, err
	}
	return a, cn, nil
}
