package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/internal/wstest"
)

// stopDatabase makes tdb's database refuse connections and ends the open
// ones, as a database outage looks to the server.
func stopDatabase(t *testing.T, tdb *testdb.DB) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, strings.Replace(tdb.OwnerURL, "/"+tdb.Name+"?", "/postgres?", 1))
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "ALTER DATABASE "+tdb.Name+" ALLOW_CONNECTIONS false")
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", tdb.Name)
	require.NoError(t, err)
}

// driverText are fragments of database errors that must never reach a client.
func requireNoDriverText(t *testing.T, tdb *testdb.DB, body string) {
	t.Helper()
	for _, secret := range []string{tdb.Name, "stratum_app", "127.0.0.1", "5432", "SQLSTATE", "FATAL", "dial", "pool"} {
		require.NotContains(t, body, secret)
	}
}

// With the database down, credentials are answered 503 (try again), never
// 401 (signed out), and no answer carries the driver's text.
func TestDatabaseOutageIsUnavailableNotUnauthenticated(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	owner := b.signUp(t, "owner@outage.test", "Outage")
	const viewer = `{ viewer { user { email } } }`
	require.Empty(t, b.srv.Query(t, viewer, nil, owner.H()).Errors, "positive control: the token works while the database is up")

	stopDatabase(t, b.tdb)

	post := func(h http.Header) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/graphql", strings.NewReader(`{"query":"`+viewer+`"}`))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range h {
			req.Header[k] = v
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		return res.StatusCode, readAll(t, res)
	}
	for name, h := range map[string]http.Header{
		"access token":    owner.H(),
		"made-up API key": bearer("stratum_aaaaaaaa_" + strings.Repeat("a", 40)),
		// A session cookie that cannot be checked is not "signed out" either
		// (it used to leave the caller anonymous: 200 with UNAUTHENTICATED).
		"session cookie": {"Cookie": {"stratum_session=" + owner.Access}},
	} {
		var status int
		var body string
		require.Eventually(t, func() bool {
			status, body = post(h)
			return status != http.StatusOK
		}, 10*time.Second, 50*time.Millisecond, name)
		require.Equal(t, http.StatusServiceUnavailable, status, "%s: %s", name, body)
		require.Contains(t, body, `"UNAVAILABLE"`, name)
		require.Contains(t, body, "request id", name)
		requireNoDriverText(t, b.tdb, body)
	}

	status, body := post(bearer("not-a-token"))
	require.Equal(t, http.StatusUnauthorized, status, "positive control: a malformed token is still 401: %s", body)

	// Websockets: the connection_init credential cannot be checked either.
	// 1013 (try again later) makes graphql-ws clients retry; 4401 would
	// make them give up as signed out.
	for _, proto := range []string{wstest.TransportWS, wstest.LegacyWS} {
		c := wstest.Dial(t, context.Background(), b.srv.URL+"/graphql", proto, nil)
		c.Send(wstest.Message{Type: "connection_init", Payload: []byte(`{"Authorization":"Bearer ` + owner.Access + `"}`)})
		if proto == wstest.LegacyWS {
			m := c.Expect("connection_error", 5*time.Second)
			requireNoDriverText(t, b.tdb, string(m.Payload))
		}
		code, reason := c.CloseStatus(5 * time.Second)
		require.EqualValues(t, 1013, code, "%s: %s", proto, reason)
		requireNoDriverText(t, b.tdb, reason)
	}
	bad := wstest.Dial(t, context.Background(), b.srv.URL+"/graphql", wstest.TransportWS, nil)
	bad.Send(wstest.Message{Type: "connection_init", Payload: []byte(`{"Authorization":"Bearer not-a-token"}`)})
	code, _ := bad.CloseStatus(5 * time.Second)
	require.EqualValues(t, 4401, code, "positive control: a bad token still closes 4401")

	res, err := http.Get(b.srv.URL + "/readyz")
	require.NoError(t, err)
	body = readAll(t, res)
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	require.JSONEq(t, `{"status":"unavailable"}`, body)
}

// A client that trickles its request body is cut off once the read
// timeout passes (408 and the connection closed), while normal requests,
// websockets and SSE streams outlive the timeout.
func TestSlowRequestBodyIsCutOff(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := apptest.Start(t, apptest.Config(t, tdb, map[string]string{"STRATUM_HTTP_READ_TIMEOUT": "300ms"}))
	ctx := context.Background()

	// Open long-lived streams first: they must outlive the timeout.
	ws := wstest.Dial(t, ctx, s.URL+"/graphql", wstest.TransportWS, nil)
	ws.Init(nil)
	ws.Subscribe("1", `subscription { serverTime(intervalSeconds: 1) }`, nil)
	ws.Expect("next", 5*time.Second)
	sse := openSSE(t, s.URL, `subscription { serverTime(intervalSeconds: 1) }`)

	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	require.NoError(t, err)
	// The server answers and closes without the rest of the body; the
	// client's bound only keeps a broken server from hanging the test.
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(15*time.Second)))
	reply, err := io.ReadAll(conn)
	require.NoError(t, err, "the server must close the connection (got %q)", reply)
	require.Contains(t, string(reply), "408 Request Timeout")
	require.Contains(t, string(reply), "REQUEST_TIMEOUT")

	require.Empty(t, s.Query(t, `{ serverInfo { version } }`, nil, nil).Errors, "positive control: a normal POST works")
	for i := 0; i < 2; i++ { // each next is a second apart: both streams outlive the 300 ms timeout
		ws.Expect("next", 5*time.Second)
		require.Contains(t, sse.next(t), "serverTime")
	}
}

// sseStream is an open GraphQL-over-SSE subscription.
type sseStream struct{ r *bufio.Reader }

func openSSE(t *testing.T, url, query string) *sseStream {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { res.Body.Close() })
	require.Equal(t, http.StatusOK, res.StatusCode)
	return &sseStream{r: bufio.NewReader(res.Body)}
}

// next returns the data of the next "next" event.
func (s *sseStream) next(t *testing.T) string {
	t.Helper()
	event := ""
	for {
		line, err := s.r.ReadString('\n')
		require.NoError(t, err)
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "event:"); ok {
			event = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "data:"); ok && event == "next" {
			return v
		}
	}
}
