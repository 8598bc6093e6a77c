package app_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/internal/testdb"
)

// identityEnv makes password hashing cheap in tests (the production
// parameters are measured by BenchmarkHashPassword) and revocations quick
// to reach other replicas.
var identityEnv = map[string]string{
	"STRATUM_ARGON2_TIME": "1", "STRATUM_ARGON2_MEMORY_KIB": "8192", "STRATUM_ARGON2_THREADS": "1",
	"STRATUM_REVOCATION_INTERVAL": "200ms",
}

// idBundle is one identity test's server and database.
type idBundle struct {
	srv *apptest.Server
	tdb *testdb.DB
	// owner: connections as the database's owner (past RLS) for fixtures
	// and snapshots, kept open: a connection opened per fixture step and
	// per snapshot started ≈ 1,700 PostgreSQL backends in the isolation
	// matrix alone.
	owner *pgxpool.Pool
}

// ownerConn is one of the bundle's owner connections; Close returns it.
type ownerConn struct{ *pgxpool.Conn }

func (c ownerConn) Close(context.Context) { c.Release() }

// connect takes a connection as the database's owner.
func (b *idBundle) connect(ctx context.Context) (ownerConn, error) {
	c, err := b.owner.Acquire(ctx)
	return ownerConn{c}, err
}

func setupIdentity(t *testing.T, env map[string]string) *idBundle {
	t.Helper()
	tdb := testdb.New(t)
	m := map[string]string{}
	for k, v := range identityEnv {
		m[k] = v
	}
	for k, v := range env {
		m[k] = v
	}
	owner, err := pgxpool.New(context.Background(), tdb.OwnerURL)
	require.NoError(t, err)
	t.Cleanup(owner.Close)
	return &idBundle{srv: apptest.Start(t, apptest.Config(t, tdb, m)), tdb: tdb, owner: owner}
}

func bearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

// session is a signed-in user as the tests see it.
type session struct {
	Access, Refresh string
	TenantID        string // global ID
	UserID          string // global ID
	Email           string
}

func (s session) H() http.Header { return bearer(s.Access) }

const authFields = `accessToken refreshToken expiresAt mfaRequired challengeToken
	viewer { user { id email mfaEnabled } tenant { id name plan } role memberships { tenant { id name } role } }
	userErrors { field message code }`

func str(v any) string { s, _ := v.(string); return s }

func field(t testing.TB, data map[string]any, path ...string) any {
	t.Helper()
	var cur any = data
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("path %v: %v is not an object", path, cur)
		}
		cur = m[p]
	}
	return cur
}

// dig is field without a test: nil when the path is missing (for
// conditions polled off the test goroutine).
func dig(data map[string]any, path ...string) any {
	var cur any = data
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func toSession(t testing.TB, payload map[string]any, email string) session {
	t.Helper()
	require.Empty(t, payload["userErrors"], "userErrors")
	require.NotEmpty(t, payload["accessToken"], "accessToken")
	return session{Access: str(payload["accessToken"]), Refresh: str(payload["refreshToken"]),
		TenantID: str(field(t, payload, "viewer", "tenant", "id")), UserID: str(field(t, payload, "viewer", "user", "id")), Email: email}
}

func (b *idBundle) signUp(t testing.TB, email, tenant string) session {
	t.Helper()
	res := b.srv.Query(t, `mutation($i: SignUpInput!) { signUp(input: $i) { `+authFields+` } }`,
		map[string]any{"i": map[string]any{"email": email, "password": "correct horse battery", "tenantName": tenant}}, nil)
	require.Empty(t, res.Errors)
	return toSession(t, res.Data["signUp"].(map[string]any), email)
}

func (b *idBundle) logIn(t testing.TB, email, password string) (*apptest.Response, map[string]any) {
	t.Helper()
	res := b.srv.Query(t, `mutation($i: LogInInput!) { logIn(input: $i) { `+authFields+` } }`,
		map[string]any{"i": map[string]any{"email": email, "password": password}}, nil)
	p, _ := res.Data["logIn"].(map[string]any)
	return res, p
}

// invite makes a user with role in owner's tenant and returns their session there.
func (b *idBundle) invite(t testing.TB, owner session, email, role string) session {
	t.Helper()
	res := b.srv.Query(t, `mutation($i: InviteMemberInput!) { inviteMember(input: $i) { inviteToken userErrors { message } } }`,
		map[string]any{"i": map[string]any{"email": email, "role": role}}, owner.H())
	require.Empty(t, res.Errors)
	token := str(field(t, res.Data, "inviteMember", "inviteToken"))
	require.NotEmpty(t, token, "%v", res.Data)
	res = b.srv.Query(t, `mutation($i: AcceptInviteInput!) { acceptInvite(input: $i) { `+authFields+` } }`,
		map[string]any{"i": map[string]any{"token": token, "password": "correct horse battery"}}, nil)
	require.Empty(t, res.Errors)
	return toSession(t, res.Data["acceptInvite"].(map[string]any), email)
}

// totp is an independent RFC 6238 implementation (HMAC-SHA1, 6 digits,
// 30 s), written from the RFC rather than with the library the server uses.
func totp(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	require.NoError(t, err)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := (binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff) % 1_000_000
	return fmt.Sprintf("%06d", code)
}

func TestIndependentTOTPMatchesRFC6238Vectors(t *testing.T) {
	t.Parallel()
	// RFC 6238 appendix B, SHA-1 secret "12345678901234567890" (8-digit values; we keep the last 6).
	secret := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	for unix, want := range map[int64]string{59: "287082", 1111111109: "081804", 1234567890: "005924", 2000000000: "279037"} {
		require.Equal(t, want, totp(t, secret, time.Unix(unix, 0)), "t=%d", unix)
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
