// Invitation e-mail: InviteMember queues it in the transaction that creates
// the invitation; SendInviteMail (the job's work) sends it with no
// transaction open. The inviter still sees the link once, to pass on
// themselves.

package tenancy

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/mail"
)

// InvitePath is the dashboard's screen that accepts an invitation; the
// token rides in the fragment, which browsers never send to a server.
const InvitePath = "/invite"

// InviteMail is one invitation e-mail to send: a job's arguments. Only the
// invitation's token hash is stored, so the token travels with the job,
// sealed with the server's encryption key (never in clear in the database).
type InviteMail struct {
	TenantID    uuid.UUID `json:"tenant_id"`
	InviteID    uuid.UUID `json:"invite_id"`
	SealedToken []byte    `json:"sealed_token"`
}

// MailsInvites reports whether this server mails invitations to the
// invitee (it has e-mail and a job queue).
func (s *Service) MailsInvites() bool { return s.Mailer != nil && s.EnqueueInviteMail != nil }

// queueInviteMail queues the e-mail of inv carrying token, in tx.
func (s *Service) queueInviteMail(ctx context.Context, tx bun.Tx, inv *Invite, token string) error {
	sealed, err := s.Auth.Box.Seal([]byte(token))
	if err != nil {
		return err
	}
	return s.EnqueueInviteMail(ctx, tx, InviteMail{TenantID: inv.TenantID, InviteID: inv.ID, SealedToken: sealed})
}

// SendInviteMail mails the invitation m names to its invitee, if it is
// still pending (not accepted, revoked or expired). The message is read in
// a tenant transaction and sent after it: no transaction is open while the
// mail server is called. A retry sends the same Message-ID.
func (s *Service) SendInviteMail(ctx context.Context, m InviteMail) (err error) {
	defer derrors.Wrap(&err, "tenancy.Service.SendInviteMail(%v, %v)", m.TenantID, m.InviteID)
	if s.Mailer == nil {
		return apperr.New(apperr.FeatureDisabled, "e-mail is not configured on this server")
	}
	var inv *Invite
	var tenantName, inviter string
	err = s.DB.InTenant(ctx, m.TenantID, func(ctx context.Context, tx bun.Tx) error {
		i := new(Invite)
		if err := db.ScanByID(ctx, tx, i, m.InviteID, db.NoLock, "invitation not found"); err != nil {
			return err
		}
		if i.AcceptedAt != nil || i.RevokedAt != nil || !s.DB.Now(ctx).Before(i.ExpiresAt) {
			return nil // nothing to invite to any more
		}
		t := new(Tenant)
		if err := tx.NewSelect().Model(t).Where("id = ?", m.TenantID).Scan(ctx); err != nil {
			return err
		}
		facts, err := auth.UserFactsTx(ctx, tx, []uuid.UUID{i.InvitedBy})
		if err != nil {
			return err
		}
		inv, tenantName, inviter = i, t.Name, facts[i.InvitedBy].Email
		return nil
	})
	if err != nil || inv == nil {
		return err
	}
	token, err := s.Auth.Box.Open(m.SealedToken)
	if err != nil {
		return fmt.Errorf("open the invitation token: %w", err)
	}
	return s.Mailer.Send(ctx, s.inviteMessage(inv, tenantName, inviter, string(token)))
}

// inviteMessage is the e-mail of inv (to tenantName, from the member
// inviter, "" when unknown) carrying token.
func (s *Service) inviteMessage(inv *Invite, tenantName, inviter, token string) mail.Message {
	if inviter == "" {
		inviter = "A member"
	}
	link := strings.TrimRight(s.PublicURL, "/") + InvitePath + "#token=" + url.QueryEscape(token)
	return mail.Message{To: []string{inv.Email}, Date: inv.CreatedAt, ID: "invite-" + inv.ID.String(),
		Subject: fmt.Sprintf("You are invited to %s on Stratum", strings.Join(strings.Fields(tenantName), " ")),
		Text: fmt.Sprintf(`%s invited you to join %s on Stratum as %s.

To accept, open this link before %s:

%s

If you did not expect this invitation, ignore this e-mail.
`, inviter, tenantName, strings.ToLower(string(inv.Role)), inv.ExpiresAt.UTC().Format("2 January 2006, 15:04 MST"), link)}
}
