// The hooks the event sources call inside their writing transactions.

package notifications

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// IncidentEventTx is incidents.Service.Notify: in the transaction that
// writes an incident's timeline event kind, it queues the notification
// for the channels subscribed to it. Opening and escalating notify
// channels whose minimum severity the incident reaches (each channel
// hears of an incident's opening once); resolving notifies those
// subscribed to closed incidents; other events notify nobody.
func (s *Service) IncidentEventTx(ctx context.Context, tx bun.Tx, inc *incidents.Incident, kind string) (err error) {
	defer derrors.Wrap(&err, "notifications.Service.IncidentEventTx(%v, %v, %s)", inc.TenantID, inc.ID, kind)
	var ev Event
	var subscribed string
	switch kind {
	case incidents.EventOpened, incidents.EventEscalated:
		ev, subscribed = IncidentOpened, "nc.incidents_opened"
	case incidents.EventResolved, incidents.EventAutoResolved:
		ev, subscribed = IncidentClosed, "nc.incidents_closed"
	default:
		return nil
	}
	msg := s.incidentMessage(ctx, inc, kind)
	return s.fanout(ctx, tx, inc.TenantID, string(ev)+":"+inc.ID.String(), msg, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where(subscribed).Where("nc.min_severity IN (?)", bun.List(atLeast(inc.Severity)))
	})
}

func (s *Service) incidentMessage(ctx context.Context, inc *incidents.Incident, kind string) Message {
	gid := relay.GlobalID(relay.TypeIncident, inc.ID)
	msg := Message{Severity: string(inc.Severity), At: s.DB.Now(ctx), URL: s.link("/incidents?id=" + url.QueryEscape(gid)),
		Data: map[string]any{"incidentId": gid, "cause": inc.Cause, "severity": inc.Severity, "state": inc.State, "platform": inc.Platform}}
	var b strings.Builder
	fmt.Fprintf(&b, "Severity: %s. Platform: %s.", severityWord(inc.Severity), platformWord(inc.Platform))
	if inc.Score != nil {
		fmt.Fprintf(&b, " Signal health when it opened: %.0f / 100.", *inc.Score)
		msg.Data["score"] = *inc.Score
	}
	switch kind {
	case incidents.EventOpened:
		msg.Event, msg.Title = IncidentOpened, fmt.Sprintf("Incident opened (%s): %s", severityWord(inc.Severity), inc.Title)
		fmt.Fprintf(&b, "\nOpened %s.", stamp(inc.OpenedAt))
	case incidents.EventEscalated:
		msg.Event, msg.Title = IncidentOpened, fmt.Sprintf("Incident escalated to %s: %s", severityWord(inc.Severity), inc.Title)
		fmt.Fprintf(&b, "\nOpened %s; escalated %s.", stamp(inc.OpenedAt), stamp(msg.At))
	default:
		msg.Event, msg.Title = IncidentClosed, "Incident resolved: "+inc.Title
		how := "Resolved by a person"
		if inc.ResolvedBy != nil && *inc.ResolvedBy == incidents.System {
			how = "Resolved automatically"
		}
		if note := strings.TrimPrefix(deref(inc.Resolution), "Resolved: "); note != "" && note != "Resolved" {
			how += ": " + note
		}
		fmt.Fprintf(&b, "\nOpened %s. %s.", stamp(inc.OpenedAt), strings.TrimSuffix(how, "."))
	}
	msg.Text = b.String()
	return msg
}

// ActionAwaitingApprovalTx is automation.Service.OnAwaitingApproval: in
// the transaction that leaves action a queued for a person's approval, it
// notifies the channels subscribed to approvals (once per action).
func (s *Service) ActionAwaitingApprovalTx(ctx context.Context, tx bun.Tx, a *automation.Action) (err error) {
	defer derrors.Wrap(&err, "notifications.Service.ActionAwaitingApprovalTx(%v, %v)", a.TenantID, a.ID)
	gid := relay.GlobalID(relay.TypeAction, a.ID)
	what := strings.ReplaceAll(string(a.Type), "_", " ")
	msg := Message{Event: ApprovalNeeded, Title: "Waiting for approval: " + what, At: s.DB.Now(ctx), URL: s.link("/actions"),
		Data: map[string]any{"actionId": gid, "type": a.Type, "platform": a.Platform, "decision": a.Decision}}
	var b strings.Builder
	if a.RuleName != "" {
		fmt.Fprintf(&b, "Proposed by the rule “%s”", a.RuleName)
	} else {
		b.WriteString("Proposed by a person")
	}
	fmt.Fprintf(&b, " on %s.", platformWord(a.Platform))
	if a.CampaignID != nil {
		msg.Data["campaignId"] = relay.GlobalID(relay.TypeCampaign, *a.CampaignID)
	}
	var why []string
	for _, src := range a.Sources {
		if src.Reason != "" {
			why = append(why, strings.TrimSuffix(src.Reason, "."))
		}
	}
	if len(why) > 0 {
		fmt.Fprintf(&b, "\nWhy it was proposed: %s.", strings.Join(why, "; "))
	}
	if len(a.Reasons) > 0 {
		fmt.Fprintf(&b, "\nWhy it waits: %s.", strings.TrimSuffix(strings.Join(a.Reasons, "; "), "."))
	}
	b.WriteString("\nApprove or dismiss it in the action queue.")
	msg.Text = b.String()
	return s.fanout(ctx, tx, a.TenantID, string(ApprovalNeeded)+":"+a.ID.String(), msg, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("nc.approvals")
	})
}

// AutopilotModeChangedTx is automation.Service.OnModeChanged: in the
// transaction that moves tenant's autopilot mode from one mode to another
// at the given signal-health score, it notifies the channels subscribed
// to autopilot changes.
func (s *Service) AutopilotModeChangedTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, from, to automation.Mode, score float64) (err error) {
	defer derrors.Wrap(&err, "notifications.Service.AutopilotModeChangedTx(%v, %s)", tenant, to)
	at := s.DB.Now(ctx)
	title := "Autopilot mode: " + modeWord(to)
	if from != "" {
		title = fmt.Sprintf("Autopilot mode: %s → %s", modeWord(from), modeWord(to))
	}
	msg := Message{Event: AutopilotModeChanged, Title: title, At: at, URL: s.link("/automation"),
		Text: fmt.Sprintf("Signal health is %.0f / 100, so the autopilot now allows %s.", score, modeMeaning(to)),
		Data: map[string]any{"from": from, "to": to, "score": score}}
	key := fmt.Sprintf("%s:%s:%d", AutopilotModeChanged, to, at.UnixMicro())
	return s.fanout(ctx, tx, tenant, key, msg, func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("nc.autopilot") })
}

func severityWord(s incidents.Severity) string {
	if w, ok := map[incidents.Severity]string{incidents.Low: "Low", incidents.Medium: "Medium", incidents.High: "High", incidents.Critical: "Critical"}[s]; ok {
		return w
	}
	return string(s)
}

func platformWord(p string) string {
	if w, ok := map[string]string{"": "all platforms", "META": "Meta", "GOOGLE": "Google", "TIKTOK": "TikTok", "SNAPCHAT": "Snapchat",
		"SIMULATOR": "Simulator"}[p]; ok {
		return w
	}
	return p
}

func modeWord(m automation.Mode) string {
	if w, ok := map[automation.Mode]string{automation.Normal: "Normal", automation.Limited: "Limited", automation.CutsOnly: "Cuts only", automation.Frozen: "Frozen"}[m]; ok {
		return w
	}
	return string(m)
}

func modeMeaning(m automation.Mode) string {
	switch m {
	case automation.Normal:
		return "every action its risk class permits"
	case automation.Limited:
		return "conservative actions and reductions only"
	case automation.CutsOnly:
		return "pauses and budget reductions only"
	case automation.Frozen:
		return "only pause-all and emergency stop"
	}
	return string(m)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
