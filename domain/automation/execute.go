package automation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// Executing an action talks to an ad platform, another company's service,
// so it runs in three steps and never holds a transaction (or a row lock)
// while the platform answers (ADR 0012):
//
//  1. start (one transaction): lock the action, re-check the gate, audit the
//     decision, plan the connector changes with their idempotency keys and
//     store them as the action's Execution — the action is now in flight;
//  2. call the connector with no transaction open;
//  3. finish (another transaction): record the outcome (APPLIED, or FAILED
//     with the platform's words and an incident) and clear Execution.
//
// A crash between 1 and 3 leaves Execution set. Whoever comes next — the
// job's retry, or the job that backs up a manual override — resumes it:
// the same changes with the same keys, which the connector replays instead
// of applying twice, and the outcome is recorded once (step 3 only records
// the execution it finds).

// Execution is an action's execution in flight, stored on the action
// between start and finish. It holds everything finishing needs, so any
// caller that resumes it records the same outcome.
type Execution struct {
	// ID tells this execution from a later one of the same action (an
	// override after a failure): finish records only the one it started.
	ID        uuid.UUID `json:"id"`
	StartedAt time.Time `json:"startedAt"`
	// Actor is who the action is applied by (the approver, a person
	// overriding, or system).
	Actor string `json:"actor"`
	// OverrideReason is set for a manual override (Apply).
	OverrideReason string `json:"overrideReason,omitempty"`
	// The gate's decision that let it run (GateID in trust_gate_audit),
	// recorded on the action at finish.
	GateID   uuid.UUID `json:"gateId"`
	Decision Decision  `json:"decision"`
	Reasons  []string  `json:"reasons"`
	Warnings []string  `json:"warnings"`
	Score    *float64  `json:"score,omitempty"`
	// Changes are the connector calls: one for a campaign action, one per
	// active campaign for pause_all and emergency_stop.
	Changes []PlannedChange `json:"changes"`
}

// PlannedChange is one connector call of an execution.
type PlannedChange struct {
	Platform string `json:"platform"`
	// Campaign is the campaign's name, for the error message.
	Campaign string           `json:"campaign"`
	Change   platforms.Change `json:"change"`
}

// errInFlight refuses to approve or dismiss an action the platform may
// already have applied.
var errInFlight = apperr.Conflictf("the action is being executed on the platform; wait for its outcome")

// errNoPlatforms fails an execution when the service has no platforms.
var errNoPlatforms = errors.New("automation: no platform service")

// Execute runs a queued or approved action if the gate (re-checked now)
// lets it: the River job calls it. An action already applied, dismissed,
// failed or blocked is left alone; one in flight (a crash or a transient
// error interrupted it) is resumed. A transient connector error
// (platforms.Transient) is returned (wrapped: errors.Is finds it) and leaves
// the action in flight for the job's retry; GiveUp fails it when no retry is
// left. A refusal is an outcome: the action is returned FAILED and the error
// is nil.
func (s *Service) Execute(ctx context.Context, tenant, id uuid.UUID) (_ *Action, err error) {
	defer derrors.Wrap(&err, "automation.Service.Execute(%v, %v)", tenant, id)
	a, ex, err := s.start(ctx, tenant, id, s.startExecute)
	if err != nil || ex == nil {
		return a, err
	}
	out := s.callConnector(ctx, a, ex)
	if out.err != nil && platforms.Transient(out.err) {
		return a, &connectorError{out.err}
	}
	return s.finish(ctx, tenant, id, ex.ID, out)
}

// Apply executes an action now as a manual override by actor with reason
// (required, audited), whatever the gate says. It returns the action as
// APPLIED or FAILED: a person is waiting, so a transient error fails it
// too (they can apply it again). An execution job is queued with the start
// so that, if this process dies before the outcome is recorded, the job
// finishes the execution. An action already in flight is resumed.
func (s *Service) Apply(ctx context.Context, tenant, id uuid.UUID, actor, reason string) (_ *Action, err error) {
	defer derrors.Wrap(&err, "automation.Service.Apply(%v, %v)", tenant, id)
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return nil, apperr.Invalid([]string{"input", "reason"}, "a reason of 1–500 characters is required to override the trust gate")
	}
	a, ex, err := s.start(ctx, tenant, id, func(ctx context.Context, tx bun.Tx, a *Action) (*Execution, error) {
		return s.startOverride(ctx, tx, a, actor, reason)
	})
	if err != nil || ex == nil {
		return a, err
	}
	return s.finish(ctx, tenant, id, ex.ID, s.callConnector(ctx, a, ex))
}

// GiveUp records an action whose execution is still in flight as FAILED
// with cause (the platform's error): the execution job calls it when its
// last attempt ended in a transient error. An action not in flight is
// returned unchanged.
func (s *Service) GiveUp(ctx context.Context, tenant, id uuid.UUID, cause error) (_ *Action, err error) {
	defer derrors.Wrap(&err, "automation.Service.GiveUp(%v, %v)", tenant, id)
	return s.finish(ctx, tenant, id, uuid.Nil, outcome{err: cause})
}

// start is step 1: in one transaction it locks the action and resumes its
// execution in flight or begins one with begin, which returns nil when
// there is nothing to execute.
func (s *Service) start(ctx context.Context, tenant, id uuid.UUID, begin func(context.Context, bun.Tx, *Action) (*Execution, error)) (a *Action, ex *Execution, err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if a, err = lockAction(ctx, tx, id); err != nil {
			return err
		}
		if a.Execution != nil {
			ex = a.Execution
			return nil
		}
		ex, err = begin(ctx, tx, a)
		return err
	})
	return a, ex, err
}

// startExecute begins the job's execution of a QUEUED or APPROVED action
// the gate, re-checked now, lets run.
func (s *Service) startExecute(ctx context.Context, tx bun.Tx, a *Action) (*Execution, error) {
	if a.Status != Queued && a.Status != Approved {
		return nil, nil
	}
	if done, err := s.overtaken(ctx, tx, a); err != nil || done {
		return nil, err
	}
	g, err := s.loadGate(ctx, tx, a.TenantID)
	if err != nil {
		return nil, err
	}
	ev, err := s.gate(ctx, tx, g, a, humanFor(a), a.Status == Approved, false)
	if err != nil {
		return nil, err
	}
	// An approved action runs on its approver's behalf: the check that lets
	// it run names them.
	actor := System
	if a.ApprovedBy != nil {
		actor = *a.ApprovedBy
	}
	gateID, err := s.audit(ctx, tx, a, ev, CauseExecution, actor)
	if err != nil {
		return nil, err
	}
	if !ev.WouldExecute {
		s.setDecision(a, ev)
		return nil, s.save(ctx, tx, a)
	}
	return s.begin(ctx, tx, a, &Execution{Actor: actor, GateID: gateID, Decision: ev.Decision, Reasons: ev.Reasons, Warnings: ev.Warnings, Score: ev.score})
}

// overtaken re-validates a against its campaign as it is now (see
// revalidate) and, when the change has nothing left to do, ends it
// NOT_NEEDED or SUPERSEDED with the reason: no gate decision, no call.
func (s *Service) overtaken(ctx context.Context, tx bun.Tx, a *Action) (bool, error) {
	status, why, err := s.revalidate(ctx, tx, a)
	if err != nil || status == "" {
		return false, err
	}
	return true, s.resolve(ctx, tx, a, status, why)
}

// startOverride begins a manual override's execution and queues the job
// that backs it up.
func (s *Service) startOverride(ctx context.Context, tx bun.Tx, a *Action, actor, reason string) (*Execution, error) {
	switch a.Status {
	case Queued, Approved, Blocked, Failed:
	default:
		return nil, apperr.Conflictf("a %s action cannot be applied", codeWord(string(a.Status)))
	}
	if done, err := s.overtaken(ctx, tx, a); err != nil || done {
		return nil, err
	}
	g, err := s.loadGate(ctx, tx, a.TenantID)
	if err != nil {
		return nil, err
	}
	ev, err := s.gate(ctx, tx, g, a, true, true, true)
	if err != nil {
		return nil, err
	}
	gateID, err := s.audit(ctx, tx, a, ev, CauseOverride, actor)
	if err != nil {
		return nil, err
	}
	ex, err := s.begin(ctx, tx, a, &Execution{Actor: actor, OverrideReason: reason, GateID: gateID, Decision: ev.Decision,
		Reasons: append(ev.Reasons, "override reason: "+reason), Warnings: ev.Warnings, Score: ev.score})
	if err != nil || ex == nil || s.OnExecutable == nil {
		return ex, err
	}
	return ex, s.OnExecutable(ctx, tx, a.TenantID, a.ID)
}

// begin plans ex's connector changes and stores ex on the action (only the
// execution column: nothing visible changes, nothing is published). When
// the action cannot be planned (its campaign is gone, its parameters no
// longer fit) the failure is recorded at once and begin returns nil.
func (s *Service) begin(ctx context.Context, tx bun.Tx, a *Action, ex *Execution) (*Execution, error) {
	ex.ID, ex.StartedAt = uuid.New(), s.DB.Now(ctx)
	changes, err := s.plannedChanges(ctx, tx, a)
	if _, refused := apperr.As(err); refused || errors.Is(err, errNoPlatforms) {
		return nil, s.recordTx(ctx, tx, a, ex, outcome{err: err})
	}
	if err != nil {
		return nil, err
	}
	ex.Changes = changes
	a.Execution = ex
	if _, err := tx.NewUpdate().Model(a).Column("execution").WherePK().Exec(ctx); err != nil {
		return nil, fmt.Errorf("start action execution: %w", err)
	}
	return ex, nil
}

// plannedChanges are the connector calls that apply a, each with its
// idempotency key: the action id for a campaign action, action id:campaign
// id for each campaign pause_all pauses.
func (s *Service) plannedChanges(ctx context.Context, tx bun.Tx, a *Action) ([]PlannedChange, error) {
	if s.Platforms == nil {
		return nil, errNoPlatforms
	}
	if a.CampaignID == nil { // pause_all / emergency_stop
		f := platforms.CampaignFilter{}
		if a.Platform != "" {
			f.Platforms = []string{a.Platform}
		}
		cs, err := platforms.CampaignsTx(ctx, tx, f)
		if err != nil {
			return nil, err
		}
		paused := platforms.CampaignPaused
		var out []PlannedChange
		for _, c := range cs {
			if c.Status == platforms.CampaignActive {
				out = append(out, PlannedChange{Platform: c.Platform, Campaign: c.Name,
					Change: platforms.Change{IdempotencyKey: a.ID.String() + ":" + c.ID.String(), CampaignID: c.ID, Status: &paused}})
			}
		}
		return out, nil
	}
	cs, err := platforms.CampaignsTx(ctx, tx, platforms.CampaignFilter{CampaignIDs: []uuid.UUID{*a.CampaignID}})
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, apperr.NotFoundf("campaign no longer exists")
	}
	ch, _, _, err := plan(a.Type, a.Params, &cs[0])
	if err != nil {
		return nil, err
	}
	ch.IdempotencyKey = a.ID.String()
	return []PlannedChange{{Platform: a.Platform, Campaign: cs[0].Name, Change: ch}}, nil
}

// outcome is what the connector answered for an execution.
type outcome struct {
	before, after map[string]any
	// unchanged: the platform applied the change and reported the same
	// settings before and after (the action ends NOT_NEEDED, not APPLIED).
	unchanged bool
	err       error
}

// campaignError is one campaign's failure within pause_all.
type campaignError struct {
	campaign string
	err      error
}

func (e *campaignError) Error() string { return e.campaign + ": " + e.err.Error() }
func (e *campaignError) Unwrap() error { return e.err }

// connectorError is the connector's answer that Execute returns for the
// job to retry. It reads as that answer; platformWords finds it under the
// operation names wrapped around it on the way (derrors), so GiveUp records
// the platform's words alone, as it did before they were wrapped.
type connectorError struct{ err error }

func (e *connectorError) Error() string { return e.err.Error() }
func (e *connectorError) Unwrap() error { return e.err }

// callConnector is step 2: it sends ex's changes, with no transaction open.
// pause_all sends every change even when one fails: campaigns the platform
// paused stay paused, and after counts the campaigns still active.
func (s *Service) callConnector(ctx context.Context, a *Action, ex *Execution) outcome {
	if a.CampaignID != nil {
		if len(ex.Changes) != 1 {
			return outcome{err: fmt.Errorf("automation: execution %s has %d changes for one campaign", ex.ID, len(ex.Changes))}
		}
		res, err := s.send(ctx, a.TenantID, ex.Changes[0])
		if err != nil {
			return outcome{err: err}
		}
		out := outcome{after: settingsMap(res.After), unchanged: a.Type != ExpandTargeting && unchanged(res)}
		if !res.Replayed {
			out.before = settingsMap(res.Before)
		}
		return out
	}
	var errs []error
	for _, c := range ex.Changes {
		if _, err := s.send(ctx, a.TenantID, c); err != nil {
			errs = append(errs, &campaignError{campaign: c.Campaign, err: err})
		}
	}
	return outcome{after: map[string]any{"activeCampaigns": float64(len(errs))}, err: errors.Join(errs...)}
}

func (s *Service) send(ctx context.Context, tenant uuid.UUID, c PlannedChange) (platforms.Result, error) {
	if s.Platforms == nil {
		return platforms.Result{}, errNoPlatforms
	}
	conn, err := s.Platforms.Connector(c.Platform)
	if err != nil {
		return platforms.Result{}, err
	}
	return conn.Apply(ctx, tenant, c.Change)
}

// finish is step 3: in one transaction it records out for the execution
// exID (any execution in flight for uuid.Nil). When that execution is no
// longer in flight — another caller resumed and recorded it — it records
// nothing and returns the action as it is.
func (s *Service) finish(ctx context.Context, tenant, id, exID uuid.UUID, out outcome) (a *Action, err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if a, err = lockAction(ctx, tx, id); err != nil {
			return err
		}
		if a.Execution == nil || (exID != uuid.Nil && a.Execution.ID != exID) {
			return nil
		}
		return s.recordTx(ctx, tx, a, a.Execution, out)
	})
	return a, err
}

// recordTx records ex's outcome on the action: APPLIED with the settings
// after, NOT_NEEDED when the platform reported that nothing changed, or
// FAILED with the platform's words and an ACTION_FAILED incident;
// for an override also the override_apply audit record.
func (s *Service) recordTx(ctx context.Context, tx bun.Tx, a *Action, ex *Execution, out outcome) error {
	a.Execution = nil
	a.Attempts++
	a.Decision, a.Reasons, a.Warnings, a.Score = ex.Decision, ex.Reasons, ex.Warnings, ex.Score
	if ex.GateID != uuid.Nil { // nil for an execution started before migration 0029
		id := ex.GateID
		a.DecidingGateID = &id
	}
	if ex.OverrideReason != "" {
		reason := ex.OverrideReason
		a.OverrideReason = &reason
	}
	switch {
	case out.err != nil:
		if err := s.failTx(ctx, tx, a, out); err != nil {
			return err
		}
	case out.unchanged:
		why := "the platform reported no change"
		if f := kindOf(a.Type).field(); f != "" {
			why += fmt.Sprintf(": %s was already %s", settingName(f), settingValue(out.after[f]))
		}
		a.Status, a.Resolution, a.Error = NotNeeded, &why, nil
		if err := s.save(ctx, tx, a); err != nil {
			return err
		}
	default:
		now, actor := s.DB.Now(ctx), ex.Actor
		a.Status, a.AppliedAt, a.AppliedBy, a.Error, a.After = Applied, &now, &actor, nil, out.after
		if out.before != nil {
			a.Before = out.before
		}
		if err := s.save(ctx, tx, a); err != nil {
			return err
		}
	}
	if ex.OverrideReason == "" {
		return nil
	}
	return record(ctx, tx, a.TenantID, "action.override_apply", relay.TypeAction, a.ID, map[string]any{"reason": ex.OverrideReason, "status": a.Status})
}

func (s *Service) failTx(ctx context.Context, tx bun.Tx, a *Action, out outcome) error {
	msg := platformWords(out.err)
	a.Status, a.Error = Failed, &msg
	if a.CampaignID == nil && out.after != nil {
		a.After = out.after // pause_all: the campaigns that did pause stay paused
	}
	if s.Incidents != nil {
		title := fmt.Sprintf("%s failed on %s", a.Type.Word(), signals.PlatformName(a.Platform))
		if _, err := s.Incidents.ActionFailedTx(ctx, tx, a.TenantID, a.ID, a.Platform, title, msg); err != nil {
			return err
		}
	}
	return s.save(ctx, tx, a)
}

// platformWords is the message a FAILED action shows for err: the
// platform's own message, one line per campaign for pause_all.
func platformWords(err error) string {
	var ce *connectorError
	if errors.As(err, &ce) {
		err = ce.err
	}
	switch e := err.(type) {
	case interface{ Unwrap() []error }:
		var lines []string
		for _, part := range e.Unwrap() {
			lines = append(lines, platformWords(part))
		}
		return strings.Join(lines, "\n")
	case *campaignError:
		return e.campaign + ": " + platformWords(e.err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "the platform did not answer in time"
	}
	if e, ok := apperr.As(err); ok {
		return e.Message
	}
	return err.Error()
}
