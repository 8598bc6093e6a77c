package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/uuid"

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

// holdAck is a TEST-ONLY hook, active only when STRATUM_TEST_HOLD_ACK_DIR
// is set (config refuses it in production): a tracking API request whose
// events have committed, and which is the first to remove the file "arm"
// from that directory, creates "held" there and is never answered — it
// waits until its request ends. The CDP kill test arms it before a SIGKILL,
// so that one request is committed but unacknowledged when the server
// dies: its sender's resend must be deduplicated. holdAck reports whether
// it held the request (the handler then writes nothing).
func (a *App) holdAck(ctx context.Context) bool {
	dir := a.Cfg.TestHoldAckDir
	if dir == "" || os.Remove(filepath.Join(dir, "arm")) != nil {
		return false
	}
	if err := os.WriteFile(filepath.Join(dir, "held"), nil, 0o600); err != nil {
		a.Log.Error("test hold hook", "err", err)
	}
	<-ctx.Done()
	return true
}

// installTestHooks wraps every connector in holdConnector when the test-only
// STRATUM_TEST_HOLD_APPLY_DIR is set (and announces holdAck's hook).
func (a *App) installTestHooks() {
	if a.Cfg.TestHoldAckDir != "" {
		a.Log.Warn("TEST HOOK: an armed tracking API request is held unanswered after its commit", "dir", a.Cfg.TestHoldAckDir)
	}
	if a.Cfg.TestHoldApplyDir == "" {
		return
	}
	a.Log.Warn("TEST HOOK: connector changes are held open until their job ends", "dir", a.Cfg.TestHoldApplyDir)
	for name, c := range a.Services.Platforms.Connectors {
		a.Services.Platforms.Connectors[name] = holdConnector{Connector: c, dir: a.Cfg.TestHoldApplyDir}
	}
}
