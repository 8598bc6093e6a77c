package app_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// sdkScript sends identify, track and alias with the official Segment and
// RudderStack Node SDKs, unmodified, configured only with this server's
// address and a write key each, and flushes.
const sdkScript = `
const { Analytics } = require('@segment/analytics-node');
const Rudder = require('@rudderstack/rudder-sdk-node');
const [url, segKey, rudKey] = process.argv.slice(2);
(async () => {
  const seg = new Analytics({ writeKey: segKey, host: url });
  seg.on('error', (e) => { console.error('segment error', e); process.exitCode = 1; });
  seg.identify({ userId: 'user-1', anonymousId: 'anon-1', traits: { email: ' Ann@Example.COM ' } });
  seg.track({ userId: 'user-1', event: 'Order Completed', properties: { revenue: 42 } });
  seg.alias({ userId: 'user-1', previousId: 'anon-1' });
  await seg.closeAndFlush();
  const rud = new Rudder(rudKey, { dataPlaneUrl: url, flushAt: 1 });
  const done = (what) => (err) => { if (err) { console.error('rudder ' + what, err.message); process.exitCode = 1; } };
  rud.identify({ userId: 'user-2', traits: { phone: '+1 555 0100' } }, done('identify'));
  rud.track({ anonymousId: 'anon-2', event: 'Signed Up' }, done('track'));
  rud.alias({ userId: 'user-2', previousId: 'anon-2' }, done('alias'));
  await new Promise((res) => rud.flush(res));
})().catch((e) => { console.error(e); process.exit(1); });
`

// TestOfficialNodeSDKsDeliver runs the official SDKs against a running
// server. It needs Node and a directory holding node_modules with
// @segment/analytics-node and @rudderstack/rudder-sdk-node (from npm,
// unmodified) named by STRATUM_CDP_SDK_DIR; without it the test is skipped.
func TestOfficialNodeSDKsDeliver(t *testing.T) {
	dir := os.Getenv("STRATUM_CDP_SDK_DIR")
	if dir == "" {
		t.Skip("set STRATUM_CDP_SDK_DIR to a directory with node_modules/@segment/analytics-node and @rudderstack/rudder-sdk-node")
	}
	e := setupIngest(t)
	rudSrc, rudKey := e.newSource(t, e.tenant, "Rudder")
	script := filepath.Join(t.TempDir(), "send.cjs")
	require.NoError(t, os.WriteFile(script, []byte(sdkScript), 0o600))
	cmd := exec.CommandContext(context.Background(), "node", script, e.srv.URL, e.key, rudKey)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
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
}
