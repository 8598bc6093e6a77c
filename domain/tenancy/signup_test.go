package tenancy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/auth/authtest"
	"github.com/stratumhq/stratum/internal/apperr"
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
			require.Equal(t, "starter", sess.Claims.Plan, "the tenants table's default plan")
			ten, err := b.tenancy.Tenant(ctx, sess.Claims.TenantID)
			require.NoError(t, err)
			require.Equal(t, "Acme", ten.Name)
			require.Equal(t, ten.Plan, sess.Claims.Plan)
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
