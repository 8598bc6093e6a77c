// How each channel kind formats a Message.

package notifications

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/internal/mail"
	"github.com/stratumhq/stratum/internal/relay"
)

// WebhookBody is the JSON a webhook channel receives (documented in
// README.md, "Webhooks").
type WebhookBody struct {
	// ID is the delivery's id, the same on every retry (also sent as the
	// Stratum-Delivery and Idempotency-Key headers).
	ID string `json:"id"`
	// Type is the event: incident.opened, incident.closed,
	// action.awaiting_approval, autopilot.mode_changed, digest.daily or test.
	Type      string         `json:"type"`
	CreatedAt time.Time      `json:"createdAt"`
	TenantID  string         `json:"tenantId"`
	Title     string         `json:"title"`
	Text      string         `json:"text"`
	URL       string         `json:"url"`
	Severity  string         `json:"severity,omitempty"`
	Data      map[string]any `json:"data,omitempty"`
}

func webhookBody(d *Delivery) ([]byte, error) {
	m := d.Message
	return json.Marshal(WebhookBody{ID: d.ID.String(), Type: m.Event.Type(), CreatedAt: m.At, TenantID: relay.GlobalID(relay.TypeTenant, d.TenantID),
		Title: m.Title, Text: m.Text, URL: m.URL, Severity: m.Severity, Data: m.Data})
}

// Slack's limits for what we send (Block Kit): a header's plain text is at
// most 150 characters, a section's text at most 3000.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
)

// slackBody is an incoming-webhook payload: "text" is the notification
// and fallback text, "blocks" the formatted message (a header, the text,
// the link back).
func slackBody(m Message) ([]byte, error) {
	type text struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	type block struct {
		Type string `json:"type"`
		Text *text  `json:"text,omitempty"`
	}
	blocks := []block{
		{Type: "header", Text: &text{Type: "plain_text", Text: clip(m.Title, slackHeaderMax)}},
		{Type: "section", Text: &text{Type: "mrkdwn", Text: clip(slackEscape(m.Text), slackSectionMax)}},
		{Type: "section", Text: &text{Type: "mrkdwn", Text: "<" + slackEscape(m.URL) + "|Open in Stratum>"}},
	}
	return json.Marshal(struct {
		Text   string  `json:"text"`
		Blocks []block `json:"blocks"`
	}{clip(slackEscape(m.Title), slackSectionMax), blocks})
}

// slackEscape escapes the three characters Slack reads as markup (so a
// campaign name cannot mention @channel or forge a link).
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// clip cuts s to at most n characters, ending with "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func (s *Service) email(ch *Channel, d *Delivery, now time.Time) mail.Message {
	m := d.Message
	var b strings.Builder
	b.WriteString(m.Text)
	b.WriteString("\n\nOpen in Stratum: " + m.URL + "\n")
	b.WriteString("\n-- \nStratum sent this to the notification channel “" + ch.Name + "”. ")
	b.WriteString("Change what it receives under Settings → Notifications: " + s.link("/settings/notifications") + "\n")
	return mail.Message{To: []string{ch.Target}, Subject: clip(m.Title, 200), Text: b.String(), Date: now, ID: deliveryRef(d.ID)}
}

func deliveryRef(id uuid.UUID) string { return "delivery-" + id.String() }

// stamp formats a time for message text, in UTC.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
