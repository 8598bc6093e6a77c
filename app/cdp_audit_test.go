package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/relay"
)

// auditRow is an audit_log row as these tests read it.
type auditRow struct {
	Action     string    `bun:"action"`
	ActorType  string    `bun:"actor_type"`
	TargetType string    `bun:"target_type"`
	TargetID   uuid.UUID `bun:"target_id"`
	Details    string    `bun:"details"`
}

// Creating a source, switching it off and rotating its key each write an
// audit entry naming the source (by id, name and key prefix) and the user,
// in the mutation's transaction; no entry holds a write key, and a
// mutation that fails writes none.
func TestSourceChangesAreAudited(t *testing.T) {
	e := setupIngest(t)
	h := http.Header{"X-Test-Tenant": {e.tenant.String()}}
	entries := func() (out []auditRow) {
		require.NoError(t, e.tdb.DB.InTenant(context.Background(), e.tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT action, actor_type, target_type, target_id, details::text FROM audit_log
				WHERE action LIKE 'source.%' ORDER BY created_at, action`).Scan(ctx, &out)
		}))
		return out
	}
	fixture := entries()
	require.Len(t, fixture, 1, "the fixture's source (created through the service) is audited too")
	require.Equal(t, "source.create", fixture[0].Action)

	e.clock.Advance(time.Minute)
	r := e.srv.Query(t, `mutation { createSource(input: {name: "Shop", rateLimitPerSecond: 200}) { source { id } writeKey userErrors { code } } }`, nil, h)
	key1 := str(field(t, r.Data, "createSource", "writeKey"))
	gid := str(field(t, r.Data, "createSource", "source", "id"))
	id, err := relay.ParseTypedID(gid, relay.TypeSource, "id")
	require.NoError(t, err)
	e.clock.Advance(time.Minute)
	r = e.srv.Query(t, `mutation($id: ID!) { setSourceEnabled(input: {id: $id, enabled: false}) { source { enabled } } }`, map[string]any{"id": gid}, h)
	require.Equal(t, false, field(t, r.Data, "setSourceEnabled", "source", "enabled"))
	e.clock.Advance(time.Minute)
	r = e.srv.Query(t, `mutation($id: ID!) { rotateSourceWriteKey(input: {id: $id}) { writeKey source { writeKeyPrefix } } }`, map[string]any{"id": gid}, h)
	key2 := str(field(t, r.Data, "rotateSourceWriteKey", "writeKey"))
	prefix2 := str(field(t, r.Data, "rotateSourceWriteKey", "source", "writeKeyPrefix"))

	// Failures write nothing: an unknown source, a bad name.
	e.clock.Advance(time.Minute)
	missing := relay.GlobalID(relay.TypeSource, uuid.New())
	r = e.srv.Query(t, `mutation($id: ID!) { setSourceEnabled(input: {id: $id, enabled: true}) { userErrors { code } } }`, map[string]any{"id": missing}, h)
	require.Equal(t, "NOT_FOUND", field(t, r.Data, "setSourceEnabled", "userErrors").([]any)[0].(map[string]any)["code"])
	r = e.srv.Query(t, `mutation($id: ID!) { rotateSourceWriteKey(input: {id: $id}) { userErrors { code } } }`, map[string]any{"id": missing}, h)
	require.NotEmpty(t, field(t, r.Data, "rotateSourceWriteKey", "userErrors"))
	r = e.srv.Query(t, `mutation { createSource(input: {name: ""}) { userErrors { code } } }`, nil, h)
	require.NotEmpty(t, field(t, r.Data, "createSource", "userErrors"))

	got := entries()[1:]
	require.Len(t, got, 3)
	for i, want := range []struct{ action, details string }{
		{"source.create", `"rateLimitPerSecond": 200`},
		{"source.set_enabled", `"enabled": false`},
		{"source.rotate_write_key", `"writeKeyPrefix": "` + prefix2 + `"`},
	} {
		g := got[i]
		require.Equal(t, want.action, g.Action)
		require.Equal(t, "USER", g.ActorType)
		require.Equal(t, relay.TypeSource, g.TargetType)
		require.Equal(t, id, g.TargetID)
		require.Contains(t, g.Details, `"name": "Shop"`)
		require.Contains(t, g.Details, want.details)
		require.NotContains(t, g.Details, key1[cdp.WriteKeyPrefixLen:], "never the key")
		require.NotContains(t, g.Details, key2[cdp.WriteKeyPrefixLen:], "never the key")
	}
}
