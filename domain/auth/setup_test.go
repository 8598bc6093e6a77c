package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/auth/authtest"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// bundle is one test's world: a fresh database, the real service with a
// test clock, and a user who signed up (owner of their tenant).
type bundle struct {
	tdb   *testdb.DB
	clock *clock.Manual
	auth  *auth.Service
	audit *audit.Service
	sess  *auth.Session
	user  *auth.Principal
}

const email = "user@example.test"

func setup(t *testing.T) *bundle {
	t.Helper()
	tdb := testdb.New(t)
	clock := authtest.NewClock()
	s := authtest.NewService(t, tdb.DB, clock)
	sess, p := authtest.SignUp(t, s, email)
	return &bundle{tdb: tdb, clock: clock, auth: s, audit: &audit.Service{DB: tdb.DB}, sess: sess, user: p}
}

// later moves the clock on, so what happens next is strictly after every
// token issued so far.
func (b *bundle) later() { b.clock.Advance(time.Second) }

// authenticate authenticates raw and returns the principal (nil) or the error.
func (b *bundle) authenticate(raw string) (*auth.Principal, error) {
	return b.auth.Authenticate(context.Background(), raw)
}

// auditLog lists the tenant's audit entries with action, newest first, as
// "action outcome".
func (b *bundle) auditLog(t *testing.T, tenant uuid.UUID, actions ...string) []string {
	t.Helper()
	page, err := b.audit.List(context.Background(), tenant, relay.Args{}, audit.Filter{Actions: actions})
	require.NoError(t, err)
	var out []string
	for _, e := range page.Items {
		out = append(out, e.Action+" "+e.Outcome)
	}
	return out
}

// code is the TOTP code of secret at the test clock's time.
func (b *bundle) code(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, b.clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	require.NoError(t, err)
	return c
}

// requireCode fails unless err is an apperr with code (and field path).
var requireCode = authtest.RequireCode
