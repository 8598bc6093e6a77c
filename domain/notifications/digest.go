// The daily digest: one summary a day to the channels that subscribe to it.

package notifications

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/derrors"
)

// DigestFacts are a day's figures, gathered from the other contexts by
// Service.Facts.
type DigestFacts struct {
	// IncidentsOpened counts incidents opened during the day; IncidentsOpen
	// those unresolved now.
	IncidentsOpened, IncidentsOpen int
	// ActionsApplied and ActionsFailed count actions that reached that state
	// during the day; ActionsWaiting those queued for a person now.
	ActionsApplied, ActionsFailed, ActionsWaiting int
	// Score is the overall signal health now (nil before the first computation).
	Score *float64
	// Mode is the autopilot mode now.
	Mode string
}

// Day returns the UTC calendar day that contains t.
func Day(t time.Time) time.Time {
	return time.Date(t.UTC().Year(), t.UTC().Month(), t.UTC().Day(), 0, 0, 0, 0, time.UTC)
}

// SendDigest queues the digest of the UTC day starting at day (see Day) to
// tenant's channels subscribed to it, once per channel and day however
// often it runs. It does nothing without Facts.
func (s *Service) SendDigest(ctx context.Context, tenant uuid.UUID, day time.Time) (err error) {
	defer derrors.Wrap(&err, "notifications.Service.SendDigest(%v, %s)", tenant, day.Format(time.DateOnly))
	if s.Facts == nil {
		return nil
	}
	day = Day(day)
	f, err := s.Facts(ctx, tenant, day, day.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		msg := digestMessage(day, f, s.DB.Now(ctx), s.link("/"))
		return s.fanout(ctx, tx, tenant, string(DailyDigest)+":"+day.Format(time.DateOnly), msg,
			func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("nc.daily_digest") })
	})
}

func digestMessage(day time.Time, f *DigestFacts, now time.Time, link string) Message {
	var b strings.Builder
	plural := func(n int, noun string) string {
		if n == 1 {
			return "1 " + noun
		}
		return fmt.Sprintf("%d %ss", n, noun)
	}
	fmt.Fprintf(&b, "On %s (UTC): %s opened, %s applied, %s failed.\n", day.Format("Monday 2 January 2006"),
		plural(f.IncidentsOpened, "incident"), plural(f.ActionsApplied, "action"), plural(f.ActionsFailed, "action"))
	fmt.Fprintf(&b, "Now: %s unresolved, %s waiting for approval", plural(f.IncidentsOpen, "incident"),
		plural(f.ActionsWaiting, "action"))
	if f.Score != nil {
		fmt.Fprintf(&b, ", signal health %.0f / 100", *f.Score)
	}
	if f.Mode != "" {
		fmt.Fprintf(&b, ", autopilot mode %s", strings.ToLower(strings.ReplaceAll(f.Mode, "_", " ")))
	}
	b.WriteString(".")
	data := map[string]any{"day": day.Format(time.DateOnly), "incidentsOpened": f.IncidentsOpened, "incidentsOpen": f.IncidentsOpen,
		"actionsApplied": f.ActionsApplied, "actionsFailed": f.ActionsFailed, "actionsWaiting": f.ActionsWaiting, "mode": f.Mode}
	if f.Score != nil {
		data["score"] = *f.Score
	}
	return Message{Event: DailyDigest, Title: "Stratum daily digest: " + day.Format("2 January 2006"), Text: b.String(), URL: link, At: now, Data: data}
}
