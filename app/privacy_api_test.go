package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/conversions/capifake"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// userAuth is roleAuth whose user is the X-Test-User header's id (the
// export download is for its requester only).
type userAuth struct{ roleAuth }

func (a userAuth) Authenticate(r *http.Request) (context.Context, error) {
	ctx, err := a.roleAuth.Authenticate(r)
	if p, ok := auth.FromContext(ctx); ok && r.Header.Get("X-Test-User") != "" {
		q := *p
		q.UserID = uuid.MustParse(r.Header.Get("X-Test-User"))
		ctx = auth.WithPrincipal(ctx, &q)
	}
	return ctx, err
}

// privacyEnv is an ingestion server (Professional: cdp and
// gdpr_compliance) whose callers name their user.
type privacyEnv struct {
	*ingestEnv
	user uuid.UUID
}

func setupPrivacy(t *testing.T) *privacyEnv {
	t.Helper()
	tdb := testdb.New(t)
	c := clock.NewManual(cdpT0)
	srv := apptest.Start(t, apptest.Config(t, tdb, nil), func(a *app.App) {
		a.Resolver.Auth = userAuth{}
		a.DB.Clock = c
	})
	e := &privacyEnv{ingestEnv: &ingestEnv{srv: srv, tdb: tdb, clock: c}, user: uuid.New()}
	e.tenant = testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	e.source, e.key = e.newSource(t, e.tenant, "Website")
	return e
}

func (e *privacyEnv) h(user uuid.UUID) http.Header {
	return http.Header{"X-Test-Tenant": {e.tenant.String()}, "X-Test-User": {user.String()}}
}

func (e *privacyEnv) q(t *testing.T, query string, vars map[string]any) map[string]any {
	t.Helper()
	res := e.srv.Query(t, query, vars, e.h(e.user))
	require.Empty(t, res.Errors, "%s", query)
	return res.Data
}

// waitRequest polls privacyRequests until request is DONE and returns it.
func (e *privacyEnv) waitRequest(t *testing.T, request string) map[string]any {
	t.Helper()
	var node map[string]any
	require.Eventually(t, func() bool {
		d := e.q(t, `{ privacyRequests(first: 50) { edges { node { id kind status progress profileId requestedBy requestedByMe
			error erasedEvents erasedIdentifiers exportBytes expiresAt downloadUrl } } } }`, nil)
		for _, edge := range field(t, d, "privacyRequests", "edges").([]any) {
			n := edge.(map[string]any)["node"].(map[string]any)
			if n["id"] == request {
				node = n
				require.NotEqual(t, "FAILED", n["status"], "%v", n)
				return n["status"] == "DONE"
			}
		}
		return false
	}, 30*time.Second, 20*time.Millisecond)
	return node
}

// tenantTables lists every table with a tenant_id column and its text,
// JSON, uuid and array columns (bytea as escaped text).
func tenantTables(t *testing.T, conn *pgx.Conn) map[string][]string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT c.table_name, c.column_name, c.data_type
		FROM information_schema.columns c JOIN information_schema.tables tb USING (table_schema, table_name)
		WHERE c.table_schema = 'public' AND tb.table_type = 'BASE TABLE'
			AND EXISTS (SELECT 1 FROM information_schema.columns k
				WHERE k.table_schema = c.table_schema AND k.table_name = c.table_name AND k.column_name = 'tenant_id')
			AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'uuid', 'ARRAY', 'bytea')
		ORDER BY 1, 2`)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var tbl, col, typ string
		require.NoError(t, rows.Scan(&tbl, &col, &typ))
		expr := fmt.Sprintf("%q::text", col)
		if typ == "bytea" {
			expr = fmt.Sprintf("encode(%q, 'escape')", col)
		}
		out[tbl] = append(out[tbl], expr)
	}
	require.NoError(t, rows.Err())
	require.Contains(t, out, "cdp_events")
	require.Contains(t, out, "audit_log")
	return out
}

// scanTenant returns, for each needle found in any tenant table's row of
// tenant, where it was found ("table: needle"), all tables read in one
// snapshot.
func scanTenant(t *testing.T, e *privacyEnv, needles []string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, e.tdb.OwnerURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	tables := tenantTables(t, conn)
	// One snapshot for every table: a row moving from one table to another
	// meanwhile (a queued conversion recorded as a delivery) is seen once.
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	var found []string
	for tbl, cols := range tables {
		conds := make([]string, len(cols))
		for i, c := range cols {
			conds[i] = fmt.Sprintf("strpos(coalesce(%s, ''), $2) > 0", c)
		}
		q := fmt.Sprintf(`SELECT count(*) FROM %q WHERE tenant_id = $1 AND (%s)`, tbl, strings.Join(conds, " OR "))
		for _, n := range needles {
			var hits int
			require.NoError(t, tx.QueryRow(ctx, q, e.tenant, n).Scan(&hits), q)
			if hits > 0 {
				found = append(found, tbl+": "+n)
			}
		}
	}
	return found
}

// derivedData names what deriveData made.
type derivedData struct {
	trait                      string
	inSegment, leftSegment     string
	inSegmentID, leftSegmentID string
}

// deriveData computes data of the tenant's profiles (Ann bought once, Bob
// never): a computed trait (backfilled), RFM scores (refreshed), a dynamic
// segment Ann is in and one she left (Bob stays), each waited for.
func (e *privacyEnv) deriveData(t *testing.T) derivedData {
	t.Helper()
	out := derivedData{trait: "Orders 7q", inSegment: "Buyers 7q", leftSegment: "Non-buyers 7q"}
	d := e.q(t, traitMutation, map[string]any{"in": map[string]any{"name": out.trait, "aggregation": "COUNT", "event": "Order Completed"}})
	require.Empty(t, field(t, d, "createTraitDefinition", "userErrors"))
	require.Eventually(t, func() bool {
		d := e.q(t, `{ traitDefinitions(first: 10) { edges { node { backfill { status } } } } }`, nil)
		n := field(t, d, "traitDefinitions", "edges").([]any)[0].(map[string]any)["node"].(map[string]any)
		return n["backfill"].(map[string]any)["status"] == "DONE"
	}, 30*time.Second, 20*time.Millisecond, "the backfill job ran")
	d = e.q(t, `mutation { refreshRfm { queued userErrors { code } } }`, nil)
	require.Equal(t, true, field(t, d, "refreshRfm", "queued"))
	require.Eventually(t, func() bool {
		return field(t, e.q(t, `{ rfmReport { computedAt } }`, nil), "rfmReport", "computedAt") != nil
	}, 30*time.Second, 20*time.Millisecond, "the RFM job ran")
	bought := map[string]any{"event": map[string]any{"name": "Order Completed"}}
	d = e.q(t, segmentCreate, map[string]any{"i": map[string]any{"name": out.inSegment, "kind": "DYNAMIC", "rules": bought}})
	require.Empty(t, field(t, d, "createSegment", "userErrors"))
	require.EqualValues(t, 1, field(t, d, "createSegment", "segment", "size"), "Ann")
	out.inSegmentID = str(field(t, d, "createSegment", "segment", "id"))
	d = e.q(t, segmentCreate, map[string]any{"i": map[string]any{"name": out.leftSegment, "kind": "DYNAMIC",
		"rules": map[string]any{"identifier": "EMAIL", "operator": "EXISTS"}}})
	require.EqualValues(t, 2, field(t, d, "createSegment", "segment", "size"), "Ann and Bob")
	out.leftSegmentID = str(field(t, d, "createSegment", "segment", "id"))
	d = e.q(t, `mutation($i: UpdateSegmentInput!) { updateSegment(input: $i) { segment { size } userErrors { code } } }`,
		map[string]any{"i": map[string]any{"id": out.leftSegmentID, "rules": map[string]any{"not": bought}}})
	require.Empty(t, field(t, d, "updateSegment", "userErrors"))
	require.EqualValues(t, 1, field(t, d, "updateSegment", "segment", "size"), "Ann left, Bob stays")
	return out
}

func consentStates(t *testing.T, d map[string]any) map[string]string {
	out := map[string]string{}
	for _, c := range field(t, d, "profileConsents").([]any) {
		m := c.(map[string]any)
		out[str(m["purpose"])] = str(m["state"]) + "/" + str(m["source"])
	}
	return out
}

func TestPrivacyConsentExportAndDeletion(t *testing.T) {
	t.Parallel()
	e := setupPrivacy(t)
	ctx := context.Background()
	// A conversion destination: the batch job queues Ann's purchase for it
	// (her profile id and message id), then its flush records the delivery;
	// her deletion erases both.
	meta := capifake.NewMeta(t)
	creds, err := json.Marshal(meta.Destination().Credentials)
	require.NoError(t, err)
	sealed, err := e.srv.App.Services.Auth.Box.Seal(creds)
	require.NoError(t, err)
	require.NoError(t, e.tdb.DB.InTenant(ctx, e.tenant, func(ctx context.Context, tx bun.Tx) error {
		now := e.tdb.DB.Now(ctx)
		_, err := tx.ExecContext(ctx, `INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys,
				base_url, created_at, updated_at) VALUES (?, ?, 'META', 'Pixel', ?, ARRAY['pixelId', 'accessToken'], ?, ?, ?)`,
			e.tenant, uuid.New(), sealed, meta.URL(), now, now)
		return err
	}))
	// Ann (five events, consent in the context; her phone's anonymous id
	// is a profile of its own until the last one merges it with hers), Bob
	// (one event).
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": []any{
		map[string]any{"type": "track", "messageId": "ann-msg-0", "anonymousId": "ann-phone-7q", "event": "App Opened",
			"timestamp": "2026-12-02T08:50:00Z", "context": map[string]any{"consent": map[string]any{"categoryPreferences": map[string]any{"SMS Marketing": true}}}},
		map[string]any{"type": "identify", "messageId": "ann-msg-1", "userId": "ann-user-7q", "anonymousId": "ann-anon-7q",
			"timestamp": "2026-12-02T09:00:00Z", "traits": map[string]any{"email": " Ann-7q@Example.COM ", "plan": "ann-plan-7q"},
			"context": map[string]any{"consent": map[string]any{"categoryPreferences": map[string]any{"Advertising": true, "Analytics": false, "Functional": true}}}},
		map[string]any{"type": "track", "messageId": "ann-msg-2", "anonymousId": "ann-anon-7q", "event": "Order Completed",
			"timestamp": "2026-12-02T09:05:00Z", "properties": map[string]any{"revenue": 12.5}},
		map[string]any{"type": "page", "messageId": "ann-msg-3", "userId": "ann-user-7q", "name": "Pricing",
			"timestamp": "2026-12-02T09:06:00Z", "context": map[string]any{"traits": map[string]any{"email": "ann-7q@example.com"}}},
		map[string]any{"type": "alias", "messageId": "ann-msg-4", "previousId": "ann-phone-7q", "userId": "ann-user-7q",
			"timestamp": "2026-12-02T09:06:30Z"},
		map[string]any{"type": "identify", "messageId": "bob-msg-1", "userId": "bob-user-7q", "timestamp": "2026-12-02T09:07:00Z",
			"traits": map[string]any{"email": "bob-7q@example.com"}},
	}}))
	e.waitProcessed(t, e.tenant)
	ann := e.profileOf(t, e.tenant, cdp.Identifier{Type: cdp.IdentifierUserID, Value: "ann-user-7q"})
	bob := e.profileOf(t, e.tenant, cdp.Identifier{Type: cdp.IdentifierUserID, Value: "bob-user-7q"})
	annID, bobID := relay.GlobalID(relay.TypeProfile, ann.ID), relay.GlobalID(relay.TypeProfile, bob.ID)
	merges := field(t, e.q(t, `query($p: ID!) { profile(id: $p) { mergeHistory { absorbedId } } }`, map[string]any{"p": annID}),
		"profile", "mergeHistory").([]any)
	require.Len(t, merges, 1, "the phone's profile merged with Ann's")
	_, absorbed, err := relay.ParseGlobalID(str(merges[0].(map[string]any)["absorbedId"]))
	require.NoError(t, err)

	derived := e.deriveData(t)

	// Consent from the event's context: Advertising → ADS, Analytics →
	// ANALYTICS; Functional maps to no purpose.
	cq := `query($p: ID!) { profileConsents(profileId: $p) { purpose state source decidedAt } }`
	require.Equal(t, map[string]string{"ANALYTICS": "DENIED/EVENT", "ADS": "GRANTED/EVENT", "EMAIL": "UNKNOWN/", "SMS": "GRANTED/EVENT"},
		consentStates(t, e.q(t, cq, map[string]any{"p": annID})))
	require.Equal(t, map[string]string{"ANALYTICS": "UNKNOWN/", "ADS": "UNKNOWN/", "EMAIL": "UNKNOWN/", "SMS": "UNKNOWN/"},
		consentStates(t, e.q(t, cq, map[string]any{"p": bobID})))
	// The operator grants e-mail; the history keeps every change.
	d := e.q(t, `mutation($p: ID!) { setConsent(input: {profileId: $p, purpose: EMAIL, granted: true}) { consent { purpose state source } userErrors { code } } }`,
		map[string]any{"p": annID})
	require.Equal(t, map[string]any{"purpose": "EMAIL", "state": "GRANTED", "source": "OPERATOR"}, field(t, d, "setConsent", "consent"))
	d = e.q(t, `query($p: ID!) { consentHistory(profileId: $p, first: 10) { totalCount edges { node { purpose state source } } } }`, map[string]any{"p": annID})
	require.EqualValues(t, 4, field(t, d, "consentHistory", "totalCount"))
	// ADS gates forwarding: granted for Ann, denied by default for Bob.
	ads, err := e.cdp().Identity.AdsConsent(ctx, e.tenant, []uuid.UUID{ann.ID, bob.ID, uuid.New()})
	require.NoError(t, err)
	absorbedAds, err := e.cdp().Identity.AdsConsent(ctx, e.tenant, []uuid.UUID{absorbed})
	require.True(t, absorbedAds[absorbed], "an absorbed id answers for the person")
	require.NoError(t, err)
	require.Equal(t, map[uuid.UUID]bool{ann.ID: true, bob.ID: false}, map[uuid.UUID]bool{ann.ID: ads[ann.ID], bob.ID: ads[bob.ID]})
	require.Len(t, ads, 3)

	// The export: Ann's data, none of Bob's, for its requester only.
	d = e.q(t, `mutation($p: ID!) { exportProfileData(input: {profileId: $p}) { request { id kind status requestedByMe } userErrors { code } } }`,
		map[string]any{"p": annID})
	exp := field(t, d, "exportProfileData", "request").(map[string]any)
	require.Equal(t, "EXPORT", exp["kind"])
	require.Equal(t, true, exp["requestedByMe"])
	done := e.waitRequest(t, str(exp["id"]))
	require.EqualValues(t, 1, done["progress"])
	link := str(done["downloadUrl"])
	require.True(t, strings.HasPrefix(link, "/privacy/exports/"), "%v", done)
	get := func(url string, user uuid.UUID) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+url, nil)
		for k, v := range e.h(user) {
			req.Header[k] = v
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	status, body := get(link, e.user)
	require.Equal(t, http.StatusOK, status, body)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &doc))
	for _, want := range []string{ann.ID.String(), absorbed.String(), "ann-user-7q", "ann-anon-7q", "ann-phone-7q", "ann-7q@example.com",
		"ann-msg-0", "ann-msg-1", "ann-msg-2", "ann-msg-3", "ann-msg-4",
		"ann-plan-7q", `"purpose":"ADS"`, `"purpose":"EMAIL"`} {
		require.Contains(t, body, want)
	}
	require.Len(t, doc["events"], 5)
	require.Len(t, doc["mergeHistory"], 1)
	require.Len(t, doc["consentHistory"], 4)
	for _, other := range []string{bob.ID.String(), "bob-user-7q", "bob-msg-1", "bob-7q@example.com"} {
		require.NotContains(t, body, other)
	}
	// What was computed of her: the trait, her RFM scores, the segment she
	// is in and the one she left (each of her profiles', none of Bob's).
	annIDs := map[string]bool{ann.ID.String(): true, absorbed.String(): true}
	for _, sec := range []string{"computedTraits", "rfm", "segmentMemberships"} {
		for _, r := range doc[sec].([]any) {
			require.True(t, annIDs[str(r.(map[string]any)["profileId"])], "%s: %v", sec, r)
		}
	}
	require.Len(t, doc["computedTraits"], 1, "%v", doc["computedTraits"])
	trait := doc["computedTraits"].([]any)[0].(map[string]any)
	require.Equal(t, derived.trait, trait["name"])
	require.EqualValues(t, 1, trait["value"])
	require.NotEmpty(t, trait["computedAt"])
	require.Len(t, doc["rfm"], 1, "%v", doc["rfm"])
	rfm := doc["rfm"].([]any)[0].(map[string]any)
	require.Equal(t, ann.ID.String(), rfm["profileId"])
	for _, k := range []string{"recency", "frequency", "monetary"} {
		require.GreaterOrEqual(t, rfm[k].(float64), 1.0, k)
	}
	require.NotEmpty(t, rfm["cell"])
	memberships := map[string]map[string]any{}
	for _, r := range doc["segmentMemberships"].([]any) {
		memberships[str(r.(map[string]any)["segment"])] = r.(map[string]any)
	}
	require.Len(t, memberships, 2, "%v", doc["segmentMemberships"])
	require.NotEmpty(t, memberships[derived.inSegment]["enteredAt"])
	require.Nil(t, memberships[derived.inSegment]["exitedAt"])
	require.NotEmpty(t, memberships[derived.leftSegment]["exitedAt"])
	// Another member of the tenant, the requester acting in another tenant
	// or as an analyst, a forged token: 404.
	status, _ = get(link, uuid.New())
	require.Equal(t, http.StatusNotFound, status)
	for _, h := range []http.Header{{"X-Test-Tenant": {uuid.NewString()}, "X-Test-User": {e.user.String()}},
		{"X-Test-Tenant": {e.tenant.String()}, "X-Test-User": {e.user.String()}, "X-Test-Role": {"ANALYST"}}} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+link, nil)
		req.Header = h
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusNotFound, res.StatusCode)
	}
	status, _ = get(link[:len(link)-2]+"xx", e.user)
	require.Equal(t, http.StatusNotFound, status)

	// Before the deletion the scan finds Ann everywhere (the positive
	// control of the scan after it).
	annNeedles := []string{ann.ID.String(), absorbed.String(), "ann-user-7q", "ann-anon-7q", "ann-phone-7q", "ann-7q@example.com",
		"Ann-7q@Example.COM", "ann-msg-0", "ann-msg-1", "ann-msg-2", "ann-msg-3", "ann-msg-4"}
	bobNeedles := []string{bob.ID.String(), "bob-user-7q", "bob-msg-1"}
	before := scanTenant(t, e, annNeedles)
	for _, want := range []string{"cdp_profiles: " + ann.ID.String(), "cdp_identifiers: ann-user-7q", "cdp_identifiers: ann-7q@example.com",
		"cdp_events: ann-msg-2", "cdp_message_ids: ann-msg-3", "cdp_events: Ann-7q@Example.COM", "cdp_consents: " + ann.ID.String(),
		"audit_log: " + ann.ID.String(), "cdp_privacy_requests: ann-msg-1", "cdp_profile_merges: " + absorbed.String(),
		"cdp_profile_merges: ann-phone-7q", "cdp_profiles: " + absorbed.String(), "cdp_consent_history: " + ann.ID.String(),
		"cdp_computed_traits: " + ann.ID.String(), "cdp_trait_profiles: " + ann.ID.String(), "cdp_profile_rfm: " + ann.ID.String(),
		"cdp_segment_members: " + ann.ID.String(), "cdp_segment_membership_changes: " + ann.ID.String()} {
		require.Contains(t, before, want)
	}
	// Her purchase is queued for the destination's first send, or already
	// sent (the flush job runs about a second after the batch): either way
	// it names her message and the profile the purchase resolved to — hers
	// or the one merged into hers, depending on which the batch found first.
	in := func(needles ...string) bool {
		for _, table := range []string{"conversion_delivery_batches: ", "conversion_deliveries: ", "conversion_sent_requests: "} {
			for _, n := range needles {
				if slices.Contains(before, table+n) {
					return true
				}
			}
		}
		return false
	}
	require.True(t, in("ann-msg-2"), "%v", before)
	require.True(t, in(ann.ID.String(), absorbed.String()), "%v", before)

	// 24 hours after it finished the link has expired, and the periodic
	// purge removes the stored export (the same link, were the clock set
	// back, finds nothing).
	e.clock.Advance(25 * time.Hour)
	status, _ = get(link, e.user)
	require.Equal(t, http.StatusNotFound, status)
	n, err := e.srv.App.Services.Privacy.PurgeExports(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	e.clock.Advance(-25 * time.Hour)
	status, _ = get(link, e.user)
	require.Equal(t, http.StatusNotFound, status)
	require.NotContains(t, scanTenant(t, e, []string{"ann-msg-1"}), "cdp_privacy_requests: ann-msg-1")

	d = e.q(t, `mutation($p: ID!) { deleteProfile(input: {profileId: $p}) { request { id kind status } userErrors { code } } }`,
		map[string]any{"p": annID})
	del := field(t, d, "deleteProfile", "request").(map[string]any)
	done = e.waitRequest(t, str(del["id"]))
	require.Nil(t, done["profileId"])
	require.EqualValues(t, 5, done["erasedEvents"])
	require.EqualValues(t, 4, done["erasedIdentifiers"]) // user id, two anonymous ids, e-mail

	// No row of any tenant table holds Ann's id, identifiers or events;
	// Bob's are all still found.
	require.Empty(t, scanTenant(t, e, annNeedles))
	after := scanTenant(t, e, bobNeedles)
	for _, want := range []string{"cdp_profiles: " + bob.ID.String(), "cdp_identifiers: bob-user-7q", "cdp_events: bob-msg-1", "cdp_message_ids: bob-msg-1"} {
		require.Contains(t, after, want)
	}
	// Bob's computed data stays: his membership of the segment Ann left.
	for _, want := range []string{"cdp_segment_members: " + bob.ID.String(), "cdp_segment_membership_changes: " + bob.ID.String(),
		"cdp_trait_profiles: " + bob.ID.String()} {
		require.Contains(t, after, want)
	}
	d = e.q(t, `query($s: ID!) { segment(id: $s) { size } }`, map[string]any{"s": derived.inSegmentID})
	require.EqualValues(t, 0, field(t, d, "segment", "size"), "Ann's segment is empty without her")
	d = e.q(t, `query($s: ID!) { segment(id: $s) { size } }`, map[string]any{"s": derived.leftSegmentID})
	require.EqualValues(t, 1, field(t, d, "segment", "size"), "Bob")
	res := e.srv.Query(t, `query($p: ID!) { profile(id: $p) { id } }`, map[string]any{"p": annID}, e.h(e.user))
	require.Nil(t, res.Data["profile"])
	// The earlier export is gone with her.
	d = e.q(t, `{ privacyRequests(first: 10) { edges { node { kind profileId exportBytes downloadUrl } } } }`, nil)
	for _, edge := range field(t, d, "privacyRequests", "edges").([]any) {
		n := edge.(map[string]any)["node"].(map[string]any)
		require.Nil(t, n["downloadUrl"])
		require.Nil(t, n["profileId"])
	}
	status, _ = get(link, e.user)
	require.Equal(t, http.StatusNotFound, status)

	// A later event for her e-mail is dropped and counted; one for someone
	// else is kept.
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": []any{
		map[string]any{"type": "identify", "messageId": "late-ann", "anonymousId": "fresh-anon-7q", "timestamp": "2026-12-02T10:00:00Z",
			"traits": map[string]any{"email": "ANN-7q@example.com"}},
		map[string]any{"type": "identify", "messageId": "late-carl", "userId": "carl-user-7q", "timestamp": "2026-12-02T10:00:00Z"},
	}}))
	e.waitProcessed(t, e.tenant)
	stored := e.byMessage(t, e.tenant)
	require.NotContains(t, stored, "late-ann")
	require.Contains(t, stored, "late-carl")
	e.profileOf(t, e.tenant, cdp.Identifier{Type: cdp.IdentifierUserID, Value: "carl-user-7q"})
	_, err = e.cdp().Identity.Lookup(ctx, e.tenant, cdp.Identifier{Type: cdp.IdentifierAnonymousID, Value: "fresh-anon-7q"})
	require.Error(t, err, "the dropped event made no profile")
	d = e.q(t, `{ privacySuppressions { identifiers droppedEvents lastDroppedAt } }`, nil)
	require.EqualValues(t, 4, field(t, d, "privacySuppressions", "identifiers"))
	require.EqualValues(t, 1, field(t, d, "privacySuppressions", "droppedEvents"))
	require.Empty(t, scanTenant(t, e, annNeedles))
}

func TestPrivacyRequestsRefuseBadInput(t *testing.T) {
	t.Parallel()
	e := setupPrivacy(t)
	for _, c := range []struct {
		query string
		vars  map[string]any
		code  string
		field []any
	}{
		{`mutation($p: ID!) { deleteProfile(input: {profileId: $p}) { request { id } userErrors { field code } } }`,
			map[string]any{"p": "nope"}, "BAD_USER_INPUT", []any{"input", "profileId"}},
		{`mutation($p: ID!) { exportProfileData(input: {profileId: $p}) { request { id } userErrors { field code } } }`,
			map[string]any{"p": relay.GlobalID(relay.TypeProfile, uuid.New())}, "NOT_FOUND", nil},
		{`mutation($p: ID!) { setConsent(input: {profileId: $p, purpose: ADS, granted: true}) { consent { state } userErrors { field code } } }`,
			map[string]any{"p": relay.GlobalID(relay.TypeSource, uuid.New())}, "BAD_USER_INPUT", []any{"input", "profileId"}},
	} {
		res := e.srv.Query(t, c.query, c.vars, e.h(e.user))
		require.Empty(t, res.Errors)
		var ue []any
		for _, v := range res.Data {
			ue = v.(map[string]any)["userErrors"].([]any)
		}
		require.Len(t, ue, 1, c.query)
		require.Equal(t, c.code, ue[0].(map[string]any)["code"], c.query)
		if c.field != nil {
			require.Equal(t, c.field, ue[0].(map[string]any)["field"], c.query)
		}
	}
	res := e.srv.Query(t, `{ privacyRequests(first: 101) { totalCount } }`, nil, e.h(e.user))
	require.Equal(t, "BAD_USER_INPUT", res.Code())
	d := e.q(t, `{ privacyRequests(first: 10) { totalCount } privacySuppressions { identifiers droppedEvents } }`, nil)
	require.EqualValues(t, 0, field(t, d, "privacyRequests", "totalCount"))
}
