package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/platforms"
)

// holdConnector is a TEST-ONLY hook, installed only when
// STRATUM_TEST_HOLD_APPLY_DIR is set (config refuses it in production). It
// makes each change through the wrapped connector — the platform has applied
// it — and then holds the call open until the job's context ends, after
// creating a file named by the change's idempotency key in dir. The connector
// is called with no transaction open (ADR 0012), so the hold sits between
// "the platform applied the change" and "the outcome is recorded": the crash
// test waits for those files and kill -9s the worker there, and the retry
// must finish each action through the idempotency key without applying it
// twice.
type holdConnector struct {
	platforms.Connector
	dir string
}

// Apply implements platforms.Connector.
func (h holdConnector) Apply(ctx context.Context, tenant uuid.UUID, ch platforms.Change) (platforms.Result, error) {
	res, err := h.Connector.Apply(ctx, tenant, ch)
	if err != nil {
		return res, err
	}
	if err := os.WriteFile(filepath.Join(h.dir, ch.IdempotencyKey), nil, 0o600); err != nil {
		return res, fmt.Errorf("test hold hook: %w", err)
	}
	<-ctx.Done()
	return res, ctx.Err()
}

// holdAck is a TEST-ONLY hook, active only when STRATUM_TEST_HOLD_CDP_DIR
// is set (config refuses it in production): a tracking API request whose
// events have committed, and which is the first to remove the file
// "arm-ack" from that directory, creates "held-ack" there and is never
// answered — it waits until its request ends. The CDP kill test arms it
// before a SIGKILL, so that one request is committed but unacknowledged
// when the server dies: its sender's resend must be deduplicated. holdAck
// reports whether it held the request (the handler then writes nothing).
func (a *App) holdAck(ctx context.Context) bool {
	dir := a.Cfg.TestHoldCDPDir
	if dir == "" || os.Remove(filepath.Join(dir, "arm-ack")) != nil {
		return false
	}
	if err := os.WriteFile(filepath.Join(dir, "held-ack"), nil, 0o600); err != nil {
		a.Log.Error("test hold hook", "err", err)
	}
	<-ctx.Done()
	return true
}

// holdBatchJob is the batch job's side of the same TEST-ONLY hook
// (cdp.Service.TestAfterBatch): the first cdp.process_batch job to remove
// "arm-job" after its batch's transaction committed writes the batch id to
// "held-job" and waits until its context ends (the kill, or the job's
// timeout) — so River never hears that the work was done, and the rescued
// job must find the batch processed and count nothing twice.
func holdBatchJob(dir string, log *slog.Logger) func(ctx context.Context, tenant, batch uuid.UUID) {
	return func(ctx context.Context, tenant, batch uuid.UUID) {
		if os.Remove(filepath.Join(dir, "arm-job")) != nil {
			return
		}
		// Written aside and renamed, so the test, which waits for the
		// name to appear, never reads a file not yet written.
		tmp := filepath.Join(dir, "held-job.tmp")
		if err := os.WriteFile(tmp, []byte(batch.String()), 0o600); err != nil {
			log.Error("test hold hook", "err", err)
		} else if err := os.Rename(tmp, filepath.Join(dir, "held-job")); err != nil {
			log.Error("test hold hook", "err", err)
		}
		<-ctx.Done()
	}
}

// holdSend is conversion forwarding's side of the same TEST-ONLY hook
// (conversions.Deliveries.TestAfterSend): the first flush to find
// "arm-send" after the platform answered removes it, writes the event ids
// it sent (one a line) to "held-send" and waits until its context ends —
// so the outcome is never recorded, and after the kill the reclaimed
// deliveries must be sent again under the same event ids (docs/adr/0022).
func holdSend(dir string, log *slog.Logger) func(ctx context.Context, destination uuid.UUID, events []conversions.Event) {
	return func(ctx context.Context, _ uuid.UUID, events []conversions.Event) {
		if os.Remove(filepath.Join(dir, "arm-send")) != nil {
			return
		}
		var ids []byte
		for _, e := range events {
			ids = append(append(ids, e.EventID...), '\n')
		}
		tmp := filepath.Join(dir, "held-send.tmp")
		if err := os.WriteFile(tmp, ids, 0o600); err != nil {
			log.Error("test hold hook", "err", err)
		} else if err := os.Rename(tmp, filepath.Join(dir, "held-send")); err != nil {
			log.Error("test hold hook", "err", err)
		}
		<-ctx.Done()
	}
}

// installTestHooks wraps every connector in holdConnector when the test-only
// STRATUM_TEST_HOLD_APPLY_DIR is set (and announces holdAck's hook).
func (a *App) installTestHooks() {
	if a.Cfg.TestHoldCDPDir != "" {
		a.Log.Warn("TEST HOOK: an armed tracking API request or batch job is held after its commit", "dir", a.Cfg.TestHoldCDPDir)
		a.Services.CDP.TestAfterBatch = holdBatchJob(a.Cfg.TestHoldCDPDir, a.Log)
		a.Services.Deliveries.TestAfterSend = holdSend(a.Cfg.TestHoldCDPDir, a.Log)
	}
	if a.Cfg.TestHoldApplyDir == "" {
		return
	}
	a.Log.Warn("TEST HOOK: connector changes are held open until their job ends", "dir", a.Cfg.TestHoldApplyDir)
	for name, c := range a.Services.Platforms.Connectors {
		a.Services.Platforms.Connectors[name] = holdConnector{Connector: c, dir: a.Cfg.TestHoldApplyDir}
	}
}
