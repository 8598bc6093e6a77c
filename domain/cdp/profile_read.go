package cdp

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// This file is the read side of profiles for the GraphQL API (issue 13):
// listing and searching live profiles, a profile's bounded merge history
// and refused links, and its events.

// MaxProfileSearch bounds ProfileFilter.Search and an event name filter
// (characters).
const MaxProfileSearch = 200

// MaxProfileHistory bounds the merges and refused links read for a profile.
const MaxProfileHistory = 100

// ProfileFilter narrows Profiles; zero fields match everything.
type ProfileFilter struct {
	// Search is an identifier of any type: an e-mail or phone number is
	// normalised first; any value also matches exactly.
	Search *string
	// Stage is a lifecycle stage (StageKnown…).
	Stage string
	// HasIdentifier keeps the profiles with an identifier of this type.
	HasIdentifier IdentifierType
}

// Profiles pages tenant's live profiles, most recently seen first, with
// their identifiers (strongest first), read for the whole page at once.
func (s *Identity) Profiles(ctx context.Context, tenant uuid.UUID, f ProfileFilter, args relay.Args) (_ *relay.Page[Profile], err error) {
	defer derrors.Wrap(&err, "cdp.Identity.Profiles(%v)", tenant)
	if f.HasIdentifier != "" && !f.HasIdentifier.Valid() {
		return nil, apperr.Invalid([]string{"filter", "hasIdentifier"}, "unknown identifier type")
	}
	switch f.Stage {
	case "", StageAnonymous, StageKnown, StageCustomer, StageChurned:
	default:
		return nil, apperr.Invalid([]string{"filter", "lifecycleStage"}, "unknown lifecycle stage")
	}
	var search string
	if f.Search != nil {
		search = strings.TrimSpace(*f.Search)
		if search == "" || utf8.RuneCountInString(search) > MaxProfileSearch {
			return nil, apperr.Invalid([]string{"filter", "search"}, "the search is 1 to %d characters", MaxProfileSearch)
		}
	}
	var p *relay.Page[Profile]
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*Profile)(nil)).Where("p.tenant_id = ?", tenant).Where("p.merged_into IS NULL")
		if f.Stage != "" {
			q = q.Where("p.lifecycle_stage = ?", f.Stage)
		}
		if f.HasIdentifier != "" {
			q = q.Where(`EXISTS (SELECT 1 FROM cdp_identifiers i
				WHERE i.tenant_id = p.tenant_id AND i.profile_id = p.id AND i.type = ?)`, f.HasIdentifier)
		}
		if f.Search != nil {
			st, err := s.settingsTx(ctx, tx, tenant)
			if err != nil {
				return err
			}
			q = q.Where(`p.id IN (SELECT i.profile_id FROM cdp_identifiers i
				WHERE i.tenant_id = ? AND i.value_hash = ANY(?::text[]))`, tenant, pgdialect.Array(searchHashes(search, st.region)))
		}
		var err error
		p, err = relay.Paginate(ctx, q, args, "p.last_seen_at", "p.id", func(x *Profile) relay.Cursor {
			return relay.Cursor{At: x.LastSeenAt, ID: x.ID}
		})
		if err != nil {
			return err
		}
		return fillIdentifiersTx(ctx, tx, tenant, p.Items)
	})
	return p, err
}

// searchHashes are the hashes a search matches: the value as given
// (trimmed) and, when it reads as one, the normalised e-mail address and
// phone number.
func searchHashes(search, region string) []string {
	vals := []string{search}
	if strings.Contains(search, "@") {
		if v, err := NormalizeIdentifier(IdentifierEmail, search, region); err == nil {
			vals = append(vals, v)
		}
	} else if v, err := NormalizeIdentifier(IdentifierPhone, search, region); err == nil {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	vals = slices.Compact(vals)
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = IdentifierHash(v)
	}
	return out
}

// fillIdentifiersTx reads the identifiers of profiles with one query.
func fillIdentifiersTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, profiles []Profile) error {
	if len(profiles) == 0 {
		return nil
	}
	ids := make([]string, len(profiles))
	for i := range profiles {
		ids[i] = profiles[i].ID.String()
	}
	var rows []struct {
		ProfileID uuid.UUID      `bun:"profile_id"`
		Type      IdentifierType `bun:"type"`
		Value     string         `bun:"value"`
	}
	err := tx.NewRaw("SELECT profile_id, type, value FROM cdp_identifiers WHERE tenant_id = ? AND profile_id = ANY(?::uuid[])",
		tenant, pgdialect.Array(ids)).Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read identifiers: %w", err)
	}
	at := make(map[uuid.UUID]int, len(profiles))
	for i := range profiles {
		at[profiles[i].ID] = i
		profiles[i].Identifiers = []Identifier{}
	}
	for _, r := range rows {
		p := &profiles[at[r.ProfileID]]
		p.Identifiers = append(p.Identifiers, Identifier{Type: r.Type, Value: r.Value})
	}
	for i := range profiles {
		slices.SortFunc(profiles[i].Identifiers, compareIdentifiers)
	}
	return nil
}

// RecentMerges lists the latest MaxProfileHistory merges into or of
// profile id (not following it to its survivor), newest first.
func (s *Identity) RecentMerges(ctx context.Context, tenant, id uuid.UUID) (_ []Merge, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.RecentMerges(%v, %v)", tenant, id)
	var out []Merge
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw(`SELECT id, survivor_id, absorbed_id, reason, link, identifiers, merged_at, undone_at
			FROM cdp_profile_merges WHERE tenant_id = ? AND (survivor_id = ? OR absorbed_id = ?)
			ORDER BY merged_at DESC, id DESC LIMIT ?`, tenant, id, id, MaxProfileHistory).Scan(ctx, &out)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return out, err
}

// StoredRefusal is a recorded refused link (cdp_refused_links).
type StoredRefusal struct {
	// Identifier gave way; LinkedTo is the strongest identifier of the
	// link it was refused from. Values are personal data: never log them.
	Identifier Identifier
	LinkedTo   Identifier
	Reason     RefusalReason
	Detail     string
	// ProfileID is the profile the link would have joined, KeptOn the one
	// the identifier stayed on.
	ProfileID uuid.UUID
	KeptOn    uuid.UUID
	FirstAt   time.Time
	LastAt    time.Time
}

// RefusedLinks lists the latest MaxProfileHistory links refused to or
// from profile id (the profile they would have joined, or the one the
// identifier stayed on), latest first.
func (s *Identity) RefusedLinks(ctx context.Context, tenant, id uuid.UUID) (_ []StoredRefusal, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.RefusedLinks(%v, %v)", tenant, id)
	var rows []struct {
		ID           uuid.UUID      `bun:"id"`
		ProfileID    uuid.UUID      `bun:"profile_id"`
		Type         IdentifierType `bun:"identifier_type"`
		Value        string         `bun:"identifier_value"`
		KeptOn       uuid.UUID      `bun:"identifier_profile_id"`
		LinkedType   IdentifierType `bun:"linked_type"`
		LinkedValue  string         `bun:"linked_value"`
		Reason       RefusalReason  `bun:"reason"`
		Detail       string         `bun:"detail"`
		FirstRefused time.Time      `bun:"first_refused_at"`
		LastRefused  time.Time      `bun:"last_refused_at"`
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw(`SELECT id, profile_id, identifier_type, identifier_value, identifier_profile_id, linked_type,
				linked_value, reason, detail, first_refused_at, last_refused_at
			FROM cdp_refused_links WHERE tenant_id = ? AND (profile_id = ? OR identifier_profile_id = ?)
			ORDER BY last_refused_at DESC, id DESC LIMIT ?`, tenant, id, id, MaxProfileHistory).Scan(ctx, &rows)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]StoredRefusal, len(rows))
	for i, r := range rows {
		out[i] = StoredRefusal{Identifier: Identifier{Type: r.Type, Value: r.Value}, LinkedTo: Identifier{Type: r.LinkedType, Value: r.LinkedValue},
			Reason: r.Reason, Detail: r.Detail, ProfileID: r.ProfileID, KeptOn: r.KeptOn, FirstAt: r.FirstRefused, LastAt: r.LastRefused}
	}
	return out, nil
}

// EventTypes are the kinds of tracked events as cdp_events stores them.
var EventTypes = []string{"track", "identify", "page", "screen", "group", "alias"}

// EventFilter narrows ProfileEvents; zero fields match everything.
type EventFilter struct {
	// Type is an event kind of EventTypes.
	Type string
	// Name is a track event's name or a page's or screen's name.
	Name *string
}

// ProfileEvent is a stored event as a profile's timeline shows it.
type ProfileEvent struct {
	SourceID   uuid.UUID `bun:"source_id"`
	SourceName string    `bun:"source_name"`
	MessageID  string    `bun:"message_id"`
	Type       string    `bun:"type"`
	Name       *string   `bun:"event"`
	Timestamp  time.Time `bun:"timestamp"`
	ReceivedAt time.Time `bun:"received_at"`
	// Properties is the JSON text of its properties ({} when none).
	Properties string `bun:"properties"`
}

// eventCursor is an event's position in a timeline: newest first by
// timestamp, then source and messageId.
type eventCursor struct {
	At        time.Time
	SourceID  uuid.UUID
	MessageID string
}

func (c eventCursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d:%s:%s", c.At.UnixMicro(), c.SourceID, c.MessageID)))
}

func parseEventCursor(s string) (eventCursor, error) {
	bad := apperr.Invalid([]string{"after"}, "not a valid cursor")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return eventCursor{}, bad
	}
	parts := strings.SplitN(string(b), ":", 3)
	if len(parts) != 3 {
		return eventCursor{}, bad
	}
	micros, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return eventCursor{}, bad
	}
	at, ok := relay.CursorTime(micros)
	if !ok {
		return eventCursor{}, bad
	}
	src, err := uuid.Parse(parts[1])
	if err != nil {
		return eventCursor{}, bad
	}
	// A message id as ingestion stores it (bun writes it into the text).
	if id := parts[2]; len(id) > maxIDLen || !utf8.ValidString(id) || strings.ContainsRune(id, 0) {
		return eventCursor{}, bad
	}
	return eventCursor{At: at, SourceID: src, MessageID: parts[2]}, nil
}

// ProfileEvents pages the events of live profile id (Canonical of the
// given id) newest first: those whose userId or anonymousId is one of
// the profile's USER_ID or ANONYMOUS_ID identifiers. Only First and After
// of args are supported; the page has no total (the profile's event
// counter is it).
func (s *Identity) ProfileEvents(ctx context.Context, tenant, id uuid.UUID, f EventFilter, args relay.Args) (_ *relay.Page[ProfileEvent], err error) {
	defer derrors.Wrap(&err, "cdp.Identity.ProfileEvents(%v, %v)", tenant, id)
	limit := relay.DefaultPageSize
	if args.First != nil {
		limit = *args.First
	}
	if limit < 0 || limit > relay.MaxPageSize {
		return nil, apperr.Invalid([]string{"first"}, "first must be between 0 and %d", relay.MaxPageSize)
	}
	if f.Type != "" && !slices.Contains(EventTypes, f.Type) {
		return nil, apperr.Invalid([]string{"type"}, "unknown event type")
	}
	if f.Name != nil && (*f.Name == "" || utf8.RuneCountInString(*f.Name) > MaxProfileSearch) {
		return nil, apperr.Invalid([]string{"name"}, "the name is 1 to %d characters", MaxProfileSearch)
	}
	var after *eventCursor
	if args.After != nil {
		c, err := parseEventCursor(*args.After)
		if err != nil {
			return nil, err
		}
		after = &c
	}
	page := &relay.Page[ProfileEvent]{Items: []ProfileEvent{}}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		live, err := canonicalTx(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		var ids []Identifier
		err = tx.NewRaw(`SELECT type, value FROM cdp_identifiers WHERE tenant_id = ? AND profile_id = ? AND type IN (?, ?)`,
			tenant, live, IdentifierUserID, IdentifierAnonymousID).Scan(ctx, &ids)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read identifiers: %w", err)
		}
		users, anons := []string{}, []string{}
		for _, x := range ids {
			if x.Type == IdentifierUserID {
				users = append(users, x.Value)
			} else {
				anons = append(anons, x.Value)
			}
		}
		if len(ids) == 0 || limit == 0 {
			return nil
		}
		q := tx.NewSelect().TableExpr("cdp_events AS e").
			Join("LEFT JOIN cdp_sources AS s ON s.tenant_id = e.tenant_id AND s.id = e.source_id").
			ColumnExpr(`e.source_id, coalesce(s.name, '') AS source_name, e.message_id, e.type, e.event, e."timestamp", e.received_at,
				coalesce(e.properties, '{}'::jsonb)::text AS properties`).
			Where("e.tenant_id = ?", tenant).
			Where("(e.user_id = ANY(?::text[]) OR e.anonymous_id = ANY(?::text[]))", pgdialect.Array(users), pgdialect.Array(anons))
		if f.Type != "" {
			q = q.Where("e.type = ?", f.Type)
		}
		if f.Name != nil {
			q = q.Where("e.event = ?", *f.Name)
		}
		if after != nil {
			q = q.Where(`(e."timestamp", e.source_id, e.message_id) < (?, ?, ?)`, after.At, after.SourceID, after.MessageID)
		}
		q = q.OrderExpr(`e."timestamp" DESC, e.source_id DESC, e.message_id DESC`).Limit(int64(limit + 1))
		if err := q.Scan(ctx, &page.Items); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read events: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(page.Items) > limit {
		page.Items, page.Info.HasNextPage = page.Items[:limit], true
	}
	page.Info.HasPreviousPage = args.After != nil
	for _, e := range page.Items {
		page.Cursors = append(page.Cursors, eventCursor{At: e.Timestamp, SourceID: e.SourceID, MessageID: e.MessageID}.String())
	}
	if n := len(page.Cursors); n > 0 {
		page.Info.StartCursor, page.Info.EndCursor = &page.Cursors[0], &page.Cursors[n-1]
	}
	return page, nil
}
