package app_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// Secrets of the tests' credentials: none may appear in a response, an
// error, the audit log or the server's logs.
const (
	metaToken      = "EAAGsecretMetaToken0123456789"
	googleDevToken = "devSecretTokenABC123"
	googleRefresh  = "1//refreshSecretXYZ987"
	tiktokToken    = "ttSecretAccessToken4242"
	snapToken      = "snapSecretAccessToken777"
)

var secrets = []string{metaToken, googleDevToken, googleRefresh, tiktokToken, snapToken}

// stubSender stands in for a platform's conversion API client: it records
// what it is given and answers as told.
type stubSender struct {
	platform string
	mu       sync.Mutex
	calls    []stubCall
	answer   func(d conversions.Destination) (conversions.Result, error)
}

type stubCall struct {
	Dest   conversions.Destination
	Events []conversions.Event
}

func (s *stubSender) Platform() string                          { return s.platform }
func (s *stubSender) MaxBatch() int                             { return 1000 }
func (s *stubSender) MaxAge() time.Duration                     { return 7 * 24 * time.Hour }
func (s *stubSender) Check(conversions.Event, time.Time) string { return "" }
func (s *stubSender) Send(_ context.Context, d conversions.Destination, evs []conversions.Event) (conversions.Result, error) {
	s.mu.Lock()
	s.calls = append(s.calls, stubCall{Dest: d, Events: evs})
	answer := s.answer
	s.mu.Unlock()
	if answer != nil {
		return answer(d)
	}
	out := conversions.Result{HTTPStatus: 200, Summary: `{"events_received":1}`}
	for _, e := range evs {
		out.Outcomes = append(out.Outcomes, conversions.Outcome{Key: e.Key, Status: conversions.StatusSent})
	}
	return out, nil
}

func (s *stubSender) Calls() []stubCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]stubCall(nil), s.calls...)
}

type capiEnv struct {
	srv    *apptest.Server
	tdb    *testdb.DB
	clock  *clock.Manual
	tenant uuid.UUID
	h      http.Header
	meta   *stubSender
}

// setupCAPI starts a server whose Meta sender is a stub, for a
// Professional tenant (capi on by its plan, 10 destinations).
func setupCAPI(t *testing.T) *capiEnv {
	t.Helper()
	e := &capiEnv{tdb: testdb.New(t), clock: clock.NewManual(cdpT0), meta: &stubSender{platform: "META"}}
	e.srv = apptest.Start(t, apptest.Config(t, e.tdb, nil), func(a *app.App) {
		a.Resolver.Auth = roleAuth{}
		a.DB.Clock = e.clock
		a.Services.ConversionDestinations.Senders["META"] = e.meta
		// A platform without a sender (none is missing in production:
		// app.conversionSenders registers all four) answers its test so.
		delete(a.Services.ConversionDestinations.Senders, "SNAPCHAT")
	})
	e.tenant = testdb.MustInsertTenant(t, e.tdb.DB, testdb.Tenant{Plan: "professional"})
	e.h = http.Header{"X-Test-Tenant": {e.tenant.String()}}
	return e
}

const destFields = `id platform name credentialKeys baseUrl testEventCode eventMappings { source target value currency contentIds orderId }
	limitedDataUse legitimateInterest enabled createdAt updatedAt`

const destCreate = `mutation($i: CreateConversionDestinationInput!) { createConversionDestination(input: $i) {
	destination { ` + destFields + ` } userErrors { field message code } } }`

const destUpdate = `mutation($i: UpdateConversionDestinationInput!) { updateConversionDestination(input: $i) {
	destination { ` + destFields + ` } userErrors { field message code } } }`

const destTest = `mutation($id: ID!) { testConversionDestination(input: {id: $id}) { result { ok httpStatus message latencyMs testEventCode } userErrors { field message code } } }`

func validInputs() map[string]map[string]any {
	return map[string]map[string]any{
		"META": {"platform": "META", "name": "Meta pixel", "credentials": map[string]any{"pixelId": "1234567890", "accessToken": metaToken}},
		"GOOGLE": {"platform": "GOOGLE", "name": "Google purchases", "credentials": map[string]any{"customerId": "123-456-7890",
			"conversionActionId": "987654", "developerToken": googleDevToken, "refreshToken": googleRefresh}},
		"TIKTOK":   {"platform": "TIKTOK", "name": "TikTok pixel", "credentials": map[string]any{"pixelCode": "C4ABCDEF12", "accessToken": tiktokToken}},
		"SNAPCHAT": {"platform": "SNAPCHAT", "name": "Snap pixel", "credentials": map[string]any{"pixelId": "3f1a2b4c-5d6e-7f80-9a1b-2c3d4e5f6a7b", "accessToken": snapToken}},
	}
}

func (e *capiEnv) create(t *testing.T, in map[string]any) (dest map[string]any, userErrors []any) {
	t.Helper()
	res := e.srv.Query(t, destCreate, map[string]any{"i": in}, e.h)
	require.Empty(t, res.Errors)
	d, _ := field(t, res.Data, "createConversionDestination", "destination").(map[string]any)
	ue, _ := field(t, res.Data, "createConversionDestination", "userErrors").([]any)
	e.noSecrets(t, rawOf(t, res.Data))
	return d, ue
}

func (e *capiEnv) noSecrets(t *testing.T, text string) {
	t.Helper()
	require.NotEmpty(t, text, "nothing to look in (control)")
	for _, s := range secrets {
		require.NotContains(t, text, s)
	}
}

func (e *capiEnv) count(t *testing.T) float64 {
	t.Helper()
	res := e.srv.Query(t, `{ conversionDestinations(first: 50) { totalCount } }`, nil, e.h)
	require.Empty(t, res.Errors)
	return field(t, res.Data, "conversionDestinations", "totalCount").(float64)
}

// scan runs query in the tenant's transaction.
func (e *capiEnv) scan(t *testing.T, query string, args []any, dest ...any) {
	t.Helper()
	require.NoError(t, e.tdb.DB.InTenant(context.Background(), e.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(query, args...).Scan(ctx, dest...)
	}))
}

// auditText is the tenant's audit entries of destinations as text.
func (e *capiEnv) auditText(t *testing.T) string {
	t.Helper()
	var rows []string
	e.scan(t, `SELECT action || ' ' || coalesce(details::text, '') FROM audit_log WHERE tenant_id = ? AND action LIKE 'conversion_destination.%' ORDER BY created_at`,
		[]any{e.tenant}, &rows)
	return strings.Join(rows, "\n")
}

// One destination per platform: created with its credentials, which come
// back only as keys, listed and read back; the secrets are in no answer,
// no audit entry and no error text (what the server logs).
func TestConversionDestinationPerPlatform(t *testing.T) {
	t.Parallel()
	e := setupCAPI(t)
	want := map[string][]any{
		"META":     {"accessToken", "pixelId"},
		"GOOGLE":   {"conversionActionId", "customerId", "developerToken", "refreshToken"},
		"TIKTOK":   {"accessToken", "pixelCode"},
		"SNAPCHAT": {"accessToken", "pixelId"},
	}
	for p, in := range validInputs() {
		d, ue := e.create(t, in)
		require.Empty(t, ue, p)
		require.Equal(t, p, d["platform"])
		require.Equal(t, want[p], d["credentialKeys"], p)
		require.Equal(t, true, d["enabled"])
		res := e.srv.Query(t, `query($id: ID!) { conversionDestination(id: $id) { `+destFields+` } }`, map[string]any{"id": d["id"]}, e.h)
		require.Empty(t, res.Errors)
		require.Equal(t, d["name"], field(t, res.Data, "conversionDestination", "name"))
		e.noSecrets(t, rawOf(t, res.Data))
	}
	require.EqualValues(t, 4, e.count(t))
	res := e.srv.Query(t, `{ conversionDestinations(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { `+destFields+` } } } }`, nil, e.h)
	require.Empty(t, res.Errors)
	require.Equal(t, true, field(t, res.Data, "conversionDestinations", "pageInfo", "hasNextPage"))
	e.noSecrets(t, rawOf(t, res.Data))

	audit := e.auditText(t)
	require.Equal(t, 4, strings.Count(audit, "conversion_destination.create"), audit)
	require.Contains(t, audit, "accessToken", "the audit names the keys (control)")
	e.noSecrets(t, audit)
	var stored []byte
	e.scan(t, `SELECT credentials FROM conversion_destinations WHERE tenant_id = ? AND platform = 'META'`, []any{e.tenant}, &stored)
	require.NotContains(t, string(stored), metaToken, "sealed at rest")

	// The server logs only unexpected errors (the error presenter logs an
	// INTERNAL error's text): credentials that no longer open make an
	// update INTERNAL, whose text names no value sent.
	const newToken = "EAAGnewSecretToken98765"
	e.scan(t, `UPDATE conversion_destinations SET credentials = 'not sealed' WHERE tenant_id = ? AND platform = 'META' RETURNING 1`, []any{e.tenant}, new(int))
	var metaID any
	res = e.srv.Query(t, `{ conversionDestinations(first: 10) { edges { node { id platform } } } }`, nil, e.h)
	for _, ed := range field(t, res.Data, "conversionDestinations", "edges").([]any) {
		if n := ed.(map[string]any)["node"].(map[string]any); n["platform"] == "META" {
			metaID = n["id"]
		}
	}
	res = e.srv.Query(t, destUpdate, map[string]any{"i": map[string]any{"id": metaID, "credentials": map[string]any{"accessToken": newToken}}}, e.h)
	require.Equal(t, "INTERNAL", res.Code())
	require.NotContains(t, rawOf(t, map[string]any{"e": res.Errors}), newToken)
	_, id, err := relay.ParseGlobalID(str(metaID))
	require.NoError(t, err)
	_, err = e.srv.App.Services.ConversionDestinations.Update(context.Background(), e.tenant, id,
		conversions.DestinationPatch{Credentials: map[string]string{"accessToken": newToken}})
	require.ErrorContains(t, err, "open the credentials", "the error the presenter logs (control)")
	require.NotContains(t, err.Error(), newToken)
	e.noSecrets(t, err.Error())

	// SIMULATOR has no conversion API.
	in := validInputs()["META"]
	in["platform"] = "SIMULATOR"
	_, ue := e.create(t, in)
	require.Len(t, ue, 1)
	require.Equal(t, "BAD_USER_INPUT", ue[0].(map[string]any)["code"])
	require.Equal(t, []any{"input", "platform"}, ue[0].(map[string]any)["field"])
}

// Bad input: BAD_USER_INPUT at the field's path, never echoing a value,
// nothing saved; the valid input (the positive control) is saved.
func TestConversionDestinationValidation(t *testing.T) {
	t.Parallel()
	e := setupCAPI(t)
	long := strings.Repeat("a", conversions.MaxCredentialValue+1)
	cases := []struct {
		name     string
		platform string
		change   func(in map[string]any, creds map[string]any)
		path     []any
	}{
		{"meta pixel not digits", "META", func(_, c map[string]any) { c["pixelId"] = "pix-" + metaToken }, []any{"input", "credentials", "pixelId"}},
		{"unknown key", "META", func(_, c map[string]any) { c["appSecret"] = metaToken }, []any{"input", "credentials", "appSecret"}},
		{"missing token", "META", func(_, c map[string]any) { delete(c, "accessToken") }, []any{"input", "credentials", "accessToken"}},
		{"token too long", "META", func(_, c map[string]any) { c["accessToken"] = long }, []any{"input", "credentials", "accessToken"}},
		{"token with a space", "META", func(_, c map[string]any) { c["accessToken"] = metaToken + " x" }, []any{"input", "credentials", "accessToken"}},
		{"not a string", "META", func(_, c map[string]any) { c["pixelId"] = 123 }, []any{"input", "credentials", "pixelId"}},
		{"google customer id", "GOOGLE", func(_, c map[string]any) { c["customerId"] = "12345" }, []any{"input", "credentials", "customerId"}},
		{"google two auths", "GOOGLE", func(_, c map[string]any) { c["accessToken"] = metaToken }, []any{"input", "credentials", "accessToken"}},
		{"google no auth", "GOOGLE", func(_, c map[string]any) { delete(c, "refreshToken") }, []any{"input", "credentials", "refreshToken"}},
		{"google unknown connection", "GOOGLE", func(_, c map[string]any) {
			delete(c, "refreshToken")
			c["connectionId"] = relay.GlobalID(relay.TypePlatformConnection, uuid.New())
		}, []any{"input", "credentials", "connectionId"}},
		{"snapchat pixel", "SNAPCHAT", func(_, c map[string]any) { c["pixelId"] = "12345" }, []any{"input", "credentials", "pixelId"}},
		{"tiktok pixel code", "TIKTOK", func(_, c map[string]any) { c["pixelCode"] = "C4/../x" }, []any{"input", "credentials", "pixelCode"}},
		{"http base url", "META", func(in, _ map[string]any) { in["baseUrl"] = "http://example.com" }, []any{"input", "baseUrl"}},
		{"private base url", "META", func(in, _ map[string]any) { in["baseUrl"] = "https://10.0.0.1/graph" }, []any{"input", "baseUrl"}},
		{"base url with query", "META", func(in, _ map[string]any) { in["baseUrl"] = "https://graph.example.com/?a=1" }, []any{"input", "baseUrl"}},
		{"empty name", "META", func(in, _ map[string]any) { in["name"] = " " }, []any{"input", "name"}},
		{"test event code", "META", func(in, _ map[string]any) { in["testEventCode"] = "TEST 1!" }, []any{"input", "testEventCode"}},
	}
	for _, c := range cases {
		in := validInputs()[c.platform]
		c.change(in, in["credentials"].(map[string]any))
		d, ue := e.create(t, in)
		require.Nil(t, d, c.name)
		require.Len(t, ue, 1, c.name)
		u := ue[0].(map[string]any)
		require.Equal(t, "BAD_USER_INPUT", u["code"], c.name)
		require.Equal(t, c.path, u["field"], "%s: %s", c.name, u["message"])
		require.NotContains(t, u["message"], long[:50], c.name)
	}
	// Credentials that are not an object at all.
	in := validInputs()["META"]
	in["credentials"] = metaToken
	res := e.srv.Query(t, destCreate, map[string]any{"i": in}, e.h)
	require.Equal(t, "BAD_USER_INPUT", res.Code())
	e.noSecrets(t, rawOf(t, map[string]any{"e": res.Errors}))
	require.EqualValues(t, 0, e.count(t), "nothing saved")

	// Positive control: each valid input, with a loopback http base URL
	// (a local test server, accepted outside production) and mappings.
	in = validInputs()["META"]
	in["baseUrl"] = "http://127.0.0.1:9999/meta/"
	in["testEventCode"] = "TEST12345"
	in["eventMappings"] = []any{map[string]any{"source": "Checkout Done", "target": "Purchase", "value": "properties.total"}}
	d, ue := e.create(t, in)
	require.Empty(t, ue)
	require.Equal(t, "http://127.0.0.1:9999/meta", d["baseUrl"])
	require.Equal(t, "TEST12345", d["testEventCode"])
	require.Equal(t, "properties.total", d["eventMappings"].([]any)[0].(map[string]any)["value"])
	for _, p := range []string{"GOOGLE", "SNAPCHAT", "TIKTOK"} {
		_, ue := e.create(t, validInputs()[p])
		require.Empty(t, ue, p)
	}
	require.EqualValues(t, 4, e.count(t))
}

// update merges credentials (a value replaces, "" removes, others kept),
// refuses a merged set that is not valid, records who set legitimate
// interest; delete removes.
func TestConversionDestinationUpdateAndDelete(t *testing.T) {
	t.Parallel()
	e := setupCAPI(t)
	g, ue := e.create(t, validInputs()["GOOGLE"])
	require.Empty(t, ue)
	id := g["id"]
	update := func(in map[string]any) (map[string]any, []any) {
		in["id"] = id
		res := e.srv.Query(t, destUpdate, map[string]any{"i": in}, e.h)
		require.Empty(t, res.Errors)
		e.noSecrets(t, rawOf(t, res.Data))
		d, _ := field(t, res.Data, "updateConversionDestination", "destination").(map[string]any)
		ue, _ := field(t, res.Data, "updateConversionDestination", "userErrors").([]any)
		return d, ue
	}
	// Removing the only authorisation leaves an invalid set: refused.
	d, ue := update(map[string]any{"credentials": map[string]any{"refreshToken": ""}})
	require.Nil(t, d)
	require.Equal(t, []any{"input", "credentials", "refreshToken"}, ue[0].(map[string]any)["field"])
	// Swap it for an access token in one update: accepted.
	d, ue = update(map[string]any{"credentials": map[string]any{"refreshToken": "", "accessToken": "ya29.newAccessToken"},
		"name": "Renamed", "legitimateInterest": true, "enabled": false})
	require.Empty(t, ue)
	require.Equal(t, []any{"accessToken", "conversionActionId", "customerId", "developerToken"}, d["credentialKeys"])
	require.Equal(t, "Renamed", d["name"])
	require.Equal(t, true, d["legitimateInterest"])
	require.Equal(t, false, d["enabled"])
	var setAt *time.Time
	var setBy *uuid.UUID
	e.scan(t, `SELECT legitimate_interest_set_at, legitimate_interest_set_by FROM conversion_destinations WHERE tenant_id = ?`, []any{e.tenant}, &setAt, &setBy)
	require.NotNil(t, setAt)
	require.NotNil(t, setBy)
	// The stored customer id lost its dashes; the untouched keys are kept.
	_, did, err := relay.ParseGlobalID(str(id))
	require.NoError(t, err)
	svc := e.srv.App.Services.ConversionDestinations
	stored, err := svc.Get(context.Background(), e.tenant, did)
	require.NoError(t, err)
	opened, err := svc.Open(context.Background(), stored)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"customerId": "1234567890", "conversionActionId": "987654", "developerToken": googleDevToken,
		"accessToken": "ya29.newAccessToken"}, opened.Credentials)

	// An unknown key in an update is refused at its path, even to remove it.
	_, ue = update(map[string]any{"credentials": map[string]any{"pixelId": "1"}})
	require.Equal(t, []any{"input", "credentials", "pixelId"}, ue[0].(map[string]any)["field"])
	_, ue = update(map[string]any{"credentials": map[string]any{"pixelCode": ""}})
	require.Equal(t, []any{"input", "credentials", "pixelCode"}, ue[0].(map[string]any)["field"])

	res := e.srv.Query(t, `mutation($id: ID!) { deleteConversionDestination(input: {id: $id}) { deletedDestinationId userErrors { code } } }`, map[string]any{"id": id}, e.h)
	require.Empty(t, res.Errors)
	require.Equal(t, id, field(t, res.Data, "deleteConversionDestination", "deletedDestinationId"))
	require.EqualValues(t, 0, e.count(t))
	res = e.srv.Query(t, `mutation($id: ID!) { deleteConversionDestination(input: {id: $id}) { deletedDestinationId userErrors { code } } }`, map[string]any{"id": id}, e.h)
	require.Equal(t, "NOT_FOUND", field(t, res.Data, "deleteConversionDestination", "userErrors").([]any)[0].(map[string]any)["code"])
	audit := e.auditText(t)
	require.Contains(t, audit, "conversion_destination.update")
	require.Contains(t, audit, "conversion_destination.delete")
	e.noSecrets(t, audit)
	require.NotContains(t, audit, "ya29.newAccessToken")
}

// The plan's destination limit holds under concurrent creations (Starter
// with the capi flag forced on: 1 destination), and a deleted destination
// gives its unit back. Without the flag: FEATURE_DISABLED.
func TestConversionDestinationLimitAndFlag(t *testing.T) {
	t.Parallel()
	e := setupCAPI(t)
	starter := testdb.MustInsertTenant(t, e.tdb.DB, testdb.Tenant{})
	e.tenant, e.h = starter, http.Header{"X-Test-Tenant": {starter.String()}}
	res := e.srv.Query(t, destCreate, map[string]any{"i": validInputs()["META"]}, e.h)
	require.Equal(t, "FEATURE_DISABLED", res.Code(), "Starter has no capi")

	on := true
	_, err := e.srv.App.Services.Billing.SetFlag(t.Context(), billing.Operator{Email: "ops@test"},
		billing.FlagChange{Tenant: starter, Flag: string(billing.CAPI), Enabled: &on, Reason: "destination limit test"})
	require.NoError(t, err)
	var mu sync.Mutex
	var ids []any
	refused := 0
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			d, ue := e.create(t, validInputs()["TIKTOK"])
			mu.Lock()
			defer mu.Unlock()
			if d != nil {
				ids = append(ids, d["id"])
				return
			}
			require.Equal(t, "BAD_USER_INPUT", ue[0].(map[string]any)["code"])
			require.Contains(t, ue[0].(map[string]any)["message"], "destination")
			refused++
		})
	}
	wg.Wait()
	require.Len(t, ids, 1)
	require.Equal(t, 4, refused)
	require.EqualValues(t, 1, e.count(t))
	res = e.srv.Query(t, `mutation($id: ID!) { deleteConversionDestination(input: {id: $id}) { deletedDestinationId } }`, map[string]any{"id": ids[0]}, e.h)
	require.Empty(t, res.Errors)
	d, ue := e.create(t, validInputs()["META"])
	require.Empty(t, ue, "the deleted destination's unit was given back")
	require.NotNil(t, d)
	_, ue = e.create(t, validInputs()["SNAPCHAT"])
	require.NotEmpty(t, ue)
}

// testConversionDestination sends one test event through the platform's
// sender (value 0, marked with a test code), returns its answer in the
// platform's words without secrets, and is rate-limited per destination:
// of concurrent tests one sends, the others are THROTTLED.
func TestConversionDestinationTestEvent(t *testing.T) {
	t.Parallel()
	e := setupCAPI(t)
	d, ue := e.create(t, validInputs()["META"])
	require.Empty(t, ue)
	id := d["id"]

	res := e.srv.Query(t, destTest, map[string]any{"id": id}, e.h)
	require.Empty(t, res.Errors)
	r := field(t, res.Data, "testConversionDestination", "result").(map[string]any)
	require.Equal(t, true, r["ok"])
	require.EqualValues(t, 200, r["httpStatus"])
	require.Equal(t, `{"events_received":1}`, r["message"])
	require.NotNil(t, r["latencyMs"])
	calls := e.meta.Calls()
	require.Len(t, calls, 1)
	c := calls[0]
	require.Equal(t, metaToken, c.Dest.Credentials["accessToken"], "the sender gets the opened credentials")
	require.Equal(t, "1234567890", c.Dest.Credentials["pixelId"])
	require.Regexp(t, `^TEST[0-9]{5}$`, c.Dest.TestEventCode)
	require.Equal(t, r["testEventCode"], c.Dest.TestEventCode)
	require.Len(t, c.Events, 1)
	require.Equal(t, "Purchase", c.Events[0].Name)
	require.EqualValues(t, 0, *c.Events[0].ValueMicros)
	require.True(t, strings.HasPrefix(c.Events[0].EventID, "stratum-test-"))

	// Again at once: THROTTLED, nothing sent.
	res = e.srv.Query(t, destTest, map[string]any{"id": id}, e.h)
	require.Equal(t, "THROTTLED", res.Code())
	require.Len(t, e.meta.Calls(), 1)

	// 10 s later, concurrent tests: exactly one is sent. The platform
	// refuses it with a message that quotes the token: it comes back
	// redacted.
	e.meta.mu.Lock()
	e.meta.answer = func(conversions.Destination) (conversions.Result, error) {
		return conversions.Result{HTTPStatus: 400, Summary: "400",
			Outcomes: []conversions.Outcome{{Status: conversions.StatusFailed, Code: "190", Message: "Invalid OAuth access token - Cannot parse access token " + metaToken}}}, nil
	}
	e.meta.mu.Unlock()
	e.clock.Advance(10 * time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var answers []map[string]any
	throttled := 0
	for range 4 {
		wg.Go(func() {
			res := e.srv.Query(t, destTest, map[string]any{"id": id}, e.h)
			mu.Lock()
			defer mu.Unlock()
			if res.Code() == "THROTTLED" {
				throttled++
				return
			}
			require.Empty(t, res.Errors)
			answers = append(answers, field(t, res.Data, "testConversionDestination", "result").(map[string]any))
		})
	}
	wg.Wait()
	require.Len(t, answers, 1)
	require.Equal(t, 3, throttled)
	require.Len(t, e.meta.Calls(), 2)
	r = answers[0]
	require.Equal(t, false, r["ok"])
	require.EqualValues(t, 400, r["httpStatus"])
	require.Contains(t, r["message"], "Invalid OAuth access token")
	require.NotContains(t, r["message"], metaToken)

	// A platform without a sender says so, sending nothing.
	s, ue := e.create(t, validInputs()["SNAPCHAT"])
	require.Empty(t, ue)
	res = e.srv.Query(t, destTest, map[string]any{"id": s["id"]}, e.h)
	require.Empty(t, res.Errors)
	r = field(t, res.Data, "testConversionDestination", "result").(map[string]any)
	require.Equal(t, false, r["ok"])
	require.Nil(t, r["httpStatus"])
	require.Contains(t, r["message"], "no sender for SNAPCHAT")

	// An unknown destination: NOT_FOUND.
	res = e.srv.Query(t, destTest, map[string]any{"id": relay.GlobalID(relay.TypeConversionDestination, uuid.New())}, e.h)
	require.Equal(t, "NOT_FOUND", field(t, res.Data, "testConversionDestination", "userErrors").([]any)[0].(map[string]any)["code"])

	audit := e.auditText(t)
	require.Equal(t, 3, strings.Count(audit, "conversion_destination.test"), audit)
	e.noSecrets(t, audit)
}
