package tenancy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/auth/authtest"
	"github.com/stratumhq/stratum/domain/tenancy"
)

// TestInvitationsAreMailed: an invitation queues an e-mail to the invitee
// whose link accepts it (the inviter's copy of the link is the same); a
// revoked invitation's queued e-mail is not sent.
func TestInvitationsAreMailed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := authtest.WithMail(b.auth, b.tenancy)
	ctx := context.Background()
	require.True(t, b.tenancy.MailsInvites())

	_, token, err := b.tenancy.InviteMember(ctx, b.owner, "invitee@example.test", auth.RoleAnalyst)
	require.NoError(t, err)
	require.Equal(t, 1, m.Queued(), "the e-mail is queued with the invitation")
	require.Empty(t, m.Sink.Messages(), "and sent only by the job, after the commit")
	m.Deliver(t)
	msgs := m.To("invitee@example.test")
	require.Len(t, msgs, 1)
	require.Equal(t, "You are invited to Tenant of owner@example.test on Stratum", msgs[0].Subject)
	require.Contains(t, msgs[0].Text, "owner@example.test invited you to join Tenant of owner@example.test on Stratum as analyst.")
	require.Equal(t, token, authtest.Token(t, msgs[0], tenancy.InvitePath), "the mailed link is the inviter's link")

	revoked, _, err := b.tenancy.InviteMember(ctx, b.owner, "withdrawn@example.test", auth.RoleViewer)
	require.NoError(t, err)
	_, err = b.tenancy.RevokeInvite(ctx, b.owner, revoked.ID)
	require.NoError(t, err)
	m.Deliver(t)
	require.Empty(t, m.To("withdrawn@example.test"), "a revoked invitation is not mailed")

	sess, err := b.tenancy.AcceptInvite(ctx, nil, authtest.Token(t, msgs[0], tenancy.InvitePath), authtest.Password)
	require.NoError(t, err)
	require.Equal(t, b.tenant, auth.PrincipalOf(sess.Claims).TenantID)
	// The new account confirms its address as a sign-up does.
	require.Equal(t, 1, m.Queued())
	m.Deliver(t)
	require.Len(t, m.To("invitee@example.test"), 2)
	require.Equal(t, "Confirm your e-mail address for Stratum", m.To("invitee@example.test")[0].Subject)
}

// TestInvitationsWithoutEmail: a server without e-mail queues nothing and
// says so (the inviter passes the link on).
func TestInvitationsWithoutEmail(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.False(t, b.tenancy.MailsInvites())
	_, token, err := b.tenancy.InviteMember(context.Background(), b.owner, "invitee@example.test", auth.RoleAnalyst)
	require.NoError(t, err)
	require.NotEmpty(t, token)
}
