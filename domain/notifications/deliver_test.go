package notifications_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/notifications"
	"github.com/stratumhq/stratum/internal/mail"
	"github.com/stratumhq/stratum/internal/mail/smtptest"
	"github.com/stratumhq/stratum/internal/webhook"
)

// webhookChannel creates a webhook channel pointed at a new receiver that
// knows its secret and whose clock is the service's.
func (b *bundle) webhookChannel(t *testing.T, statuses ...int) (*notifications.Channel, *receiver) {
	t.Helper()
	r := newReceiver(t, b.clock.Now, statuses...)
	ch, secret := b.create(t, notifications.CreateInput{Kind: notifications.Webhook, Name: "hook " + uuid.NewString()[:6], Target: r.URL + r.Path})
	r.secret = secret
	return ch, r
}

func (b *bundle) test(t *testing.T, ch *notifications.Channel) *notifications.Delivery {
	t.Helper()
	b.clock.Advance(time.Second)
	d, err := b.svc.Test(context.Background(), b.tenant, ch.ID)
	require.NoError(t, err)
	require.Equal(t, notifications.Pending, d.Status)
	return d
}

func (b *bundle) deliver(t *testing.T, d *notifications.Delivery, final bool) (*notifications.Delivery, error) {
	t.Helper()
	return b.svc.Deliver(context.Background(), b.tenant, d.ID, final)
}

func TestWebhookDeliveryIsSignedAndVerifiable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ch, r := b.webhookChannel(t)
	d := b.test(t, ch)
	require.Contains(t, b.enqueued, d.ID, "the test delivery's job was enqueued with it")

	got, err := b.deliver(t, d, false)
	require.NoError(t, err)
	require.Equal(t, notifications.Sent, got.Status)
	require.Equal(t, 200, *got.ResponseCode)
	require.Equal(t, 1, got.Attempts)
	require.Nil(t, got.LastError)

	rec := r.received()
	require.Len(t, rec, 1)
	require.True(t, rec[0].verified, "the receiver verified the signature and timestamp")
	require.Equal(t, d.ID.String(), rec[0].header.Get("Stratum-Delivery"))
	require.Equal(t, d.ID.String(), rec[0].header.Get("Idempotency-Key"))
	require.Equal(t, "test", rec[0].header.Get("Stratum-Event"))
	require.Equal(t, "test", rec[0].body.Type)
	require.Equal(t, d.ID.String(), rec[0].body.ID)
	require.Equal(t, "http://stratum.test/settings/notifications", rec[0].body.URL)
	require.Contains(t, rec[0].body.Text, ch.Name)

	t.Run("a delivery already sent is not sent again", func(t *testing.T) {
		again, err := b.deliver(t, d, false)
		require.NoError(t, err)
		require.Equal(t, notifications.Sent, again.Status)
		require.Len(t, r.received(), 1)
	})
}

func TestReceiversRefuseStaleOrForgedSignatures(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// The receiver's clock runs six minutes ahead of the sender's: beyond
	// the five-minute tolerance, so it refuses the delivery as a replay.
	ch, r := b.webhookChannel(t)
	r.now = func() time.Time { return b.clock.Now().Add(6 * time.Minute) }
	got, err := b.deliver(t, b.test(t, ch), false)
	require.NoError(t, err, "401 is permanent: no retry")
	require.Equal(t, notifications.Failed, got.Status)
	require.Equal(t, 401, *got.ResponseCode)
	require.False(t, r.received()[0].verified)

	// A receiver holding another secret refuses the signature too.
	ch2, r2 := b.webhookChannel(t)
	r2.secret = "whsec_not-the-channels"
	got, err = b.deliver(t, b.test(t, ch2), false)
	require.NoError(t, err)
	require.Equal(t, notifications.Failed, got.Status)
	require.False(t, r2.received()[0].verified)

	// Positive control: four minutes apart is within the tolerance.
	r.now = func() time.Time { return b.clock.Now().Add(4 * time.Minute) }
	got, err = b.deliver(t, b.test(t, ch), false)
	require.NoError(t, err)
	require.Equal(t, notifications.Sent, got.Status)
	require.True(t, r.received()[1].verified)
}

func TestFailedAttemptsRetryWithTheSameDeliveryID(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ch, r := b.webhookChannel(t, 503, 429, 200)
	d := b.test(t, ch)

	got, err := b.deliver(t, d, false)
	var retry *notifications.RetryError
	require.True(t, errors.As(err, &retry), "%v", err)
	require.Equal(t, notifications.Pending, got.Status)
	require.Equal(t, "the receiver answered HTTP 503", *got.LastError)
	b.clock.Advance(16 * time.Second) // River's backoff

	_, err = b.deliver(t, d, false)
	require.True(t, errors.As(err, &retry), "%v", err)

	got, err = b.deliver(t, d, false)
	require.NoError(t, err)
	require.Equal(t, notifications.Sent, got.Status)
	require.Equal(t, 3, got.Attempts)
	require.Nil(t, got.LastError)
	ids := map[string]bool{}
	for _, rec := range r.received() {
		require.True(t, rec.verified)
		ids[rec.header.Get("Idempotency-Key")] = true
	}
	require.Equal(t, map[string]bool{d.ID.String(): true}, ids, "every attempt carried the same delivery id")

	t.Run("the last attempt records the failure", func(t *testing.T) {
		ch, _ := b.webhookChannel(t, 500)
		got, err := b.deliver(t, b.test(t, ch), true)
		require.NoError(t, err)
		require.Equal(t, notifications.Failed, got.Status)
		require.Equal(t, "the receiver answered HTTP 500", *got.LastError)
	})
	t.Run("a refusal is final at once", func(t *testing.T) {
		ch, _ := b.webhookChannel(t, 404)
		got, err := b.deliver(t, b.test(t, ch), false)
		require.NoError(t, err)
		require.Equal(t, notifications.Failed, got.Status)
		require.Equal(t, "the receiver refused it with HTTP 404", *got.LastError)
	})
	t.Run("a transport error leaves no URL in the log", func(t *testing.T) {
		ch, r := b.webhookChannel(t)
		r.Close()
		got, err := b.deliver(t, b.test(t, ch), false)
		require.True(t, errors.As(err, &retry), "%v", err)
		require.NotContains(t, *got.LastError, "127.0.0.1")
		require.Nil(t, got.ResponseCode)
	})
}

func TestSendingRefusesPrivateAddressesOutsideDevelopment(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ch, r := b.webhookChannel(t) // saved under the local policy
	strict := *b.svc
	strict.Poster = webhook.NewClient(webhook.Policy{AllowHTTP: true}) // no private addresses
	got, err := strict.Deliver(context.Background(), b.tenant, b.test(t, ch).ID, false)
	require.NoError(t, err, "a refused address is final")
	require.Equal(t, notifications.Failed, got.Status)
	require.Contains(t, *got.LastError, "not public")
	require.Empty(t, r.received())

	// Positive control: the local policy reaches the same receiver.
	got, err = b.deliver(t, b.test(t, ch), false)
	require.NoError(t, err)
	require.Equal(t, notifications.Sent, got.Status)
}

func TestSlackPayloadFollowsSlacksRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ch, _ := b.create(t, notifications.CreateInput{Kind: notifications.Slack, Name: "Slack", Target: b.slack.hookURL()})
	got, err := b.deliver(t, b.test(t, ch), false)
	require.NoError(t, err)
	require.Equal(t, notifications.Sent, got.Status, "%v", got.LastError)
	msgs := b.slack.messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "Test notification from Stratum", msgs[0]["text"])
	blocks := msgs[0]["blocks"].([]any)
	require.Len(t, blocks, 3)
	link := blocks[2].(map[string]any)["text"].(map[string]any)["text"]
	require.Equal(t, "<http://stratum.test/settings/notifications|Open in Stratum>", link)

	t.Run("markup in names is escaped and long text is cut to Slack's limits", func(t *testing.T) {
		a := &automation.Action{TenantID: b.tenant, ID: uuid.New(), Type: "reduce_budget", Platform: "META", RuleName: "<!channel> & co",
			Reasons: []string{strings.Repeat("é", 4000)}}
		b.inTx(t, func(ctx context.Context, tx bun.Tx) error { return b.svc.ActionAwaitingApprovalTx(ctx, tx, a) })
		ds := b.deliveries(t, ch.ID)
		require.Equal(t, notifications.ApprovalNeeded, ds[0].Event)
		got, err := b.deliver(t, &ds[0], false)
		require.NoError(t, err)
		require.Equal(t, notifications.Sent, got.Status, "%v", got.LastError)
		msgs := b.slack.messages()
		section := msgs[len(msgs)-1]["blocks"].([]any)[1].(map[string]any)["text"].(map[string]any)["text"].(string)
		require.Contains(t, section, "“&lt;!channel&gt; &amp; co”")
		require.NotContains(t, section, "<!channel>")
		require.True(t, strings.HasSuffix(section, "…"))
	})
	t.Run("a revoked webhook URL is a final failure", func(t *testing.T) {
		b.slack.token = "rotated"
		got, err := b.deliver(t, b.test(t, ch), false)
		require.NoError(t, err)
		require.Equal(t, notifications.Failed, got.Status)
		require.Equal(t, 404, *got.ResponseCode)
	})
}

func TestEmailGoesThroughSMTP(t *testing.T) {
	t.Parallel()
	b := setup(t)
	srv := smtptest.New(t, smtptest.Options{})
	smtp, err := mail.ParseURL("smtp://127.0.0.1:"+srv.Port()+"?tls=none", "Stratum <alerts@example.com>")
	require.NoError(t, err)
	b.svc.Mailer = smtp
	ch, _ := b.create(t, notifications.CreateInput{Kind: notifications.Email, Name: "On-call", Target: "oncall@example.com"})
	d := b.test(t, ch)
	got, err := b.deliver(t, d, false)
	require.NoError(t, err)
	require.Equal(t, notifications.Sent, got.Status, "%v", got.LastError)
	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, []string{"oncall@example.com"}, msgs[0].To)
	require.Contains(t, msgs[0].Data, "Subject: Test notification from Stratum")
	require.Contains(t, msgs[0].Data, "Message-ID: <delivery-"+d.ID.String()+"@example.com>")
	require.Contains(t, msgs[0].Data, "http://stratum.test/settings/notifications")

	t.Run("a recipient the server refuses fails for good", func(t *testing.T) {
		refusing := smtptest.New(t, smtptest.Options{RcptErr: "550 5.1.1 no such user"})
		smtp, err := mail.ParseURL("smtp://127.0.0.1:"+refusing.Port()+"?tls=none", "alerts@example.com")
		require.NoError(t, err)
		b.svc.Mailer = smtp
		got, err := b.deliver(t, b.test(t, ch), false)
		require.NoError(t, err)
		require.Equal(t, notifications.Failed, got.Status)
		require.Contains(t, *got.LastError, "550")
	})
}

func TestDisabledChannelsSendOnlyTests(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ch, r := b.webhookChannel(t)
	b.inTx(t, func(ctx context.Context, tx bun.Tx) error {
		return b.svc.AutopilotModeChangedTx(ctx, tx, b.tenant, "NORMAL", "LIMITED", 62)
	})
	off := false
	_, err := b.svc.Update(context.Background(), b.tenant, ch.ID, notifications.UpdateInput{Enabled: &off})
	require.NoError(t, err)
	ds := b.deliveries(t, ch.ID)
	require.Len(t, ds, 1)
	got, err := b.deliver(t, &ds[0], false)
	require.NoError(t, err)
	require.Equal(t, notifications.Failed, got.Status)
	require.Equal(t, "the channel was disabled before this was sent", *got.LastError)
	require.Empty(t, r.received())

	got, err = b.deliver(t, b.test(t, ch), false)
	require.NoError(t, err)
	require.Equal(t, notifications.Sent, got.Status, "a test is sent to a disabled channel")
}
