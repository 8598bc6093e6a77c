package incidents

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

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

// HealthChanged implements signals.Listener: it opens incidents for health
// that left HEALTHY, outages and sharp EMQ drops, and closes those whose
// cause cleared.
func (s *Service) HealthChanged(ctx context.Context, tx bun.Tx, tenant uuid.UUID, changes []signals.Change) (err error) {
	defer derrors.Wrap(&err, "incidents.Service.HealthChanged(%v)", tenant)
	var closeHealthy, closeOutage, closeEMQ []string
	for _, c := range changes {
		h := c.Curr
		name := signals.PlatformName(h.Platform)
		score := h.Score
		if h.Status != signals.Healthy {
			title := fmt.Sprintf("%s signal health is %s (%.0f)", name, h.Status, h.Score)
			if len(h.Issues) > 0 {
				title += ": " + h.Issues[0].Message
			}
			if _, _, err := s.OpenTx(ctx, tx, tenant, OpenInput{Cause: CauseHealth, Key: key(CauseHealth, h.Platform), Platform: h.Platform,
				Title: title, Severity: SeverityForScore(h.Score), Score: &score,
				Details: map[string]any{"status": h.Status, "score": h.Score, "issues": h.Issues}}); err != nil {
				return err
			}
		} else {
			closeHealthy = append(closeHealthy, key(CauseHealth, h.Platform))
		}
		if h.Platform == signals.Overall {
			continue
		}
		if h.Outage {
			if _, _, err := s.OpenTx(ctx, tx, tenant, OpenInput{Cause: CauseOutage, Key: key(CauseOutage, h.Platform), Platform: h.Platform,
				Title: name + " reports an outage", Severity: High, Score: &score}); err != nil {
				return err
			}
		} else {
			closeOutage = append(closeOutage, key(CauseOutage, h.Platform))
		}
		switch {
		case h.EMQDrop != nil:
			d := h.EMQDrop
			sev := Medium
			if d.From-d.To >= 5 {
				sev = Critical
			} else if d.From-d.To >= 3.5 {
				sev = High
			}
			if _, _, err := s.OpenTx(ctx, tx, tenant, OpenInput{Cause: CauseEMQDrop, Key: key(CauseEMQDrop, h.Platform), Platform: h.Platform,
				Title:    fmt.Sprintf("%s EMQ fell from %.1f to %.1f", name, d.From, d.To),
				Severity: sev, Score: &score, Details: map[string]any{"from": d.From, "to": d.To, "overSeconds": d.Over.Seconds()}}); err != nil {
				return err
			}
		case h.EMQ != nil && *h.EMQ >= EMQRecoveredAt:
			closeEMQ = append(closeEMQ, key(CauseEMQDrop, h.Platform))
		}
	}
	if len(closeHealthy)+len(closeOutage)+len(closeEMQ) == 0 {
		return nil
	}
	// One cheap read of the unresolved keys spares three updates on the
	// common path (healthy tenant, nothing open).
	var open []string
	if err := tx.NewSelect().Model((*Incident)(nil)).Column("cause_key").Where("state <> ?", Resolved).Scan(ctx, &open); err != nil {
		return err
	}
	isOpen := map[string]bool{}
	for _, k := range open {
		isOpen[k] = true
	}
	only := func(keys []string) []string {
		var out []string
		for _, k := range keys {
			if isOpen[k] {
				out = append(out, k)
			}
		}
		return out
	}
	if _, err := s.CloseTx(ctx, tx, tenant, only(closeHealthy), "Signal health recovered to HEALTHY", System); err != nil {
		return err
	}
	if _, err := s.CloseTx(ctx, tx, tenant, only(closeOutage), "Platform operational again", System); err != nil {
		return err
	}
	_, err = s.CloseTx(ctx, tx, tenant, only(closeEMQ), fmt.Sprintf("EMQ recovered to ≥ %.1f", EMQRecoveredAt), System)
	return err
}

var _ signals.Listener = (*Service)(nil)
