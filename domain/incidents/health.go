package incidents

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/derrors"
)

// EMQRecoveredAt is the EMQ (0–10) at which an EMQ-drop incident closes.
const EMQRecoveredAt = 7.0

func key(c Cause, platform string) string {
	if platform == signals.Overall {
		platform = "overall"
	}
	return string(c) + ":" + platform
}

// StatusWord is a health status as the screens write it ("degraded"): the
// same word the gauge shows for the same status.
func StatusWord(st signals.Status) string { return strings.ToLower(string(st)) }

// finding is an incident a recompute keeps open: its cause and the healths
// it accounts for.
type finding struct {
	in OpenInput
	// own is the health the cause sits on (its platform's, or the overall
	// health for an incident about the overall status alone).
	own *signals.Health
	// symptoms are healths that left HEALTHY because of this cause; they are
	// entries of its timeline, not incidents of their own.
	symptoms []*signals.Health
}

// worst is the health among the finding's own and its symptoms that maps
// to the highest severity (the lowest score among equals).
func (f *finding) worst() *signals.Health {
	w := f.own
	for _, h := range f.symptoms {
		if r, wr := SeverityFor(h.Score, h.Status).rank(), SeverityFor(w.Score, w.Status).rank(); r > wr || r == wr && h.Score < w.Score {
			w = h
		}
	}
	return w
}

// closing collects the open incidents whose cause cleared, by message.
type closing struct {
	open  map[string]*Incident
	order []string
	keys  map[string][]string
}

func (c *closing) add(k, message string) {
	if c.open[k] == nil {
		return
	}
	if _, ok := c.keys[message]; !ok {
		c.order = append(c.order, message)
	}
	c.keys[message] = append(c.keys[message], k)
}

// HealthChanged implements signals.Listener. It opens one incident per root
// cause and closes those whose cause cleared:
//   - a platform's outage or sharp EMQ drop is a cause; the platform's
//     health leaving HEALTHY and the overall health leaving HEALTHY are its
//     symptoms, recorded on its timeline (EventSymptom);
//   - a platform's health that left HEALTHY with no such cause is a cause
//     of its own, and so is the overall health when no platform accounts
//     for it (or when it already has an incident of its own).
//
// An incident's severity is SeverityFor of the worst health it accounts for.
func (s *Service) HealthChanged(ctx context.Context, tx bun.Tx, tenant uuid.UUID, changes []signals.Change) (err error) {
	defer derrors.Wrap(&err, "incidents.Service.HealthChanged(%v)", tenant)
	open, err := openIncidents(ctx, tx)
	if err != nil {
		return err
	}
	done := &closing{open: open, keys: map[string][]string{}}
	healths := map[string]*signals.Health{}
	var overall *signals.Health
	var found []*finding
	for _, c := range changes {
		h := c.Curr
		healths[h.Platform] = h
		if h.Platform == signals.Overall {
			overall = h
			continue
		}
		found = append(found, platformFindings(h, open, done)...)
	}
	if overall != nil {
		found = overallFinding(overall, found, open, done)
	}
	for _, f := range found {
		if err := s.keep(ctx, tx, tenant, f, healths); err != nil {
			return err
		}
	}
	for _, msg := range done.order {
		if _, err := s.CloseTx(ctx, tx, tenant, done.keys[msg], msg, System); err != nil {
			return err
		}
	}
	return nil
}

// openIncidents returns the tenant's unresolved incidents by cause key: the
// few rows decide which health is a cause and which a symptom.
func openIncidents(ctx context.Context, tx bun.Tx) (map[string]*Incident, error) {
	var rows []Incident
	if err := tx.NewSelect().Model(&rows).Where("state <> ?", Resolved).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load open incidents: %w", err)
	}
	out := make(map[string]*Incident, len(rows))
	for i := range rows {
		out[rows[i].CauseKey] = &rows[i]
	}
	return out, nil
}

// platformFindings returns the causes on h's platform (an outage, a sharp
// EMQ drop, or an EMQ-drop incident still open because EMQ has not
// recovered) with h as their symptom when h left HEALTHY; without a cause,
// h leaving HEALTHY is a finding of its own.
func platformFindings(h *signals.Health, open map[string]*Incident, done *closing) []*finding {
	name := signals.PlatformName(h.Platform)
	var causes []*finding
	if h.Outage {
		causes = append(causes, &finding{own: h, in: OpenInput{Cause: CauseOutage, Key: key(CauseOutage, h.Platform), Platform: h.Platform,
			Title: name + " reports an outage"}})
	} else {
		done.add(key(CauseOutage, h.Platform), "Platform operational again")
	}
	ek := key(CauseEMQDrop, h.Platform)
	switch {
	case h.EMQDrop != nil:
		d := h.EMQDrop
		causes = append(causes, &finding{own: h, in: OpenInput{Cause: CauseEMQDrop, Key: ek, Platform: h.Platform,
			Title:   fmt.Sprintf("%s EMQ fell from %.1f to %.1f", name, d.From, d.To),
			Details: map[string]any{"from": d.From, "to": d.To, "overSeconds": d.Over.Seconds()}}})
	case h.EMQ != nil && *h.EMQ >= EMQRecoveredAt:
		done.add(ek, fmt.Sprintf("EMQ recovered to ≥ %.1f", EMQRecoveredAt))
	case open[ek] != nil:
		causes = append(causes, continuing(h, open[ek]))
	}
	hk := key(CauseHealth, h.Platform)
	switch {
	case h.Status == signals.Healthy:
		done.add(hk, "Signal health recovered to healthy")
	case open[hk] != nil || len(causes) == 0:
		causes = append(causes, healthFinding(h))
	default:
		causes[0].symptoms = append(causes[0].symptoms, h)
	}
	return causes
}

// overallFinding adds the overall health to found: a symptom of the
// platform finding that accounts for it most (a component cause before a
// health status, then the lowest score), or a finding of its own when no
// platform accounts for it or it already has an incident.
func overallFinding(overall *signals.Health, found []*finding, open map[string]*Incident, done *closing) []*finding {
	switch {
	case overall.Status == signals.Healthy:
		done.add(key(CauseHealth, signals.Overall), "Signal health recovered to healthy")
	case open[key(CauseHealth, signals.Overall)] != nil || len(found) == 0:
		found = append(found, healthFinding(overall))
	default:
		p := found[0]
		for _, f := range found[1:] {
			if less(f, p) {
				p = f
			}
		}
		p.symptoms = append(p.symptoms, overall)
	}
	return found
}

func less(a, b *finding) bool {
	ac, bc := a.in.Cause != CauseHealth, b.in.Cause != CauseHealth
	if ac != bc {
		return ac
	}
	if a.own.Score != b.own.Score {
		return a.own.Score < b.own.Score
	}
	return a.in.Key < b.in.Key
}

func continuing(h *signals.Health, inc *Incident) *finding {
	return &finding{own: h, in: OpenInput{Cause: inc.Cause, Key: inc.CauseKey, Platform: inc.Platform, Title: inc.Title, Details: inc.Details}}
}

func healthFinding(h *signals.Health) *finding {
	title := fmt.Sprintf("%s signal health is %s (%.0f)", signals.PlatformName(h.Platform), StatusWord(h.Status), h.Score)
	if len(h.Issues) > 0 {
		title += ": " + h.Issues[0].Message
	}
	return &finding{own: h, in: OpenInput{Cause: CauseHealth, Key: key(CauseHealth, h.Platform), Platform: h.Platform, Title: title,
		Details: map[string]any{"status": h.Status, "score": h.Score, "issues": h.Issues}}}
}

// keep opens (or escalates) f's incident and records its symptoms.
func (s *Service) keep(ctx context.Context, tx bun.Tx, tenant uuid.UUID, f *finding, healths map[string]*signals.Health) error {
	w := f.worst()
	score := w.Score
	f.in.Severity, f.in.Score = SeverityFor(w.Score, w.Status), &score
	inc, opened, err := s.OpenTx(ctx, tx, tenant, f.in)
	if err != nil {
		return err
	}
	return s.noteSymptoms(ctx, tx, inc, opened, f.symptoms, healths)
}

// detailSymptoms is the Details entry recording, by platform ("overall" for
// the overall health), the status of each symptom last written on the
// timeline, so that a recompute adds an entry only when one changes.
const detailSymptoms = "symptoms"

func recordedSymptoms(inc *Incident) map[string]string {
	out := map[string]string{}
	if m, ok := inc.Details[detailSymptoms].(map[string]any); ok {
		for k, v := range m {
			if s, ok := v.(string); ok {
				out[k] = s
			}
		}
	}
	if m, ok := inc.Details[detailSymptoms].(map[string]string); ok {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func symptomKey(platform string) string {
	if platform == signals.Overall {
		return "overall"
	}
	return platform
}

func symptomName(platform string) string {
	if platform == signals.Overall {
		return "Overall"
	}
	return signals.PlatformName(platform) + " platform"
}

// noteSymptoms adds a timeline entry for each symptom whose status differs
// from the one recorded (e.g. "Overall health degraded (score 66)") and
// for each recorded symptom that is back to HEALTHY.
func (s *Service) noteSymptoms(ctx context.Context, tx bun.Tx, inc *Incident, opened bool, symptoms []*signals.Health, healths map[string]*signals.Health) error {
	recorded := recordedSymptoms(inc)
	var notes []string
	for _, h := range healths {
		k := symptomKey(h.Platform)
		if _, ok := recorded[k]; ok && h.Status == signals.Healthy {
			delete(recorded, k)
			notes = append(notes, fmt.Sprintf("%s health back to healthy (score %.0f)", symptomName(h.Platform), h.Score))
		}
	}
	sort.Strings(notes)
	for _, h := range symptoms {
		k := symptomKey(h.Platform)
		if recorded[k] == string(h.Status) {
			continue
		}
		recorded[k] = string(h.Status)
		notes = append(notes, fmt.Sprintf("%s health %s (score %.0f)", symptomName(h.Platform), StatusWord(h.Status), h.Score))
	}
	if len(notes) == 0 {
		return nil
	}
	if inc.Details == nil {
		inc.Details = map[string]any{}
	}
	inc.Details[detailSymptoms], inc.UpdatedAt = recorded, s.DB.Now(ctx)
	if _, err := tx.NewUpdate().Model(inc).Column("details", "updated_at").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("record symptoms: %w", err)
	}
	for _, n := range notes {
		if err := s.event(ctx, tx, inc, EventSymptom, n, System); err != nil {
			return err
		}
	}
	if opened {
		return nil // TopicIncidentOpened already tells subscribers
	}
	return realtime.Publish(ctx, tx, realtime.Event{Tenant: inc.TenantID, Topic: TopicIncidentUpdated, ID: inc.ID.String()})
}

var _ signals.Listener = (*Service)(nil)
