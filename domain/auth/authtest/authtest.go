// Package authtest builds a real domain/auth.Service for the tests of auth
// and of the packages that use it (tenancy, audit, app): cheap argon2
// parameters, a clock the test moves (set as the database's clock), and
// audit entries recorded through domain/audit as in production. Test code
// only.
package authtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/db"
)

// Password is a password every policy accepts, for accounts tests sign up.
const Password = "a long test passphrase 42"

// NewClock returns a manual clock at the current time, truncated to the
// millisecond (the precision of token timestamps). It starts at the real
// time so that rows it does not stamp (column defaults) stay near it.
func NewClock() *clock.Manual {
	return clock.NewManual(time.Now().Truncate(time.Millisecond))
}

// Config is the identity configuration of tests: production lifetimes,
// cheap argon2 parameters and no throttling (tests of throttling set
// buckets and a Limiter themselves).
func Config() auth.Config {
	return auth.Config{
		Secret:    []byte("authtest-secret-0123456789abcdef0123"),
		AccessTTL: 30 * time.Minute, RefreshTTL: 7 * 24 * time.Hour, ChallengeTTL: 5 * time.Minute,
		Argon2: auth.Argon2Params{Time: 1, MemoryKiB: 8192, Threads: 1},
	}
}

// NewService returns an auth.Service on d with Config, the development
// encryption key, audit entries written through audit.ForAuth and
// memberships read through a tenancy.Service (as app.NewServices wires it). A
// non-nil c becomes d's clock (every transaction on d, and so every
// service on d, reads it); nil keeps d's.
func NewService(t testing.TB, d *db.DB, c *clock.Manual) *auth.Service {
	t.Helper()
	box, err := auth.NewBox(config.DevEncryptionKey)
	if err != nil {
		t.Fatal(err)
	}
	s := &auth.Service{DB: d, Cfg: Config(), Box: box, Revocations: &auth.Revocations{DB: d}, Audit: audit.ForAuth}
	s.MembershipSource = &tenancy.Service{DB: d, Auth: s, Billing: &billing.Service{DB: d}}
	if c != nil {
		d.Clock = c
	}
	return s
}

// SignUp signs up email (with Password) as the owner of a new tenant and
// returns the session and its principal.
func SignUp(t testing.TB, s *auth.Service, email string) (*auth.Session, *auth.Principal) {
	t.Helper()
	ten := &tenancy.Service{DB: s.DB, Auth: s, Billing: &billing.Service{DB: s.DB}}
	sess, err := ten.SignUp(context.Background(), email, Password, "Tenant of "+email)
	if err != nil {
		t.Fatalf("authtest: sign up %s: %v", email, err)
	}
	return sess, auth.PrincipalOf(sess.Claims)
}

// RequireCode fails the test unless err is an apperr with code (and, when
// given, the field path).
func RequireCode(t testing.TB, err error, code apperr.Code, field ...string) {
	t.Helper()
	require.Error(t, err)
	e, ok := apperr.As(err)
	require.True(t, ok, "not an apperr: %v", err)
	require.Equal(t, code, e.Code, e.Message)
	if len(field) > 0 {
		require.Equal(t, field, e.Field)
	}
}
