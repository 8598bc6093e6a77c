package app_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/testdb"
)

// TestPasswordHashingIsBoundedAndOutsideTransactions: at most
// STRATUM_PASSWORD_HASH_CONCURRENCY hashes run at once, a request that
// cannot get a slot in time is THROTTLED, and no hash runs inside a
// database transaction (signUp, acceptInvite, logIn).
func TestPasswordHashingIsBoundedAndOutsideTransactions(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	env := map[string]string{"STRATUM_PASSWORD_HASH_CONCURRENCY": "1", "STRATUM_PASSWORD_HASH_WAIT": "100ms",
		"STRATUM_LOGIN_FAILURES_PER_IP": "1000", "STRATUM_LOGIN_FAILURES_PER_ACCOUNT": "1000"}
	for k, v := range identityEnv {
		env[k] = v
	}
	var block atomic.Bool
	var inTx atomic.Int64
	entered, release := make(chan struct{}, 1), make(chan struct{})
	srv := apptest.Start(t, apptest.Config(t, tdb, env), func(a *app.App) {
		a.Services.Auth.Hasher.OnHash = func(ctx context.Context) {
			if _, ok := db.TxFromContext(ctx); ok {
				inTx.Add(1)
			}
			if block.CompareAndSwap(true, false) {
				entered <- struct{}{}
				<-release
			}
		}
	})
	b := &idBundle{srv: srv, tdb: tdb}
	owner := b.signUp(t, "hash-owner@a.test", "A")
	b.invite(t, owner, "new-member@a.test", "VIEWER")
	stats := srv.App.Services.Auth.Hasher.Stats
	require.GreaterOrEqual(t, stats().Total, int64(2), "sign-up and the invitee's new account were hashed")
	require.Zero(t, inTx.Load(), "no password is hashed inside a transaction")

	block.Store(true)
	first := make(chan string)
	go func() {
		_, p := b.logIn(t, "hash-owner@a.test", "a wrong password")
		first <- mustJSON(p["userErrors"])
	}()
	<-entered // the only slot is taken
	res, _ := b.logIn(t, "hash-owner@a.test", "correct horse battery")
	require.Equal(t, "THROTTLED", res.Code())
	require.Contains(t, res.Errors[0].Message, "busy")
	close(release)
	require.Contains(t, <-first, "UNAUTHENTICATED", "the request holding the slot completes")
	require.EqualValues(t, 1, stats().Busy)

	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.logIn(t, "nobody@a.test", "a wrong password")
		}()
	}
	wg.Wait()
	require.EqualValues(t, 1, stats().Peak, "never more hashes at once than slots")
	_, p := b.logIn(t, "hash-owner@a.test", "correct horse battery")
	toSession(t, p, "hash-owner@a.test")
	require.Zero(t, inTx.Load())
}

// TestSignUpsAreLimitedPerIP: each sign-up costs a hash, so one client IP
// gets STRATUM_SIGNUPS_PER_IP of them, then THROTTLED.
func TestSignUpsAreLimitedPerIP(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, map[string]string{"STRATUM_SIGNUPS_PER_IP": "3"})
	for i := range 3 {
		b.signUp(t, "signup"+string(rune('a'+i))+"@a.test", "T")
	}
	res := b.srv.Query(t, `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken userErrors { code } } }`,
		map[string]any{"i": map[string]any{"email": "fourth@a.test", "password": "correct horse battery", "tenantName": "T"}}, nil)
	require.Equal(t, "THROTTLED", res.Code())
}

// TestLogInBoundsTheEmail: a huge e-mail gets the wrong-password answer
// and leaves no huge key in the limiter's table.
func TestLogInBoundsTheEmail(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	b.signUp(t, "bound@a.test", "A")
	_, wrong := b.logIn(t, "bound@a.test", "a wrong password")
	_, huge := b.logIn(t, strings.Repeat("x", 900_000)+"@a.test", "a wrong password")
	require.Equal(t, wrong["userErrors"], huge["userErrors"])
	require.NoError(t, b.srv.App.Services.Auth.Limiter.Flush(context.Background()))
	var longest int
	require.NoError(t, b.tdb.DB.Bun.NewRaw("SELECT coalesce(max(length(key)), 0) FROM rate_limit_buckets").Scan(context.Background(), &longest))
	require.Positive(t, longest, "failures were recorded")
	require.LessOrEqual(t, longest, 128)
}

// TestRateLimitsAreWrittenAtShutdown: spending not yet synced reaches the
// shared table when the server stops.
func TestRateLimitsAreWrittenAtShutdown(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	b.signUp(t, "flush@a.test", "A")
	_, p := b.logIn(t, "flush@a.test", "a wrong password")
	require.NotEmpty(t, p["userErrors"])
	require.NoError(t, b.srv.Shutdown(t))
	var tokens []float64
	require.NoError(t, b.tdb.DB.Bun.NewRaw("SELECT tokens FROM rate_limit_buckets WHERE key = 'login-acct:flush@a.test'").Scan(context.Background(), &tokens))
	require.Len(t, tokens, 1)
	require.Less(t, tokens[0], 5.0)
}
