package auth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
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
		// One creation at a time per workspace, so the count holds.
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "api_keys:"+p.TenantID.String()); err != nil {
			return err
		}
		n, err := tx.NewSelect().Model((*APIKey)(nil)).
			Where("revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)", k.CreatedAt).Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxActiveAPIKeys {
			return apperr.Invalid([]string{"input"}, "a workspace has at most %d active API keys; revoke one first", MaxActiveAPIKeys)
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
// the Revocations view.
type apiKeyCache struct {
	mu sync.Mutex
	m  map[string]cachedKey
	// max bounds m (maxCachedAPIKeys when 0).
	max int
}

// maxCachedAPIKeys bounds the keys one process remembers.
const maxCachedAPIKeys = 10_000

// put stores ck under prefix, making room first if the cache is full:
// entries older than the TTL go, and if none is, an arbitrary one.
func (c *apiKeyCache) put(prefix string, ck cachedKey, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedKey{}
	}
	limit := c.max
	if limit <= 0 {
		limit = maxCachedAPIKeys
	}
	if _, ok := c.m[prefix]; !ok && len(c.m) >= limit {
		for k, v := range c.m {
			if now.Sub(v.loaded) > c.ttl() {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < limit {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[prefix] = ck
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

func (c *apiKeyCache) forget(prefix string) {
	c.mu.Lock()
	delete(c.m, prefix)
	c.mu.Unlock()
}

var errBadKey = apperr.Unauthenticatedf("the API key is invalid, expired or revoked")

func (s *Service) authenticateAPIKey(ctx context.Context, raw string) (*Principal, error) {
	prefix, secret, err := ParseAPIKey(raw)
	if err != nil {
		return nil, errBadKey
	}
	now := s.DB.Now(ctx)
	s.keys.mu.Lock()
	ck, ok := s.keys.m[prefix]
	s.keys.mu.Unlock()
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
	s.keys.put(prefix, ck, now)
	return p, nil
}
