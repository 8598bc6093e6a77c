package tenancy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/auth/authtest"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/testdb"
)

func TestSignUpRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, email, password, tenant string
		wantCode                      apperr.Code // "" means signed up
		wantField                     []string
	}{
		{"valid", "New@Example.test", authtest.Password, "Acme", "", nil},
		{"bad e-mail", "nobody", authtest.Password, "Acme", apperr.BadUserInput, []string{"input", "email"}},
		{"empty tenant name", "a@example.test", authtest.Password, "  ", apperr.BadUserInput, []string{"input", "tenantName"}},
		{"long tenant name", "b@example.test", authtest.Password, strings.Repeat("x", 201), apperr.BadUserInput, []string{"input", "tenantName"}},
		{"weak password", "c@example.test", "short", "Acme", apperr.BadUserInput, []string{"input", "password"}},
		{"taken e-mail", "owner@example.test", authtest.Password, "Acme", apperr.Conflict, []string{"input", "email"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sess, err := b.tenancy.SignUp(ctx, tc.email, tc.password, tc.tenant)
			if tc.wantCode != "" {
				requireCode(t, err, tc.wantCode, tc.wantField...)
				require.Nil(t, sess)
				return
			}
			require.NoError(t, err)
			require.Equal(t, auth.RoleOwner, sess.Claims.Role)
			require.Equal(t, "professional", sess.Claims.Plan, "a sign-up starts on its Professional trial")
			ten, err := b.tenancy.Tenant(ctx, sess.Claims.TenantID)
			require.NoError(t, err)
			require.Equal(t, "Acme", ten.Name)
			u, err := b.auth.UserByEmail(ctx, "new@example.test")
			require.NoError(t, err, "the e-mail is stored normalized")
			require.Equal(t, u.ID, sess.Claims.UserID())
			m, err := b.tenancy.MemberByUser(ctx, ten.ID, u.ID)
			require.NoError(t, err)
			require.Equal(t, []time.Time{b.clock.Now(), b.clock.Now(), b.clock.Now()},
				[]time.Time{ten.CreatedAt.UTC(), u.CreatedAt.UTC(), m.CreatedAt.UTC()}, "created at the database clock's time")
			require.Equal(t, []string{"auth.sign_up"}, b.auditActions(t, sess.Claims.TenantID, "auth.sign_up"))
		})
	}
}

// Sign-ups are throttled per client IP; another IP is not affected.
func TestSignUpThrottle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.auth.Limiter = &auth.Limiter{DB: b.tdb.DB}
	b.auth.Cfg.SignUpIP = auth.Bucket{Max: 1, Rate: 1.0 / 60}
	ctx := auth.WithClient(context.Background(), auth.Client{IP: "203.0.113.9"})
	_, err := b.tenancy.SignUp(ctx, "first@example.test", authtest.Password, "First")
	require.NoError(t, err, "positive control")
	_, err = b.tenancy.SignUp(ctx, "second@example.test", authtest.Password, "Second")
	requireCode(t, err, apperr.Throttled)
	e, _ := apperr.As(err)
	require.Equal(t, 60, e.Extensions["retryAfterSeconds"])
	_, err = b.auth.UserByEmail(ctx, "second@example.test")
	requireCode(t, err, apperr.NotFound) // nothing was created
	other := auth.WithClient(context.Background(), auth.Client{IP: "198.51.100.4"})
	_, err = b.tenancy.SignUp(other, "second@example.test", authtest.Password, "Second")
	require.NoError(t, err)
}

// A sign-up starts the trial in its transaction: TRIALING on Professional
// until the configured length has passed, then Starter's flags. A tenant
// made without a sign-up (the control) is ACTIVE on its plan, with no trial.
func TestSignUpStartsTheTrial(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	bill := &billing.Service{DB: b.tdb.DB, Config: billing.Config{Trial: 3 * 24 * time.Hour}}
	b.tenancy.Billing = bill
	sess, err := b.tenancy.SignUp(ctx, "trial@example.test", authtest.Password, "Trial Co")
	require.NoError(t, err)
	tid := sess.Claims.TenantID
	e, err := bill.Entitlements(ctx, tid)
	require.NoError(t, err)
	require.Equal(t, billing.Trialing, e.State.Status)
	require.Equal(t, billing.Professional, e.State.Plan)
	require.Equal(t, b.clock.Now().Add(3*24*time.Hour), e.State.TrialEndsAt.UTC(), "STRATUM_TRIAL_DAYS sets its length")
	require.True(t, e.Enabled(billing.CDP), "the trial has Professional's flags")
	require.Equal(t, "professional", sess.Claims.Plan)

	other := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{})
	e, err = bill.Entitlements(ctx, other)
	require.NoError(t, err)
	require.Equal(t, billing.Active, e.State.Status, "no trial without a sign-up")
	require.Nil(t, e.State.TrialEndsAt)
	require.False(t, e.Enabled(billing.CDP))

	b.clock.Advance(3 * 24 * time.Hour)
	e, err = bill.Entitlements(ctx, tid)
	require.NoError(t, err)
	require.Equal(t, billing.Starter, e.Plan, "the lapsed trial falls back to Starter")
	ms, err := b.auth.Memberships(ctx, sess.Claims.UserID())
	require.NoError(t, err)
	require.Len(t, ms, 1)
	require.Equal(t, "starter", ms[0].Plan, "log-in reads the effective plan, not the stored one")
}

// Without its billing link, sign-up fails loudly and creates nothing.
func TestSignUpNeedsBilling(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.tenancy.Billing = nil
	_, err := b.tenancy.SignUp(ctx, "nobill@example.test", authtest.Password, "No Bill")
	require.Error(t, err)
	_, err = b.auth.UserByEmail(ctx, "nobill@example.test")
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "the user's insert rolled back")
}
