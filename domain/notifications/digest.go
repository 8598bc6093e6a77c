// The daily digest: one summary a day to the channels that subscribe to it.

package notifications

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
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
// often it runs.
func (s *Service) SendDigest(ctx context.Context, tenant uuid.UUID, day time.Time) (err error) {
	defer derrors.Wrap(&err, "notifications.Service.SendDigest(%v, %s)", tenant, day.Format(time.DateOnly))
	day = Day(day)
	facts := s.Facts
	if facts == nil {
		facts = s.gather
	}
	f, err := facts(ctx, tenant, day, day.AddDate(0, 0, 1))
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

// digestScan bounds how many recent incidents and actions of each kind the
// digest reads to count a day's (a tenant with more in one day sees "at
// least" figures: the counts stop there).
const digestScan = 500

// gather reads the digest's figures through the incidents and automation
// services.
func (s *Service) gather(ctx context.Context, tenant uuid.UUID, from, to time.Time) (*DigestFacts, error) {
	f := &DigestFacts{}
	if s.Incidents == nil || s.Automation == nil {
		return f, nil
	}
	open, err := s.Incidents.List(ctx, tenant, incidents.Filter{States: []incidents.State{incidents.Open, incidents.Acknowledged}}, first(1))
	if err != nil {
		return nil, err
	}
	f.IncidentsOpen = open.TotalCount
	err = scan(ctx, func(args relay.Args) (*relay.Page[incidents.Incident], error) {
		return s.Incidents.List(ctx, tenant, incidents.Filter{}, args)
	}, func(i *incidents.Incident) bool {
		if !i.OpenedAt.Before(from) && i.OpenedAt.Before(to) {
			f.IncidentsOpened++
		}
		return i.OpenedAt.Before(from) // newest first: older ones follow
	})
	if err != nil {
		return nil, err
	}
	in := func(t *time.Time) bool { return t != nil && !t.Before(from) && t.Before(to) }
	err = scan(ctx, func(args relay.Args) (*relay.Page[automation.Action], error) {
		return s.Automation.Actions(ctx, tenant, automation.ActionFilter{Statuses: []automation.ActionStatus{automation.Applied, automation.Failed, automation.Queued}}, args)
	}, func(a *automation.Action) bool {
		switch {
		case a.Status == automation.Applied && in(a.AppliedAt):
			f.ActionsApplied++
		case a.Status == automation.Failed && in(&a.UpdatedAt):
			f.ActionsFailed++
		case a.Status == automation.Queued && a.Decision == automation.Hold:
			f.ActionsWaiting++
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	o, err := s.Automation.Overview(ctx, tenant)
	if err != nil {
		return nil, err
	}
	f.Score, f.Mode = o.Score, string(o.Mode)
	return f, nil
}

func first(n int) relay.Args { return relay.Args{First: &n} }

// scan pages through list (newest first) until stop says so or digestScan
// items were read.
func scan[T any](ctx context.Context, list func(relay.Args) (*relay.Page[T], error), stop func(*T) bool) error {
	args := first(100)
	for read := 0; read < digestScan; {
		p, err := list(args)
		if err != nil {
			return err
		}
		for i := range p.Items {
			if stop(&p.Items[i]) {
				return nil
			}
		}
		read += len(p.Items)
		if !p.Info.HasNextPage || p.Info.EndCursor == nil || ctx.Err() != nil {
			return ctx.Err()
		}
		args = relay.Args{First: args.First, After: p.Info.EndCursor}
	}
	return nil
}
