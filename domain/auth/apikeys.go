package auth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// APIKey is a row of api_keys (never its secret).
type APIKey struct {
	bun.BaseModel `bun:"table:api_keys"`
	TenantID      uuid.UUID  `bun:"tenant_id,pk"`
	ID            uuid.UUID  `bun:"id,pk"`
	Name          string     `bun:"name"`
	Prefix        string     `bun:"prefix"`
	SecretHash    []byte     `bun:"secret_hash"`
	Scopes        []string   `bun:"scopes,array"`
	CreatedBy     uuid.UUID  `bun:"created_by,nullzero"`
	CreatedAt     time.Time  `bun:"created_at"`
	ExpiresAt     *time.Time `bun:"expires_at"`
	RevokedAt     *time.Time `bun:"revoked_at"`
	LastUsedAt    *time.Time `bun:"last_used_at"`
}

// CreateAPIKey creates a key for p's tenant and returns it with its full
// secret text (shown once).
func (s *Service) CreateAPIKey(ctx context.Context, p *Principal, name string, scopes []Scope, expiresAt *time.Time) (_ *APIKey, _ string, err error) {
	defer derrors.Wrap(&err, "auth.Service.CreateAPIKey(%v)", p.TenantID)
	name = strings.TrimSpace(name)
	if n := len([]rune(name)); n < 1 || n > 100 {
		return nil, "", apperr.Invalid([]string{"input", "name"}, "name must be 1–100 characters")
	}
	if len(scopes) == 0 {
		return nil, "", apperr.Invalid([]string{"input", "scopes"}, "give at least one scope")
	}
	seen := map[Scope]bool{}
	var strs []string
	for _, sc := range scopes {
		if !ValidScope(sc) {
			return nil, "", apperr.Invalid([]string{"input", "scopes"}, "unknown scope %q", sc)
		}
		if !seen[sc] {
			seen[sc] = true
			strs = append(strs, string(sc))
		}
	}
	if expiresAt != nil && !expiresAt.After(s.DB.Now(ctx)) {
		return nil, "", apperr.Invalid([]string{"input", "expiresAt"}, "expiresAt must be in the future")
	}
	full, prefix, hash, err := NewAPIKey()
	if err != nil {
		return nil, "", err
	}
	k := &APIKey{TenantID: p.TenantID, ID: uuid.New(), Name: name, Prefix: prefix, SecretHash: hash, Scopes: strs,
		CreatedBy: p.UserID, ExpiresAt: expiresAt}
	err = s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		k.CreatedAt = s.DB.Now(ctx)
		active := tx.NewSelect().Model((*APIKey)(nil)).Where("revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)", k.CreatedAt)
		if err := db.CapTx(ctx, tx, "api_keys:"+p.TenantID.String(), active, MaxActiveAPIKeys,
			fmt.Sprintf("a workspace has at most %d active API keys; revoke one first", MaxActiveAPIKeys)); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(k).Exec(ctx); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditRecord{TenantID: p.TenantID, Action: "api_key.create", TargetType: relay.TypeAPIKey, TargetID: k.ID,
			Details: map[string]any{"name": name, "scopes": strs, "prefix": prefix}})
	})
	if err != nil {
		return nil, "", err
	}
	return k, full, nil
}

// MaxActiveAPIKeys bounds a workspace's keys that are neither revoked nor
// expired.
const MaxActiveAPIKeys = 100

// RevokeAPIKey revokes a key of p's tenant; every replica refuses it within
// the revocation interval.
func (s *Service) RevokeAPIKey(ctx context.Context, p *Principal, id uuid.UUID) (_ *APIKey, err error) {
	defer derrors.Wrap(&err, "auth.Service.RevokeAPIKey(%v, %v)", p.TenantID, id)
	k := new(APIKey)
	err = s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := db.ScanByID(ctx, tx, k, id, db.LockNoKeyUpdate, "API key not found"); err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return nil
		}
		now := s.DB.Now(ctx)
		k.RevokedAt = &now
		if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ?`, now, id); err != nil {
			return err
		}
		if err := Insert(ctx, tx, RevokeAPIKey, id.String(), now, now.Add(s.keys.ttl()+time.Hour)); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditRecord{TenantID: p.TenantID, Action: "api_key.revoke", TargetType: relay.TypeAPIKey, TargetID: id})
	})
	if err != nil {
		return nil, err
	}
	s.keys.forget(k.Prefix)
	s.RefreshRevocations(ctx)
	return k, nil
}

// ListAPIKeys pages the tenant's keys, newest first.
func (s *Service) ListAPIKeys(ctx context.Context, tenant uuid.UUID, args relay.Args) (page *relay.Page[APIKey], err error) {
	defer derrors.Wrap(&err, "auth.Service.ListAPIKeys(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		page, err = relay.Paginate(ctx, tx.NewSelect().Model((*APIKey)(nil)), args, "created_at", "id",
			func(k *APIKey) relay.Cursor { return relay.Cursor{At: k.CreatedAt, ID: k.ID} })
		return err
	})
	return page, err
}

// GetAPIKey returns one key of tenant, or NOT_FOUND.
func (s *Service) GetAPIKey(ctx context.Context, tenant, id uuid.UUID) (_ *APIKey, err error) {
	defer derrors.Wrap(&err, "auth.Service.GetAPIKey(%v, %v)", tenant, id)
	return db.ByID[APIKey](ctx, s.DB, tenant, id, "API key not found")
}

// apiKeyCache remembers looked-up keys for a short time so a partner's
// requests cost no lookup each; revocations still apply at once through
// the Revocations view. It holds the maxCachedAPIKeys keys used last (an
// LRU, like the member and token caches), created on first use.
type apiKeyCache struct {
	once sync.Once
	c    *lru.Cache[string, cachedKey]
	// max is the cache's size (maxCachedAPIKeys when 0; tests set less).
	max int
}

// maxCachedAPIKeys bounds the keys one process remembers.
const maxCachedAPIKeys = 10_000

func (c *apiKeyCache) cache() *lru.Cache[string, cachedKey] {
	c.once.Do(func() {
		size := c.max
		if size <= 0 {
			size = maxCachedAPIKeys
		}
		c.c, _ = lru.New[string, cachedKey](size) // only fails for a size ≤ 0
	})
	return c.c
}

type cachedKey struct {
	row     keyRow
	loaded  time.Time
	touched time.Time
}

type keyRow struct {
	TenantID   uuid.UUID  `bun:"tenant_id"`
	ID         uuid.UUID  `bun:"id"`
	SecretHash []byte     `bun:"secret_hash"`
	Scopes     []string   `bun:"scopes,array"`
	ExpiresAt  *time.Time `bun:"expires_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
	Plan       string     `bun:"plan"`
}

func (c *apiKeyCache) ttl() time.Duration { return 30 * time.Second }

func (c *apiKeyCache) forget(prefix string) { c.cache().Remove(prefix) }

var errBadKey = apperr.Unauthenticatedf("the API key is invalid, expired or revoked")

func (s *Service) authenticateAPIKey(ctx context.Context, raw string) (*Principal, error) {
	prefix, secret, err := ParseAPIKey(raw)
	if err != nil {
		return nil, errBadKey
	}
	now := s.DB.Now(ctx)
	ck, ok := s.keys.cache().Get(prefix)
	if !ok || now.Sub(ck.loaded) > s.keys.ttl() {
		var row keyRow
		err := s.DB.Bun.NewRaw("SELECT * FROM stratum_find_api_key(?, ?::timestamptz)", prefix, now).Scan(ctx, &row)
		if errors.Is(err, sql.ErrNoRows) {
			HashSecret(secret) // same work as a known prefix
			return nil, errBadKey
		}
		if err != nil {
			return nil, err
		}
		ck = cachedKey{row: row, loaded: now, touched: ck.touched}
	}
	r := ck.row
	if subtle.ConstantTimeCompare(HashSecret(secret), r.SecretHash) != 1 || r.RevokedAt != nil ||
		(r.ExpiresAt != nil && now.After(*r.ExpiresAt)) {
		return nil, errBadKey
	}
	p := &Principal{TenantID: r.TenantID, APIKeyID: r.ID, Scopes: r.Scopes, Plan: r.Plan}
	if r.ExpiresAt != nil {
		p.ExpiresAt = *r.ExpiresAt
	}
	if revoked, err := s.Revocations.Revoked(ctx, p); err != nil || revoked {
		return nil, firstErr(err, errBadKey)
	}
	if now.Sub(ck.touched) > time.Minute {
		if _, err := s.DB.Bun.ExecContext(ctx, "SELECT stratum_touch_api_key(?::uuid, ?::timestamptz)", r.ID, now); err != nil {
			return nil, err
		}
		ck.touched = now
	}
	s.keys.cache().Add(prefix, ck)
	return p, nil
}
