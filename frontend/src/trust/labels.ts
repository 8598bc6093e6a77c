// How the trust engine's enums read on screen: words first, a tone (colour)
// and an icon only to reinforce them.
import type { Tone } from '../components/ui'
import type {
  ActionStatus,
  ActionType,
  AutopilotLevel,
  AutopilotMode,
  ComparisonOperator,
  DegradationSeverity,
  EnforcementMode,
  GateDecision,
  IncidentSeverity,
  IncidentState,
  Platform,
  PlatformOperationalStatus,
  RiskClass,
  RuleMetric,
  SignalComponent,
  SignalHealthStatus,
  ViolationType,
} from '../gql/graphql'

/** A label with the tone and (decorative) icon that go with it. */
export interface Look {
  label: string
  tone: Tone
  icon: string
}

export const HEALTH: Record<SignalHealthStatus, Look> = {
  HEALTHY: { label: 'Healthy', tone: 'success', icon: '✓' },
  DEGRADED: { label: 'Degraded', tone: 'warning', icon: '!' },
  UNHEALTHY: { label: 'Unhealthy', tone: 'error', icon: '✕' },
}

/** What each health band lets automation do. */
export const HEALTH_MEANING: Record<SignalHealthStatus, string> = {
  HEALTHY: 'Autopilot may execute',
  DEGRADED: 'Automation alerts only',
  UNHEALTHY: 'A person must act',
}

export const PLATFORMS: Record<Platform, string> = {
  META: 'Meta',
  GOOGLE: 'Google Ads',
  TIKTOK: 'TikTok',
  SNAPCHAT: 'Snapchat',
  SIMULATOR: 'Simulator',
}

export const OPERATIONAL: Record<PlatformOperationalStatus, Look> = {
  OPERATIONAL: { label: 'Operational', tone: 'success', icon: '✓' },
  DEGRADED: { label: 'Degraded', tone: 'warning', icon: '!' },
  OUTAGE: { label: 'Outage', tone: 'error', icon: '✕' },
}

export const COMPONENTS: Record<SignalComponent, string> = {
  EMQ: 'Event match quality',
  FRESHNESS: 'Data freshness',
  VARIANCE: 'Revenue variance',
  ANOMALY: 'Anomalies',
  CDP: 'First-party identity (CDP)',
}

export const MODES: Record<AutopilotMode, Look & { meaning: string }> = {
  NORMAL: { label: 'Normal', tone: 'success', icon: '▶', meaning: 'every action class may run' },
  LIMITED: { label: 'Limited', tone: 'warning', icon: '◐', meaning: 'conservative actions and reductions only' },
  CUTS_ONLY: { label: 'Cuts only', tone: 'warning', icon: '▼', meaning: 'pauses and reductions only' },
  FROZEN: { label: 'Frozen', tone: 'error', icon: '■', meaning: 'only pause-all and emergency stop' },
}

export const LEVELS: Record<AutopilotLevel, { label: string; meaning: string }> = {
  SUGGEST_ONLY: { label: 'Suggest only', meaning: 'Nothing executes automatically; every proposal waits for review.' },
  APPROVAL_REQUIRED: { label: 'Approval required', meaning: 'Actions execute only after a person approves them.' },
  GUARDED_AUTO: { label: 'Guarded auto', meaning: 'Actions the trust gate passes execute automatically.' },
}

export const DECISIONS: Record<GateDecision, Look & { meaning: string }> = {
  PASS: { label: 'Pass', tone: 'success', icon: '✓', meaning: 'may execute' },
  HOLD: { label: 'Hold', tone: 'warning', icon: '‖', meaning: 'waits for a person' },
  BLOCK: { label: 'Block', tone: 'error', icon: '⊘', meaning: 'only a manual override can run it' },
}

export const ACTION_STATUSES: Record<ActionStatus, Look> = {
  QUEUED: { label: 'Queued', tone: 'primary', icon: '…' },
  APPROVED: { label: 'Approved', tone: 'primary', icon: '✓' },
  APPLIED: { label: 'Applied', tone: 'success', icon: '✓' },
  FAILED: { label: 'Failed', tone: 'error', icon: '✕' },
  DISMISSED: { label: 'Dismissed', tone: 'neutral', icon: '–' },
  BLOCKED: { label: 'Blocked', tone: 'error', icon: '⊘' },
  SUPERSEDED: { label: 'Replaced', tone: 'neutral', icon: '↷' },
  NOT_NEEDED: { label: 'Not needed', tone: 'neutral', icon: '=' },
}

/** What the statuses that end without a change mean, beside their reason. */
export const ACTION_STATUS_MEANING: Partial<Record<ActionStatus, string>> = {
  SUPERSEDED: 'A newer proposal for this campaign replaced it; nothing was changed.',
  NOT_NEEDED: 'Checked against the campaign before it ran, there was nothing left to do; nothing was changed.',
}

export const RISK: Record<RiskClass, string> = {
  HIGH_RISK: 'High risk (score ≥ 80)',
  STANDARD: 'Standard (score ≥ 70)',
  CONSERVATIVE: 'Conservative (score ≥ 60)',
  ALWAYS_ALLOWED: 'Always allowed',
}

/** Which parameter an action type takes. */
export type ActionParamKind = 'percent' | 'amount' | 'status' | 'none'

/** The action catalogue, in the order the rule editor offers it. */
export const ACTION_TYPES: Record<ActionType, { label: string; risk: RiskClass; param: ActionParamKind }> = {
  INCREASE_BUDGET: { label: 'Increase budget', risk: 'HIGH_RISK', param: 'percent' },
  REDUCE_BUDGET: { label: 'Reduce budget', risk: 'CONSERVATIVE', param: 'percent' },
  UPDATE_BUDGET: { label: 'Set budget', risk: 'STANDARD', param: 'amount' },
  INCREASE_BID: { label: 'Increase bid', risk: 'HIGH_RISK', param: 'percent' },
  REDUCE_BID: { label: 'Reduce bid', risk: 'CONSERVATIVE', param: 'percent' },
  UPDATE_BID: { label: 'Set bid', risk: 'STANDARD', param: 'amount' },
  UPDATE_STATUS: { label: 'Set status', risk: 'STANDARD', param: 'status' },
  PAUSE_UNDERPERFORMING: { label: 'Pause underperforming campaign', risk: 'CONSERVATIVE', param: 'none' },
  LAUNCH_CAMPAIGN: { label: 'Launch campaign', risk: 'HIGH_RISK', param: 'none' },
  EXPAND_TARGETING: { label: 'Expand targeting', risk: 'HIGH_RISK', param: 'none' },
  PAUSE_ALL: { label: 'Pause all campaigns', risk: 'ALWAYS_ALLOWED', param: 'none' },
  EMERGENCY_STOP: { label: 'Emergency stop', risk: 'ALWAYS_ALLOWED', param: 'none' },
  RESUME_PAUSED: { label: 'Resume campaign paused by dayparting', risk: 'STANDARD', param: 'none' },
}

export const METRICS: Record<RuleMetric, string> = {
  ROAS: 'ROAS',
  CPA: 'CPA',
  SPEND: 'Spend',
  CONVERSIONS: 'Conversions',
  CTR: 'CTR',
  PACING: 'Pacing',
}

export const OPERATORS: Record<ComparisonOperator, { symbol: string; label: string }> = {
  GT: { symbol: '>', label: 'greater than' },
  GTE: { symbol: '≥', label: 'at least' },
  LT: { symbol: '<', label: 'less than' },
  LTE: { symbol: '≤', label: 'at most' },
  EQ: { symbol: '=', label: 'equal to' },
  NEQ: { symbol: '≠', label: 'not equal to' },
}

/**
 * Incident severities. For a health-related incident the server derives the
 * severity from the same band the gauge shows (IncidentSeverity in
 * graph/incidents.graphqls), so `health` says it in the gauge's words.
 */
export const SEVERITIES: Record<IncidentSeverity, Look & { health: string }> = {
  LOW: { label: 'Low', tone: 'neutral', icon: '·', health: 'the signal health it concerns is healthy' },
  MEDIUM: {
    label: 'Medium',
    tone: 'warning',
    icon: '!',
    health: 'the signal health it concerns is degraded (60 or more)',
  },
  HIGH: { label: 'High', tone: 'error', icon: '!!', health: 'the signal health it concerns is degraded (below 60)' },
  CRITICAL: { label: 'Critical', tone: 'error', icon: '⚠', health: 'the signal health it concerns is unhealthy' },
}

export const INCIDENT_STATES: Record<IncidentState, Look> = {
  OPEN: { label: 'Open', tone: 'error', icon: '●' },
  ACKNOWLEDGED: { label: 'Acknowledged', tone: 'warning', icon: '◐' },
  RESOLVED: { label: 'Resolved', tone: 'success', icon: '✓' },
}

export const ENFORCEMENT_MODES: Record<EnforcementMode, { label: string; meaning: string }> = {
  ADVISORY: { label: 'Advisory', meaning: 'warn only; the action proceeds' },
  SOFT_BLOCK: { label: 'Soft block', meaning: 'hold the action for a person' },
  HARD_BLOCK: { label: 'Hard block', meaning: 'refuse the action' },
}

export const VIOLATIONS: Record<ViolationType, { label: string; threshold: string }> = {
  BUDGET_EXCEEDED: { label: 'Budget increase too large', threshold: 'Largest increase, in %' },
  ROAS_BELOW_THRESHOLD: { label: 'ROAS below minimum', threshold: 'Minimum ROAS' },
  DAILY_SPEND_LIMIT: { label: 'Daily spend cap', threshold: 'Daily budget cap' },
  CAMPAIGN_PAUSE_REQUIRED: { label: 'Campaign should be paused', threshold: 'ROAS below which to pause' },
  FREQUENCY_CAP_EXCEEDED: { label: 'Too many changes', threshold: 'Budget changes a day' },
}

export const DEGRADATION_SEVERITIES: Record<DegradationSeverity, string> = {
  MINOR: 'Minor',
  MAJOR: 'Major',
  CRITICAL: 'Critical',
}

/** The keys of a label table, in its order (typed, unlike Object.keys). */
export function keysOf<K extends string>(table: Record<K, unknown>): K[] {
  return Object.keys(table) as K[]
}

/**
 * "system", "rule:…", "user:…" as a person reads it without a lookup (the
 * fallback of useActorName, which names users by e-mail).
 */
export function actorLabel(actor: string | null | undefined): string {
  if (!actor) return 'unknown'
  if (actor === 'system') return 'Stratum'
  if (actor.startsWith('rule:')) return 'a rule'
  if (actor.startsWith('user:')) return 'a member'
  if (actor.startsWith('api_key:')) return 'an API key'
  return actor
}
