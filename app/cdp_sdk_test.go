package app_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// sdkScript sends identify, track and alias with the official Segment and
// RudderStack Node SDKs, unmodified, configured only with this server's
// address and a write key each, and flushes. Each SDK's calls name one
// person by a user id, two anonymous ids and an e-mail that is not
// normalised; the two people share nothing.
const sdkScript = `
const { Analytics } = require('@segment/analytics-node');
const Rudder = require('@rudderstack/rudder-sdk-node');
const [url, segKey, rudKey] = process.argv.slice(2);
(async () => {
  const seg = new Analytics({ writeKey: segKey, host: url });
  seg.on('error', (e) => { console.error('segment error', e); process.exitCode = 1; });
  seg.identify({ userId: 'u-sdk', anonymousId: 'anon-sdk', traits: { email: ' Ann.SDK@Example.COM ' } });
  seg.track({ anonymousId: 'anon-sdk', event: 'Order Completed', properties: { revenue: 9.99 } });
  seg.alias({ previousId: 'anon-2', userId: 'u-sdk' });
  await seg.closeAndFlush();
  const rud = new Rudder(rudKey, { dataPlaneUrl: url, flushAt: 1 });
  const done = (what) => (err) => { if (err) { console.error('rudder ' + what, err.message); process.exitCode = 1; } };
  rud.identify({ userId: 'u-rud', anonymousId: 'anon-rud', traits: { email: ' Bob.Rudder@Example.COM ' } }, done('identify'));
  rud.track({ anonymousId: 'anon-rud', event: 'Signed Up' }, done('track'));
  rud.alias({ previousId: 'anon-rud-2', userId: 'u-rud' }, done('alias'));
  await new Promise((res) => rud.flush(res));
})().catch((e) => { console.error(e); process.exit(1); });
`

// sdkModules is the node_modules holding the SDKs: STRATUM_CDP_SDK_DIR's,
// else frontend/'s, where they are pinned devDependencies. It fails the
// test, never skips it, when Node or either SDK is missing.
func sdkModules(t *testing.T) string {
	t.Helper()
	const how = "run `cd frontend && npm ci` (the SDKs are frontend devDependencies; `make test` does it), or set STRATUM_CDP_SDK_DIR to a directory whose node_modules holds them"
	dir := os.Getenv("STRATUM_CDP_SDK_DIR")
	if dir == "" {
		dir = filepath.Join("..", "frontend") // go test runs in app/
	}
	mods, err := filepath.Abs(filepath.Join(dir, "node_modules"))
	require.NoError(t, err)
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("the official SDK test needs Node on PATH: %v", err)
	}
	for _, pkg := range []string{"@segment/analytics-node", "@rudderstack/rudder-sdk-node"} {
		if _, err := os.Stat(filepath.Join(mods, pkg, "package.json")); err != nil {
			require.True(t, errors.Is(err, os.ErrNotExist), "%v", err)
			t.Fatalf("%s is not installed in %s: %s", pkg, mods, how)
		}
	}
	return mods
}

// TestOfficialNodeSDKsDeliver runs the official SDKs (from npm, unmodified)
// against a running server: each SDK's identify, track and alias end in one
// profile holding its identifiers, the e-mail normalised, and the two SDKs'
// people stay two profiles.
func TestOfficialNodeSDKsDeliver(t *testing.T) {
	mods := sdkModules(t)
	e := setupIngest(t)
	rudSrc, rudKey := e.newSource(t, e.tenant, "Rudder")
	script := filepath.Join(t.TempDir(), "send.cjs")
	require.NoError(t, os.WriteFile(script, []byte(sdkScript), 0o600))
	cmd := exec.CommandContext(context.Background(), "node", script, e.srv.URL, e.key, rudKey)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	got := e.events(t, e.tenant)
	bySource := map[string][]string{}
	for _, ev := range got {
		name := "segment"
		if ev.SourceID == rudSrc.ID {
			name = "rudder"
		}
		bySource[name] = append(bySource[name], ev.Type)
		require.NotEmpty(t, ev.MessageID)
		require.NotNil(t, ev.Context, "the SDK's context (library) is kept")
	}
	require.ElementsMatch(t, []string{"identify", "track", "alias"}, bySource["segment"], "%s", out)
	require.ElementsMatch(t, []string{"identify", "track", "alias"}, bySource["rudder"], "%s", out)

	// The batch jobs resolve the events into profiles; read them through
	// the profiles API, searching by the normalised e-mail.
	e.waitProcessed(t, e.tenant)
	h := http.Header{"X-Test-Tenant": {e.tenant.String()}}
	profile := func(search string) (id string, identities []string, counters map[string]any) {
		t.Helper()
		res := e.srv.Query(t, `query($s: String) { profiles(filter: {search: $s}, first: 10) { totalCount
			edges { node { id counters { eventCount purchaseCount revenueMicros } identities { type value } } } } }`, map[string]any{"s": search}, h)
		require.Empty(t, res.Errors)
		require.EqualValues(t, 1, field(t, res.Data, "profiles", "totalCount"), "one profile holds %s", search)
		node := field(t, res.Data, "profiles", "edges").([]any)[0].(map[string]any)["node"].(map[string]any)
		counters = node["counters"].(map[string]any)
		require.EqualValues(t, 3, counters["eventCount"], "identify, track and alias count on %s's profile", search)
		for _, v := range node["identities"].([]any) {
			m := v.(map[string]any)
			identities = append(identities, str(m["type"])+" "+str(m["value"]))
		}
		return str(node["id"]), identities, counters
	}
	seg, segIDs, segCounters := profile("ann.sdk@example.com")
	require.ElementsMatch(t, []string{"USER_ID u-sdk", "ANONYMOUS_ID anon-sdk", "ANONYMOUS_ID anon-2",
		"EMAIL ann.sdk@example.com"}, segIDs)
	require.EqualValues(t, 1, segCounters["purchaseCount"])
	require.Equal(t, "9990000", segCounters["revenueMicros"])
	rud, rudIDs, rudCounters := profile("bob.rudder@example.com")
	require.ElementsMatch(t, []string{"USER_ID u-rud", "ANONYMOUS_ID anon-rud", "ANONYMOUS_ID anon-rud-2",
		"EMAIL bob.rudder@example.com"}, rudIDs)
	require.EqualValues(t, 0, rudCounters["purchaseCount"], "a Signed Up track is no purchase")
	require.NotEqual(t, seg, rud, "the two SDKs' people are two profiles")
	require.Equal(t, 2, e.liveProfiles(t, e.tenant))
	// Every identifier finds its own profile: the aliased anonymous ids
	// were merged, not left on profiles of their own.
	for search, want := range map[string]string{"u-sdk": seg, "anon-sdk": seg, "anon-2": seg,
		"u-rud": rud, "anon-rud": rud, "anon-rud-2": rud} {
		got, _, _ := profile(search)
		require.Equal(t, want, got, search)
	}
}
