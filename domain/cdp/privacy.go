package cdp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// This file is the data-subject requests of GDPR/CCPA (issue 14,
// docs/adr/0018): an export of everything Stratum holds on a person, built
// by a job and downloaded by its requester through a signed link that
// expires, and an erasure that deletes the person's events, identifiers,
// traits, consents and merge history and keeps only hashes of their
// identifiers so their later events are dropped (privacy_suppress.go).
// The jobs' work is privacy_export.go and privacy_erase.go.
// Tables: cdp_privacy_requests, cdp_suppressions.

// Kinds of privacy requests.
const (
	PrivacyExport = "EXPORT"
	PrivacyDelete = "DELETE"
)

// States of a privacy request.
const (
	RequestPending = "PENDING"
	RequestRunning = "RUNNING"
	RequestDone    = "DONE"
	RequestFailed  = "FAILED"
)

// Defaults of Privacy.
const (
	// DefaultExportTTL is how long a finished export can be downloaded:
	// a day is long enough to answer the request and short enough that a
	// copy of a person's data does not linger (the link and the stored
	// export both expire).
	DefaultExportTTL = 24 * time.Hour
	// DefaultScanChunk is the events one transaction of a request's scan
	// reads.
	DefaultScanChunk = 2000
	// DefaultMaxExportBytes bounds an export's JSON; a larger one fails.
	DefaultMaxExportBytes = 64 << 20
)

// Privacy runs data-subject requests. Set its fields before first use.
type Privacy struct {
	DB       *db.DB
	Identity *Identity
	// Enqueue inserts the job of a new request in the transaction that
	// records it (jobs.PrivacyHook). Required.
	Enqueue func(ctx context.Context, tx bun.Tx, tenant, request uuid.UUID, kind string) error
	// Secret signs download links (required for links; empty: no links).
	Secret []byte
	// ExportTTL is how long an export stays downloadable (DefaultExportTTL).
	ExportTTL time.Duration
	// ScanChunk is the events per transaction of a scan (DefaultScanChunk).
	ScanChunk int
	// MaxExportBytes bounds an export (DefaultMaxExportBytes).
	MaxExportBytes int
	// EraseHooks delete what other contexts keep of a deleted person
	// (their profiles' ids, absorbed ones included), in the transaction
	// that erases the profiles; an error fails the request's run, which is
	// retried.
	EraseHooks []EraseHook
	// Materialise stores tenant's staged events as rows before a scan
	// (Service.MaterialiseStaged, ADR 0026), so an export or an erasure
	// covers every event acknowledged before it runs, not only those the
	// batch jobs have stored so far; nil: only stored events are scanned
	// (suppression still drops the staged ones of an erased person).
	Materialise func(ctx context.Context, tenant uuid.UUID) error
}

// materialise runs s.Materialise, if set.
func (s *Privacy) materialise(ctx context.Context, tenant uuid.UUID) error {
	if s.Materialise == nil {
		return nil
	}
	return s.Materialise(ctx, tenant)
}

// EraseHook deletes a context's rows of profiles in tx (Privacy.EraseHooks).
type EraseHook func(ctx context.Context, tx bun.Tx, tenant uuid.UUID, profiles []uuid.UUID) error

func (s *Privacy) exportTTL() time.Duration {
	if s.ExportTTL > 0 {
		return s.ExportTTL
	}
	return DefaultExportTTL
}

func (s *Privacy) scanChunk() int {
	if s.ScanChunk > 0 {
		return s.ScanChunk
	}
	return DefaultScanChunk
}

func (s *Privacy) maxExportBytes() int {
	if s.MaxExportBytes > 0 {
		return s.MaxExportBytes
	}
	return DefaultMaxExportBytes
}

// PrivacyRequest is a row of cdp_privacy_requests (without the export).
type PrivacyRequest struct {
	bun.BaseModel `bun:"table:cdp_privacy_requests,alias:r"`

	TenantID uuid.UUID `bun:"tenant_id,pk"`
	ID       uuid.UUID `bun:"id,pk"`
	Kind     string    `bun:"kind"`
	Status   string    `bun:"status"`
	// ProfileID is the person's live profile; nil once an erasure is done.
	ProfileID         *uuid.UUID `bun:"profile_id"`
	RequestedBy       *uuid.UUID `bun:"requested_by"`
	RequestedByType   string     `bun:"requested_by_type"`
	ProgressDone      int64      `bun:"progress_done"`
	ProgressTotal     int64      `bun:"progress_total"`
	Error             *string    `bun:"error"`
	ErasedEvents      int64      `bun:"erased_events"`
	ErasedIdentifiers int        `bun:"erased_identifiers"`
	ExportBytes       *int       `bun:"export_bytes"`
	ExpiresAt         *time.Time `bun:"expires_at"`
	CreatedAt         time.Time  `bun:"created_at"`
	StartedAt         *time.Time `bun:"started_at"`
	FinishedAt        *time.Time `bun:"finished_at"`
	// ScanCursor is where a running request's scan of the events is (JSON;
	// privacy_scan.go).
	ScanCursor *string `bun:"scan_cursor"`

	// RequestedByEmail is the requesting user's e-mail (filled on read).
	RequestedByEmail string `bun:"-"`
}

// Progress is the share of the request's work done, 0 to 1.
func (r *PrivacyRequest) Progress() float64 {
	switch {
	case r.Status == RequestDone:
		return 1
	case r.ProgressTotal <= 0:
		return 0
	}
	return min(1, float64(r.ProgressDone)/float64(r.ProgressTotal))
}

// Downloadable reports whether r is an export whose file can be fetched
// at now.
func (r *PrivacyRequest) Downloadable(now time.Time) bool {
	return r.Kind == PrivacyExport && r.Status == RequestDone && r.ExportBytes != nil && r.ExpiresAt != nil && now.Before(*r.ExpiresAt)
}

const privacyRequestNotFound = "privacy request not found"

// RequestExport records an export of the person profile names and
// enqueues its job; the export can then be downloaded by the requesting
// user only (DownloadToken). Audited.
func (s *Privacy) RequestExport(ctx context.Context, tenant, profile uuid.UUID) (_ *PrivacyRequest, err error) {
	defer derrors.Wrap(&err, "cdp.Privacy.RequestExport(%v, %v)", tenant, profile)
	return s.request(ctx, tenant, profile, PrivacyExport, nil)
}

// RequestDeletion records the erasure of the person profile names: their
// identifiers are suppressed at once (events carrying one are dropped from
// now on, even before the job has run), and the job deletes the rest.
// Audited (the entry names the request, not the person).
func (s *Privacy) RequestDeletion(ctx context.Context, tenant, profile uuid.UUID) (_ *PrivacyRequest, err error) {
	defer derrors.Wrap(&err, "cdp.Privacy.RequestDeletion(%v, %v)", tenant, profile)
	return s.request(ctx, tenant, profile, PrivacyDelete, func(ctx context.Context, tx bun.Tx, r *PrivacyRequest, ids []Identifier) error {
		for _, id := range ids {
			k := keyOf(id)
			if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_suppressions (tenant_id, identifier_type, value_hash, request_id, created_at)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, tenant, k.Type, k.Hash, r.ID, r.CreatedAt); err != nil {
				return fmt.Errorf("suppress identifier: %w", err)
			}
		}
		return nil
	})
}

func (s *Privacy) request(ctx context.Context, tenant, profile uuid.UUID, kind string,
	also func(ctx context.Context, tx bun.Tx, r *PrivacyRequest, ids []Identifier) error) (*PrivacyRequest, error) {
	if s.Enqueue == nil {
		return nil, errors.New("privacy requests have no job queue")
	}
	var r *PrivacyRequest
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		live, err := canonicalTx(ctx, tx, tenant, profile)
		if err != nil {
			return err
		}
		var busy bool
		if err := tx.NewRaw(`SELECT EXISTS (SELECT 1 FROM cdp_privacy_requests WHERE tenant_id = ? AND profile_id = ?
			AND kind = ? AND status IN (?, ?))`, tenant, live, PrivacyDelete, RequestPending, RequestRunning).Scan(ctx, &busy); err != nil {
			return err
		}
		if busy {
			return apperr.Invalid([]string{"input", "profileId"}, "the profile is being deleted")
		}
		r = &PrivacyRequest{TenantID: tenant, ID: uuid.New(), Kind: kind, Status: RequestPending, ProfileID: &live,
			RequestedByType: audit.ActorSystem, CreatedAt: s.DB.Now(ctx)}
		if p, ok := auth.FromContext(ctx); ok {
			switch {
			case p.IsUser():
				r.RequestedBy, r.RequestedByType = &p.UserID, audit.ActorUser
			case p.APIKeyID != uuid.Nil:
				r.RequestedBy, r.RequestedByType = &p.APIKeyID, audit.ActorAPIKey
			}
		}
		if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
			return fmt.Errorf("record request: %w", err)
		}
		var ids []Identifier
		if err := tx.NewRaw(`SELECT type, value FROM cdp_identifiers WHERE tenant_id = ? AND profile_id IN
			(SELECT id FROM cdp_profiles WHERE tenant_id = ? AND coalesce(merged_into, id) = ?)`, tenant, tenant, live).
			Scan(ctx, &ids); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read identifiers: %w", err)
		}
		if also != nil {
			if err := also(ctx, tx, r, ids); err != nil {
				return err
			}
		}
		if err := s.Enqueue(ctx, tx, tenant, r.ID, kind); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "privacy." + map[string]string{PrivacyExport: "export_requested", PrivacyDelete: "delete_requested"}[kind],
			TargetType: relay.TypePrivacyRequest, TargetID: r.ID, Details: map[string]any{"identifiers": len(ids)}})
	})
	return r, err
}

// PrivacyFilter narrows PrivacyRequests.
type PrivacyFilter struct {
	// ProfileID keeps the requests of this person (live profile id; an
	// absorbed profile's id names its survivor). Erased people's requests
	// name no profile.
	ProfileID *uuid.UUID
}

// PrivacyRequests pages the tenant's privacy requests, newest first.
func (s *Privacy) PrivacyRequests(ctx context.Context, tenant uuid.UUID, f PrivacyFilter, args relay.Args) (_ *relay.Page[PrivacyRequest], err error) {
	defer derrors.Wrap(&err, "cdp.Privacy.PrivacyRequests(%v)", tenant)
	var page *relay.Page[PrivacyRequest]
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*PrivacyRequest)(nil)).Where("r.tenant_id = ?", tenant)
		if f.ProfileID != nil {
			live, err := canonicalTx(ctx, tx, tenant, *f.ProfileID)
			if apperr.CodeOf(err) == apperr.NotFound {
				live = *f.ProfileID // none: the filter matches nothing
			} else if err != nil {
				return err
			}
			q = q.Where("r.profile_id = ?", live)
		}
		var err error
		page, err = relay.Paginate(ctx, q, args, "r.created_at", "r.id", func(r *PrivacyRequest) relay.Cursor {
			return relay.Cursor{At: r.CreatedAt, ID: r.ID}
		})
		if err != nil {
			return err
		}
		return fillRequesters(ctx, tx, page.Items)
	})
	return page, err
}

// PrivacyRequest returns one request.
func (s *Privacy) PrivacyRequest(ctx context.Context, tenant, id uuid.UUID) (_ *PrivacyRequest, err error) {
	defer derrors.Wrap(&err, "cdp.Privacy.PrivacyRequest(%v, %v)", tenant, id)
	r := new(PrivacyRequest)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := db.ScanByID(ctx, tx, r, id, db.NoLock, privacyRequestNotFound); err != nil {
			return err
		}
		one := []PrivacyRequest{*r}
		if err := fillRequesters(ctx, tx, one); err != nil {
			return err
		}
		*r = one[0]
		return nil
	})
	return r, err
}

// fillRequesters sets the e-mail of the users who made requests.
func fillRequesters(ctx context.Context, tx bun.Tx, rs []PrivacyRequest) error {
	var ids []uuid.UUID
	for _, r := range rs {
		if r.RequestedByType == audit.ActorUser && r.RequestedBy != nil {
			ids = append(ids, *r.RequestedBy)
		}
	}
	facts, err := auth.UserFactsTx(ctx, tx, ids)
	if err != nil {
		return err
	}
	for i := range rs {
		if rs[i].RequestedByType == audit.ActorUser && rs[i].RequestedBy != nil {
			rs[i].RequestedByEmail = facts[*rs[i].RequestedBy].Email
		}
	}
	return nil
}

// SuppressionStats are the tenant's suppression list in numbers.
type SuppressionStats struct {
	Identifiers   int64      `bun:"identifiers"`
	DroppedEvents int64      `bun:"dropped"`
	LastDroppedAt *time.Time `bun:"last_dropped_at"`
}

// Suppressions counts the suppressed identifiers and the events dropped
// for them.
func (s *Privacy) Suppressions(ctx context.Context, tenant uuid.UUID) (_ SuppressionStats, err error) {
	defer derrors.Wrap(&err, "cdp.Privacy.Suppressions(%v)", tenant)
	var out SuppressionStats
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT count(*) AS identifiers, coalesce(sum(dropped_events), 0) AS dropped, max(last_dropped_at) AS last_dropped_at
			FROM cdp_suppressions WHERE tenant_id = ?`, tenant).Scan(ctx, &out)
	})
	return out, err
}

// downloadToken's layout: tenant (16 bytes), request (16), user (16),
// expiry (8, Unix seconds), then the HMAC-SHA256 of those 56 bytes.
const tokenBody = 56

// DownloadToken is the signed token of the download link of export
// request for user, valid until expires. Empty when s has no Secret.
func (s *Privacy) DownloadToken(tenant, request, user uuid.UUID, expires time.Time) string {
	if len(s.Secret) == 0 {
		return ""
	}
	b := make([]byte, 0, tokenBody+sha256.Size)
	b = append(b, tenant[:]...)
	b = append(b, request[:]...)
	b = append(b, user[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(expires.Unix()))
	m := hmac.New(sha256.New, s.Secret)
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(m.Sum(b))
}

// DownloadClaim is what a valid download token names.
type DownloadClaim struct {
	Tenant, Request, User uuid.UUID
	Expires               time.Time
}

// errBadToken is every refusal of a download token (one message: the
// caller learns nothing about which check failed).
var errBadToken = apperr.NotFoundf("this download link is invalid or has expired")

// ParseDownloadToken checks token's signature and expiry at now.
func (s *Privacy) ParseDownloadToken(token string, now time.Time) (DownloadClaim, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != tokenBody+sha256.Size || len(s.Secret) == 0 {
		return DownloadClaim{}, errBadToken
	}
	m := hmac.New(sha256.New, s.Secret)
	m.Write(b[:tokenBody])
	if !hmac.Equal(m.Sum(nil), b[tokenBody:]) {
		return DownloadClaim{}, errBadToken
	}
	var c DownloadClaim
	copy(c.Tenant[:], b[0:16])
	copy(c.Request[:], b[16:32])
	copy(c.User[:], b[32:48])
	c.Expires = time.Unix(int64(binary.BigEndian.Uint64(b[48:56])), 0).UTC()
	if !now.Before(c.Expires) {
		return DownloadClaim{}, errBadToken
	}
	return c, nil
}

// Download returns the export a valid download token names to user, the
// request's requester, acting in the request's tenant, while it has not
// expired; anyone else gets NOT_FOUND. The download is audited.
func (s *Privacy) Download(ctx context.Context, token string, tenant, user uuid.UUID) (_ []byte, err error) {
	defer derrors.Wrap(&err, "cdp.Privacy.Download")
	c, err := s.ParseDownloadToken(token, s.DB.Now(ctx))
	if err != nil {
		return nil, err
	}
	if c.User != user || user == uuid.Nil || c.Tenant != tenant {
		return nil, errBadToken
	}
	var out []byte
	err = s.DB.InTenant(ctx, c.Tenant, func(ctx context.Context, tx bun.Tx) error {
		var row struct {
			PrivacyRequest
			Export []byte `bun:"export"`
		}
		err := tx.NewRaw(`SELECT * FROM cdp_privacy_requests WHERE tenant_id = ? AND id = ?`, c.Tenant, c.Request).Scan(ctx, &row)
		if errors.Is(err, sql.ErrNoRows) {
			return errBadToken
		}
		if err != nil {
			return err
		}
		r := &row.PrivacyRequest
		if !r.Downloadable(s.DB.Now(ctx)) || r.RequestedBy == nil || *r.RequestedBy != user || row.Export == nil {
			return errBadToken
		}
		out = row.Export
		return audit.Record(ctx, tx, audit.Entry{TenantID: c.Tenant, Action: "privacy.export_downloaded",
			TargetType: relay.TypePrivacyRequest, TargetID: r.ID, Details: map[string]any{"bytes": len(out)}})
	})
	return out, err
}

// PurgeExports removes the stored JSON of every tenant's exports that have
// expired (the periodic privacy.purge_exports job) and returns how many.
func (s *Privacy) PurgeExports(ctx context.Context) (n int, err error) {
	defer derrors.Wrap(&err, "cdp.Privacy.PurgeExports")
	err = s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT stratum_cdp_purge_exports(?)", s.DB.Now(ctx)).Scan(ctx, &n)
	})
	return n, err
}

// failRequest marks a request FAILED with a message safe to show.
func (s *Privacy) failRequest(ctx context.Context, tenant, id uuid.UUID, msg string) error {
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE cdp_privacy_requests SET status = ?, error = ?, finished_at = ?, export = NULL
			WHERE tenant_id = ? AND id = ? AND status <> ?`, RequestFailed, msg, s.DB.Now(ctx), tenant, id, RequestDone)
		return err
	})
}
