package platforms

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/derrors"
)

// Connection status from sync outcomes (docs/adr/0015, "Sync"):
//
//   - a run that succeeds sets the connection OK (and last_sync_at), or
//     DEGRADED when DegradedErrorPercent or more of its calls to the
//     platform failed (at least MinRateCalls calls, over all its attempts;
//     sync_apicalls.go), saying how many and the platform's last words;
//   - an AUTH error sets NEEDS_REAUTH (until the connection is authorized
//     again: the connections flow resets it). This is a minimal local
//     update of platform_connections.status and last_error; the incident
//     that goes with it is the connections flow's (TokenSource reports
//     refused grants the same way);
//   - a failed run, or a transient error on an attempt, sets DEGRADED with
//     the platform's message in last_error; DOWN once the connection's
//     last DownAfter finished runs all failed;
//   - a rate limit changes nothing: it is the platform pacing us.
//
// The platform's status row (platform_status, what platformStatusChanged
// and signal health's platform_up read) follows: OK → OPERATIONAL,
// DEGRADED → DEGRADED, DOWN and NEEDS_REAUTH → OUTAGE. With several
// connections of one platform the latest outcome wins.

// DownAfter is how many finished runs in a row must fail for DOWN.
const DownAfter = 3

// finishRun marks the run SUCCEEDED, adds the attempt's calls to it, and
// sets the connection OK, or DEGRADED by the run's API error rate.
func (s *Service) finishRun(ctx context.Context, sc *syncCtx) error {
	return s.DB.InTenant(ctx, sc.tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := s.addAPICountsTx(ctx, tx, sc); err != nil {
			return err
		}
		now := s.DB.Now(ctx)
		sc.run.Status, sc.run.FinishedAt, sc.run.UpdatedAt, sc.run.Error = RunSucceeded, &now, now, ""
		if sc.run.Kind == SyncStructure {
			sc.run.ProgressDone = max(sc.run.ProgressDone, sc.run.ProgressTotal)
		} else {
			sc.run.ProgressDone = sc.run.ProgressTotal
		}
		if _, err := tx.NewUpdate().Model(sc.run).Column("status", "finished_at", "updated_at", "error", "progress_done", "progress_total", "rows_written").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := publishRun(ctx, tx, sc.run); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*Connection)(nil)).Set("last_sync_at = ?, updated_at = ?", now, now).Where("id = ?", sc.conn.ID).Exec(ctx); err != nil {
			return err
		}
		if apiErrorsDegrade(sc.run.APICalls, sc.run.APIErrors) {
			// The failures' own words are already the connection's
			// last_error (recordError): only the status changes.
			return s.setConnectionStatusTx(ctx, tx, sc.tenant, sc.conn.ID, ConnectionDegraded, apiErrorsMessage(sc.conn.Platform, sc.run), "")
		}
		return s.setConnectionStatusTx(ctx, tx, sc.tenant, sc.conn.ID, ConnectionOK, "", "")
	})
}

// recordError records err's outcome by kind (see RunSync) and returns what
// the worker should see.
func (s *Service) recordError(ctx context.Context, sc *syncCtx, err error) error {
	var ae *APIError
	if !errors.As(err, &ae) {
		if errors.Is(err, ErrSyncDone) {
			return err
		}
		// Not the platform's answer (the database, a context): retry.
		return err
	}
	switch ae.Kind {
	case ErrorRateLimited:
		return err
	case ErrorTransient:
		if rerr := s.DB.InTenant(ctx, sc.tenant, func(ctx context.Context, tx bun.Tx) error {
			return s.setConnectionStatusTx(ctx, tx, sc.tenant, sc.conn.ID, ConnectionDegraded, ae.Message, ae.Message)
		}); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	case ErrorAuth:
		ferr := s.failRun(ctx, sc.tenant, sc.run.ID, ae.Message, ConnectionNeedsReauth)
		if m, ok := s.Tokens.(ReauthMarker); ok && ferr == nil {
			// The connections service opens the connection's one
			// re-authorization incident and publishes the change.
			ferr = m.MarkNeedsReauth(ctx, sc.tenant, sc.conn.ID, ae.Message)
		}
		return ferr
	default:
		return s.failRun(ctx, sc.tenant, sc.run.ID, ae.Message, "")
	}
}

// FailSync ends an active run FAILED after its last attempt, with err's
// message when it is the platform's (else a generic one: driver errors are
// never shown), and updates the connection's status.
func (s *Service) FailSync(ctx context.Context, tenant, runID uuid.UUID, cause error) (err error) {
	defer derrors.Wrap(&err, "platforms.Service.FailSync(%v, %v)", tenant, runID)
	msg := "the sync failed repeatedly; it will run again at its next schedule"
	var ae *APIError
	if errors.As(cause, &ae) {
		msg = ae.Message
	}
	return s.failRun(ctx, tenant, runID, msg, "")
}

// failRun ends the run FAILED with msg and sets the connection status:
// status when given, else DEGRADED or DOWN by the recent runs.
func (s *Service) failRun(ctx context.Context, tenant, runID uuid.UUID, msg, status string) (err error) {
	defer derrors.Wrap(&err, "platforms.Service.failRun(%v)", runID)
	return s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := s.endRunTx(ctx, tx, runID, RunFailed, msg); err != nil {
			return err
		}
		var conn uuid.UUID
		if err := tx.NewSelect().Table("sync_runs").Column("connection_id").Where("id = ?", runID).Scan(ctx, &conn); err != nil {
			return err
		}
		if status == "" {
			var recent []string
			if err := tx.NewSelect().Table("sync_runs").Column("status").
				Where("connection_id = ? AND status IN (?, ?)", conn, RunSucceeded, RunFailed).
				OrderExpr("finished_at DESC, id DESC").Limit(DownAfter).Scan(ctx, &recent); err != nil {
				return err
			}
			status = ConnectionDown
			if len(recent) < DownAfter {
				status = ConnectionDegraded
			}
			for _, r := range recent {
				if r != RunFailed {
					status = ConnectionDegraded
				}
			}
		}
		return s.setConnectionStatusTx(ctx, tx, tenant, conn, status, msg, msg)
	})
}

// setConnectionStatusTx stores the connection's status (and lastError when
// not empty) and, when the status changed, the platform's status
// (SetStatusTx: platform_up measurement, platformStatusChanged).
func (s *Service) setConnectionStatusTx(ctx context.Context, tx bun.Tx, tenant, connection uuid.UUID, status, message, lastError string) error {
	conn := new(Connection)
	if err := tx.NewSelect().Model(conn).Where("pc.id = ?", connection).For("NO KEY UPDATE").Scan(ctx); err != nil {
		return fmt.Errorf("connection: %w", err)
	}
	now := s.DB.Now(ctx)
	q := tx.NewUpdate().Model(conn).Set("status = ?, status_message = ?, updated_at = ?", status, clip(message, 2000), now).WherePK()
	if lastError != "" {
		q = q.Set("last_error = ?, last_error_at = ?", clip(lastError, 2000), now)
	}
	if _, err := q.Exec(ctx); err != nil {
		return err
	}
	if conn.Platform == Simulator {
		// The simulator reports SIMULATOR's status for simulated tenants.
		if sim, err := simulated(ctx, tx); err != nil || sim {
			return err
		}
	}
	ps, msg := Operational, fmt.Sprintf("%s connection syncing normally", conn.Platform)
	switch status {
	case ConnectionDegraded:
		ps, msg = DegradedOps, message
	case ConnectionDown, ConnectionNeedsReauth:
		ps, msg = Outage, message
	}
	_, err := s.SetStatusTx(ctx, tx, tenant, conn.Platform, ps, clip(msg, 2000))
	return err
}
