// Sending a delivery: record the attempt, call out with no transaction
// open, record the outcome (ADR 0012).

package notifications

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/mail"
	"github.com/stratumhq/stratum/internal/webhook"
)

// outcome is what one attempt got.
type outcome struct {
	ok        bool
	code      *int   // the HTTP status, when a response arrived
	problem   string // why it failed, for the delivery log
	permanent bool   // retrying will not help
}

// RetryError is Deliver's error for an attempt that failed in a way a
// later attempt may overcome (a timeout, a 5xx, a 429): the job returns it
// so River retries with backoff.
type RetryError struct{ Problem string }

func (e *RetryError) Error() string { return "delivery attempt failed, will retry: " + e.Problem }

// Deliver makes one attempt at tenant's delivery id: it records the
// attempt, sends with no transaction open, and records the outcome. final
// says no retry follows (the job's last attempt), so a failure is recorded
// FAILED. It returns the delivery as recorded, with a *RetryError when the
// attempt failed and a retry may succeed. A delivery that is no longer
// PENDING is returned untouched: a duplicated job sends nothing twice. A
// crash after sending and before recording resends the same delivery id.
func (s *Service) Deliver(ctx context.Context, tenant, id uuid.UUID, final bool) (d *Delivery, err error) {
	defer derrors.Wrap(&err, "notifications.Service.Deliver(%v, %v)", tenant, id)
	ch, d, err := s.begin(ctx, tenant, id)
	if err != nil || ch == nil {
		return d, err
	}
	out := s.send(ctx, ch, d)
	// The attempt may have used up the job's deadline: record its outcome
	// with a short context of its own.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.finish(fctx, d, out, final); err != nil {
		return d, err
	}
	if !out.ok && !out.permanent && !final {
		return d, &RetryError{Problem: out.problem}
	}
	return d, nil
}

// begin records an attempt of a PENDING delivery (transaction 1) and
// returns it with its channel; ch is nil when there is nothing to send.
func (s *Service) begin(ctx context.Context, tenant, id uuid.UUID) (ch *Channel, d *Delivery, err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		d = new(Delivery)
		if err := db.ScanByID(ctx, tx, d, id, db.LockNoKeyUpdate, "delivery not found"); err != nil {
			return err
		}
		if d.Status != Pending {
			return nil
		}
		c := new(Channel)
		if err := db.ScanByID(ctx, tx, c, d.ChannelID, db.NoLock, "notification channel not found"); err != nil {
			return err
		}
		now := s.DB.Now(ctx)
		if !c.Enabled && d.Event != Test {
			problem := "the channel was disabled before this was sent"
			d.Status, d.LastError = Failed, &problem
			_, err := tx.NewUpdate().Model(d).Column("status", "last_error").WherePK().Exec(ctx)
			return err
		}
		d.Attempts++
		d.LastAttemptAt = &now
		if _, err := tx.NewUpdate().Model(d).Column("attempts", "last_attempt_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		ch = c
		return nil
	})
	if err != nil {
		return nil, d, err
	}
	return ch, d, nil
}

// finish records an attempt's outcome (transaction 2).
func (s *Service) finish(ctx context.Context, d *Delivery, out outcome, final bool) error {
	return s.DB.InTenant(ctx, d.TenantID, func(ctx context.Context, tx bun.Tx) error {
		d.ResponseCode, d.LastError = out.code, nil
		switch {
		case out.ok:
			now := s.DB.Now(ctx)
			d.Status, d.SentAt = Sent, &now
		case out.permanent || final:
			d.Status, d.LastError = Failed, &out.problem
		default:
			d.LastError = &out.problem
		}
		_, err := tx.NewUpdate().Model(d).Column("status", "sent_at", "response_code", "last_error").WherePK().
			Where("nd.status = ?", Pending).Exec(ctx)
		return err
	})
}

// send makes the call; no transaction is open.
func (s *Service) send(ctx context.Context, ch *Channel, d *Delivery) outcome {
	now := s.DB.Now(ctx)
	switch ch.Kind {
	case Webhook:
		secret, err := s.Box.Open(ch.Secret)
		if err != nil {
			return outcome{problem: "the channel's secret cannot be read with this server's encryption key", permanent: true}
		}
		body, err := webhookBody(d)
		if err != nil {
			return outcome{problem: "the message cannot be encoded", permanent: true}
		}
		header := map[string]string{webhook.SignatureHeader: webhook.Sign(secret, now, body), "Stratum-Delivery": d.ID.String(),
			"Idempotency-Key": d.ID.String(), "Stratum-Event": d.Event.Type()}
		return s.post(ctx, ch.Target, header, body)
	case Slack:
		target, err := s.Box.Open(ch.Secret)
		if err != nil {
			return outcome{problem: "the channel's Slack URL cannot be read with this server's encryption key", permanent: true}
		}
		body, err := slackBody(d.Message)
		if err != nil {
			return outcome{problem: "the message cannot be encoded", permanent: true}
		}
		return s.post(ctx, string(target), nil, body)
	case Email:
		if s.Mailer == nil {
			return outcome{problem: "e-mail is not configured on this server (STRATUM_SMTP_URL)", permanent: true}
		}
		if err := s.Mailer.Send(ctx, s.email(ch, d, now)); err != nil {
			return outcome{problem: clip(err.Error(), 300), permanent: mail.Permanent(err)}
		}
		return outcome{ok: true}
	}
	return outcome{problem: fmt.Sprintf("unknown channel kind %s", ch.Kind), permanent: true}
}

// post sends to a webhook or Slack URL and reads the status: 2xx is
// success; 408, 429 and 5xx may pass later; other codes (a redirect
// included: it is not followed) and refused addresses will not.
func (s *Service) post(ctx context.Context, target string, header map[string]string, body []byte) outcome {
	res, err := s.Poster.Post(ctx, target, header, body)
	if errors.Is(err, webhook.ErrForbiddenURL) {
		return outcome{problem: "refused: the URL's address is not public, which this server does not allow", permanent: true}
	}
	if err != nil {
		return outcome{problem: clip(err.Error(), 300)}
	}
	code := res.Status
	out := outcome{code: &code}
	switch {
	case code >= 200 && code < 300:
		out.ok = true
	case code == 408 || code == 429 || code >= 500:
		out.problem = fmt.Sprintf("the receiver answered HTTP %d", code)
	case code >= 300 && code < 400:
		out.problem, out.permanent = fmt.Sprintf("the receiver answered HTTP %d (redirects are not followed: use the final URL)", code), true
	default:
		out.problem, out.permanent = fmt.Sprintf("the receiver refused it with HTTP %d", code), true
	}
	return out
}
