package tenancy_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/auth/authtest"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// bundle is one test's world: a fresh database, the real services, and a
// tenant signed up by its owner.
type bundle struct {
	tdb     *testdb.DB
	clock   *clock.Manual
	auth    *auth.Service
	tenancy *tenancy.Service
	audit   *audit.Service
	tenant  uuid.UUID
	owner   *auth.Principal
	ownerS  *auth.Session
}

func setup(t *testing.T) *bundle {
	t.Helper()
	tdb := testdb.New(t)
	clock := authtest.NewClock()
	a := authtest.NewService(t, tdb.DB, clock)
	sess, owner := authtest.SignUp(t, a, "owner@example.test")
	return &bundle{tdb: tdb, clock: clock, auth: a, tenancy: &tenancy.Service{DB: tdb.DB, Auth: a, Billing: &billing.Service{DB: tdb.DB}},
		audit: &audit.Service{DB: tdb.DB}, tenant: owner.TenantID, owner: owner, ownerS: sess}
}

// join makes email a member of the bundle's tenant with role the way
// people join — invited by the owner, accepting with a password — and
// returns their session, principal and membership id.
func (b *bundle) join(t *testing.T, email string, role auth.Role) (*auth.Session, *auth.Principal, uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	_, token, err := b.tenancy.InviteMember(ctx, b.owner, email, role)
	require.NoError(t, err)
	sess, err := b.tenancy.AcceptInvite(ctx, nil, token, authtest.Password)
	require.NoError(t, err)
	p := auth.PrincipalOf(sess.Claims)
	m, err := b.tenancy.MemberByUser(ctx, b.tenant, p.UserID)
	require.NoError(t, err)
	return sess, p, m.ID
}

// later moves the clock on, so what happens next is strictly after every
// token issued so far (revocations refuse tokens issued before them).
func (b *bundle) later() { b.clock.Advance(time.Second) }

// auditActions lists the tenant's audit actions, newest first.
func (b *bundle) auditActions(t *testing.T, tenant uuid.UUID, actions ...string) []string {
	t.Helper()
	page, err := b.audit.List(context.Background(), tenant, relay.Args{}, audit.Filter{Actions: actions})
	require.NoError(t, err)
	var out []string
	for _, e := range page.Items {
		out = append(out, e.Action)
	}
	return out
}

// requireCode fails unless err is an apperr with code (and field path).
var requireCode = authtest.RequireCode

func ptr[T any](v T) *T { return &v }

var relayAll = relay.Args{}

func auditFilter(actions ...string) audit.Filter { return audit.Filter{Actions: actions} }
