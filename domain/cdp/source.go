package cdp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// Source is a write key's owner: one place events come from (a website, an
// app, a server), with its rate limit and counters.
type Source struct {
	bun.BaseModel `bun:"table:cdp_sources"`

	TenantID       uuid.UUID  `bun:"tenant_id,pk"`
	ID             uuid.UUID  `bun:"id,pk"`
	Name           string     `bun:"name"`
	Enabled        bool       `bun:"enabled"`
	WriteKeyHash   []byte     `bun:"write_key_hash"`
	WriteKeyPrefix string     `bun:"write_key_prefix"`
	RateLimit      int        `bun:"rate_limit_per_sec"`
	Received       int64      `bun:"received"`
	Rejected       int64      `bun:"rejected"`
	LastEventAt    *time.Time `bun:"last_event_at"`
	// Simulated marks a simulated tenant's generated source
	// (SeedSimulatedSource); sources made with CreateSource are never.
	Simulated bool      `bun:"simulated"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// Write keys: "stw_" and 32 characters of base64url (24 random bytes); the
// first WriteKeyPrefixLen characters are kept for display.
const (
	writeKeyTag       = "stw_"
	WriteKeyPrefixLen = 10
	maxSourceName     = 100
	// MaxRateLimit bounds a source's events per second.
	MaxRateLimit = 1_000_000
)

// newWriteKey makes a write key and its stored hash and prefix.
func newWriteKey() (key string, hash []byte, prefix string) {
	b := make([]byte, 24)
	rand.Read(b) // never fails (crypto/rand)
	key = writeKeyTag + base64.RawURLEncoding.EncodeToString(b)
	return key, hashKey(key), key[:WriteKeyPrefixLen]
}

func hashKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// CreateSourceInput names a new source and optionally its rate limit
// (events per second; Config.DefaultRateLimit when nil).
type CreateSourceInput struct {
	Name      string
	RateLimit *int
}

// CreateSource adds a source to tenant (at most MaxSources) and returns it with its write key,
// which is not stored (only its SHA-256) and cannot be shown again.
func (s *Service) CreateSource(ctx context.Context, tenant uuid.UUID, in CreateSourceInput) (_ *Source, writeKey string, err error) {
	defer derrors.Wrap(&err, "cdp.Service.CreateSource(%s)", tenant)
	name := strings.TrimSpace(in.Name)
	if name == "" || utf8.RuneCountInString(name) > maxSourceName {
		return nil, "", apperr.Invalid([]string{"input", "name"}, "a source's name is 1 to %d characters", maxSourceName)
	}
	rate := s.Config.defaultRateLimit()
	if in.RateLimit != nil {
		if *in.RateLimit < 1 || *in.RateLimit > MaxRateLimit {
			return nil, "", apperr.Invalid([]string{"input", "rateLimitPerSecond"}, "the rate limit is 1 to %d events a second", MaxRateLimit)
		}
		rate = *in.RateLimit
	}
	key, hash, prefix := newWriteKey()
	src := &Source{TenantID: tenant, ID: uuid.New(), Name: name, Enabled: true, WriteKeyHash: hash, WriteKeyPrefix: prefix, RateLimit: rate}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := db.CapTx(ctx, tx, "sources:"+tenant.String(), tx.NewSelect().Model((*Source)(nil)), MaxSources,
			fmt.Sprintf("a workspace has at most %d sources; delete one first", MaxSources)); err != nil {
			return err
		}
		src.CreatedAt = s.DB.Now(ctx)
		src.UpdatedAt = src.CreatedAt
		if _, err := tx.NewInsert().Model(src).Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, sourceAudit("source.create", src, map[string]any{"rateLimitPerSecond": rate}))
	})
	if err != nil {
		return nil, "", err
	}
	return src, key, nil
}

// Source reads one of tenant's sources (NOT_FOUND when it has none with id).
func (s *Service) Source(ctx context.Context, tenant, id uuid.UUID) (_ *Source, err error) {
	defer derrors.Wrap(&err, "cdp.Service.Source(%s, %s)", tenant, id)
	return db.ByID[Source](ctx, s.DB, tenant, id, "no such source")
}

// Sources pages tenant's sources, newest first.
func (s *Service) Sources(ctx context.Context, tenant uuid.UUID, args relay.Args) (_ *relay.Page[Source], err error) {
	defer derrors.Wrap(&err, "cdp.Service.Sources(%s)", tenant)
	var p *relay.Page[Source]
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*Source)(nil)).Where("tenant_id = ?", tenant)
		p, err = relay.Paginate(ctx, q, args, "created_at", "id", func(x *Source) relay.Cursor {
			return relay.Cursor{At: x.CreatedAt, ID: x.ID}
		})
		return err
	})
	return p, err
}

// SetSourceEnabled switches a source on or off: a disabled source's write
// key is answered 403 and nothing it sends is stored.
func (s *Service) SetSourceEnabled(ctx context.Context, tenant, id uuid.UUID, enabled bool) (_ *Source, err error) {
	defer derrors.Wrap(&err, "cdp.Service.SetSourceEnabled(%s, %s)", tenant, id)
	return s.update(ctx, tenant, id, "source.set_enabled", map[string]any{"enabled": enabled}, func(q *bun.UpdateQuery) { q.Set("enabled = ?", enabled) })
}

// SetSourceRateLimit sets a source's events per second.
func (s *Service) SetSourceRateLimit(ctx context.Context, tenant, id uuid.UUID, perSecond int) (_ *Source, err error) {
	defer derrors.Wrap(&err, "cdp.Service.SetSourceRateLimit(%s, %s)", tenant, id)
	if perSecond < 1 || perSecond > MaxRateLimit {
		return nil, apperr.Invalid([]string{"input", "rateLimitPerSecond"}, "the rate limit is 1 to %d events a second", MaxRateLimit)
	}
	return s.update(ctx, tenant, id, "source.set_rate_limit", map[string]any{"rateLimitPerSecond": perSecond},
		func(q *bun.UpdateQuery) { q.Set("rate_limit_per_sec = ?", perSecond) })
}

// RotateSourceWriteKey replaces a source's write key at once (the old key
// is answered 401 from now on) and returns the new one, shown only here.
func (s *Service) RotateSourceWriteKey(ctx context.Context, tenant, id uuid.UUID) (_ *Source, writeKey string, err error) {
	defer derrors.Wrap(&err, "cdp.Service.RotateSourceWriteKey(%s, %s)", tenant, id)
	key, hash, prefix := newWriteKey()
	src, err := s.update(ctx, tenant, id, "source.rotate_write_key", nil, func(q *bun.UpdateQuery) {
		q.Set("write_key_hash = ?", hash).Set("write_key_prefix = ?", prefix)
	})
	if err != nil {
		return nil, "", err
	}
	return src, key, nil
}

// update changes one of tenant's sources with set and records action (with
// details, the source's name and key prefix added) in the audit log, in
// one transaction.
func (s *Service) update(ctx context.Context, tenant, id uuid.UUID, action string, details map[string]any, set func(q *bun.UpdateQuery)) (*Source, error) {
	src := new(Source)
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model(src).Set("updated_at = ?", s.DB.Now(ctx)).
			Where("tenant_id = ? AND id = ?", tenant, id).Returning("*")
		set(q)
		err := q.Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("no such source")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, sourceAudit(action, src, details))
	})
	if err != nil {
		return nil, err
	}
	return src, nil
}

// keyedSource is what a write key resolves to before its tenant is known.
type keyedSource struct {
	TenantID  uuid.UUID `bun:"tenant_id"`
	SourceID  uuid.UUID `bun:"source_id"`
	Enabled   bool      `bun:"enabled"`
	RateLimit int       `bun:"rate_limit_per_sec"`
}

// lookupKey finds the source of writeKey through the SECURITY DEFINER
// function (no tenant is set yet); found is false for an unknown key.
func (s *Service) lookupKey(ctx context.Context, writeKey string) (ks keyedSource, found bool, err error) {
	err = s.DB.Bun.NewRaw("SELECT tenant_id, source_id, enabled, rate_limit_per_sec FROM stratum_cdp_source_by_key(?)",
		hashKey(writeKey)).Scan(ctx, &ks)
	if errors.Is(err, sql.ErrNoRows) {
		return ks, false, nil
	}
	return ks, err == nil, err
}

// countRejected adds n to a source's rejected counter.
func (s *Service) countRejected(ctx context.Context, tenant, source uuid.UUID, n int) error {
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE cdp_sources SET rejected = rejected + ? WHERE tenant_id = ? AND id = ?", n, tenant, source)
		return err
	})
}

// sourceAudit is the audit entry of a change of src (never the write key,
// only its display prefix). The actor is the request's principal unless
// the caller sets one.
func sourceAudit(action string, src *Source, details map[string]any) audit.Entry {
	if details == nil {
		details = map[string]any{}
	}
	details["name"] = src.Name
	details["writeKeyPrefix"] = src.WriteKeyPrefix
	return audit.Entry{TenantID: src.TenantID, Action: action, TargetType: relay.TypeSource, TargetID: src.ID, Details: details}
}
