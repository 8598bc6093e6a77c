import type { ActionPhase, GateDecisionCause, GateDecisionFieldsFragment } from '../gql/graphql'
import { formatScore } from '../lib/format'
import type { Tone } from '../components/ui'
import { actorLabel, DECISIONS } from './labels'

/** Why the gate ran, as a timeline entry names it. */
export const GATE_CAUSES: Record<GateDecisionCause, string> = {
  PROPOSED: 'Proposed',
  SCORE_CHANGED: 'Re-gated after the score changed',
  SETTINGS_CHANGED: 'Re-gated after a settings change',
  APPROVAL: 'Approved',
  EXECUTION: 'Checked as it ran',
  OVERRIDE: 'Manual override',
  DRY_RUN: 'Dry run',
}

/** Who made a decision: the person's e-mail address, "Stratum" for the system. */
export function deciderLabel(d: Pick<GateDecisionFieldsFragment, 'actor' | 'actorEmail'>): string {
  return d.actorEmail ?? actorLabel(d.actor)
}

/** " at score 66" (the score of the decision's moment), or nothing when there was none. */
function atScore(d: Pick<GateDecisionFieldsFragment, 'score'>): string {
  return d.score != null ? ` at score ${formatScore(d.score)}` : ''
}

export interface GateSummary {
  tone: Tone
  icon: string
  /** A few words for a badge: "Approved", "Passed", "Gate: Hold". */
  label: string
  /** The rest: "by ana@example.com at score 66". */
  detail: string
}

/**
 * An action's deciding gate decision in words. A decision that let the
 * action run says who let it: "Approved by ana@example.com at score 66",
 * "Passed at score 82 — autopilot", "Overridden by …". One that did not
 * says what the gate said — "Gate: Hold at score 93 — waits for a person"
 * while the action waits, "Last gate decision: Hold at score 93" once it
 * ended without running (dismissed, replaced, not needed).
 */
export function gateSummary(
  d: GateDecisionFieldsFragment,
  action: { phase: ActionPhase; createdBy: string },
  /** The proposer's name (useActorName), when known; else the generic word. */
  proposerName?: string,
): GateSummary {
  const score = atScore(d).trim()
  if (d.allowedRun) {
    if (d.cause === 'OVERRIDE')
      return { tone: 'warning', icon: '!', label: 'Overridden', detail: `by ${deciderLabel(d)} ${score}`.trim() }
    const person = d.actor.startsWith('user:')
    if (d.cause === 'APPROVAL' || (d.cause === 'EXECUTION' && person))
      return { tone: 'success', icon: '✓', label: 'Approved', detail: `by ${deciderLabel(d)} ${score}`.trim() }
    const how =
      action.createdBy === 'system'
        ? 'autopilot'
        : `proposed by ${proposerName ?? actorLabel(action.createdBy)}, no review needed`
    return { tone: 'success', icon: '✓', label: 'Passed', detail: score ? `${score} — ${how}` : how }
  }
  const look = DECISIONS[d.decision]
  if (action.phase === 'HANDLED')
    return { tone: 'neutral', icon: look.icon, label: `Last gate decision: ${look.label}`, detail: score }
  return {
    tone: look.tone,
    icon: look.icon,
    label: `Gate: ${look.label}`,
    detail: score ? `${score} — ${look.meaning}` : look.meaning,
  }
}

/** One timeline entry in words: "Re-gated after the score changed: Block at score 66 · Stratum". */
export function timelineEntry(d: GateDecisionFieldsFragment): string {
  const cause = d.cause ? GATE_CAUSES[d.cause] : 'Gate decision'
  const look = DECISIONS[d.decision]
  const ran = d.allowedRun && d.decision !== 'PASS' ? ' (let it run)' : ''
  return `${cause}: ${look.label}${ran}${atScore(d)} · ${deciderLabel(d)}`
}
