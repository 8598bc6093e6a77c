package cdp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// This file is consent (issue 14, docs/adr/0018): a profile's consent per
// purpose with where it came from and when, and its history. Events carry
// it in Segment's context.consent.categoryPreferences (applied by the
// batch job, consent_events.go); an operator sets it with SetConsent. A
// person's consent is the latest decision over the live profile and the
// profiles merged into it, so merges and unmerges need no copying.
// Tables: cdp_consents, cdp_consent_history.

// Purpose is what a consent is for.
type Purpose string

// The purposes.
const (
	PurposeAnalytics Purpose = "ANALYTICS"
	PurposeAds       Purpose = "ADS"
	PurposeEmail     Purpose = "EMAIL"
	PurposeSMS       Purpose = "SMS"
)

// Purposes lists the purposes in display order.
var Purposes = []Purpose{PurposeAnalytics, PurposeAds, PurposeEmail, PurposeSMS}

// Valid reports whether p is one of Purposes.
func (p Purpose) Valid() bool { return slices.Contains(Purposes, p) }

// Where a consent decision came from.
const (
	ConsentFromEvent    = "EVENT"
	ConsentFromOperator = "OPERATOR"
)

// DefaultAdsConsent is the answer of AdsConsent for a profile with no ADS
// decision recorded: denied. Advertising use of personal data needs prior
// opt-in consent in the EU/EEA and UK (GDPR art. 6 and 7, ePrivacy), and
// Stratum does not know a profile's region reliably; denying by default is
// the choice that is lawful everywhere (docs/adr/0018).
const DefaultAdsConsent = false

// MaxConsentProfiles bounds the profile ids of one AdsConsent call.
const MaxConsentProfiles = 1000

// Consent is a person's current decision for one purpose.
type Consent struct {
	ProfileID uuid.UUID `bun:"profile_id" json:"profileId"`
	Purpose   Purpose   `bun:"purpose" json:"purpose"`
	Granted   bool      `bun:"granted" json:"granted"`
	Source    string    `bun:"source" json:"source"`
	DecidedAt time.Time `bun:"decided_at" json:"decidedAt"`
}

// ConsentChange is one entry of a consent's history.
type ConsentChange struct {
	ID         uuid.UUID  `bun:"id" json:"id"`
	Purpose    Purpose    `bun:"purpose" json:"purpose"`
	Granted    bool       `bun:"granted" json:"granted"`
	Source     string     `bun:"source" json:"source"`
	DecidedAt  time.Time  `bun:"decided_at" json:"decidedAt"`
	RecordedAt time.Time  `bun:"recorded_at" json:"recordedAt"`
	ActorID    *uuid.UUID `bun:"actor_id" json:"actorId,omitempty"`
}

// Consents returns the person's current decisions (live profile id names,
// after merges) by purpose; purposes without one are absent.
func (s *Identity) Consents(ctx context.Context, tenant, id uuid.UUID) (_ map[Purpose]Consent, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.Consents(%v, %v)", tenant, id)
	var out map[Purpose]Consent
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		live, err := canonicalTx(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		out, err = consentsTx(ctx, tx, tenant, live)
		return err
	})
	return out, err
}

// consentsTx reads the latest decision per purpose over live and the
// profiles merged into it.
func consentsTx(ctx context.Context, tx bun.Tx, tenant, live uuid.UUID) (map[Purpose]Consent, error) {
	var rows []Consent
	err := tx.NewRaw(`SELECT DISTINCT ON (c.purpose) c.profile_id, c.purpose, c.granted, c.source, c.decided_at
		FROM cdp_consents c JOIN cdp_profiles p ON p.tenant_id = c.tenant_id AND p.id = c.profile_id
		WHERE c.tenant_id = ? AND coalesce(p.merged_into, p.id) = ?
		ORDER BY c.purpose, c.decided_at DESC, c.updated_at DESC`, tenant, live).Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read consents: %w", err)
	}
	out := make(map[Purpose]Consent, len(rows))
	for _, r := range rows {
		out[r.Purpose] = r
	}
	return out, nil
}

// ConsentHistory pages the person's consent changes, newest decision
// first.
func (s *Identity) ConsentHistory(ctx context.Context, tenant, id uuid.UUID, args relay.Args) (_ *relay.Page[ConsentChange], err error) {
	defer derrors.Wrap(&err, "cdp.Identity.ConsentHistory(%v, %v)", tenant, id)
	var page *relay.Page[ConsentChange]
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		live, err := canonicalTx(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		q := tx.NewSelect().TableExpr("cdp_consent_history AS h").
			ColumnExpr("h.id, h.purpose, h.granted, h.source, h.decided_at, h.recorded_at, h.actor_id").
			Where("h.tenant_id = ?", tenant).
			Where(`h.profile_id IN (SELECT id FROM cdp_profiles WHERE tenant_id = ? AND coalesce(merged_into, id) = ?)`, tenant, live)
		page, err = relay.Paginate(ctx, q, args, "h.decided_at", "h.id", func(c *ConsentChange) relay.Cursor {
			return relay.Cursor{At: c.DecidedAt, ID: c.ID}
		})
		return err
	})
	return page, err
}

// SetConsent records an operator's decision for one purpose of the person
// id names (source OPERATOR, decided now), keeps it in the history and
// writes it to the audit log. It returns the consent as saved.
func (s *Identity) SetConsent(ctx context.Context, tenant, id uuid.UUID, purpose Purpose, granted bool) (_ Consent, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.SetConsent(%v, %v, %s)", tenant, id, purpose)
	if !purpose.Valid() {
		return Consent{}, apperr.Invalid([]string{"input", "purpose"}, "unknown purpose")
	}
	var out Consent
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		live, err := canonicalTx(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		if _, err := lockProfilesTx(ctx, tx, tenant, []uuid.UUID{live}); err != nil {
			return err
		}
		var actor *uuid.UUID
		if p, ok := auth.FromContext(ctx); ok && p.IsUser() {
			actor = &p.UserID
		}
		out = Consent{ProfileID: live, Purpose: purpose, Granted: granted, Source: ConsentFromOperator, DecidedAt: s.DB.Now(ctx)}
		if err := writeConsentTx(ctx, tx, tenant, out, actor, s.DB.Now(ctx)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "profile.consent_set", TargetType: relay.TypeProfile, TargetID: live,
			Details: map[string]any{"purpose": string(purpose), "granted": granted}})
	})
	return out, err
}

// writeConsentTx makes c the current decision of its profile and purpose
// and adds it to the history.
func writeConsentTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, c Consent, actor *uuid.UUID, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_consents (tenant_id, profile_id, purpose, granted, source, decided_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, profile_id, purpose) DO UPDATE
		SET granted = excluded.granted, source = excluded.source, decided_at = excluded.decided_at, updated_at = excluded.updated_at`,
		tenant, c.ProfileID, c.Purpose, c.Granted, c.Source, c.DecidedAt, now); err != nil {
		return fmt.Errorf("write consent: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_consent_history (tenant_id, id, profile_id, purpose, granted, source, decided_at, recorded_at, actor_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, tenant, uuid.New(), c.ProfileID, c.Purpose, c.Granted, c.Source, c.DecidedAt, now, actor); err != nil {
		return fmt.Errorf("write consent history: %w", err)
	}
	return nil
}

// AdsConsent answers, for each profile id (absorbed ids answer for their
// survivor), whether the person granted ADS consent: the latest recorded
// decision, DefaultAdsConsent (denied) when none was recorded or the
// profile does not exist. Conversion forwarding and audience sync call it
// before sending a person anywhere; at most MaxConsentProfiles ids a call.
func (s *Identity) AdsConsent(ctx context.Context, tenant uuid.UUID, profileIDs []uuid.UUID) (_ map[uuid.UUID]bool, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.AdsConsent(%v, %d ids)", tenant, len(profileIDs))
	if len(profileIDs) > MaxConsentProfiles {
		return nil, apperr.Invalid([]string{"profileIds"}, "at most %d profiles per call", MaxConsentProfiles)
	}
	out := make(map[uuid.UUID]bool, len(profileIDs))
	for _, id := range profileIDs {
		out[id] = DefaultAdsConsent
	}
	if len(profileIDs) == 0 {
		return out, nil
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return adsConsentTx(ctx, tx, tenant, profileIDs, out)
	})
	return out, err
}

// AdsConsentTx is AdsConsent in the caller's transaction tx (set to
// tenant), so it sees consent written earlier in it: the batch job's
// conversion hook asks it after the batch's own consent events applied.
func AdsConsentTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, profileIDs []uuid.UUID) (_ map[uuid.UUID]bool, err error) {
	defer derrors.Wrap(&err, "cdp.AdsConsentTx(%v, %d ids)", tenant, len(profileIDs))
	if len(profileIDs) > MaxConsentProfiles {
		return nil, apperr.Invalid([]string{"profileIds"}, "at most %d profiles per call", MaxConsentProfiles)
	}
	out := make(map[uuid.UUID]bool, len(profileIDs))
	for _, id := range profileIDs {
		out[id] = DefaultAdsConsent
	}
	if len(profileIDs) == 0 {
		return out, nil
	}
	return out, adsConsentTx(ctx, tx, tenant, profileIDs, out)
}

// adsConsentTx sets out[id] to each profile's latest ADS decision.
func adsConsentTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, profileIDs []uuid.UUID, out map[uuid.UUID]bool) error {
	ids := make([]string, len(profileIDs))
	for i, id := range profileIDs {
		ids[i] = id.String()
	}
	var rows []struct {
		ID      uuid.UUID `bun:"id"`
		Granted bool      `bun:"granted"`
	}
	err := tx.NewRaw(`SELECT q.id, c.granted
		FROM unnest(?::uuid[]) AS q(id)
		JOIN cdp_profiles p ON p.tenant_id = ? AND p.id = q.id
		JOIN LATERAL (SELECT c.granted FROM cdp_consents c JOIN cdp_profiles p2 ON p2.tenant_id = c.tenant_id AND p2.id = c.profile_id
			WHERE c.tenant_id = p.tenant_id AND c.purpose = ? AND coalesce(p2.merged_into, p2.id) = coalesce(p.merged_into, p.id)
			ORDER BY c.decided_at DESC, c.updated_at DESC LIMIT 1) c ON true`,
		pgdialect.Array(ids), tenant, PurposeAds).Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	for _, r := range rows {
		out[r.ID] = r.Granted
	}
	return nil
}

// consentCategories maps Segment consent categories (compared lower-case
// with spaces, dashes and underscores removed) to purposes. Segment's
// categories are the tenant's own names from its consent management
// platform; these are the common ones (Segment's documented examples and
// OneTrust's default groups C0002 performance and C0004 targeting).
// Categories not listed (functional, strictly necessary, personalisation…)
// are no purpose of ours and are ignored (docs/adr/0018).
var consentCategories = map[string]Purpose{
	"analytics": PurposeAnalytics, "performance": PurposeAnalytics, "statistics": PurposeAnalytics,
	"measurement": PurposeAnalytics, "c0002": PurposeAnalytics,
	"advertising": PurposeAds, "advertisement": PurposeAds, "targeting": PurposeAds, "c0004": PurposeAds,
	"email": PurposeEmail, "emailmarketing": PurposeEmail,
	"sms": PurposeSMS, "smsmarketing": PurposeSMS, "textmessages": PurposeSMS,
}

// PurposeOfCategory is the purpose a Segment consent category stands for
// (false for categories that map to none).
func PurposeOfCategory(category string) (Purpose, bool) {
	k := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(category)))
	p, ok := consentCategories[k]
	return p, ok
}
