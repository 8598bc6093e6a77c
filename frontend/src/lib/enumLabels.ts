// Every enum of the API in words: the one table a screen reads a code's
// label from, and the list enumLabels.test.ts checks against the schema
// (graph/*.graphqls), so a new enum or value without a label fails the
// tests instead of reaching the screen as its code.
import type {
  ActionPhase,
  ApiKeyScope,
  AudienceStatus,
  AuditOutcome,
  BillingStatus,
  BuiltinRule,
  ErrorCode,
  FeatureSource,
  HistoryRange,
  MetricUnit,
  Plan,
  Role,
} from '../gql/graphql'
import { RULE_ACTIVITY_KINDS } from '../screens/automation/RuleActivityPanel'
import { CAMPAIGN_STATES, METRIC_GRANULARITIES, ORDER_DIRECTIONS, ORDER_FIELDS } from '../screens/campaigns/labels'
import { GATE_CAUSES } from '../trust/gateDecision'
import {
  EVENT_COUNT_OPERATORS,
  SEGMENT_KINDS,
  SEGMENT_OPERATORS,
  SEGMENT_PROFILE_FIELDS,
  SEGMENT_RFM_MEASURES,
} from '../screens/segments/labels'
import { GROUP_OPS } from '../screens/automation/ConditionEditor'
import { CAUSES } from '../screens/incidents/IncidentDetail'
import { EVENTS, KINDS, STATUSES } from '../screens/settings/NotificationsSettings'
import {
  ACTION_STATUSES,
  ACTION_TYPES,
  COMPONENTS,
  DECISIONS,
  DEGRADATION_SEVERITIES,
  ENFORCEMENT_MODES,
  HEALTH,
  INCIDENT_STATES,
  LEVELS,
  METRICS,
  MODES,
  OPERATIONAL,
  OPERATORS,
  PLATFORMS,
  RISK,
  SEVERITIES,
  VIOLATIONS,
} from '../trust/labels'

export const ROLES: Record<Role, string> = { OWNER: 'Owner', ADMIN: 'Admin', ANALYST: 'Analyst', VIEWER: 'Viewer' }

export const API_KEY_SCOPES: Record<ApiKeyScope, string> = {
  READ: 'Read',
  WRITE: 'Write',
  ADMIN: 'Admin',
  INGEST: 'Ingest events',
}

export const AUDIT_OUTCOMES: Record<AuditOutcome, string> = { SUCCESS: 'Success', FAILURE: 'Failure', DENIED: 'Denied' }

export const BUILTIN_RULES: Record<BuiltinRule, string> = {
  BUDGET_PACING: 'Budget pacing',
  PERFORMANCE_SCALING: 'Performance scaling',
  STATUS_MANAGEMENT: 'Status management',
}

export const ERROR_CODES: Record<ErrorCode, string> = {
  BAD_USER_INPUT: 'Invalid input',
  CONFLICT: 'Conflicts with the current state',
  FEATURE_DISABLED: 'Feature switched off',
  FORBIDDEN: 'Not allowed',
  INTERNAL: 'Server error',
  NOT_FOUND: 'Not found',
  THROTTLED: 'Too many requests',
  UNAUTHENTICATED: 'Not signed in',
}

/** HistoryGranularity (no operation of the dashboard uses it, so codegen emits no type). */
export const HISTORY_GRANULARITIES: Record<'HOUR' | 'DAY', string> = { HOUR: 'Hourly', DAY: 'Daily' }

/** The chart's ranges: the short label of the selector and the long one of its caption. */
export const HISTORY_RANGES: Record<HistoryRange, { short: string; long: string }> = {
  LAST_24_HOURS: { short: '24 h', long: 'last 24 hours' },
  LAST_7_DAYS: { short: '7 d', long: 'last 7 days' },
  LAST_30_DAYS: { short: '30 d', long: 'last 30 days' },
}

/** The two parts of the action queue. */
export const ACTION_PHASES: Record<ActionPhase, string> = { WAITING: 'Waiting for review', HANDLED: 'History' }

/** What a rule's check reads, by its unit. */
export const METRIC_UNITS: Record<MetricUnit, string> = {
  CURRENCY: 'Amount in the campaign currency',
  RATIO: 'Ratio',
  FRACTION: 'Percentage',
  HOUR: 'Hour of the day',
  COUNT: 'Count',
  DAYS: 'Days',
}

/** Plans, cheapest first. */
export const PLANS: Record<Plan, string> = {
  STARTER: 'Starter',
  PROFESSIONAL: 'Professional',
  ENTERPRISE: 'Enterprise',
}

/** A workspace's billing status. */
export const BILLING_STATUSES: Record<BillingStatus, string> = {
  TRIALING: 'Trial',
  ACTIVE: 'Active',
  PAST_DUE: 'Payment past due',
  CANCELED: 'Canceled',
}

/** What a platform sync run reads (no operation of the dashboard selects the enum yet, so codegen emits no type). */
export const SYNC_KINDS: Record<'STRUCTURE' | 'INSIGHTS' | 'BACKFILL', string> = {
  STRUCTURE: 'Campaign structure',
  INSIGHTS: 'Daily insights',
  BACKFILL: 'Backfill (up to 90 days)',
}

/** Who asked for a sync run. */
export const SYNC_TRIGGERS: Record<'SCHEDULE' | 'USER', string> = {
  SCHEDULE: 'Schedule',
  USER: 'Requested by a person',
}

/** Where a sync run is. */
export const SYNC_RUN_STATUSES: Record<'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED', string> = {
  QUEUED: 'Queued',
  RUNNING: 'Running',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  CANCELED: 'Canceled',
}

/** A platform connection's health (ConnectionStatus). */
export const CONNECTION_STATUSES: Record<'OK' | 'DEGRADED' | 'DOWN' | 'NEEDS_REAUTH', string> = {
  OK: 'Connected',
  DEGRADED: 'Degraded',
  DOWN: 'Down',
  NEEDS_REAUTH: 'Needs to be reconnected',
}

/** What decided a feature flag. */
export const FEATURE_SOURCES: Record<FeatureSource, string> = {
  PLAN: 'Your plan',
  OVERRIDE: 'Set for this workspace by Stratum',
  GLOBAL: 'Set for every workspace on this server',
}

/** Who an audit entry's actor is (AuditEntry.actorType, a string in the API). */
export const AUDIT_ACTOR_TYPES: Record<string, string> = {
  USER: 'A user',
  API_KEY: 'An API key',
  OPERATOR: 'A platform operator',
  SYSTEM: 'Stratum',
  ANONYMOUS: 'Someone not signed in',
}

/** What an audit entry's target is (AuditEntry.targetType: the node type names of internal/relay/types.go). */
export const AUDIT_TARGET_TYPES: Record<string, string> = {
  Tenant: 'Workspace',
  User: 'User',
  Member: 'Member',
  Invite: 'Invitation',
  ApiKey: 'API key',
  AuditEntry: 'Audit entry',
  Campaign: 'Campaign',
  ConversionDestination: 'Conversion destination',
  ConversionDelivery: 'Conversion delivery',
  Audience: 'Audience',
  PlatformConnection: 'Platform connection',
  AdAccount: 'Ad account',
  AutomationRule: 'Automation rule',
  Action: 'Action',
  Incident: 'Incident',
  TrustAuditEntry: 'Gate decision',
  NotificationChannel: 'Notification channel',
  NotificationDelivery: 'Notification',
  Session: 'Sign-in session',
  Source: 'Event source',
  Profile: 'Customer profile',
  Funnel: 'Funnel',
  PrivacyRequest: 'Privacy request',
  ConsentChange: 'Consent change',
  Segment: 'Segment',
}

/** CDP: kinds of tracked calls (Segment's spec names). */
export const EVENT_TYPES: Record<'TRACK' | 'IDENTIFY' | 'PAGE' | 'SCREEN' | 'GROUP' | 'ALIAS', string> = {
  TRACK: 'Track',
  IDENTIFY: 'Identify',
  PAGE: 'Page view',
  SCREEN: 'Screen view',
  GROUP: 'Group',
  ALIAS: 'Alias',
}

/** CDP: kinds of identifiers on a profile. */
export const IDENTIFIER_TYPES: Record<
  'USER_ID' | 'EXTERNAL_ID' | 'EMAIL' | 'PHONE' | 'DEVICE_ID' | 'ANONYMOUS_ID',
  string
> = {
  USER_ID: 'User ID',
  EXTERNAL_ID: 'External ID',
  EMAIL: 'E-mail',
  PHONE: 'Phone',
  DEVICE_ID: 'Device ID',
  ANONYMOUS_ID: 'Anonymous ID',
}

/** CDP: where a profile is in its lifecycle. */
export const LIFECYCLE_STAGES: Record<'ANONYMOUS' | 'KNOWN' | 'CUSTOMER' | 'CHURNED', string> = {
  ANONYMOUS: 'Anonymous',
  KNOWN: 'Known',
  CUSTOMER: 'Customer',
  CHURNED: 'Churned',
}

/** CDP: what became of a request the live event debugger shows. */
export const DEBUGGER_EVENT_STATUSES: Record<'ACCEPTED' | 'DUPLICATE' | 'REJECTED' | 'THROTTLED', string> = {
  ACCEPTED: 'Accepted',
  DUPLICATE: 'Duplicate (dropped)',
  REJECTED: 'Rejected',
  THROTTLED: 'Throttled (429)',
}

/** CDP: why a link between identifiers was refused. */
export const REFUSAL_REASONS: Record<'TYPE_LIMIT' | 'MERGE_LIMIT' | 'IDENTIFIER_LIMIT', string> = {
  TYPE_LIMIT: 'Too many identifiers of this type',
  MERGE_LIMIT: 'Too many merges',
  IDENTIFIER_LIMIT: 'Too many identifiers',
}

/** CDP: how a computed trait folds its events. */
export const TRAIT_AGGREGATIONS: Record<
  'COUNT' | 'SUM' | 'AVERAGE' | 'MIN' | 'MAX' | 'FIRST' | 'LAST' | 'UNIQUE_COUNT' | 'EXISTS' | 'MOST_FREQUENT',
  string
> = {
  COUNT: 'Count of events',
  SUM: 'Sum',
  AVERAGE: 'Average',
  MIN: 'Minimum',
  MAX: 'Maximum',
  FIRST: 'First value',
  LAST: 'Last value',
  UNIQUE_COUNT: 'Number of distinct values',
  EXISTS: 'Has done it',
  MOST_FREQUENT: 'Most frequent value',
}

/** CDP: how a computed trait's property filter compares. */
export const TRAIT_FILTER_OPERATORS: Record<
  'EQUALS' | 'NOT_EQUALS' | 'GREATER_THAN' | 'LESS_THAN' | 'CONTAINS',
  string
> = {
  EQUALS: 'equals',
  NOT_EQUALS: 'does not equal',
  GREATER_THAN: 'is greater than',
  LESS_THAN: 'is less than',
  CONTAINS: 'contains',
}

/** CDP: the named cells of the RFM grid. */
export const RFM_SEGMENTS: Record<
  | 'CHAMPIONS'
  | 'LOYAL'
  | 'POTENTIAL_LOYAL'
  | 'NEW'
  | 'PROMISING'
  | 'NEED_ATTENTION'
  | 'AT_RISK'
  | 'CANT_LOSE'
  | 'HIBERNATING'
  | 'LOST',
  string
> = {
  CHAMPIONS: 'Champions',
  LOYAL: 'Loyal',
  POTENTIAL_LOYAL: 'Potential loyal',
  NEW: 'New',
  PROMISING: 'Promising',
  NEED_ATTENTION: 'Need attention',
  AT_RISK: 'At risk',
  CANT_LOSE: "Can't lose",
  HIBERNATING: 'Hibernating',
  LOST: 'Lost',
}

/** CDP: how a funnel step's filter compares a property. */
export const FUNNEL_FILTER_OPERATORS: Record<
  'EQUALS' | 'NOT_EQUALS' | 'GREATER_THAN' | 'LESS_THAN' | 'CONTAINS',
  string
> = {
  EQUALS: 'equals',
  NOT_EQUALS: 'does not equal',
  GREATER_THAN: 'is greater than',
  LESS_THAN: 'is less than',
  CONTAINS: 'contains',
}

/** CDP: where a computed trait's backfill is. */
export const TRAIT_BACKFILL_STATUSES: Record<'PENDING' | 'RUNNING' | 'DONE', string> = {
  PENDING: 'Waiting to start',
  RUNNING: 'Computing',
  DONE: 'Up to date',
}

/** CDP: where a funnel breakdown's value comes from. */
export const FUNNEL_BREAKDOWN_SOURCES: Record<'EVENT_PROPERTY' | 'PROFILE_TRAIT', string> = {
  EVENT_PROPERTY: 'First step’s event property',
  PROFILE_TRAIT: 'Profile trait',
}

/** CDP: what a consent is for. */
export const CONSENT_PURPOSES: Record<'ANALYTICS' | 'ADS' | 'EMAIL' | 'SMS', string> = {
  ANALYTICS: 'Analytics',
  ADS: 'Advertising',
  EMAIL: 'Marketing e-mail',
  SMS: 'Text messages',
}

/** CDP: a person's consent for a purpose. */
export const CONSENT_STATES: Record<'GRANTED' | 'DENIED' | 'UNKNOWN', string> = {
  GRANTED: 'Granted',
  DENIED: 'Denied',
  UNKNOWN: 'Not recorded',
}

/** CDP: where a consent decision came from. */
export const CONSENT_SOURCES: Record<'EVENT' | 'OPERATOR', string> = {
  EVENT: 'An event',
  OPERATOR: 'An operator',
}

/** CDP: kinds of data-subject requests. */
export const PRIVACY_REQUEST_KINDS: Record<'EXPORT' | 'DELETE', string> = {
  EXPORT: 'Data export',
  DELETE: 'Deletion',
}

/** CDP: where a data-subject request is. */
export const PRIVACY_REQUEST_STATUSES: Record<'PENDING' | 'RUNNING' | 'DONE' | 'FAILED', string> = {
  PENDING: 'Waiting',
  RUNNING: 'Running',
  DONE: 'Done',
  FAILED: 'Failed',
}

/** Conversions: where one event's delivery to a destination stands. */
export const CONVERSION_DELIVERY_STATUSES: Record<
  'PENDING' | 'SENDING' | 'SENT' | 'RETRY' | 'FAILED' | 'DEAD' | 'SKIPPED',
  string
> = {
  PENDING: 'Waiting',
  SENDING: 'Sending',
  SENT: 'Sent',
  RETRY: 'Retrying',
  FAILED: 'Failed',
  DEAD: 'Gave up',
  SKIPPED: 'Skipped (no consent)',
}

/** Conversions: the legal basis an event is forwarded on. */
export const CONVERSION_LEGAL_BASES: Record<'CONSENT' | 'LEGITIMATE_INTEREST', string> = {
  CONSENT: 'Consent',
  LEGITIMATE_INTEREST: 'Legitimate interest',
}

/** EMQ: where a score comes from. */
export const EMQ_SCORE_SOURCES: Record<'PLATFORM' | 'ESTIMATE', string> = {
  PLATFORM: "Platform's own score",
  ESTIMATE: "Stratum's estimate",
}

/** Audience sync: where an audience's sync stands. */
export const AUDIENCE_STATUSES: Record<AudienceStatus, string> = {
  PENDING: 'Waiting to sync',
  SYNCING: 'Syncing',
  SYNCED: 'In sync',
  FAILED: 'Failed',
  STOPPED: 'Stopped',
}

const labelOf = <K extends string>(t: Record<K, { label: string }>): Record<K, string> =>
  Object.fromEntries(Object.entries<{ label: string }>(t).map(([k, v]) => [k, v.label])) as Record<K, string>

/** Every enum of the schema, by its GraphQL name: value → label. */
export const ENUM_LABELS = {
  GateDecision: labelOf(DECISIONS),
  AutopilotMode: labelOf(MODES),
  AutopilotLevel: labelOf(LEVELS),
  EnforcementMode: labelOf(ENFORCEMENT_MODES),
  ViolationType: labelOf(VIOLATIONS),
  ActionType: labelOf(ACTION_TYPES),
  RiskClass: RISK,
  ActionStatus: labelOf(ACTION_STATUSES),
  RuleMetric: METRICS,
  ComparisonOperator: labelOf(OPERATORS),
  ConditionGroupOperator: GROUP_OPS,
  BuiltinRule: BUILTIN_RULES,
  Role: ROLES,
  ApiKeyScope: API_KEY_SCOPES,
  AuditOutcome: AUDIT_OUTCOMES,
  IncidentState: labelOf(INCIDENT_STATES),
  IncidentSeverity: labelOf(SEVERITIES),
  IncidentCause: CAUSES,
  NotificationChannelKind: labelOf(KINDS),
  NotificationEvent: EVENTS,
  NotificationDeliveryStatus: labelOf(STATUSES),
  Platform: PLATFORMS,
  CampaignStatus: labelOf(CAMPAIGN_STATES),
  CampaignOrderField: ORDER_FIELDS,
  OrderDirection: ORDER_DIRECTIONS,
  MetricGranularity: METRIC_GRANULARITIES,
  PlatformOperationalStatus: labelOf(OPERATIONAL),
  DegradationSeverity: DEGRADATION_SEVERITIES,
  ErrorCode: ERROR_CODES,
  SignalHealthStatus: labelOf(HEALTH),
  SignalComponent: COMPONENTS,
  HistoryGranularity: HISTORY_GRANULARITIES,
  ActionPhase: ACTION_PHASES,
  GateDecisionCause: GATE_CAUSES,
  RuleActivityKind: RULE_ACTIVITY_KINDS,
  MetricUnit: METRIC_UNITS,
  Plan: PLANS,
  BillingStatus: BILLING_STATUSES,
  FeatureSource: FEATURE_SOURCES,
  SyncKind: SYNC_KINDS,
  SyncTrigger: SYNC_TRIGGERS,
  SyncRunStatus: SYNC_RUN_STATUSES,
  ConnectionStatus: CONNECTION_STATUSES,
  EventType: EVENT_TYPES,
  DebuggerEventStatus: DEBUGGER_EVENT_STATUSES,
  IdentifierType: IDENTIFIER_TYPES,
  LifecycleStage: LIFECYCLE_STAGES,
  RefusalReason: REFUSAL_REASONS,
  TraitAggregation: TRAIT_AGGREGATIONS,
  TraitFilterOperator: TRAIT_FILTER_OPERATORS,
  TraitBackfillStatus: TRAIT_BACKFILL_STATUSES,
  RfmSegment: RFM_SEGMENTS,
  FunnelFilterOperator: FUNNEL_FILTER_OPERATORS,
  FunnelBreakdownSource: FUNNEL_BREAKDOWN_SOURCES,
  ConsentPurpose: CONSENT_PURPOSES,
  ConsentState: CONSENT_STATES,
  ConsentSource: CONSENT_SOURCES,
  PrivacyRequestKind: PRIVACY_REQUEST_KINDS,
  PrivacyRequestStatus: PRIVACY_REQUEST_STATUSES,
  SegmentKind: SEGMENT_KINDS,
  SegmentOperator: SEGMENT_OPERATORS,
  SegmentProfileField: SEGMENT_PROFILE_FIELDS,
  SegmentRfmMeasure: SEGMENT_RFM_MEASURES,
  EventCountOperator: EVENT_COUNT_OPERATORS,
  ConversionDeliveryStatus: CONVERSION_DELIVERY_STATUSES,
  ConversionLegalBasis: CONVERSION_LEGAL_BASES,
  EmqScoreSource: EMQ_SCORE_SOURCES,
  AudienceStatus: AUDIENCE_STATUSES,
  HistoryRange: Object.fromEntries(Object.entries(HISTORY_RANGES).map(([k, v]) => [k, v.long])) as Record<
    HistoryRange,
    string
  >,
} as const satisfies Record<string, Record<string, string>>

/** A code of an enum in words; an unknown code (a newer server) reads as words too, never as SHOUTING_CODE. */
export function enumLabel(enumName: keyof typeof ENUM_LABELS, value: string): string {
  const table: Record<string, string> = ENUM_LABELS[enumName]
  return table[value] ?? codeWords(value)
}

/** CUTS_ONLY → "Cuts only"; ApiKey → "Api key". */
export function codeWords(code: string): string {
  const words = code
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replaceAll('_', ' ')
    .toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}
