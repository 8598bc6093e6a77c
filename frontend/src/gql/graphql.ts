/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Input of `acceptInvite`. */
export type AcceptInviteInput = {
  /** When not signed in: the password of the invited email's account, or the new account's password. */
  password?: string | null | undefined;
  /** The invitation token. */
  token: string;
};

/** Input of `acknowledgeIncident`. */
export type AcknowledgeIncidentInput = {
  /** The incident's global ID. */
  id: string;
};

/** Input of `approveAction` and `dismissAction`. */
export type ActionIdInput = {
  /** The action's global ID. */
  id: string;
};

/** Parameters of an action. */
export type ActionParamsInput = {
  /** Absolute budget or bid, 0–1,000,000,000 in the account's currency. */
  amount?: number | null | undefined;
  /** A free-text note. */
  note?: string | null | undefined;
  /** Percentage change, in (0, 1000] (default 20). */
  percent?: number | null | undefined;
  /** ACTIVE or PAUSED (UPDATE_STATUS). */
  status?: string | null | undefined;
};

/** The two parts of the action queue. Every status belongs to exactly one, so the two lists never show the same action. */
export type ActionPhase =
  /** Ended: APPLIED, FAILED, DISMISSED, SUPERSEDED and NOT_NEEDED. */
  | 'HANDLED'
  /** Not run and not ended: QUEUED (waiting for execution or a person's review), APPROVED (waiting for execution) and BLOCKED (waiting for an override or a dismissal). */
  | 'WAITING';

/** Where an action is in the queue. */
export type ActionStatus =
  /** Executed on the platform. */
  | 'APPLIED'
  /** A person approved it; waiting for execution. */
  | 'APPROVED'
  /** The trust gate refused it; only a manual override (`applyAction` with a reason) can run it. */
  | 'BLOCKED'
  /** A person dismissed it. */
  | 'DISMISSED'
  /** The platform refused it or failed. */
  | 'FAILED'
  /** Checked against the campaign just before it ran, it had nothing left to do — the campaign was paused or is gone since, or already has the setting — or the platform reported no change. Nothing was changed; `resolution` says why. */
  | 'NOT_NEEDED'
  /** Waiting: for execution (the gate passed) or for review (HOLD). */
  | 'QUEUED'
  /** Replaced before it ran: a newer proposal of a different change of the same kind (budget, bid, status or targeting) for the same campaign. Nothing was changed; `resolution` says what replaced it. */
  | 'SUPERSEDED';

/** The action catalogue. The risk class decides the minimum score: HIGH_RISK ≥ 80, STANDARD ≥ 70, CONSERVATIVE ≥ 60, ALWAYS_ALLOWED any. */
export type ActionType =
  /** Pause everything at once (ALWAYS_ALLOWED). */
  | 'EMERGENCY_STOP'
  /** Broaden a campaign's targeting (HIGH_RISK). */
  | 'EXPAND_TARGETING'
  /** Raise a campaign's bid by `percent` (HIGH_RISK). */
  | 'INCREASE_BID'
  /** Raise a campaign's daily budget by `percent` (HIGH_RISK). */
  | 'INCREASE_BUDGET'
  /** Activate a paused campaign (HIGH_RISK). */
  | 'LAUNCH_CAMPAIGN'
  /** Pause every campaign of a platform, or of all platforms (ALWAYS_ALLOWED). */
  | 'PAUSE_ALL'
  /** Pause a campaign that underperforms (CONSERVATIVE). */
  | 'PAUSE_UNDERPERFORMING'
  /** Lower a campaign's bid by `percent` (CONSERVATIVE). */
  | 'REDUCE_BID'
  /** Lower a campaign's daily budget by `percent` (CONSERVATIVE). */
  | 'REDUCE_BUDGET'
  /** Re-activate a campaign a dayparting rule paused (STANDARD): a rule with this action looks only at campaigns whose latest applied status change in Stratum was a pause by a rule with a time-window condition, never at a campaign a person paused, one paused for performance or one paused outside Stratum. */
  | 'RESUME_PAUSED'
  /** Set a campaign's bid to `amount` (STANDARD). */
  | 'UPDATE_BID'
  /** Set a campaign's daily budget to `amount` (STANDARD). */
  | 'UPDATE_BUDGET'
  /** Set a campaign's status to `status` (STANDARD). */
  | 'UPDATE_STATUS';

/** What a partner API key may do. */
export type ApiKeyScope =
  /** Administrative reads (audit log, API keys); implies READ and WRITE. */
  | 'ADMIN'
  /** Send events to the ingest endpoints. */
  | 'INGEST'
  /** Run queries on the tenant's data. */
  | 'READ'
  /** Run mutations on the tenant's data. */
  | 'WRITE';

/** Input of `applyAction`: a manual override of the gate. */
export type ApplyActionInput = {
  /** The action's global ID. */
  id: string;
  /** Why the gate is overridden (required, 3–500 characters; audited). */
  reason: string;
};

/** Names an audience. */
export type AudienceIdInput = {
  /** The audience's ID. */
  id: string;
};

/** Where an audience's sync stands. */
export type AudienceStatus =
  /** The last sync failed (`error` says why, in the platform's words where it gave any). Transient failures are retried with backoff; others wait for `syncAudience`. */
  | 'FAILED'
  /** Waiting for its first sync (or a re-sync) to start. */
  | 'PENDING'
  /** Stopped by `stopAudienceSync`: nothing is uploaded or removed any more; the platform audience keeps the members it had. */
  | 'STOPPED'
  /** In step with the segment as of `lastSyncAt`; later membership changes are applied as they come. */
  | 'SYNCED'
  /** Uploading to or removing from the platform now; `progress` tells how far it is. */
  | 'SYNCING';

/** Narrows `auditLog`. */
export type AuditLogFilter = {
  /** Only these actions (e.g. `auth.log_in`; at most 100, each at most 100 characters). */
  actions?: Array<string> | null | undefined;
  /** Only this actor (global ID of a User or ApiKey). */
  actorId?: string | null | undefined;
  /** Only this outcome. */
  outcome?: AuditOutcome | null | undefined;
  /** Entries at or after this time. */
  since?: string | null | undefined;
  /** Entries before this time. */
  until?: string | null | undefined;
};

/** How an audited action ended. */
export type AuditOutcome =
  /** It was refused for security reasons (e.g. refresh-token reuse). */
  | 'DENIED'
  /** It was attempted and failed (e.g. a wrong password). */
  | 'FAILURE'
  /** It happened. */
  | 'SUCCESS';

/** A user-defined rule (for `createAutomationRule` and `simulateRule`). */
export type AutomationRuleInput = {
  /** 1–5 actions to propose when the conditions hold. */
  actions: Array<RuleActionInput>;
  /** The conditions. */
  conditions: RuleConditionInput;
  /** Seconds before the same action is proposed again for a campaign, 0–2592000 (default 86400). */
  cooldownSeconds?: number | null | undefined;
  /** What the rule does (at most 2000 characters). */
  description?: string | null | undefined;
  /** Whether it is evaluated (default true). */
  enabled?: boolean | null | undefined;
  /** Display name, 1–200 characters. */
  name: string;
  /** Minutes between evaluations, 5–10080 (default 60). */
  scheduleMinutes?: number | null | undefined;
  /** Which campaigns (default all). */
  scope?: CampaignScopeInput | null | undefined;
  /** IANA time zone its time-window conditions read the clock in, e.g. Europe/Berlin (default UTC; at most 64 characters). */
  timeZone?: string | null | undefined;
};

/** How much the tenant lets autopilot do on its own. */
export type AutopilotLevel =
  /** Actions execute only after a person approves them. */
  | 'APPROVAL_REQUIRED'
  /** Actions the trust gate passes execute automatically. */
  | 'GUARDED_AUTO'
  /** Nothing executes automatically; every proposal is a suggestion waiting for review. */
  | 'SUGGEST_ONLY';

/** Automation allowed by the current overall score (with hysteresis). */
export type AutopilotMode =
  /** Score 40–59: pauses and reductions only. */
  | 'CUTS_ONLY'
  /** Score < 40: only `PAUSE_ALL` and `EMERGENCY_STOP`. */
  | 'FROZEN'
  /** Score 60–69: conservative actions and reductions only. */
  | 'LIMITED'
  /** Score ≥ 70: every action class may run (its own threshold still applies). */
  | 'NORMAL';

/** Where a tenant's billing stands (kept in step with Stripe). */
export type BillingStatus =
  /** Paying (or put on the plan by an operator). */
  | 'ACTIVE'
  /** The subscription ended: Starter's flags and limits (data is kept). */
  | 'CANCELED'
  /** A payment failed: the plan's flags stay until `graceEndsAt`, Starter's afterwards. */
  | 'PAST_DUE'
  /** On a trial of `plan` until `trialEndsAt`; Starter's flags afterwards unless subscribed. */
  | 'TRIALING';

/** One of the three built-in rules every tenant has. */
export type BuiltinRule =
  /** Spend under 70% of expected → budget +20%; over 130% → −20%. */
  | 'BUDGET_PACING'
  /** ROAS ≥ 120% of target → budget ×1.2; ≤ 70% → ×0.8; at least 5 conversions; one-day cooldown. */
  | 'PERFORMANCE_SCALING'
  /** Pause after 7 days at CPA ≥ 2× target or ROAS ≤ 0.5× target. */
  | 'STATUS_MANAGEMENT';

/** How `campaigns` sorts. Metric orderings (SPEND, ROAS, CPA) compare the sums over `from`..`to` (both required for them, at most 366 days) as numbers in each campaign's own currency: across currencies they order by number, not by value. */
export type CampaignOrder = {
  /** The direction (default DESC). */
  direction?: OrderDirection | null | undefined;
  /** The sort key. */
  field: CampaignOrderField;
  /** First day (YYYY-MM-DD) of the metric range. */
  from?: string | null | undefined;
  /** Last day (YYYY-MM-DD) of the metric range. */
  to?: string | null | undefined;
};

/** What `campaigns` sorts by. */
export type CampaignOrderField =
  /** CPA over the order's `from`..`to`; campaigns without conversions last. */
  | 'CPA'
  /** Creation in Stratum (when first synced). */
  | 'CREATED_AT'
  /** Name, ignoring case. */
  | 'NAME'
  /** ROAS over the order's `from`..`to`; campaigns without spend last. */
  | 'ROAS'
  /** Spend over the order's `from`..`to`. */
  | 'SPEND';

/** Campaign scope of a rule; omitted or empty lists mean all. */
export type CampaignScopeInput = {
  /** Only these ad accounts. */
  accountIds?: Array<string> | null | undefined;
  /** Only these campaigns (global IDs). */
  campaignIds?: Array<string> | null | undefined;
  /** Only these platforms. */
  platforms?: Array<Platform> | null | undefined;
};

/** A campaign's status. */
export type CampaignStatus =
  /** Delivering (or allowed to). */
  | 'ACTIVE'
  /** Archived or removed on its platform; kept for its history. */
  | 'ARCHIVED'
  /** Paused. */
  | 'PAUSED';

/** Input of `changeMemberRole`. */
export type ChangeMemberRoleInput = {
  /** Global ID of the Member. */
  memberId: string;
  /** The new role. */
  role: Role;
};

/** A comparison operator. */
export type ComparisonOperator =
  /** Equal. */
  | 'EQ'
  /** Greater than. */
  | 'GT'
  /** Greater than or equal. */
  | 'GTE'
  /** Less than. */
  | 'LT'
  /** Less than or equal. */
  | 'LTE'
  /** Not equal. */
  | 'NEQ';

/** How a condition group combines its conditions. */
export type ConditionGroupOperator =
  /** Every condition must hold. */
  | 'AND'
  /** At least one condition must hold. */
  | 'OR';

/** Input of `connectPlatform`. */
export type ConnectPlatformInput = {
  /** The platform to connect (META, GOOGLE, TIKTOK or SNAPCHAT). */
  platform: Platform;
  /** This server's callback for the platform: `<public URL>/oauth/<platform in lower case>/callback`, e.g. `https://stratum.example.com/oauth/meta/callback`. */
  redirectUri: string;
  /** Dashboard path the browser returns to afterwards (default `/platforms?connected=<platform>`); a path on this server, at most 512 characters. */
  returnTo?: string | null | undefined;
};

/** A connection's health as the connectors last saw it. */
export type ConnectionStatus =
  /** Working with problems (some calls fail or data is late). */
  | 'DEGRADED'
  /** The platform cannot be reached or refuses every call. */
  | 'DOWN'
  /** The grant was revoked or expired: an admin must connect the platform again. */
  | 'NEEDS_REAUTH'
  /** Working normally. */
  | 'OK';

/** What a consent is for. */
export type ConsentPurpose =
  /** Advertising: conversion forwarding and audience sync to ad platforms. */
  | 'ADS'
  /** Measuring and analysing the person's use of the product. */
  | 'ANALYTICS'
  /** Marketing e-mail. */
  | 'EMAIL'
  /** Marketing text messages. */
  | 'SMS';

/** Where a consent decision came from. */
export type ConsentSource =
  /** An event's context.consent.categoryPreferences. */
  | 'EVENT'
  /** An operator, with setConsent. */
  | 'OPERATOR';

/** A person's consent for a purpose. */
export type ConsentState =
  /** Consent refused or withdrawn. */
  | 'DENIED'
  /** Consent given. */
  | 'GRANTED'
  /** No decision recorded (ADS is treated as denied). */
  | 'UNKNOWN';

/** Where one event's delivery to a destination stands. */
export type ConversionDeliveryStatus =
  /** Retries exhausted. Replayable. */
  | 'DEAD'
  /** The platform refused it (its words are in response) or it could not be sent (a required field missing, too old). Not retried; replayable. */
  | 'FAILED'
  /** Replayed, waiting for the destination's next flush. (An event's first send is counted in queuedEvents until it is decided.) */
  | 'PENDING'
  /** The request failed transiently (429, 5xx, network); sent again with backoff, honouring Retry-After. */
  | 'RETRY'
  /** A retry or replay claimed by a flush that has not recorded the platform's answer yet; taken back and sent again under the same event id if that flush died. */
  | 'SENDING'
  /** The platform accepted it. */
  | 'SENT'
  /** Not forwarded: the person has no ADS consent (and the destination does not forward on legitimate interest). Never sent. */
  | 'SKIPPED';

/** Names a conversion destination. */
export type ConversionDestinationIdInput = {
  /** The destination's ID. */
  id: string;
};

/** A mapping of a CDP event to a platform event (paths are dot-separated from the event's root). */
export type ConversionEventMappingInput = {
  /** Path of the content ids; absent for the default. */
  contentIds?: string | null | undefined;
  /** Path of the currency; absent for the default. */
  currency?: string | null | undefined;
  /** Path of the order id; absent for the default. */
  orderId?: string | null | undefined;
  /** The CDP event's name. */
  source: string;
  /** The platform's event name. */
  target: string;
  /** Path of the conversion value; absent for the standard event's default. */
  value?: string | null | undefined;
};

/** The legal basis an event is forwarded on. */
export type ConversionLegalBasis =
  /** The person granted ADS consent. */
  | 'CONSENT'
  /** The destination forwards events of people without an ADS decision on the tenant's legitimate interest. */
  | 'LEGITIMATE_INTEREST';

/** Input of `createApiKey`. */
export type CreateApiKeyInput = {
  /** When the key stops working; null for never. */
  expiresAt?: string | null | undefined;
  /** A name to recognise the key by. */
  name: string;
  /** What the key may do (at least one). */
  scopes: Array<ApiKeyScope>;
};

/** Input of `createBillingPortalSession`. */
export type CreateBillingPortalSessionInput = {
  /** Where Stripe's billing portal sends the owner back to; an http(s) URL on this server's address, at most 2,048 characters. */
  returnUrl: string;
};

/** Input of `createCheckoutSession`. */
export type CreateCheckoutSessionInput = {
  /** Where Stripe sends the owner who leaves checkout; an http(s) URL on this server's address, at most 2,048 characters. */
  cancelUrl: string;
  /** The plan to buy: `starter`, `professional` or `enterprise` (any case). It must have a Stripe price configured on the server. */
  plan: string;
  /** Where Stripe sends the owner after paying; an http(s) URL on this server's address (STRATUM_PUBLIC_URL), at most 2,048 characters. */
  successUrl: string;
};

/**
 * A new conversion destination. credentials is a JSON object of strings, per platform:
 * META {pixelId, accessToken}; GOOGLE {customerId (10 digits, dashes allowed), conversionActionId,
 * developerToken, loginCustomerId (optional), and one of refreshToken, accessToken or connectionId
 * (the ID of a Google platform connection of the workspace)}; TIKTOK {pixelCode, accessToken};
 * SNAPCHAT {pixelId (a UUID), accessToken}. Values are at most 2,048 bytes; other keys are refused.
 * Errors name the field, e.g. ["input", "credentials", "pixelId"], never its value.
 */
export type CreateConversionDestinationInput = {
  /** The API's base URL, when not the platform's own: https to a public host (http only to a loopback test server in development). */
  baseUrl?: string | null | undefined;
  /** The credential fields (see the input's description). */
  credentials: Record<string, unknown>;
  /** Forward events now (default true). */
  enabled?: boolean | null | undefined;
  /** The workspace's mappings (at most 200); absent: the platform's defaults for standard events only. */
  eventMappings?: Array<ConversionEventMappingInput> | null | undefined;
  /** Forward profiles without an ADS consent decision on the ground of legitimate interest (default false). */
  legitimateInterest?: boolean | null | undefined;
  /** Send Meta's Limited Data Use option (default false). */
  limitedDataUse?: boolean | null | undefined;
  /** Its name (1–100 characters). */
  name: string;
  /** The platform (SIMULATOR is refused: it has no conversion API). */
  platform: Platform;
  /** Marks every event sent as a test (letters, digits, _ and -; at most 64), e.g. Meta's TEST12345. */
  testEventCode?: string | null | undefined;
};

/** A new funnel. */
export type CreateFunnelInput = {
  /** Its name (1–100 characters). */
  name: string;
  /** Its steps, in order (2–10). */
  steps: Array<FunnelStepInput>;
  /** The conversion window in seconds (60 to 7,776,000: 90 days). */
  windowSeconds: number;
};

/** Input of `createNotificationChannel`. */
export type CreateNotificationChannelInput = {
  /** How it delivers. */
  kind: NotificationChannelKind;
  /** Its name: 1–100 characters, unique in the workspace (ignoring case). */
  name: string;
  /** The events it hears; default: incidents of HIGH or worse opened and closed, approvals and autopilot mode changes, no digest. */
  subscriptions?: NotificationSubscriptionsInput | null | undefined;
  /**
   * EMAIL: one address (at most 254 characters). SLACK: the incoming-webhook URL,
   * `https://hooks.slack.com/services/…`. WEBHOOK: an https URL (at most 2048 characters) that does not
   * point at a private, loopback or link-local address (development and test servers also accept http and
   * local addresses).
   */
  target: string;
};

/** A new segment. */
export type CreateSegmentInput = {
  /** When its membership is computed. */
  kind: SegmentKind;
  /** Its name (1–100 characters). */
  name: string;
  /** Its rules. */
  rules: SegmentRuleInput;
};

/** A new source. */
export type CreateSourceInput = {
  /** Its name (1–100 characters). */
  name: string;
  /** Events a second it may send (1–1,000,000; default 1,000). */
  rateLimitPerSecond?: number | null | undefined;
};

/** A new computed trait. */
export type CreateTraitDefinitionInput = {
  /** How it folds the matching events. */
  aggregation: TraitAggregation;
  /** The event name it reads (1–200 characters). */
  event: string;
  /** Only events whose properties pass this filter. */
  filter?: TraitFilterInput | null | undefined;
  /** Its name (1–100 characters, unique in the workspace). */
  name: string;
  /** Dotted path of the aggregated property: required except for COUNT and EXISTS, which take none. */
  valueProperty?: string | null | undefined;
  /** The last N UTC days (1–730), today included; leave out for all time. */
  windowDays?: number | null | undefined;
};

/** What became of an event the tracking API received. A request refused with 401 (no or an unknown write key) names no source, so it cannot be shown per source and never appears; nor does one refused with 403 (a disabled source, no cdp flag). */
export type DebuggerEventStatus =
  /** Answered 200: durably received, and stored as an event by its batch job (normally within a second) unless the batch job finds its messageId already stored for this source — a copy of an event whose own batch was not yet stored when this was shown is dropped then, without showing as DUPLICATE here. */
  | 'ACCEPTED'
  /** Answered 200 but not stored again: its messageId was already stored for this source (an SDK retry), within the 35-day dedup window, or came earlier in the same commit. */
  | 'DUPLICATE'
  /** Refused with 400: the request failed validation (error.field names the event and field). */
  | 'REJECTED'
  /** Refused with 429: the request passed a limit, named by error.limit (the source's events a second, the plan's monthly events, or this server's ingest queue); the SDK retries later. */
  | 'THROTTLED';

/** How strongly `simulateSignalDegradation` degrades a component of the simulated platform. */
export type DegradationSeverity =
  /** A breakdown (e.g. EMQ 1.5, data 72 h old). */
  | 'CRITICAL'
  /** A clear problem (e.g. EMQ 4.5, data 40 h old). */
  | 'MAJOR'
  /** A small dip (e.g. EMQ 6.5, data 30 h old). */
  | 'MINOR';

/** Input of `deleteAutomationRule`. */
export type DeleteAutomationRuleInput = {
  /** The rule's global ID (built-in rules cannot be deleted; disable them). */
  id: string;
};

/** Input of `deleteEnforcementRule`. */
export type DeleteEnforcementRuleInput = {
  /** The guardrail whose custom rule to remove. */
  violationType: ViolationType;
};

/** Names a funnel to delete. */
export type DeleteFunnelInput = {
  /** Global ID of the funnel. */
  id: string;
};

/** A trait definition to delete. */
export type DeleteTraitDefinitionInput = {
  /** The definition's global ID. */
  id: string;
};

/** Input of `disconnectPlatform`. */
export type DisconnectPlatformInput = {
  /** The connection's global ID. */
  connectionId: string;
};

/** Where an EMQ score comes from. */
export type EmqScoreSource =
  /** Stratum's estimate from the parameters the forwarded events carried. */
  | 'ESTIMATE'
  /** The platform's own score (Meta's event match quality from its Dataset Quality API). */
  | 'PLATFORM';

/** What happens when an action breaks a guardrail. */
export type EnforcementMode =
  /** Warn only; the action proceeds. */
  | 'ADVISORY'
  /** Refuse (BLOCK). */
  | 'HARD_BLOCK'
  /** Warn and require a person's confirmation (HOLD). */
  | 'SOFT_BLOCK';

/** Codes carried by `userErrors` and by `extensions.code` of operation errors. */
export type ErrorCode =
  /** An input value is invalid; `field` names it. */
  | 'BAD_USER_INPUT'
  /** The change conflicts with the current state (e.g. a duplicate). */
  | 'CONFLICT'
  /** The feature is switched off for this tenant. */
  | 'FEATURE_DISABLED'
  /** The principal lacks a permission this field needs. */
  | 'FORBIDDEN'
  /** An unexpected server error; it was logged with the request id. */
  | 'INTERNAL'
  /** The object does not exist or is not visible to the principal. */
  | 'NOT_FOUND'
  /** A rate limit refused the operation; retry later. */
  | 'THROTTLED'
  /** No valid credential was sent, or it expired. */
  | 'UNAUTHENTICATED';

/** How an event condition counts the matching events. */
export type EventCountOperator =
  /** At least value times (value ≥ 1). */
  | 'AT_LEAST'
  /** At most value times (0: never). */
  | 'AT_MOST'
  /** Exactly value times. */
  | 'EXACTLY';

/** Kind of a tracked event. */
export type EventType =
  /** alias */
  | 'ALIAS'
  /** group */
  | 'GROUP'
  /** identify */
  | 'IDENTIFY'
  /** page */
  | 'PAGE'
  /** screen */
  | 'SCREEN'
  /** track */
  | 'TRACK';

/** Which setting decided a feature flag. */
export type FeatureSource =
  /** The installation's `STRATUM_FEATURES_FORCE` setting, for every tenant. */
  | 'GLOBAL'
  /** A platform operator's override for this tenant. */
  | 'OVERRIDE'
  /** The default of the tenant's effective plan. */
  | 'PLAN';

/** Splits a funnel report by a value. */
export type FunnelBreakdownInput = {
  /** Its path in the event's properties or the profile's traits (1–5 parts of 1–100 characters). */
  path: Array<string>;
  /** Where the value comes from. */
  source: FunnelBreakdownSource;
};

/** Where a funnel report's breakdown value comes from. */
export type FunnelBreakdownSource =
  /** A property of the profile's first-step event. */
  | 'EVENT_PROPERTY'
  /** A trait of the profile. */
  | 'PROFILE_TRAIT';

/** How a funnel step's filter compares an event's property with its value. */
export type FunnelFilterOperator =
  /** The property's text contains the value (case-sensitive). */
  | 'CONTAINS'
  /** The property's text equals the value (a number's JSON text: 12.50 is not 12.5). */
  | 'EQUALS'
  /** The property reads as a decimal number greater than the value. */
  | 'GREATER_THAN'
  /** The property reads as a decimal number less than the value. */
  | 'LESS_THAN'
  /** The property is absent or its text differs. */
  | 'NOT_EQUALS';

/** A condition on a step event's properties. */
export type FunnelPropertyFilterInput = {
  /** The comparison. */
  operator: FunnelFilterOperator;
  /** The property's path (1–5 parts of 1–100 characters). */
  path: Array<string>;
  /** The value (at most 500 characters; a decimal number for GREATER_THAN and LESS_THAN, not empty for CONTAINS). */
  value: string;
};

/** One step of a funnel. */
export type FunnelStepInput = {
  /** The track event's name (1–200 characters). */
  event: string;
  /** A condition its properties meet. */
  filter?: FunnelPropertyFilterInput | null | undefined;
};

/** The trust gate's verdict on a proposed action. */
export type GateDecision =
  /** The action may only run as a manual override with a reason. */
  | 'BLOCK'
  /** The action waits for a person's review; an alert is raised. */
  | 'HOLD'
  /** The action may execute. */
  | 'PASS';

/** Why the trust gate decided on an action. */
export type GateDecisionCause =
  /** A person approved the action. */
  | 'APPROVAL'
  /** A dry run (`simulateAction`, `simulateRule`); no action exists. */
  | 'DRY_RUN'
  /** The gate was checked again as the action's execution started (for an approved action, on the approver's behalf). */
  | 'EXECUTION'
  /** A person applied the action over the gate (`applyAction`, with a reason). */
  | 'OVERRIDE'
  /** A rule or a person proposed the action. */
  | 'PROPOSED'
  /** The overall score moved the autopilot mode, and the waiting actions were re-gated at the new score. */
  | 'SCORE_CHANGED'
  /** A person changed the kill switch, the autopilot level or the enforcement settings, and the waiting actions were re-gated. */
  | 'SETTINGS_CHANGED';

/** A span of history ending now, as the dashboard charts it. */
export type HistoryRange =
  /** The last 7 days in 4-hour buckets (42 points). */
  | 'LAST_7_DAYS'
  /** The last 24 hours in 1-hour buckets (24 points). */
  | 'LAST_24_HOURS'
  /** The last 30 days in 12-hour buckets (60 points). */
  | 'LAST_30_DAYS';

/** Input naming an object by global ID. */
export type IdInput = {
  /** Global ID. */
  id: string;
};

/** Kind of an identifier, strongest first: USER_ID and EXTERNAL_ID, then EMAIL, PHONE, DEVICE_ID, ANONYMOUS_ID. */
export type IdentifierType =
  /** A browser's or app install's anonymousId. */
  | 'ANONYMOUS_ID'
  /** A device's id. */
  | 'DEVICE_ID'
  /** An e-mail address, trimmed and lower-cased. */
  | 'EMAIL'
  /** An id from another system (a CRM, a shop). */
  | 'EXTERNAL_ID'
  /** A phone number in E.164. */
  | 'PHONE'
  /** The user id the tracked product sends (userId). */
  | 'USER_ID';

/** An identifier as the caller types it (normalised like the events' ones). */
export type IdentityInput = {
  /** Its kind. */
  type: IdentifierType;
  /** Its value (1–512 bytes); an e-mail or phone number is normalised first. */
  value: string;
};

/**
 * What opened an incident: its root cause. One unresolved incident exists per cause and platform; the health
 * changes a cause brings about (its platform's and the overall health leaving HEALTHY) are SYMPTOM entries of
 * its timeline, not incidents of their own.
 */
export type IncidentCause =
  /** An action failed on its platform. */
  | 'ACTION_FAILED'
  /** A platform connection's grant was revoked or expired: it must be connected again. */
  | 'CONNECTION'
  /** A platform's EMQ dropped sharply. */
  | 'EMQ_DROP'
  /** Overall or platform signal health left HEALTHY with no outage or EMQ drop to account for it. */
  | 'HEALTH'
  /** A platform reported an outage. */
  | 'OUTAGE'
  /** Stripe could not charge the workspace's subscription; resolved when an invoice is paid (or the subscription ends). */
  | 'PAYMENT_FAILED';

/**
 * How bad an incident is. For a health-related cause (HEALTH, OUTAGE, EMQ_DROP) it is the band of the worst
 * signal health the incident accounts for, in the gauge's terms: HEALTHY is LOW, DEGRADED at a score of 60 or
 * more is MEDIUM, DEGRADED below 60 is HIGH, UNHEALTHY is CRITICAL. A failed action is MEDIUM.
 */
export type IncidentSeverity =
  /** The health it concerns is unhealthy; act now. */
  | 'CRITICAL'
  /** The health it concerns is degraded, with a score below 60. */
  | 'HIGH'
  /** The health it concerns is healthy: informational. */
  | 'LOW'
  /** The health it concerns is degraded, with a score of 60 or more. */
  | 'MEDIUM';

/** An incident's lifecycle state. */
export type IncidentState =
  /** A person is on it. */
  | 'ACKNOWLEDGED'
  /** Opened and not yet looked at. */
  | 'OPEN'
  /** Closed, by recovery or by a person. */
  | 'RESOLVED';

/** Input of `inviteMember`. */
export type InviteMemberInput = {
  /** Email address to invite. */
  email: string;
  /** Role granted on acceptance (only an OWNER may invite an OWNER). */
  role: Role;
};

/** Where a profile is in its life. */
export type LifecycleStage =
  /** Only anonymous or device ids. */
  | 'ANONYMOUS'
  /** Inactive for the churn period (90 days by default). */
  | 'CHURNED'
  /** At least one purchase. */
  | 'CUSTOMER'
  /** A person's identifier (user id, external id, e-mail or phone). */
  | 'KNOWN';

/** Input of `logIn`. */
export type LogInInput = {
  /** Email address. */
  email: string;
  /** Password. */
  password: string;
};

/** How a metric's value reads. */
export type MetricUnit =
  /** A number of things (conversions). */
  | 'COUNT'
  /** An amount in the ad account's currency (spend, CPA). */
  | 'CURRENCY'
  /** A number of days. */
  | 'DAYS'
  /** A share written as a fraction: 0.012 is 1.2 % (CTR, pacing). */
  | 'FRACTION'
  /** A time of day in hours in the rule's time zone: 23.5 is 23:30 (a time-window check; `threshold` is the window's first hour and `note` the window in words). */
  | 'HOUR'
  /** A plain ratio such as ROAS (revenue ÷ spend): 4 means 4×. */
  | 'RATIO';

/** Input carrying a current MFA code. */
export type MfaCodeInput = {
  /** A current 6-digit TOTP code (`disableMfa` also accepts a backup code). */
  code: string;
};

/** How a notification channel delivers. */
export type NotificationChannelKind =
  /** E-mail to one address (through the server's SMTP server; in development, the development mail sink at /dev/mail). */
  | 'EMAIL'
  /** A Slack incoming webhook (`https://hooks.slack.com/services/…`): a message with a header, the text and a link. */
  | 'SLACK'
  /**
   * An HTTPS endpoint that receives a JSON POST signed with HMAC-SHA256. Each request carries
   * `Stratum-Signature: t=<unix seconds>,v1=<hex>`, where v1 is HMAC-SHA256 keyed with the channel's signing
   * secret over `<t>.<raw body>`; a receiver recomputes it, compares in constant time and refuses a `t` more
   * than 5 minutes from its own clock (a replay). `Stratum-Delivery` and `Idempotency-Key` carry the delivery's
   * id, the same on every retry; `Stratum-Event` the event (`incident.opened`, `incident.closed`,
   * `action.awaiting_approval`, `autopilot.mode_changed`, `digest.daily`, `test`). Answer 2xx to accept;
   * 408, 429 and 5xx are retried with backoff (8 attempts over about 80 minutes), other codes are final.
   */
  | 'WEBHOOK';

/** Where a delivery stands. */
export type NotificationDeliveryStatus =
  /** Refused for good, or still failing after the last retry. */
  | 'FAILED'
  /** Waiting for its first attempt or for a retry (`lastError` says why the last one failed). */
  | 'PENDING'
  /** The receiver accepted it. */
  | 'SENT';

/** What a notification is about. */
export type NotificationEvent =
  /** The trust gate holds an action for a person's approval. */
  | 'ACTION_AWAITING_APPROVAL'
  /** The autopilot mode moved with the signal-health score. */
  | 'AUTOPILOT_MODE_CHANGED'
  /** The summary of the previous UTC day. */
  | 'DAILY_DIGEST'
  /** An incident was resolved, by recovery or by a person. */
  | 'INCIDENT_CLOSED'
  /** An incident opened (or escalated to the channel's minimum severity). */
  | 'INCIDENT_OPENED'
  /** A test sent with `testNotificationChannel`. */
  | 'TEST';

/** The events a channel hears (all fields required: say what you want). */
export type NotificationSubscriptionsInput = {
  /** Actions the trust gate holds for approval. */
  actionsAwaitingApproval: boolean;
  /** Autopilot mode changes. */
  autopilotModeChanges: boolean;
  /** A summary of each UTC day. */
  dailyDigest: boolean;
  /** Incidents of `minIncidentSeverity` or worse being resolved. */
  incidentsClosed: boolean;
  /** Incidents opening (or escalating) at `minIncidentSeverity` or worse. */
  incidentsOpened: boolean;
  /** The least severe incident the channel hears of. */
  minIncidentSeverity: IncidentSeverity;
};

/** Sort direction. */
export type OrderDirection =
  /** Smallest first. */
  | 'ASC'
  /** Largest first. */
  | 'DESC';

/** A plan Stratum is sold in, cheapest first; each includes every flag of the cheaper ones and raises their limits. */
export type Plan =
  /** Everything, competitor intelligence included, with the highest limits. */
  | 'ENTERPRISE'
  /** Autopilot, dry runs, the CDP, conversions and audience sync. */
  | 'PROFESSIONAL'
  /** The entry plan: connectors and automation rules. */
  | 'STARTER';

/** An ad platform. `SIMULATOR` is Stratum's built-in **simulated** ad platform used by the demo tenant; its data is generated, not real. */
export type Platform =
  /** Google Ads. */
  | 'GOOGLE'
  /** Meta (Facebook and Instagram) Ads. */
  | 'META'
  /** The simulated ad platform of demo tenants (generated data, no real account). */
  | 'SIMULATOR'
  /** Snapchat Ads. */
  | 'SNAPCHAT'
  /** TikTok Ads. */
  | 'TIKTOK';

/** A platform's operational status as its connector last saw it. */
export type PlatformOperationalStatus =
  /** Working with problems. */
  | 'DEGRADED'
  /** Working normally. */
  | 'OPERATIONAL'
  /** Not reachable or refusing requests. */
  | 'OUTAGE';

/** Names the profile of a data-subject request. */
export type PrivacyRequestInput = {
  /** Global ID of the profile (an absorbed profile's ID names its survivor: the whole person). */
  profileId: string;
};

/** Kind of a data-subject request. */
export type PrivacyRequestKind =
  /** The erasure of the person. */
  | 'DELETE'
  /** A JSON export of everything held on the person. */
  | 'EXPORT';

/** Where a data-subject request is. */
export type PrivacyRequestStatus =
  /** Finished. */
  | 'DONE'
  /** Failed (see error). */
  | 'FAILED'
  /** Waiting for its job. */
  | 'PENDING'
  /** Its job is running (see progress). */
  | 'RUNNING';

/** Narrows profiles (all conditions hold). */
export type ProfileFilter = {
  /** Only profiles with an identifier of this type. */
  hasIdentifier?: IdentifierType | null | undefined;
  /** Only profiles at this stage. */
  lifecycleStage?: LifecycleStage | null | undefined;
  /** An identifier of any type (1–200 characters): an e-mail or a phone number is normalised first; other values match exactly. */
  search?: string | null | undefined;
};

/** Input of `putEnforcementRule`. */
export type PutEnforcementRuleInput = {
  /** False disables the guardrail (default true). */
  enabled?: boolean | null | undefined;
  /** Its mode. */
  mode: EnforcementMode;
  /** Threshold replacing the setting (≥ 0); omit to keep the setting. */
  threshold?: number | null | undefined;
  /** The guardrail. */
  violationType: ViolationType;
};

/** Why a link between two identifiers was refused (over-merge protection). */
export type RefusalReason =
  /** The profile reached the cap of identifiers. */
  | 'IDENTIFIER_LIMIT'
  /** The profile reached the cap of merges. */
  | 'MERGE_LIMIT'
  /** The profile already has the most identifiers of this type. */
  | 'TYPE_LIMIT';

/** Input of `removeMember`. */
export type RemoveMemberInput = {
  /** Global ID of the Member. */
  memberId: string;
};

export type ReplayDeliveriesInput = {
  /** Global ID of the destination. */
  destinationId: string;
  /** Only deliveries recorded at or after this time. */
  from?: string | null | undefined;
  /** FAILED or DEAD; both when omitted. */
  status?: ConversionDeliveryStatus | null | undefined;
  /** Only deliveries recorded before this time. */
  to?: string | null | undefined;
};

/** Input of `requestPasswordReset`. */
export type RequestPasswordResetInput = {
  /** The account's e-mail address. */
  email: string;
};

/** Input of `resetPassword`. */
export type ResetPasswordInput = {
  /** The new password: at least 10 characters, not a common password, without the part of the e-mail address before the @. */
  newPassword: string;
  /** The token from the password-reset link. */
  token: string;
};

/** Input of `resolveIncident`. */
export type ResolveIncidentInput = {
  /** The incident's global ID. */
  id: string;
  /** How it was resolved (at most 2000 characters). */
  note?: string | null | undefined;
};

/** A named cell of the RFM grid, by a profile's recency (R) and frequency (F) scores. */
export type RfmSegment =
  /** R 1–2, F 3–4: bought several times, not lately. */
  | 'AT_RISK'
  /** R 1–2, F 5: bought the most, not lately. */
  | 'CANT_LOSE'
  /** R 5, F 4–5: bought recently and often. */
  | 'CHAMPIONS'
  /** R 2, F 1–2: few purchases, a while ago. */
  | 'HIBERNATING'
  /** R 1, F 1–2: few purchases, long ago. */
  | 'LOST'
  /** R 3–4, F 4–5: buy often. */
  | 'LOYAL'
  /** R 3, F 1–3: middling recency and frequency. */
  | 'NEED_ATTENTION'
  /** R 5, F 1: first purchase just now. */
  | 'NEW'
  /** R 4–5, F 2–3: recent, more than once. */
  | 'POTENTIAL_LOYAL'
  /** R 4, F 1: a recent first purchase. */
  | 'PROMISING';

/** Risk class of an action type. */
export type RiskClass =
  /** Allowed at any score. */
  | 'ALWAYS_ALLOWED'
  /** Needs a score ≥ 60. */
  | 'CONSERVATIVE'
  /** Needs a score ≥ 80. */
  | 'HIGH_RISK'
  /** Needs a score ≥ 70. */
  | 'STANDARD';

/**
 * A member's role in a tenant. Each role includes the permissions of the roles below it.
 *
 * | Capability | OWNER | ADMIN | ANALYST | VIEWER |
 * |---|---|---|---|---|
 * | Read tenant data (dashboards, members) | ✓ | ✓ | ✓ | ✓ |
 * | Write tenant data (rules, actions) | ✓ | ✓ | ✓ | |
 * | Invite, remove members; change roles below OWNER | ✓ | ✓ | | |
 * | API keys, invitations, audit log | ✓ | ✓ | | |
 * | Grant or remove OWNER; tenant settings (name, require MFA) | ✓ | | | |
 */
export type Role =
  /** Administers members, invitations, API keys and reads the audit log. */
  | 'ADMIN'
  /** Reads and writes the tenant's marketing data. */
  | 'ANALYST'
  /** Everything, including tenant settings and the OWNER role. A tenant keeps at least one OWNER. */
  | 'OWNER'
  /** Reads the tenant's data. */
  | 'VIEWER';

/** Replaces a source's write key. */
export type RotateSourceWriteKeyInput = {
  /** The source's global ID. */
  id: string;
};

/** An action a rule proposes. */
export type RuleActionInput = {
  /** Its parameters. */
  params?: ActionParamsInput | null | undefined;
  /** The action. */
  type: ActionType;
};

/** What a rule activity entry records. */
export type RuleActivityKind =
  /** The rule was evaluated on its schedule: `campaignsEvaluated` and `proposals` say what it did. */
  | 'EVALUATED'
  /** The rule proposed a change an open action already made, and joined it as another source (`action`). */
  | 'JOINED'
  /** An action the rule proposed or joined reached `status`: APPLIED, FAILED, DISMISSED, BLOCKED, SUPERSEDED or NOT_NEEDED (recorded once per status). */
  | 'OUTCOME'
  /** The rule proposed a change that queued a new action (`action`). */
  | 'PROPOSED';

/** A condition: give `op` and `conditions` for a group, `timeWindow` for a time of day, or `metric`, `windowDays`, `operator` and `value` for a comparison. */
export type RuleConditionInput = {
  /** The group's conditions (1 or more). */
  conditions?: Array<RuleConditionInput> | null | undefined;
  /** The metric to compare. */
  metric?: RuleMetric | null | undefined;
  /** AND/OR for a group. */
  op?: ConditionGroupOperator | null | undefined;
  /** The comparison. */
  operator?: ComparisonOperator | null | undefined;
  /** A time window instead of a comparison (in the rule's `timeZone`). */
  timeWindow?: TimeWindowInput | null | undefined;
  /** The threshold. */
  value?: number | null | undefined;
  /** Days to aggregate over (1–30). */
  windowDays?: number | null | undefined;
};

/** A campaign metric a rule condition compares over a window. */
export type RuleMetric =
  /** Conversions over the window. */
  | 'CONVERSIONS'
  /** Spend ÷ conversions over the window. */
  | 'CPA'
  /** Clicks ÷ impressions over the window. */
  | 'CTR'
  /** Spend over the window ÷ (daily budget × days). */
  | 'PACING'
  /** Revenue ÷ spend over the window. */
  | 'ROAS'
  /** Spend over the window. */
  | 'SPEND';

/** A parameter of a built-in rule. */
export type RuleParamInput = {
  /** Parameter name (see the rule's `params`). */
  name: string;
  /** Its new value, within the parameter's range: windowDays and days 1–30 (whole), under 0.01–1, over 1–10, adjustPct and downPct 1–99, upPct 1–1000, scaleUpAt 1–10, scaleDownAt 0.01–1, minConversions 0–1,000,000 (whole), cpaFactor 1–100, roasFactor 0.01–1. */
  value: number;
};

/** The profile performed a track event, with properties matching every filter, a number of times, in a time window. */
export type SegmentEventConditionInput = {
  /** How many matching events; at least once when absent. */
  count?: SegmentEventCountInput | null | undefined;
  /** The event's name (1–200 characters), e.g. Order Completed. */
  name: string;
  /** Filters on the event's properties, all of which hold (0–10). */
  where?: Array<SegmentPropertyFilterInput> | null | undefined;
  /** When the events happened (WITHIN_LAST, BEFORE, AFTER, BETWEEN); all time when absent. */
  window?: SegmentTimeWindowInput | null | undefined;
};

/** How many times. */
export type SegmentEventCountInput = {
  /** The comparison. */
  operator: EventCountOperator;
  /** The number (0–1,000,000). */
  value: number;
};

/** Names a segment. */
export type SegmentIdInput = {
  /** The segment's ID. */
  id: string;
};

/** When a segment's membership is computed. */
export type SegmentKind =
  /** When saved, for the profiles each processed batch of events touches, and in full every hour. */
  | 'DYNAMIC'
  /** When saved and when refreshed on request (refreshSegment). */
  | 'STATIC';

/** Compares a condition's subject with its value(s). */
export type SegmentOperator =
  /** A time after value (RFC 3339). */
  | 'AFTER'
  /** A time before value (RFC 3339). */
  | 'BEFORE'
  /** Between values[0] and values[1], both included (numbers or RFC 3339 times). */
  | 'BETWEEN'
  /** A string trait or property containing value, ignoring case. */
  | 'CONTAINS'
  /** Equal to value (a trait or property: a string's content, a number's or boolean's JSON text). */
  | 'EQUALS'
  /** Present (a trait or property at the path, even null; an identifier of the type). */
  | 'EXISTS'
  /** Greater than value (numbers; a string holding a decimal number counts as one). */
  | 'GREATER_THAN'
  /** Equal to one of values (1–100). */
  | 'IN'
  /** Less than value (numbers; a string holding a decimal number counts as one). */
  | 'LESS_THAN'
  /** Not EQUALS (a profile or event without the trait or property is not equal). */
  | 'NOT_EQUALS'
  /** A time within the last value days (1–3650). */
  | 'WITHIN_LAST';

/** A built-in field of a profile. */
export type SegmentProfileField =
  /** Events attributed to it (whole numbers: EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN, BETWEEN, IN). */
  | 'EVENT_COUNT'
  /** When its first event happened (WITHIN_LAST, BEFORE, AFTER, BETWEEN). */
  | 'FIRST_SEEN_AT'
  /** When its latest event happened (WITHIN_LAST, BEFORE, AFTER, BETWEEN). */
  | 'LAST_SEEN_AT'
  /** The lifecycle stage (EQUALS, NOT_EQUALS, IN with LifecycleStage names). */
  | 'LIFECYCLE_STAGE'
  /** Its purchases (as EVENT_COUNT). */
  | 'PURCHASE_COUNT'
  /** Its revenue in currency units (up to 6 decimals; as EVENT_COUNT). */
  | 'REVENUE'
  /** Its sessions (as EVENT_COUNT). */
  | 'SESSION_COUNT';

/** A condition on an event's property. */
export type SegmentPropertyFilterInput = {
  /** EQUALS, NOT_EQUALS, CONTAINS, GREATER_THAN, LESS_THAN, BETWEEN, IN or EXISTS. */
  operator: SegmentOperator;
  /** The property's path: ["total"], or ["cart", "size"] for a nested key. */
  path: Array<string>;
  /** The operand of a one-value operator. */
  value?: string | null | undefined;
  /** The operands of IN and BETWEEN. */
  values?: Array<string> | null | undefined;
};

/** The part of a profile's RFM score a segment condition tests (a profile without a score meets no RFM condition). */
export type SegmentRfmMeasure =
  /** Its RFM cell (EQUALS, IN with RfmSegment names, e.g. CHAMPIONS, CANT_LOSE). */
  | 'CELL'
  /** Its frequency score 1–5 (as RECENCY). */
  | 'FREQUENCY'
  /** Its monetary score 1–5 (as RECENCY). */
  | 'MONETARY'
  /** Its recency score 1–5 (EQUALS, GREATER_THAN, LESS_THAN, BETWEEN, IN). */
  | 'RECENCY';

/**
 * A node of a segment's rules: exactly one of and, or, not (a group), or a
 * condition: field, trait, identifier, computedTrait, rfm (each with
 * operator and value or values) or event. At most 6 levels deep, 50 conditions (property filters
 * included), 20 rules per group; values are at most 200 characters.
 * Errors name the path of the bad node, e.g. ["input", "rules", "and", "1", "or", "0", "value"].
 */
export type SegmentRuleInput = {
  /** All of these rules (1–20). */
  and?: Array<SegmentRuleInput> | null | undefined;
  /** A computed trait (a TraitDefinition's id): its value, with the operators of trait; a profile without a value only meets NOT_EQUALS. */
  computedTrait?: string | null | undefined;
  /** An event condition. */
  event?: SegmentEventConditionInput | null | undefined;
  /** A profile field the condition tests. */
  field?: SegmentProfileField | null | undefined;
  /** An identifier type: EXISTS (the profile has one), EQUALS or IN (one of its values, as stored: e-mails lower-cased, phones in E.164). */
  identifier?: IdentifierType | null | undefined;
  /** Not this rule. */
  not?: SegmentRuleInput | null | undefined;
  /** The condition's operator (not for groups and event conditions). */
  operator?: SegmentOperator | null | undefined;
  /** Any of these rules (1–20). */
  or?: Array<SegmentRuleInput> | null | undefined;
  /** A part of the profile's RFM score. */
  rfm?: SegmentRfmMeasure | null | undefined;
  /** The path of a custom trait (identify's traits): ["plan"], or ["address", "city"] for a nested key (1–5 keys of 1–128 characters). */
  trait?: Array<string> | null | undefined;
  /** The operand of a one-value operator. */
  value?: string | null | undefined;
  /** The operands of IN (1–100) and BETWEEN (low, high). */
  values?: Array<string> | null | undefined;
};

/** A time window. */
export type SegmentTimeWindowInput = {
  /** WITHIN_LAST (value: days), BEFORE or AFTER (value: an RFC 3339 time) or BETWEEN (values: two times). */
  operator: SegmentOperator;
  /** The operand of WITHIN_LAST, BEFORE and AFTER. */
  value?: string | null | undefined;
  /** The operands of BETWEEN. */
  values?: Array<string> | null | undefined;
};

/** Input of `selectAdAccounts`. */
export type SelectAdAccountsInput = {
  /** The global IDs of the connection's accounts to sync (at most 200); every other account of the connection is deselected. */
  accountIds: Array<string>;
  /** The connection's global ID. */
  connectionId: string;
};

/** Input of `setAutopilotLevel`. */
export type SetAutopilotLevelInput = {
  /** The new level. */
  level: AutopilotLevel;
};

/** Sets a profile's consent for a purpose. */
export type SetConsentInput = {
  /** True: granted; false: denied. */
  granted: boolean;
  /** Global ID of the profile (an absorbed profile's ID names its survivor). */
  profileId: string;
  /** The purpose. */
  purpose: ConsentPurpose;
};

/** Input of `setKillSwitch`. */
export type SetKillSwitchInput = {
  /** True stops all automatic execution. */
  enabled: boolean;
};

/** Input of `setRuleEnabled`. */
export type SetRuleEnabledInput = {
  /** True to evaluate it. */
  enabled: boolean;
  /** The rule's global ID. */
  id: string;
};

/** Switches a source on or off. */
export type SetSourceEnabledInput = {
  /** True to accept its events, false to refuse them (403). */
  enabled: boolean;
  /** The source's global ID. */
  id: string;
};

/** Changes how many events a second a source may send. */
export type SetSourceRateLimitInput = {
  /** The source's global ID. */
  id: string;
  /** Events a second (1–1,000,000). Requests over it are answered 429 with Retry-After; the new value applies from the next request. */
  rateLimitPerSecond: number;
};

/** Input of `signUp`. */
export type SignUpInput = {
  /** Email address of the new owner. */
  email: string;
  /** At least 10 characters, not a common password. */
  password: string;
  /** Name of the new tenant. */
  tenantName: string;
};

/** A weighted component of a signal-health score. */
export type SignalComponent =
  /** Share of metrics (spend, conversions, CPA, ROAS) with |z| > 3 against ≥ 7 days of history. Weight 15%. */
  | 'ANOMALY'
  /** Identity-match quality of first-party (CDP) data; when present it takes 10% and the others are scaled by 0.9. */
  | 'CDP'
  /** Event match quality reported by the platforms (0–10, scaled ×10). Weight 40%. */
  | 'EMQ'
  /** Age of the newest data: 100 at ≤ 24 h, linear to 0 at 48 h. Weight 25%. */
  | 'FRESHNESS'
  /** Divergence between platform-reported and first-party revenue/conversions. Weight 20%. */
  | 'VARIANCE';

/** Health band of a signal-health score, with hysteresis: HEALTHY ≥ 70 (left only below 68, re-entered at ≥ 72), DEGRADED 40–69, UNHEALTHY < 40. */
export type SignalHealthStatus =
  /** Score 40–69: automation alerts only. */
  | 'DEGRADED'
  /** Score ≥ 70: autopilot may execute. */
  | 'HEALTHY'
  /** Score < 40: a person must act. */
  | 'UNHEALTHY';

/** Input of `simulateRule`: an existing rule (`ruleId`) or a draft (`rule`). */
export type SimulateRuleInput = {
  /** A draft rule, validated like `createAutomationRule`. */
  rule?: AutomationRuleInput | null | undefined;
  /** An existing rule's global ID. */
  ruleId?: string | null | undefined;
};

/** Input of `simulateSignalDegradation`. */
export type SimulateSignalDegradationInput = {
  /** The component to degrade. */
  component: SignalComponent;
  /** Must be SIMULATOR. */
  platform: Platform;
  /** How strongly. */
  severity: DegradationSeverity;
};

/** Input of `simulateSignalRecovery`. */
export type SimulateSignalRecoveryInput = {
  /** Must be SIMULATOR. */
  platform: Platform;
};

/** Identifiers to move off a profile into a new one. */
export type SplitProfileInput = {
  /** The identifiers to move (1–50), each on the profile; at least one of its identifiers must stay. */
  identifiers: Array<IdentityInput>;
  /** Global ID of the profile (an absorbed profile's ID names its survivor). */
  profileId: string;
};

/** Input of `switchTenant`. */
export type SwitchTenantInput = {
  /** Global ID of a tenant the user belongs to. */
  tenantId: string;
};

/** Which segment to keep in step with which platform's ad account. */
export type SyncAudienceInput = {
  /** The ID of an ad account (`AdAccount.id`) of one of the workspace's platform connections; the connection's grant is used to call the platform. */
  accountId: string;
  /** The platform (META, GOOGLE, TIKTOK or SNAPCHAT; SIMULATOR has no customer lists and is refused). It must be the account's platform. */
  platform: Platform;
  /** The segment's ID. */
  segmentId: string;
};

/** What a sync run reads from the platform. */
export type SyncKind =
  /** Daily campaign insights for up to 90 days, in 7-day chunks that resume after a crash; runs on the low-priority queue. */
  | 'BACKFILL'
  /** Daily campaign insights for a window (by default the incremental one: from 3 days before the last synced day to today, in the account's time zone). */
  | 'INSIGHTS'
  /** Campaigns, ad groups (ad sets, ad squads) and ads; what the platform no longer reports is archived. */
  | 'STRUCTURE';

/** Where a sync run is. */
export type SyncRunStatus =
  /** Canceled (e.g. platform connectors were switched off for the workspace). */
  | 'CANCELED'
  /** Failed; `error` has the platform's message. */
  | 'FAILED'
  /** Waiting for a worker. */
  | 'QUEUED'
  /** Running (also while the platform asks us to slow down, or between backfill chunks). */
  | 'RUNNING'
  /** Finished: everything in its window was written. */
  | 'SUCCEEDED';

/** Who asked for a sync run. */
export type SyncTrigger =
  /** The schedule (structure every 6 hours; insights every 6 hours on Starter, hourly on Professional, every 15 minutes on Enterprise). */
  | 'SCHEDULE'
  /** A person (triggerSync). */
  | 'USER';

/** An hour-of-day window (see `TimeWindow`). */
export type TimeWindowInput = {
  /** First hour inside the window (0–23). */
  fromHour: number;
  /** First hour after the window (0–23, not equal to `fromHour`). */
  toHour: number;
  /** ISO weekdays the window starts on (1 Monday … 7 Sunday, at most 7, no repeats); omitted or empty means every day. */
  weekdays?: Array<number> | null | undefined;
};

/** How a computed trait folds the matching events. */
export type TraitAggregation =
  /** Average of the value property (numbers only). */
  | 'AVERAGE'
  /** Number of matching events. */
  | 'COUNT'
  /** True when at least one event matches (the trait is absent otherwise). */
  | 'EXISTS'
  /** Value of the value property on the earliest matching event. */
  | 'FIRST'
  /** Value of the value property on the latest matching event. */
  | 'LAST'
  /** Largest value of the value property (numbers only). */
  | 'MAX'
  /** Smallest value of the value property (numbers only). */
  | 'MIN'
  /** The value of the value property seen most often (a tie goes to the smallest JSON text). */
  | 'MOST_FREQUENT'
  /** Sum of the value property (numbers only). */
  | 'SUM'
  /** Number of distinct values of the value property. */
  | 'UNIQUE_COUNT';

/** Where a definition's backfill is. */
export type TraitBackfillStatus =
  /** Every profile's value is computed; new events keep them up to date. */
  | 'DONE'
  /** Waiting for its job. */
  | 'PENDING'
  /** Computing the profiles' values from their events. */
  | 'RUNNING';

/** A property filter of a definition. */
export type TraitFilterInput = {
  /** How the property is compared. */
  operator: TraitFilterOperator;
  /** Dotted path into the event's properties: 1 to 5 keys of letters, digits, _, - or $. */
  property: string;
  /** What it is compared with (at most 200 characters; for GREATER_THAN and LESS_THAN a decimal number such as 12 or -3.25, no exponent). */
  value: string;
};

/** How a property filter compares an event property with its value. */
export type TraitFilterOperator =
  /** The property is a string containing the value (case-sensitive). */
  | 'CONTAINS'
  /** The property's text (a number as its decimal, a boolean as true or false) equals the value. */
  | 'EQUALS'
  /** The property is a number greater than the value (a number). */
  | 'GREATER_THAN'
  /** The property is a number less than the value (a number). */
  | 'LESS_THAN'
  /** The property is absent or its text differs from the value. */
  | 'NOT_EQUALS';

/** Input of `triggerSync`. */
export type TriggerSyncInput = {
  /** Global ID of one of its ad accounts; omitted: every selected account of the connection. */
  accountId?: string | null | undefined;
  /** Global ID of the platform connection. */
  connectionId: string;
  /** First day (YYYY-MM-DD, the account's time zone) for INSIGHTS and BACKFILL; give both from and to or neither (INSIGHTS: the incremental window; BACKFILL: the last 90 days). */
  from?: string | null | undefined;
  /** What to sync. */
  kind: SyncKind;
  /** Last day (YYYY-MM-DD), not after today in the account's time zone; at most 90 days after from. */
  to?: string | null | undefined;
};

/** Names a profile to take out of the profile it was merged into. */
export type UnmergeProfileInput = {
  /** Global ID of a merged profile: an absorbedId of the survivor's mergeHistory (its latest merge is undone). */
  profileId: string;
};

/** Changes to a rule; omitted fields stay. Built-in rules take only `enabled`, `params`, `scheduleMinutes`, `cooldownSeconds` and `scope`. */
export type UpdateAutomationRuleInput = {
  /** New actions. */
  actions?: Array<RuleActionInput> | null | undefined;
  /** New conditions. */
  conditions?: RuleConditionInput | null | undefined;
  /** New cooldown. */
  cooldownSeconds?: number | null | undefined;
  /** New description. */
  description?: string | null | undefined;
  /** Enable or disable. */
  enabled?: boolean | null | undefined;
  /** The rule's global ID. */
  id: string;
  /** New name. */
  name?: string | null | undefined;
  /** New parameter values (built-in rules). */
  params?: Array<RuleParamInput> | null | undefined;
  /** New schedule. */
  scheduleMinutes?: number | null | undefined;
  /** New scope. */
  scope?: CampaignScopeInput | null | undefined;
  /** New time zone (IANA name, e.g. Europe/Berlin). */
  timeZone?: string | null | undefined;
};

/**
 * Changes to a conversion destination; absent fields are kept. credentials is merged into the stored
 * ones: a key with a value replaces it, a key with the empty string removes it, keys not named are kept;
 * the result must be a valid set for the platform. baseUrl or testEventCode set to the empty string clear them.
 */
export type UpdateConversionDestinationInput = {
  /** A new base URL (empty: the platform's own). */
  baseUrl?: string | null | undefined;
  /** Credential fields to set (a value) or remove (the empty string). */
  credentials?: Record<string, unknown> | null | undefined;
  /** Forward events or not. */
  enabled?: boolean | null | undefined;
  /** New mappings, replacing the old ones. */
  eventMappings?: Array<ConversionEventMappingInput> | null | undefined;
  /** The destination's ID. */
  id: string;
  /** Forward profiles without an ADS consent decision on the ground of legitimate interest. */
  legitimateInterest?: boolean | null | undefined;
  /** Send Meta's Limited Data Use option. */
  limitedDataUse?: boolean | null | undefined;
  /** A new name. */
  name?: string | null | undefined;
  /** A new test event code (empty: live events). */
  testEventCode?: string | null | undefined;
};

/** Changes to enforcement settings; omitted fields stay. */
export type UpdateEnforcementSettingsInput = {
  /** Remove the campaign budget cap. */
  clearMaxCampaignBudget?: boolean | null | undefined;
  /** Remove the total daily budget cap. */
  clearMaxDailyBudget?: boolean | null | undefined;
  /** New enforcement mode. */
  enforcementMode?: EnforcementMode | null | undefined;
  /** Most budget changes per campaign per day, 0–1000. */
  maxBudgetChangesPerDay?: number | null | undefined;
  /** Largest increase per change, percent (0–1000). */
  maxBudgetIncreasePct?: number | null | undefined;
  /** New cap on one campaign's daily budget (0–1,000,000,000). */
  maxCampaignBudget?: number | null | undefined;
  /** New cap on total daily budget (0–1,000,000,000). */
  maxDailyBudget?: number | null | undefined;
  /** Fewest hours between changes (0–168). */
  minHoursBetweenChanges?: number | null | undefined;
  /** Minimum ROAS for increases (0–1000). */
  minRoas?: number | null | undefined;
  /** Window of the ROAS check, 1–90 days. */
  minRoasWindowDays?: number | null | undefined;
};

/** A funnel's new definition (replaces the old one whole). */
export type UpdateFunnelInput = {
  /** Global ID of the funnel. */
  id: string;
  /** Its name (1–100 characters). */
  name: string;
  /** Its steps, in order (2–10). */
  steps: Array<FunnelStepInput>;
  /** The conversion window in seconds (60 to 7,776,000). */
  windowSeconds: number;
};

/** Input of `updateNotificationChannel`; omitted fields are left alone. */
export type UpdateNotificationChannelInput = {
  /** Deliver events (true) or hold them (false). */
  enabled?: boolean | null | undefined;
  /** The channel's global ID. */
  id: string;
  /** A new name (1–100 characters). */
  name?: string | null | undefined;
  /** New subscriptions. */
  subscriptions?: NotificationSubscriptionsInput | null | undefined;
};

/** Replaces the RFM settings; a null or absent field restores its default. */
export type UpdateRfmSettingsInput = {
  /** Purchase event names (1–20, each 1–200 characters). */
  eventNames?: Array<string> | null | undefined;
  /** Days (1–3650). */
  lookbackDays?: number | null | undefined;
  /** The value property's name (1–100 characters). */
  valueProperty?: string | null | undefined;
};

/** Changes to a segment (absent fields are kept). */
export type UpdateSegmentInput = {
  /** The segment's ID. */
  id: string;
  /** A new kind. */
  kind?: SegmentKind | null | undefined;
  /** A new name (1–100 characters). */
  name?: string | null | undefined;
  /** New rules (the membership is recomputed). */
  rules?: SegmentRuleInput | null | undefined;
};

/** Input of `updateTenantSettings`; omitted fields stay as they are. */
export type UpdateTenantSettingsInput = {
  /** New display name. */
  name?: string | null | undefined;
  /** Require MFA of every member (members without it may only enrol). */
  requireMfa?: boolean | null | undefined;
};

/** A computed trait's new definition (all of it). */
export type UpdateTraitDefinitionInput = {
  /** How it folds the matching events. */
  aggregation: TraitAggregation;
  /** The event name it reads (1–200 characters). */
  event: string;
  /** Only events whose properties pass this filter. */
  filter?: TraitFilterInput | null | undefined;
  /** The definition's global ID. */
  id: string;
  /** Its name (1–100 characters, unique in the workspace). */
  name: string;
  /** Dotted path of the aggregated property: required except for COUNT and EXISTS, which take none. */
  valueProperty?: string | null | undefined;
  /** The last N UTC days (1–730), today included; leave out for all time. */
  windowDays?: number | null | undefined;
};

/** Input of `verifyEmail`. */
export type VerifyEmailInput = {
  /** The token from the verification link. */
  token: string;
};

/** Input of `verifyMfa`. */
export type VerifyMfaInput = {
  /** The `challengeToken` from `logIn`. */
  challengeToken: string;
  /** A current 6-digit TOTP code, or one of the backup codes (each works once). */
  code: string;
};

/** A guardrail an action can break. */
export type ViolationType =
  /** A budget increase above the maximum increase per change. */
  | 'BUDGET_EXCEEDED'
  /** The campaign should be paused (ROAS below the pause threshold) rather than changed. */
  | 'CAMPAIGN_PAUSE_REQUIRED'
  /** The tenant's or the campaign's daily budget cap would be exceeded. */
  | 'DAILY_SPEND_LIMIT'
  /** Too many budget changes today, or too soon after the last one. */
  | 'FREQUENCY_CAP_EXCEEDED'
  /** The campaign's ROAS over the window is below the minimum. */
  | 'ROAS_BELOW_THRESHOLD';

export type FeaturesQueryVariables = Exact<{ [key: string]: never; }>;


export type FeaturesQuery = { viewer: { features: Array<{ key: string, enabled: boolean, source: FeatureSource, unlockedBy: Plan }> } | null };

export type AudienceFieldsFragment = { id: string, platform: Platform, platformAudienceId: string | null, status: AudienceStatus, size: number, lastSyncAt: string | null, error: string | null, createdAt: string, segment: { id: string, name: string }, account: { id: string, name: string, externalId: string }, progress: { done: number, total: number } };

export type AudiencesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  segmentId?: string | null | undefined;
}>;


export type AudiencesQuery = { audiences: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, platform: Platform, platformAudienceId: string | null, status: AudienceStatus, size: number, lastSyncAt: string | null, error: string | null, createdAt: string, segment: { id: string, name: string }, account: { id: string, name: string, externalId: string }, progress: { done: number, total: number } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type AudienceSegmentsQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type AudienceSegmentsQuery = { segments: { totalCount: number, edges: Array<{ node: { id: string, name: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type AudienceAccountsQueryVariables = Exact<{ [key: string]: never; }>;


export type AudienceAccountsQuery = { platformConnections: Array<{ id: string, platform: Platform, sandbox: boolean, status: ConnectionStatus, accounts: Array<{ id: string, externalId: string, name: string, sandbox: boolean }> }> };

export type SyncAudienceMutationVariables = Exact<{
  input: SyncAudienceInput;
}>;


export type SyncAudienceMutation = { syncAudience: { audience: { id: string, platform: Platform, platformAudienceId: string | null, status: AudienceStatus, size: number, lastSyncAt: string | null, error: string | null, createdAt: string, segment: { id: string, name: string }, account: { id: string, name: string, externalId: string }, progress: { done: number, total: number } } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type StopAudienceSyncMutationVariables = Exact<{
  input: AudienceIdInput;
}>;


export type StopAudienceSyncMutation = { stopAudienceSync: { audience: { id: string, platform: Platform, platformAudienceId: string | null, status: AudienceStatus, size: number, lastSyncAt: string | null, error: string | null, createdAt: string, segment: { id: string, name: string }, account: { id: string, name: string, externalId: string }, progress: { done: number, total: number } } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type DeleteAudienceMutationVariables = Exact<{
  input: AudienceIdInput;
}>;


export type DeleteAudienceMutation = { deleteAudience: { deletedAudienceId: string | null, platformAudienceDeleted: boolean, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type AudienceSyncUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type AudienceSyncUpdatedSubscription = { audienceSyncUpdated: { id: string, platform: Platform, platformAudienceId: string | null, status: AudienceStatus, size: number, lastSyncAt: string | null, error: string | null, createdAt: string, segment: { id: string, name: string }, account: { id: string, name: string, externalId: string }, progress: { done: number, total: number } } };

export type ConditionFieldsFragment = { op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null };

export type RuleFieldsFragment = { id: string, name: string, description: string, logic: string, builtin: BuiltinRule | null, enabled: boolean, scheduleMinutes: number, cooldownSeconds: number, timeZone: string, lastEvaluatedAt: string | null, conditions: { op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null } | null, actions: Array<{ type: ActionType, params: { percent: number | null, amount: number | null, status: string | null } }>, params: Array<{ name: string, value: number }>, scope: { platforms: Array<Platform>, campaignIds: Array<string> } };

export type ActionSimulationFieldsFragment = { type: ActionType, platform: Platform, wouldExecute: boolean, decision: GateDecision, riskClass: RiskClass, threshold: number, score: number | null, autopilotMode: AutopilotMode, reasons: Array<string>, warnings: Array<string>, campaign: { id: string, name: string, currency: string } | null, before: { status: string | null, dailyBudget: number | null, bid: number | null } | null, after: { status: string | null, dailyBudget: number | null, bid: number | null } | null };

export type EnforcementSettingsFieldsFragment = { settings: { killSwitch: boolean, enforcementMode: EnforcementMode, autopilotLevel: AutopilotLevel, maxDailyBudget: number | null, maxCampaignBudget: number | null, maxBudgetIncreasePct: number, minRoas: number, minRoasWindowDays: number, maxBudgetChangesPerDay: number, minHoursBetweenChanges: number, updatedAt: string | null }, enforcementRules: Array<{ violationType: ViolationType, mode: EnforcementMode, threshold: number | null, enabled: boolean, updatedAt: string }> };

export type RuleSummaryFieldsFragment = { id: string, name: string, description: string, logic: string, builtin: BuiltinRule | null, enabled: boolean, scheduleMinutes: number, lastEvaluatedAt: string | null };

export type AutomationRulesQueryVariables = Exact<{ [key: string]: never; }>;


export type AutomationRulesQuery = { automationRules: { totalCount: number, edges: Array<{ node: { id: string, name: string, description: string, logic: string, builtin: BuiltinRule | null, enabled: boolean, scheduleMinutes: number, lastEvaluatedAt: string | null } }> }, enabledRules: { totalCount: number } };

export type RuleQueryVariables = Exact<{
  id: string;
}>;


export type RuleQuery = { node:
    | { __typename: 'Action' }
    | { __typename: 'ApiKey' }
    | { __typename: 'AuditEntry' }
    | { __typename: 'AutomationRule', id: string, name: string, description: string, logic: string, builtin: BuiltinRule | null, enabled: boolean, scheduleMinutes: number, cooldownSeconds: number, timeZone: string, lastEvaluatedAt: string | null, conditions: { op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null } | null, actions: Array<{ type: ActionType, params: { percent: number | null, amount: number | null, status: string | null } }>, params: Array<{ name: string, value: number }>, scope: { platforms: Array<Platform>, campaignIds: Array<string> } }
    | { __typename: 'Campaign' }
    | { __typename: 'Incident' }
    | { __typename: 'Invite' }
    | { __typename: 'Member' }
    | { __typename: 'NotificationChannel' }
    | { __typename: 'NotificationDelivery' }
    | { __typename: 'Profile' }
    | { __typename: 'Tenant' }
    | { __typename: 'TrustAuditEntry' }
    | { __typename: 'User' }
   | null };

export type CampaignOptionsQueryVariables = Exact<{
  search?: string | null | undefined;
  first: number;
}>;


export type CampaignOptionsQuery = { campaigns: { totalCount: number, edges: Array<{ node: { id: string, name: string, platform: Platform } }> } };

export type ScopedCampaignsQueryVariables = Exact<{
  ids: Array<string> | string;
}>;


export type ScopedCampaignsQuery = { nodes: Array<
    | { __typename: 'Action', id: string }
    | { __typename: 'ApiKey', id: string }
    | { __typename: 'AuditEntry', id: string }
    | { __typename: 'AutomationRule', id: string }
    | { __typename: 'Campaign', name: string, platform: Platform, id: string }
    | { __typename: 'Incident', id: string }
    | { __typename: 'Invite', id: string }
    | { __typename: 'Member', id: string }
    | { __typename: 'NotificationChannel', id: string }
    | { __typename: 'NotificationDelivery', id: string }
    | { __typename: 'Profile', id: string }
    | { __typename: 'Tenant', id: string }
    | { __typename: 'TrustAuditEntry', id: string }
    | { __typename: 'User', id: string }
   | null> };

export type CampaignCurrenciesQueryVariables = Exact<{ [key: string]: never; }>;


export type CampaignCurrenciesQuery = { campaigns: { pageInfo: { hasNextPage: boolean }, edges: Array<{ node: { id: string, currency: string } }> } };

export type TrustSettingsQueryVariables = Exact<{ [key: string]: never; }>;


export type TrustSettingsQuery = { trustGate: { autopilotMode: AutopilotMode, autopilotLevel: AutopilotLevel, enforcementMode: EnforcementMode, killSwitch: boolean, score: number | null, status: SignalHealthStatus | null, verdict: string, decisionCounts: { pass: number, hold: number, block: number }, settings: { killSwitch: boolean, enforcementMode: EnforcementMode, autopilotLevel: AutopilotLevel, maxDailyBudget: number | null, maxCampaignBudget: number | null, maxBudgetIncreasePct: number, minRoas: number, minRoasWindowDays: number, maxBudgetChangesPerDay: number, minHoursBetweenChanges: number, updatedAt: string | null }, enforcementRules: Array<{ violationType: ViolationType, mode: EnforcementMode, threshold: number | null, enabled: boolean, updatedAt: string }> } };

export type CreateRuleMutationVariables = Exact<{
  input: AutomationRuleInput;
}>;


export type CreateRuleMutation = { createAutomationRule: { rule: { id: string, name: string, description: string, logic: string, builtin: BuiltinRule | null, enabled: boolean, scheduleMinutes: number, cooldownSeconds: number, timeZone: string, lastEvaluatedAt: string | null, conditions: { op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null } | null, actions: Array<{ type: ActionType, params: { percent: number | null, amount: number | null, status: string | null } }>, params: Array<{ name: string, value: number }>, scope: { platforms: Array<Platform>, campaignIds: Array<string> } } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type UpdateRuleMutationVariables = Exact<{
  input: UpdateAutomationRuleInput;
}>;


export type UpdateRuleMutation = { updateAutomationRule: { rule: { id: string, name: string, description: string, logic: string, builtin: BuiltinRule | null, enabled: boolean, scheduleMinutes: number, cooldownSeconds: number, timeZone: string, lastEvaluatedAt: string | null, conditions: { op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null } | null, actions: Array<{ type: ActionType, params: { percent: number | null, amount: number | null, status: string | null } }>, params: Array<{ name: string, value: number }>, scope: { platforms: Array<Platform>, campaignIds: Array<string> } } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type DeleteRuleMutationVariables = Exact<{
  input: DeleteAutomationRuleInput;
}>;


export type DeleteRuleMutation = { deleteAutomationRule: { deletedRuleId: string | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type SetRuleEnabledMutationVariables = Exact<{
  input: SetRuleEnabledInput;
}>;


export type SetRuleEnabledMutation = { setRuleEnabled: { rule: { id: string, name: string, description: string, logic: string, builtin: BuiltinRule | null, enabled: boolean, scheduleMinutes: number, lastEvaluatedAt: string | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type RuleCheckFieldsFragment = { path: string | null, label: string, metric: RuleMetric | null, windowDays: number, value: number | null, unit: MetricUnit, operator: ComparisonOperator, threshold: number, passed: boolean, note: string | null };

export type SimulateRuleMutationVariables = Exact<{
  input: SimulateRuleInput;
}>;


export type SimulateRuleMutation = { simulateRule: { campaignsEvaluated: number, campaignsNotShown: number, actions: Array<{ type: ActionType, platform: Platform, wouldExecute: boolean, decision: GateDecision, riskClass: RiskClass, threshold: number, score: number | null, autopilotMode: AutopilotMode, reasons: Array<string>, warnings: Array<string>, campaign: { id: string, name: string, currency: string } | null, before: { status: string | null, dailyBudget: number | null, bid: number | null } | null, after: { status: string | null, dailyBudget: number | null, bid: number | null } | null }>, campaigns: Array<{ evaluated: boolean, wouldPropose: boolean, outcome: string, campaign: { id: string, name: string, currency: string }, checks: Array<{ path: string | null, label: string, metric: RuleMetric | null, windowDays: number, value: number | null, unit: MetricUnit, operator: ComparisonOperator, threshold: number, passed: boolean, note: string | null }>, failedCheck: { path: string | null, label: string, metric: RuleMetric | null, windowDays: number, value: number | null, unit: MetricUnit, operator: ComparisonOperator, threshold: number, passed: boolean, note: string | null } | null, proposals: Array<{ type: ActionType }> }>, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type UpdateEnforcementSettingsMutationVariables = Exact<{
  input: UpdateEnforcementSettingsInput;
}>;


export type UpdateEnforcementSettingsMutation = { updateEnforcementSettings: { trustGate: { autopilotMode: AutopilotMode, autopilotLevel: AutopilotLevel, enforcementMode: EnforcementMode, killSwitch: boolean, score: number | null, status: SignalHealthStatus | null, verdict: string, decisionCounts: { pass: number, hold: number, block: number }, settings: { killSwitch: boolean, enforcementMode: EnforcementMode, autopilotLevel: AutopilotLevel, maxDailyBudget: number | null, maxCampaignBudget: number | null, maxBudgetIncreasePct: number, minRoas: number, minRoasWindowDays: number, maxBudgetChangesPerDay: number, minHoursBetweenChanges: number, updatedAt: string | null }, enforcementRules: Array<{ violationType: ViolationType, mode: EnforcementMode, threshold: number | null, enabled: boolean, updatedAt: string }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type SetKillSwitchMutationVariables = Exact<{
  input: SetKillSwitchInput;
}>;


export type SetKillSwitchMutation = { setKillSwitch: { trustGate: { autopilotMode: AutopilotMode, autopilotLevel: AutopilotLevel, enforcementMode: EnforcementMode, killSwitch: boolean, score: number | null, status: SignalHealthStatus | null, verdict: string, decisionCounts: { pass: number, hold: number, block: number }, settings: { killSwitch: boolean, enforcementMode: EnforcementMode, autopilotLevel: AutopilotLevel, maxDailyBudget: number | null, maxCampaignBudget: number | null, maxBudgetIncreasePct: number, minRoas: number, minRoasWindowDays: number, maxBudgetChangesPerDay: number, minHoursBetweenChanges: number, updatedAt: string | null }, enforcementRules: Array<{ violationType: ViolationType, mode: EnforcementMode, threshold: number | null, enabled: boolean, updatedAt: string }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type SetAutopilotLevelMutationVariables = Exact<{
  input: SetAutopilotLevelInput;
}>;


export type SetAutopilotLevelMutation = { setAutopilotLevel: { trustGate: { autopilotMode: AutopilotMode, autopilotLevel: AutopilotLevel, enforcementMode: EnforcementMode, killSwitch: boolean, score: number | null, status: SignalHealthStatus | null, verdict: string, decisionCounts: { pass: number, hold: number, block: number }, settings: { killSwitch: boolean, enforcementMode: EnforcementMode, autopilotLevel: AutopilotLevel, maxDailyBudget: number | null, maxCampaignBudget: number | null, maxBudgetIncreasePct: number, minRoas: number, minRoasWindowDays: number, maxBudgetChangesPerDay: number, minHoursBetweenChanges: number, updatedAt: string | null }, enforcementRules: Array<{ violationType: ViolationType, mode: EnforcementMode, threshold: number | null, enabled: boolean, updatedAt: string }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type PutEnforcementRuleMutationVariables = Exact<{
  input: PutEnforcementRuleInput;
}>;


export type PutEnforcementRuleMutation = { putEnforcementRule: { enforcementRule: { violationType: ViolationType, mode: EnforcementMode, threshold: number | null, enabled: boolean, updatedAt: string } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type DeleteEnforcementRuleMutationVariables = Exact<{
  input: DeleteEnforcementRuleInput;
}>;


export type DeleteEnforcementRuleMutation = { deleteEnforcementRule: { userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type RuleTemplatesQueryVariables = Exact<{ [key: string]: never; }>;


export type RuleTemplatesQuery = { ruleTemplates: Array<{ key: string, name: string, description: string, logic: string, scheduleMinutes: number, cooldownSeconds: number, timeZone: string, conditions: { op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, conditions: Array<{ op: ConditionGroupOperator | null, metric: RuleMetric | null, windowDays: number | null, operator: ComparisonOperator | null, value: number, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }>, timeWindow: { fromHour: number, toHour: number, weekdays: Array<number> } | null }, actions: Array<{ type: ActionType, params: { percent: number | null, amount: number | null, status: string | null } }> }> };

export type RuleActivityQueryVariables = Exact<{
  id: string;
  first: number;
}>;


export type RuleActivityQuery = { node:
    | { __typename: 'Action' }
    | { __typename: 'ApiKey' }
    | { __typename: 'AuditEntry' }
    | { __typename: 'AutomationRule', id: string, name: string, activity: { totalCount: number, edges: Array<{ cursor: string, node: { at: string, kind: RuleActivityKind, campaignsEvaluated: number | null, proposals: number | null, actionType: ActionType | null, status: ActionStatus | null, detail: string, campaign: { id: string, name: string } | null } }> } }
    | { __typename: 'Campaign' }
    | { __typename: 'Incident' }
    | { __typename: 'Invite' }
    | { __typename: 'Member' }
    | { __typename: 'NotificationChannel' }
    | { __typename: 'NotificationDelivery' }
    | { __typename: 'Profile' }
    | { __typename: 'Tenant' }
    | { __typename: 'TrustAuditEntry' }
    | { __typename: 'User' }
   | null };

export type CampaignTotalsFragment = { conversions: number, roas: number | null, ctr: number | null, spend: { micros: string, amount: number, currency: string }, conversionValue: { micros: string, amount: number, currency: string }, cpa: { micros: string, amount: number, currency: string } | null };

export type CampaignsQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  platform?: Platform | null | undefined;
  status?: CampaignStatus | null | undefined;
  search?: string | null | undefined;
  orderBy?: CampaignOrder | null | undefined;
  from: string;
  to: string;
}>;


export type CampaignsQuery = { campaigns: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, totals: Array<{ currency: string, campaigns: number, totals: { spend: { micros: string, amount: number } } }>, edges: Array<{ node: { id: string, name: string, platform: Platform, state: CampaignStatus, currency: string, simulated: boolean, account: { id: string, name: string, timeZone: string } | null, metrics: { totals: { conversions: number, roas: number | null, ctr: number | null, spend: { micros: string, amount: number, currency: string }, conversionValue: { micros: string, amount: number, currency: string }, cpa: { micros: string, amount: number, currency: string } | null } } } }> } };

export type CampaignDetailQueryVariables = Exact<{
  id: string;
  from: string;
  to: string;
}>;


export type CampaignDetailQuery = { node:
    | { __typename: 'Action', id: string }
    | { __typename: 'ApiKey', id: string }
    | { __typename: 'AuditEntry', id: string }
    | { __typename: 'AutomationRule', id: string }
    | { __typename: 'Campaign', name: string, currency: string, simulated: boolean, id: string, metrics: { points: Array<{ date: string, conversions: number, roas: number | null, spend: { amount: number }, conversionValue: { amount: number } }> } }
    | { __typename: 'Incident', id: string }
    | { __typename: 'Invite', id: string }
    | { __typename: 'Member', id: string }
    | { __typename: 'NotificationChannel', id: string }
    | { __typename: 'NotificationDelivery', id: string }
    | { __typename: 'Profile', id: string }
    | { __typename: 'Tenant', id: string }
    | { __typename: 'TrustAuditEntry', id: string }
    | { __typename: 'User', id: string }
   | null, actions: { totalCount: number, edges: Array<{ node: { id: string, type: ActionType, status: ActionStatus, createdAt: string, ruleName: string | null } }> }, trustAuditLog: { totalCount: number, edges: Array<{ node: { id: string, at: string, decision: GateDecision, actionType: ActionType, dryRun: boolean, reasons: Array<string> } }> } };

export type ConversionDestinationFieldsFragment = { id: string, platform: Platform, name: string, credentialKeys: Array<string>, baseUrl: string | null, testEventCode: string | null, limitedDataUse: boolean, legitimateInterest: boolean, enabled: boolean, createdAt: string, updatedAt: string, eventMappings: Array<{ source: string, target: string, value: string | null, currency: string | null, contentIds: string | null, orderId: string | null }> };

export type ConversionDestinationsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ConversionDestinationsQuery = { conversionDestinations: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, platform: Platform, name: string, credentialKeys: Array<string>, baseUrl: string | null, testEventCode: string | null, limitedDataUse: boolean, legitimateInterest: boolean, enabled: boolean, createdAt: string, updatedAt: string, eventMappings: Array<{ source: string, target: string, value: string | null, currency: string | null, contentIds: string | null, orderId: string | null }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CreateConversionDestinationMutationVariables = Exact<{
  input: CreateConversionDestinationInput;
}>;


export type CreateConversionDestinationMutation = { createConversionDestination: { destination: { id: string, platform: Platform, name: string, credentialKeys: Array<string>, baseUrl: string | null, testEventCode: string | null, limitedDataUse: boolean, legitimateInterest: boolean, enabled: boolean, createdAt: string, updatedAt: string, eventMappings: Array<{ source: string, target: string, value: string | null, currency: string | null, contentIds: string | null, orderId: string | null }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type UpdateConversionDestinationMutationVariables = Exact<{
  input: UpdateConversionDestinationInput;
}>;


export type UpdateConversionDestinationMutation = { updateConversionDestination: { destination: { id: string, platform: Platform, name: string, credentialKeys: Array<string>, baseUrl: string | null, testEventCode: string | null, limitedDataUse: boolean, legitimateInterest: boolean, enabled: boolean, createdAt: string, updatedAt: string, eventMappings: Array<{ source: string, target: string, value: string | null, currency: string | null, contentIds: string | null, orderId: string | null }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type DeleteConversionDestinationMutationVariables = Exact<{
  input: ConversionDestinationIdInput;
}>;


export type DeleteConversionDestinationMutation = { deleteConversionDestination: { deletedDestinationId: string | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type TestConversionDestinationMutationVariables = Exact<{
  input: ConversionDestinationIdInput;
}>;


export type TestConversionDestinationMutation = { testConversionDestination: { result: { ok: boolean, httpStatus: number | null, message: string, latencyMs: number | null, testEventCode: string | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type ConversionDeliveryFieldsFragment = { id: string, destinationId: string, messageId: string, status: ConversionDeliveryStatus, attempts: number, eventName: string, sourceEvent: string, eventTime: string, legalBasis: ConversionLegalBasis | null, requestSummary: string | null, response: string | null, errorCode: string | null, latencyMs: number | null, nextAttemptAt: string | null, createdAt: string, updatedAt: string, sentAt: string | null };

export type ConversionDeliveriesQueryVariables = Exact<{
  destinationId: string;
  status?: ConversionDeliveryStatus | null | undefined;
  eventName?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ConversionDeliveriesQuery = { deliveries: { totalCount: number, queuedEvents: number, edges: Array<{ cursor: string, node: { id: string, destinationId: string, messageId: string, status: ConversionDeliveryStatus, attempts: number, eventName: string, sourceEvent: string, eventTime: string, legalBasis: ConversionLegalBasis | null, requestSummary: string | null, response: string | null, errorCode: string | null, latencyMs: number | null, nextAttemptAt: string | null, createdAt: string, updatedAt: string, sentAt: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ReplayDeliveriesMutationVariables = Exact<{
  input: ReplayDeliveriesInput;
}>;


export type ReplayDeliveriesMutation = { replayDeliveries: { count: number, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type EmqScoresQueryVariables = Exact<{
  platform: Platform;
  eventName?: string | null | undefined;
  hours?: number | null | undefined;
}>;


export type EmqScoresQuery = { emqScores: Array<{ destinationId: string, platform: Platform, eventName: string, events: number, score: number, source: EmqScoreSource, estimate: number, platformScore: number | null, platformScoreAt: string | null, calibrationError: number | null, platformScoreError: string | null, trend: Array<{ hour: string, events: number, score: number }>, missingParameters: Array<{ parameter: string, coverage: number, impact: number, advice: string }> }> };

export type EmqScoreUpdatedSubscriptionVariables = Exact<{
  platform: Platform;
}>;


export type EmqScoreUpdatedSubscription = { emqScoreUpdated: { destinationId: string, eventName: string, score: number } };

export type FunnelFieldsFragment = { id: string, name: string, windowSeconds: number, createdAt: string, steps: Array<{ event: string, filter: { path: Array<string>, operator: FunnelFilterOperator, value: string } | null }> };

export type FunnelsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type FunnelsQuery = { funnels: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, name: string, windowSeconds: number, createdAt: string, steps: Array<{ event: string, filter: { path: Array<string>, operator: FunnelFilterOperator, value: string } | null }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type FunnelStepResultFieldsFragment = { index: number, event: string, entered: number, converted: number, dropOff: number, conversionFromPrevious: number, conversionFromStart: number, medianSecondsFromPrevious: number | null, medianSecondsFromStart: number | null };

export type FunnelReportQueryVariables = Exact<{
  id: string;
  from: string;
  to: string;
  breakdownBy?: FunnelBreakdownInput | null | undefined;
}>;


export type FunnelReportQuery = { funnelReport: { from: string, to: string, entered: number, converted: number, conversionRate: number, steps: Array<{ index: number, event: string, entered: number, converted: number, dropOff: number, conversionFromPrevious: number, conversionFromStart: number, medianSecondsFromPrevious: number | null, medianSecondsFromStart: number | null }>, breakdown: Array<{ value: string | null, other: boolean, steps: Array<{ index: number, event: string, entered: number, converted: number, dropOff: number, conversionFromPrevious: number, conversionFromStart: number, medianSecondsFromPrevious: number | null, medianSecondsFromStart: number | null }> }> | null } | null };

export type CreateFunnelMutationVariables = Exact<{
  input: CreateFunnelInput;
}>;


export type CreateFunnelMutation = { createFunnel: { funnel: { id: string, name: string, windowSeconds: number, createdAt: string, steps: Array<{ event: string, filter: { path: Array<string>, operator: FunnelFilterOperator, value: string } | null }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type UpdateFunnelMutationVariables = Exact<{
  input: UpdateFunnelInput;
}>;


export type UpdateFunnelMutation = { updateFunnel: { funnel: { id: string, name: string, windowSeconds: number, createdAt: string, steps: Array<{ event: string, filter: { path: Array<string>, operator: FunnelFilterOperator, value: string } | null }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type DeleteFunnelMutationVariables = Exact<{
  input: DeleteFunnelInput;
}>;


export type DeleteFunnelMutation = { deleteFunnel: { deletedFunnelId: string | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type PlatformConnectionFieldsFragment = { id: string, platform: Platform, sandbox: boolean, status: ConnectionStatus, statusMessage: string, lastSyncAt: string | null, lastError: string, createdAt: string, accounts: Array<{ id: string, externalId: string, name: string, currency: string, timeZone: string, selected: boolean, sandbox: boolean }> };

export type SyncRunFieldsFragment = { id: string, connectionId: string, kind: SyncKind, trigger: SyncTrigger, status: SyncRunStatus, rowsWritten: number, apiCalls: number, apiErrors: number, queuedAt: string, finishedAt: string | null, error: string | null, progress: { done: number, total: number }, window: { from: string, to: string } | null, account: { id: string, name: string } };

export type PlatformsQueryVariables = Exact<{ [key: string]: never; }>;


export type PlatformsQuery = { platformAvailability: Array<{ platform: Platform, configured: boolean, supportsPkce: boolean }>, platformConnections: Array<{ id: string, platform: Platform, sandbox: boolean, status: ConnectionStatus, statusMessage: string, lastSyncAt: string | null, lastError: string, createdAt: string, accounts: Array<{ id: string, externalId: string, name: string, currency: string, timeZone: string, selected: boolean, sandbox: boolean }> }> };

export type SyncRunsQueryVariables = Exact<{
  connectionId: string;
}>;


export type SyncRunsQuery = { syncRuns: { totalCount: number, edges: Array<{ node: { id: string, connectionId: string, kind: SyncKind, trigger: SyncTrigger, status: SyncRunStatus, rowsWritten: number, apiCalls: number, apiErrors: number, queuedAt: string, finishedAt: string | null, error: string | null, progress: { done: number, total: number }, window: { from: string, to: string } | null, account: { id: string, name: string } } }> } };

export type ConnectPlatformMutationVariables = Exact<{
  input: ConnectPlatformInput;
}>;


export type ConnectPlatformMutation = { connectPlatform: { authorizeUrl: string | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type ConnectSandboxMutationVariables = Exact<{ [key: string]: never; }>;


export type ConnectSandboxMutation = { connectSandbox: { connection: { id: string, platform: Platform, sandbox: boolean, status: ConnectionStatus, statusMessage: string, lastSyncAt: string | null, lastError: string, createdAt: string, accounts: Array<{ id: string, externalId: string, name: string, currency: string, timeZone: string, selected: boolean, sandbox: boolean }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type SelectAdAccountsMutationVariables = Exact<{
  input: SelectAdAccountsInput;
}>;


export type SelectAdAccountsMutation = { selectAdAccounts: { connection: { id: string, platform: Platform, sandbox: boolean, status: ConnectionStatus, statusMessage: string, lastSyncAt: string | null, lastError: string, createdAt: string, accounts: Array<{ id: string, externalId: string, name: string, currency: string, timeZone: string, selected: boolean, sandbox: boolean }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type DisconnectPlatformMutationVariables = Exact<{
  input: DisconnectPlatformInput;
}>;


export type DisconnectPlatformMutation = { disconnectPlatform: { disconnectedConnectionId: string | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type TriggerSyncMutationVariables = Exact<{
  input: TriggerSyncInput;
}>;


export type TriggerSyncMutation = { triggerSync: { runs: Array<{ id: string, connectionId: string, kind: SyncKind, trigger: SyncTrigger, status: SyncRunStatus, rowsWritten: number, apiCalls: number, apiErrors: number, queuedAt: string, finishedAt: string | null, error: string | null, progress: { done: number, total: number }, window: { from: string, to: string } | null, account: { id: string, name: string } }>, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type PlatformConnectionChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type PlatformConnectionChangedSubscription = { platformConnectionChanged: { connectionId: string, connection: { id: string, platform: Platform, sandbox: boolean, status: ConnectionStatus, statusMessage: string, lastSyncAt: string | null, lastError: string, createdAt: string, accounts: Array<{ id: string, externalId: string, name: string, currency: string, timeZone: string, selected: boolean, sandbox: boolean }> } | null } };

export type SyncRunUpdatedSubscriptionVariables = Exact<{
  connectionId?: string | null | undefined;
}>;


export type SyncRunUpdatedSubscription = { syncRunUpdated: { id: string, connectionId: string, kind: SyncKind, trigger: SyncTrigger, status: SyncRunStatus, rowsWritten: number, apiCalls: number, apiErrors: number, queuedAt: string, finishedAt: string | null, error: string | null, progress: { done: number, total: number }, window: { from: string, to: string } | null, account: { id: string, name: string } } };

export type ProfileConsentsQueryVariables = Exact<{
  profileId: string;
}>;


export type ProfileConsentsQuery = { profileConsents: Array<{ purpose: ConsentPurpose, state: ConsentState, source: ConsentSource | null, decidedAt: string | null }> | null };

export type SetConsentMutationVariables = Exact<{
  input: SetConsentInput;
}>;


export type SetConsentMutation = { setConsent: { consent: { purpose: ConsentPurpose, state: ConsentState, source: ConsentSource | null, decidedAt: string | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type PrivacyRequestFieldsFragment = { id: string, kind: PrivacyRequestKind, status: PrivacyRequestStatus, progress: number, profileId: string | null, requestedBy: string, requestedByMe: boolean, createdAt: string, finishedAt: string | null, error: string | null, erasedEvents: number, erasedIdentifiers: number, exportBytes: number | null, expiresAt: string | null, downloadUrl: string | null };

export type PrivacyRequestsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type PrivacyRequestsQuery = { privacyRequests: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, kind: PrivacyRequestKind, status: PrivacyRequestStatus, progress: number, profileId: string | null, requestedBy: string, requestedByMe: boolean, createdAt: string, finishedAt: string | null, error: string | null, erasedEvents: number, erasedIdentifiers: number, exportBytes: number | null, expiresAt: string | null, downloadUrl: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type PrivacySuppressionsQueryVariables = Exact<{ [key: string]: never; }>;


export type PrivacySuppressionsQuery = { privacySuppressions: { identifiers: number, droppedEvents: number, lastDroppedAt: string | null } };

export type ExportProfileDataMutationVariables = Exact<{
  input: PrivacyRequestInput;
}>;


export type ExportProfileDataMutation = { exportProfileData: { request: { id: string, kind: PrivacyRequestKind, status: PrivacyRequestStatus, progress: number, profileId: string | null, requestedBy: string, requestedByMe: boolean, createdAt: string, finishedAt: string | null, error: string | null, erasedEvents: number, erasedIdentifiers: number, exportBytes: number | null, expiresAt: string | null, downloadUrl: string | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type DeleteProfileMutationVariables = Exact<{
  input: PrivacyRequestInput;
}>;


export type DeleteProfileMutation = { deleteProfile: { request: { id: string, kind: PrivacyRequestKind, status: PrivacyRequestStatus, progress: number, profileId: string | null, requestedBy: string, requestedByMe: boolean, createdAt: string, finishedAt: string | null, error: string | null, erasedEvents: number, erasedIdentifiers: number, exportBytes: number | null, expiresAt: string | null, downloadUrl: string | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type ProfilesQueryVariables = Exact<{
  filter?: ProfileFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ProfilesQuery = { profiles: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, lifecycleStage: LifecycleStage, lastSeenAt: string, canonicalIdentity: { type: IdentifierType, value: string } | null, counters: { eventCount: number, purchaseCount: number } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ProfileEventFieldsFragment = { messageId: string, type: EventType, name: string | null, timestamp: string, receivedAt: string, properties: Array<{ key: string, value: string }>, source: { id: string, name: string } };

export type ProfileQueryVariables = Exact<{
  id: string;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ProfileQuery = { profile: { id: string, lifecycleStage: LifecycleStage, firstSeenAt: string, lastSeenAt: string, canonicalIdentity: { type: IdentifierType, value: string } | null, identities: Array<{ type: IdentifierType, value: string }>, traits: Array<{ key: string, value: string }>, counters: { eventCount: number, sessionCount: number, purchaseCount: number, revenue: number }, mergeHistory: Array<{ survivorId: string, absorbedId: string, at: string, undoneAt: string | null, undone: boolean }>, refusedLinks: Array<{ reason: RefusalReason, detail: string, at: string, identity: { type: IdentifierType, value: string }, linkedTo: { type: IdentifierType, value: string } }>, events: { edges: Array<{ cursor: string, node: { messageId: string, type: EventType, name: string | null, timestamp: string, receivedAt: string, properties: Array<{ key: string, value: string }>, source: { id: string, name: string } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } }, computedTraits: Array<{ name: string, value: string, computedAt: string, definition: { id: string } }> } | null };

export type UnmergeProfileMutationVariables = Exact<{
  input: UnmergeProfileInput;
}>;


export type UnmergeProfileMutation = { unmergeProfile: { profile: { id: string } | null, survivor: { id: string } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type SplitProfileMutationVariables = Exact<{
  input: SplitProfileInput;
}>;


export type SplitProfileMutation = { splitProfile: { profile: { id: string } | null, newProfile: { id: string } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type ProfileUpdatedSubscriptionVariables = Exact<{
  profileId: string;
}>;


export type ProfileUpdatedSubscription = { profileUpdated: { id: string } };

export type RfmReportQueryVariables = Exact<{ [key: string]: never; }>;


export type RfmReportQuery = { rfmReport: { computedAt: string | null, lookbackDays: number, profiles: number, cells: Array<{ segment: RfmSegment, name: string, count: number, revenue: number }> }, rfmSettings: { lookbackDays: number, eventNames: Array<string>, valueProperty: string | null } };

export type RfmCellMembersQueryVariables = Exact<{
  segment: RfmSegment;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type RfmCellMembersQuery = { rfmReport: { cells: Array<{ segment: RfmSegment, count: number, members: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, lastSeenAt: string, canonicalIdentity: { type: IdentifierType, value: string } | null, rfm: { r: number, f: number, m: number } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } }> } };

export type RefreshRfmMutationVariables = Exact<{ [key: string]: never; }>;


export type RefreshRfmMutation = { refreshRfm: { queued: boolean, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type UpdateRfmSettingsMutationVariables = Exact<{
  input: UpdateRfmSettingsInput;
}>;


export type UpdateRfmSettingsMutation = { updateRfmSettings: { settings: { lookbackDays: number, eventNames: Array<string>, valueProperty: string | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type ProfileRfmQueryVariables = Exact<{
  id: string;
}>;


export type ProfileRfmQuery = { profile: { id: string, rfm: { r: number, f: number, m: number, segment: RfmSegment, computedAt: string } | null } | null };

export type SegmentFieldsFragment = { id: string, name: string, kind: SegmentKind, size: number, rules: string, createdAt: string, updatedAt: string, refreshedAt: string | null };

export type SegmentsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type SegmentsQuery = { segments: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, name: string, kind: SegmentKind, size: number, rules: string, createdAt: string, updatedAt: string, refreshedAt: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type SegmentQueryVariables = Exact<{
  id: string;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type SegmentQuery = { segment: { id: string, name: string, kind: SegmentKind, size: number, rules: string, createdAt: string, updatedAt: string, refreshedAt: string | null, members: { totalCount: number, edges: Array<{ cursor: string, node: { enteredAt: string, profile: { id: string, lifecycleStage: LifecycleStage, canonicalIdentity: { type: IdentifierType, value: string } | null } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type SegmentMembershipHistoryQueryVariables = Exact<{
  id: string;
  days: number;
}>;


export type SegmentMembershipHistoryQuery = { segment: { id: string, membershipHistory: Array<{ date: string, entered: number, exited: number }> } | null };

export type PreviewSegmentQueryVariables = Exact<{
  rules: SegmentRuleInput;
}>;


export type PreviewSegmentQuery = { previewSegment: { size: number, sample: Array<{ id: string, canonicalIdentity: { type: IdentifierType, value: string } | null }> } };

export type CreateSegmentMutationVariables = Exact<{
  input: CreateSegmentInput;
}>;


export type CreateSegmentMutation = { createSegment: { segment: { id: string, name: string, kind: SegmentKind, size: number, rules: string, createdAt: string, updatedAt: string, refreshedAt: string | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type UpdateSegmentMutationVariables = Exact<{
  input: UpdateSegmentInput;
}>;


export type UpdateSegmentMutation = { updateSegment: { segment: { id: string, name: string, kind: SegmentKind, size: number, rules: string, createdAt: string, updatedAt: string, refreshedAt: string | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type DeleteSegmentMutationVariables = Exact<{
  input: SegmentIdInput;
}>;


export type DeleteSegmentMutation = { deleteSegment: { deletedSegmentId: string | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type RefreshSegmentMutationVariables = Exact<{
  input: SegmentIdInput;
}>;


export type RefreshSegmentMutation = { refreshSegment: { segment: { id: string, name: string, kind: SegmentKind, size: number, rules: string, createdAt: string, updatedAt: string, refreshedAt: string | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type SegmentMembershipChangedSubscriptionVariables = Exact<{
  segmentId: string;
}>;


export type SegmentMembershipChangedSubscription = { segmentMembershipChanged: { entered: number, exited: number, segment: { id: string, name: string, kind: SegmentKind, size: number, rules: string, createdAt: string, updatedAt: string, refreshedAt: string | null } } };

export type SegmentTraitDefinitionsQueryVariables = Exact<{ [key: string]: never; }>;


export type SegmentTraitDefinitionsQuery = { traitDefinitions: { edges: Array<{ node: { id: string, name: string } }> } };

export type BillingStateFieldsFragment = { plan: Plan, effectivePlan: Plan, status: BillingStatus, trialEndsAt: string | null, currentPeriodEnd: string | null, cancelAtPeriodEnd: boolean, graceEndsAt: string | null };

export type BillingQueryVariables = Exact<{ [key: string]: never; }>;


export type BillingQuery = { viewer: { tenant: { id: string, billing: { plan: Plan, effectivePlan: Plan, status: BillingStatus, trialEndsAt: string | null, currentPeriodEnd: string | null, cancelAtPeriodEnd: boolean, graceEndsAt: string | null } | null, usage: Array<{ limit: string, description: string, unit: string, used: number, max: number, warning: boolean, plan: string, raisedBy: string | null, periodStart: string | null }> }, features: Array<{ key: string, enabled: boolean, source: FeatureSource, description: string, unlockedBy: Plan }> } | null, billingCatalogue: { stripeEnabled: boolean, plans: Array<{ plan: Plan, checkoutAvailable: boolean }>, features: Array<{ key: string, description: string, unlockedBy: Plan }>, limits: Array<{ limit: string, description: string, unit: string, values: Array<{ plan: Plan, max: number }> }> } };

export type BillingBannerQueryVariables = Exact<{ [key: string]: never; }>;


export type BillingBannerQuery = { viewer: { tenant: { id: string, billing: { stripeEnabled: boolean, plan: Plan, effectivePlan: Plan, status: BillingStatus, trialEndsAt: string | null, currentPeriodEnd: string | null, cancelAtPeriodEnd: boolean, graceEndsAt: string | null } | null } } | null };

export type BillingChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type BillingChangedSubscription = { billingChanged: { plan: Plan, effectivePlan: Plan, status: BillingStatus, trialEndsAt: string | null, currentPeriodEnd: string | null, cancelAtPeriodEnd: boolean, graceEndsAt: string | null } };

export type CreateCheckoutSessionMutationVariables = Exact<{
  input: CreateCheckoutSessionInput;
}>;


export type CreateCheckoutSessionMutation = { createCheckoutSession: { url: string | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type CreateBillingPortalSessionMutationVariables = Exact<{
  input: CreateBillingPortalSessionInput;
}>;


export type CreateBillingPortalSessionMutation = { createBillingPortalSession: { url: string | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type NotificationChannelFieldsFragment = { id: string, kind: NotificationChannelKind, name: string, target: string, enabled: boolean, createdAt: string, subscriptions: { incidentsOpened: boolean, incidentsClosed: boolean, minIncidentSeverity: IncidentSeverity, actionsAwaitingApproval: boolean, autopilotModeChanges: boolean, dailyDigest: boolean } };

export type NotificationChannelsQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type NotificationChannelsQuery = { notificationChannels: { totalCount: number, edges: Array<{ node: { id: string, kind: NotificationChannelKind, name: string, target: string, enabled: boolean, createdAt: string, subscriptions: { incidentsOpened: boolean, incidentsClosed: boolean, minIncidentSeverity: IncidentSeverity, actionsAwaitingApproval: boolean, autopilotModeChanges: boolean, dailyDigest: boolean } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type NotificationDeliveriesQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type NotificationDeliveriesQuery = { notificationDeliveries: { totalCount: number, edges: Array<{ node: { id: string, event: NotificationEvent, status: NotificationDeliveryStatus, title: string, attempts: number, responseCode: number | null, lastError: string | null, createdAt: string, sentAt: string | null, channel: { id: string, name: string } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CreateNotificationChannelMutationVariables = Exact<{
  input: CreateNotificationChannelInput;
}>;


export type CreateNotificationChannelMutation = { createNotificationChannel: { signingSecret: string | null, channel: { id: string, kind: NotificationChannelKind, name: string, target: string, enabled: boolean, createdAt: string, subscriptions: { incidentsOpened: boolean, incidentsClosed: boolean, minIncidentSeverity: IncidentSeverity, actionsAwaitingApproval: boolean, autopilotModeChanges: boolean, dailyDigest: boolean } } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type UpdateNotificationChannelMutationVariables = Exact<{
  input: UpdateNotificationChannelInput;
}>;


export type UpdateNotificationChannelMutation = { updateNotificationChannel: { channel: { id: string, kind: NotificationChannelKind, name: string, target: string, enabled: boolean, createdAt: string, subscriptions: { incidentsOpened: boolean, incidentsClosed: boolean, minIncidentSeverity: IncidentSeverity, actionsAwaitingApproval: boolean, autopilotModeChanges: boolean, dailyDigest: boolean } } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type DeleteNotificationChannelMutationVariables = Exact<{
  input: IdInput;
}>;


export type DeleteNotificationChannelMutation = { deleteNotificationChannel: { deletedChannelId: string | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type TestNotificationChannelMutationVariables = Exact<{
  input: IdInput;
}>;


export type TestNotificationChannelMutation = { testNotificationChannel: { delivery: { id: string, status: NotificationDeliveryStatus } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type UserErrorFieldsFragment = { field: Array<string> | null, message: string, code: ErrorCode };

export type MembersQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type MembersQuery = { members: { totalCount: number, edges: Array<{ node: { id: string, role: Role, joinedAt: string, user: { id: string, email: string, mfaEnabled: boolean } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ChangeMemberRoleMutationVariables = Exact<{
  input: ChangeMemberRoleInput;
}>;


export type ChangeMemberRoleMutation = { changeMemberRole: { member: { id: string, role: Role } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type RemoveMemberMutationVariables = Exact<{
  input: RemoveMemberInput;
}>;


export type RemoveMemberMutation = { removeMember: { member: { id: string } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type InviteFieldsFragment = { id: string, email: string, role: Role, createdAt: string, expiresAt: string, acceptedAt: string | null, revokedAt: string | null };

export type InvitesQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type InvitesQuery = { invites: { totalCount: number, edges: Array<{ node: { id: string, email: string, role: Role, createdAt: string, expiresAt: string, acceptedAt: string | null, revokedAt: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type UsageQueryVariables = Exact<{ [key: string]: never; }>;


export type UsageQuery = { viewer: { tenant: { id: string, usage: Array<{ limit: string, unit: string, used: number, max: number, warning: boolean, plan: string, raisedBy: string | null }> } } | null };

export type InviteMemberMutationVariables = Exact<{
  input: InviteMemberInput;
}>;


export type InviteMemberMutation = { inviteMember: { inviteToken: string | null, emailQueued: boolean, invite: { id: string, email: string, role: Role, createdAt: string, expiresAt: string, acceptedAt: string | null, revokedAt: string | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type RevokeInviteMutationVariables = Exact<{
  input: IdInput;
}>;


export type RevokeInviteMutation = { revokeInvite: { invite: { id: string, email: string, role: Role, createdAt: string, expiresAt: string, acceptedAt: string | null, revokedAt: string | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type ApiKeyFieldsFragment = { id: string, name: string, prefix: string, scopes: Array<ApiKeyScope>, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null, createdAt: string };

export type ApiKeysQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type ApiKeysQuery = { apiKeys: { totalCount: number, edges: Array<{ node: { id: string, name: string, prefix: string, scopes: Array<ApiKeyScope>, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null, createdAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type CreateApiKeyMutation = { createApiKey: { secret: string | null, apiKey: { id: string, name: string, prefix: string, scopes: Array<ApiKeyScope>, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null, createdAt: string } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type RevokeApiKeyMutationVariables = Exact<{
  input: IdInput;
}>;


export type RevokeApiKeyMutation = { revokeApiKey: { apiKey: { id: string, name: string, prefix: string, scopes: Array<ApiKeyScope>, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null, createdAt: string } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type EnrollMfaMutationVariables = Exact<{ [key: string]: never; }>;


export type EnrollMfaMutation = { enrollMfa: { secret: string | null, otpauthUri: string | null, qrCodePng: string | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type ConfirmMfaMutationVariables = Exact<{
  input: MfaCodeInput;
}>;


export type ConfirmMfaMutation = { confirmMfa: { backupCodes: Array<string> | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type DisableMfaMutationVariables = Exact<{
  input: MfaCodeInput;
}>;


export type DisableMfaMutation = { disableMfa: { user: { id: string, mfaEnabled: boolean } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type RegenerateBackupCodesMutationVariables = Exact<{
  input: MfaCodeInput;
}>;


export type RegenerateBackupCodesMutation = { regenerateBackupCodes: { backupCodes: Array<string> | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type AuditLogQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  filter?: AuditLogFilter | null | undefined;
}>;


export type AuditLogQuery = { auditLog: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, actorType: string, actorEmail: string | null, action: string, targetType: string | null, targetId: string | null, ip: string | null, outcome: AuditOutcome, details: string | null, createdAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type UpdateTenantSettingsMutationVariables = Exact<{
  input: UpdateTenantSettingsInput;
}>;


export type UpdateTenantSettingsMutation = { updateTenantSettings: { tenant: { id: string, name: string, requireMfa: boolean } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type SourceFieldsFragment = { id: string, name: string, enabled: boolean, writeKeyPrefix: string, rateLimitPerSecond: number, received: number, rejected: number, lastEventAt: string | null, createdAt: string, simulated: boolean };

export type SourcesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type SourcesQuery = { sources: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, name: string, enabled: boolean, writeKeyPrefix: string, rateLimitPerSecond: number, received: number, rejected: number, lastEventAt: string | null, createdAt: string, simulated: boolean } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CreateSourceMutationVariables = Exact<{
  input: CreateSourceInput;
}>;


export type CreateSourceMutation = { createSource: { writeKey: string | null, source: { id: string, name: string, enabled: boolean, writeKeyPrefix: string, rateLimitPerSecond: number, received: number, rejected: number, lastEventAt: string | null, createdAt: string, simulated: boolean } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type SetSourceEnabledMutationVariables = Exact<{
  input: SetSourceEnabledInput;
}>;


export type SetSourceEnabledMutation = { setSourceEnabled: { source: { id: string, name: string, enabled: boolean, writeKeyPrefix: string, rateLimitPerSecond: number, received: number, rejected: number, lastEventAt: string | null, createdAt: string, simulated: boolean } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type SetSourceRateLimitMutationVariables = Exact<{
  input: SetSourceRateLimitInput;
}>;


export type SetSourceRateLimitMutation = { setSourceRateLimit: { source: { id: string, name: string, enabled: boolean, writeKeyPrefix: string, rateLimitPerSecond: number, received: number, rejected: number, lastEventAt: string | null, createdAt: string, simulated: boolean } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type RotateSourceWriteKeyMutationVariables = Exact<{
  input: RotateSourceWriteKeyInput;
}>;


export type RotateSourceWriteKeyMutation = { rotateSourceWriteKey: { writeKey: string | null, source: { id: string, name: string, enabled: boolean, writeKeyPrefix: string, rateLimitPerSecond: number, received: number, rejected: number, lastEventAt: string | null, createdAt: string, simulated: boolean } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type EventReceivedSubscriptionVariables = Exact<{
  sourceId: string;
}>;


export type EventReceivedSubscription = { eventReceived: { receivedAt: string, status: DebuggerEventStatus, messageId: string | null, type: string | null, name: string | null, payload: string, truncated: boolean, error: { field: string | null, message: string, limit: string | null } | null } };

export type TraitDefinitionFieldsFragment = { id: string, name: string, aggregation: TraitAggregation, event: string, valueProperty: string | null, windowDays: number | null, createdAt: string, updatedAt: string, filter: { property: string, operator: TraitFilterOperator, value: string } | null, backfill: { status: TraitBackfillStatus, progress: { done: number, total: number } } };

export type ProfileComputedTraitsFragment = { computedTraits: Array<{ name: string, value: string, computedAt: string, definition: { id: string } }> };

export type TraitDefinitionsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type TraitDefinitionsQuery = { traitDefinitions: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, name: string, aggregation: TraitAggregation, event: string, valueProperty: string | null, windowDays: number | null, createdAt: string, updatedAt: string, filter: { property: string, operator: TraitFilterOperator, value: string } | null, backfill: { status: TraitBackfillStatus, progress: { done: number, total: number } } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CreateTraitDefinitionMutationVariables = Exact<{
  input: CreateTraitDefinitionInput;
}>;


export type CreateTraitDefinitionMutation = { createTraitDefinition: { definition: { id: string, name: string, aggregation: TraitAggregation, event: string, valueProperty: string | null, windowDays: number | null, createdAt: string, updatedAt: string, filter: { property: string, operator: TraitFilterOperator, value: string } | null, backfill: { status: TraitBackfillStatus, progress: { done: number, total: number } } } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type UpdateTraitDefinitionMutationVariables = Exact<{
  input: UpdateTraitDefinitionInput;
}>;


export type UpdateTraitDefinitionMutation = { updateTraitDefinition: { definition: { id: string, name: string, aggregation: TraitAggregation, event: string, valueProperty: string | null, windowDays: number | null, createdAt: string, updatedAt: string, filter: { property: string, operator: TraitFilterOperator, value: string } | null, backfill: { status: TraitBackfillStatus, progress: { done: number, total: number } } } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type DeleteTraitDefinitionMutationVariables = Exact<{
  input: DeleteTraitDefinitionInput;
}>;


export type DeleteTraitDefinitionMutation = { deleteTraitDefinition: { deletedDefinitionId: string | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type ViewerFieldsFragment = { role: Role | null, mfaVerified: boolean, mfaEnrollmentRequired: boolean, user: { id: string, email: string, mfaEnabled: boolean, emailVerified: boolean } | null, tenant: { id: string, name: string, requireMfa: boolean, simulated: boolean }, memberships: Array<{ role: Role, tenant: { id: string, name: string } }> };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { role: Role | null, mfaVerified: boolean, mfaEnrollmentRequired: boolean, user: { id: string, email: string, mfaEnabled: boolean, emailVerified: boolean } | null, tenant: { id: string, name: string, requireMfa: boolean, simulated: boolean }, memberships: Array<{ role: Role, tenant: { id: string, name: string } }> } | null };

export type AuthResultFragment = { mfaRequired: boolean, challengeToken: string | null, viewer: { role: Role | null, mfaVerified: boolean, mfaEnrollmentRequired: boolean, user: { id: string, email: string, mfaEnabled: boolean, emailVerified: boolean } | null, tenant: { id: string, name: string, requireMfa: boolean, simulated: boolean }, memberships: Array<{ role: Role, tenant: { id: string, name: string } }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> };

export type LogInMutationVariables = Exact<{
  input: LogInInput;
}>;


export type LogInMutation = { logIn: { mfaRequired: boolean, challengeToken: string | null, viewer: { role: Role | null, mfaVerified: boolean, mfaEnrollmentRequired: boolean, user: { id: string, email: string, mfaEnabled: boolean, emailVerified: boolean } | null, tenant: { id: string, name: string, requireMfa: boolean, simulated: boolean }, memberships: Array<{ role: Role, tenant: { id: string, name: string } }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type SignUpMutationVariables = Exact<{
  input: SignUpInput;
}>;


export type SignUpMutation = { signUp: { mfaRequired: boolean, challengeToken: string | null, viewer: { role: Role | null, mfaVerified: boolean, mfaEnrollmentRequired: boolean, user: { id: string, email: string, mfaEnabled: boolean, emailVerified: boolean } | null, tenant: { id: string, name: string, requireMfa: boolean, simulated: boolean }, memberships: Array<{ role: Role, tenant: { id: string, name: string } }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type VerifyMfaMutationVariables = Exact<{
  input: VerifyMfaInput;
}>;


export type VerifyMfaMutation = { verifyMfa: { mfaRequired: boolean, challengeToken: string | null, viewer: { role: Role | null, mfaVerified: boolean, mfaEnrollmentRequired: boolean, user: { id: string, email: string, mfaEnabled: boolean, emailVerified: boolean } | null, tenant: { id: string, name: string, requireMfa: boolean, simulated: boolean }, memberships: Array<{ role: Role, tenant: { id: string, name: string } }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type SwitchTenantMutationVariables = Exact<{
  input: SwitchTenantInput;
}>;


export type SwitchTenantMutation = { switchTenant: { mfaRequired: boolean, challengeToken: string | null, viewer: { role: Role | null, mfaVerified: boolean, mfaEnrollmentRequired: boolean, user: { id: string, email: string, mfaEnabled: boolean, emailVerified: boolean } | null, tenant: { id: string, name: string, requireMfa: boolean, simulated: boolean }, memberships: Array<{ role: Role, tenant: { id: string, name: string } }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type LogOutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogOutMutation = { logOut: { success: boolean } };

export type RefreshSessionMutationVariables = Exact<{ [key: string]: never; }>;


export type RefreshSessionMutation = { refreshSession: { accessToken: string | null, userErrors: Array<{ code: ErrorCode, message: string }> } };

export type AcceptInviteMutationVariables = Exact<{
  input: AcceptInviteInput;
}>;


export type AcceptInviteMutation = { acceptInvite: { mfaRequired: boolean, challengeToken: string | null, viewer: { role: Role | null, mfaVerified: boolean, mfaEnrollmentRequired: boolean, user: { id: string, email: string, mfaEnabled: boolean, emailVerified: boolean } | null, tenant: { id: string, name: string, requireMfa: boolean, simulated: boolean }, memberships: Array<{ role: Role, tenant: { id: string, name: string } }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type RequestPasswordResetMutationVariables = Exact<{
  input: RequestPasswordResetInput;
}>;


export type RequestPasswordResetMutation = { requestPasswordReset: { success: boolean, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type ResetPasswordMutationVariables = Exact<{
  input: ResetPasswordInput;
}>;


export type ResetPasswordMutation = { resetPassword: { success: boolean, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type VerifyEmailMutationVariables = Exact<{
  input: VerifyEmailInput;
}>;


export type VerifyEmailMutation = { verifyEmail: { success: boolean, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type ResendVerificationEmailMutationVariables = Exact<{ [key: string]: never; }>;


export type ResendVerificationEmailMutation = { resendVerificationEmail: { success: boolean, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type ActorNamesQueryVariables = Exact<{
  actors: Array<string> | string;
}>;


export type ActorNamesQuery = { actorNames: Array<{ actor: string, name: string, member: boolean }> };

export type SignalHealthFieldsFragment = { platform: Platform | null, score: number, status: SignalHealthStatus, emq: number | null, outage: boolean, updatedAt: string, statusChangedAt: string, issues: Array<string>, components: Array<{ name: SignalComponent, score: number, weight: number, baseWeight: number, known: boolean }>, issueDetails: Array<{ component: SignalComponent, platform: Platform | null, message: string, impact: number }> };

export type TrustGateFieldsFragment = { autopilotMode: AutopilotMode, autopilotLevel: AutopilotLevel, enforcementMode: EnforcementMode, killSwitch: boolean, score: number | null, status: SignalHealthStatus | null, verdict: string, decisionCounts: { pass: number, hold: number, block: number } };

export type PlatformStatusFieldsFragment = { platform: Platform, status: PlatformOperationalStatus, message: string, changedAt: string, checkedAt: string };

export type GateDecisionFieldsFragment = { id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null };

export type ActionFieldsFragment = { id: string, type: ActionType, riskClass: RiskClass, status: ActionStatus, phase: ActionPhase, decision: GateDecision, reasons: Array<string>, warnings: Array<string>, score: number | null, platform: Platform, ruleName: string | null, resolution: string | null, createdBy: string, approvedBy: string | null, approvedAt: string | null, appliedBy: string | null, appliedAt: string | null, overrideReason: string | null, dismissedBy: string | null, error: string | null, createdAt: string, updatedAt: string, campaign: { id: string, name: string, currency: string } | null, sources: Array<{ ruleName: string | null, proposedBy: string, reason: string | null, at: string }>, params: { percent: number | null, amount: number | null, status: string | null }, before: { status: string | null, dailyBudget: number | null, bid: number | null } | null, after: { status: string | null, dailyBudget: number | null, bid: number | null } | null, gateDecisions: Array<{ id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null }>, decidingGate: { id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null } | null };

export type IncidentSummaryFieldsFragment = { id: string, platform: Platform | null, title: string, severity: IncidentSeverity, state: IncidentState, openedAt: string };

export type IncidentFieldsFragment = { id: string, cause: IncidentCause, platform: Platform | null, title: string, severity: IncidentSeverity, state: IncidentState, score: number | null, openedAt: string, acknowledgedAt: string | null, acknowledgedBy: string | null, resolvedAt: string | null, resolvedBy: string | null, resolution: string | null, timeline: Array<{ at: string, kind: string, message: string, actor: string }> };

export type OverviewQueryVariables = Exact<{ [key: string]: never; }>;


export type OverviewQuery = { signalHealth: { platform: Platform | null, score: number, status: SignalHealthStatus, emq: number | null, outage: boolean, updatedAt: string, statusChangedAt: string, issues: Array<string>, components: Array<{ name: SignalComponent, score: number, weight: number, baseWeight: number, known: boolean }>, issueDetails: Array<{ component: SignalComponent, platform: Platform | null, message: string, impact: number }> } | null, platformHealth: Array<{ platform: Platform | null, score: number, status: SignalHealthStatus, emq: number | null, outage: boolean, updatedAt: string, statusChangedAt: string, issues: Array<string>, components: Array<{ name: SignalComponent, score: number, weight: number, baseWeight: number, known: boolean }>, issueDetails: Array<{ component: SignalComponent, platform: Platform | null, message: string, impact: number }> }>, platformStatuses: Array<{ platform: Platform, status: PlatformOperationalStatus, message: string, changedAt: string, checkedAt: string }> };

export type TrustGateQueryVariables = Exact<{ [key: string]: never; }>;


export type TrustGateQuery = { trustGate: { autopilotMode: AutopilotMode, autopilotLevel: AutopilotLevel, enforcementMode: EnforcementMode, killSwitch: boolean, score: number | null, status: SignalHealthStatus | null, verdict: string, decisionCounts: { pass: number, hold: number, block: number } } };

export type SignalHealthHistoryQueryVariables = Exact<{
  range: HistoryRange;
}>;


export type SignalHealthHistoryQuery = { signalHealthTrend: { range: HistoryRange, from: string, to: string, bucketMinutes: number, simulated: boolean, points: Array<{ bucket: string, average: number, min: number, max: number, last: number, status: SignalHealthStatus, simulated: boolean }> } };

export type IncidentsQueryVariables = Exact<{
  state?: Array<IncidentState> | IncidentState | null | undefined;
  severity?: Array<IncidentSeverity> | IncidentSeverity | null | undefined;
  first: number;
  after?: string | null | undefined;
}>;


export type IncidentsQuery = { incidents: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, platform: Platform | null, title: string, severity: IncidentSeverity, state: IncidentState, openedAt: string } }> } };

export type IncidentQueryVariables = Exact<{
  id: string;
}>;


export type IncidentQuery = { node:
    | { __typename: 'Action' }
    | { __typename: 'ApiKey' }
    | { __typename: 'AuditEntry' }
    | { __typename: 'AutomationRule' }
    | { __typename: 'Campaign' }
    | { __typename: 'Incident', id: string, cause: IncidentCause, platform: Platform | null, title: string, severity: IncidentSeverity, state: IncidentState, score: number | null, openedAt: string, acknowledgedAt: string | null, acknowledgedBy: string | null, resolvedAt: string | null, resolvedBy: string | null, resolution: string | null, timeline: Array<{ at: string, kind: string, message: string, actor: string }> }
    | { __typename: 'Invite' }
    | { __typename: 'Member' }
    | { __typename: 'NotificationChannel' }
    | { __typename: 'NotificationDelivery' }
    | { __typename: 'Profile' }
    | { __typename: 'Tenant' }
    | { __typename: 'TrustAuditEntry' }
    | { __typename: 'User' }
   | null };

export type PendingActionsQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type PendingActionsQuery = { actions: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, type: ActionType, riskClass: RiskClass, status: ActionStatus, phase: ActionPhase, decision: GateDecision, reasons: Array<string>, warnings: Array<string>, score: number | null, platform: Platform, ruleName: string | null, resolution: string | null, createdBy: string, approvedBy: string | null, approvedAt: string | null, appliedBy: string | null, appliedAt: string | null, overrideReason: string | null, dismissedBy: string | null, error: string | null, createdAt: string, updatedAt: string, campaign: { id: string, name: string, currency: string } | null, sources: Array<{ ruleName: string | null, proposedBy: string, reason: string | null, at: string }>, params: { percent: number | null, amount: number | null, status: string | null }, before: { status: string | null, dailyBudget: number | null, bid: number | null } | null, after: { status: string | null, dailyBudget: number | null, bid: number | null } | null, gateDecisions: Array<{ id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null }>, decidingGate: { id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null } | null } }> } };

export type ActionHistoryQueryVariables = Exact<{
  status?: Array<ActionStatus> | ActionStatus | null | undefined;
  first: number;
  after?: string | null | undefined;
}>;


export type ActionHistoryQuery = { actions: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, type: ActionType, riskClass: RiskClass, status: ActionStatus, phase: ActionPhase, decision: GateDecision, reasons: Array<string>, warnings: Array<string>, score: number | null, platform: Platform, ruleName: string | null, resolution: string | null, createdBy: string, approvedBy: string | null, approvedAt: string | null, appliedBy: string | null, appliedAt: string | null, overrideReason: string | null, dismissedBy: string | null, error: string | null, createdAt: string, updatedAt: string, campaign: { id: string, name: string, currency: string } | null, sources: Array<{ ruleName: string | null, proposedBy: string, reason: string | null, at: string }>, params: { percent: number | null, amount: number | null, status: string | null }, before: { status: string | null, dailyBudget: number | null, bid: number | null } | null, after: { status: string | null, dailyBudget: number | null, bid: number | null } | null, gateDecisions: Array<{ id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null }>, decidingGate: { id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null } | null } }> } };

export type RecentActionsQueryVariables = Exact<{
  first: number;
}>;


export type RecentActionsQuery = { actions: { edges: Array<{ node: { id: string, type: ActionType, status: ActionStatus, phase: ActionPhase, decision: GateDecision, createdBy: string, updatedAt: string, decidingGate: { id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null } | null, params: { percent: number | null, amount: number | null, status: string | null }, campaign: { id: string, name: string, currency: string } | null } }> } };

export type SimulatedDegradationsQueryVariables = Exact<{ [key: string]: never; }>;


export type SimulatedDegradationsQuery = { simulatedDegradations: Array<{ component: SignalComponent, severity: DegradationSeverity }> };

export type ApproveActionMutationVariables = Exact<{
  input: ActionIdInput;
}>;


export type ApproveActionMutation = { approveAction: { action: { id: string, type: ActionType, riskClass: RiskClass, status: ActionStatus, phase: ActionPhase, decision: GateDecision, reasons: Array<string>, warnings: Array<string>, score: number | null, platform: Platform, ruleName: string | null, resolution: string | null, createdBy: string, approvedBy: string | null, approvedAt: string | null, appliedBy: string | null, appliedAt: string | null, overrideReason: string | null, dismissedBy: string | null, error: string | null, createdAt: string, updatedAt: string, campaign: { id: string, name: string, currency: string } | null, sources: Array<{ ruleName: string | null, proposedBy: string, reason: string | null, at: string }>, params: { percent: number | null, amount: number | null, status: string | null }, before: { status: string | null, dailyBudget: number | null, bid: number | null } | null, after: { status: string | null, dailyBudget: number | null, bid: number | null } | null, gateDecisions: Array<{ id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null }>, decidingGate: { id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null } | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type DismissActionMutationVariables = Exact<{
  input: ActionIdInput;
}>;


export type DismissActionMutation = { dismissAction: { action: { id: string, type: ActionType, riskClass: RiskClass, status: ActionStatus, phase: ActionPhase, decision: GateDecision, reasons: Array<string>, warnings: Array<string>, score: number | null, platform: Platform, ruleName: string | null, resolution: string | null, createdBy: string, approvedBy: string | null, approvedAt: string | null, appliedBy: string | null, appliedAt: string | null, overrideReason: string | null, dismissedBy: string | null, error: string | null, createdAt: string, updatedAt: string, campaign: { id: string, name: string, currency: string } | null, sources: Array<{ ruleName: string | null, proposedBy: string, reason: string | null, at: string }>, params: { percent: number | null, amount: number | null, status: string | null }, before: { status: string | null, dailyBudget: number | null, bid: number | null } | null, after: { status: string | null, dailyBudget: number | null, bid: number | null } | null, gateDecisions: Array<{ id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null }>, decidingGate: { id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null } | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type ApplyActionMutationVariables = Exact<{
  input: ApplyActionInput;
}>;


export type ApplyActionMutation = { applyAction: { action: { id: string, type: ActionType, riskClass: RiskClass, status: ActionStatus, phase: ActionPhase, decision: GateDecision, reasons: Array<string>, warnings: Array<string>, score: number | null, platform: Platform, ruleName: string | null, resolution: string | null, createdBy: string, approvedBy: string | null, approvedAt: string | null, appliedBy: string | null, appliedAt: string | null, overrideReason: string | null, dismissedBy: string | null, error: string | null, createdAt: string, updatedAt: string, campaign: { id: string, name: string, currency: string } | null, sources: Array<{ ruleName: string | null, proposedBy: string, reason: string | null, at: string }>, params: { percent: number | null, amount: number | null, status: string | null }, before: { status: string | null, dailyBudget: number | null, bid: number | null } | null, after: { status: string | null, dailyBudget: number | null, bid: number | null } | null, gateDecisions: Array<{ id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null }>, decidingGate: { id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null } | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type AcknowledgeIncidentMutationVariables = Exact<{
  input: AcknowledgeIncidentInput;
}>;


export type AcknowledgeIncidentMutation = { acknowledgeIncident: { incident: { id: string, cause: IncidentCause, platform: Platform | null, title: string, severity: IncidentSeverity, state: IncidentState, score: number | null, openedAt: string, acknowledgedAt: string | null, acknowledgedBy: string | null, resolvedAt: string | null, resolvedBy: string | null, resolution: string | null, timeline: Array<{ at: string, kind: string, message: string, actor: string }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type ResolveIncidentMutationVariables = Exact<{
  input: ResolveIncidentInput;
}>;


export type ResolveIncidentMutation = { resolveIncident: { incident: { id: string, cause: IncidentCause, platform: Platform | null, title: string, severity: IncidentSeverity, state: IncidentState, score: number | null, openedAt: string, acknowledgedAt: string | null, acknowledgedBy: string | null, resolvedAt: string | null, resolvedBy: string | null, resolution: string | null, timeline: Array<{ at: string, kind: string, message: string, actor: string }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type SimulateDegradationMutationVariables = Exact<{
  input: SimulateSignalDegradationInput;
}>;


export type SimulateDegradationMutation = { simulateSignalDegradation: { degradations: Array<{ component: SignalComponent, severity: DegradationSeverity }>, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type SimulateRecoveryMutationVariables = Exact<{
  input: SimulateSignalRecoveryInput;
}>;


export type SimulateRecoveryMutation = { simulateSignalRecovery: { degradations: Array<{ component: SignalComponent, severity: DegradationSeverity }>, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type SignalHealthChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type SignalHealthChangedSubscription = { signalHealthChanged: { platform: Platform | null, score: number, status: SignalHealthStatus, emq: number | null, outage: boolean, updatedAt: string, statusChangedAt: string } };

export type EmqUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type EmqUpdatedSubscription = { emqUpdated: { signalHealth: { platform: Platform | null, emq: number | null } } };

export type AutopilotModeChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type AutopilotModeChangedSubscription = { autopilotModeChanged: { autopilotMode: AutopilotMode, autopilotLevel: AutopilotLevel, enforcementMode: EnforcementMode, killSwitch: boolean, score: number | null, status: SignalHealthStatus | null, verdict: string, decisionCounts: { pass: number, hold: number, block: number } } };

export type PlatformStatusChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type PlatformStatusChangedSubscription = { platformStatusChanged: { platform: Platform, status: PlatformOperationalStatus, message: string, changedAt: string, checkedAt: string } };

export type ActionStatusUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type ActionStatusUpdatedSubscription = { actionStatusUpdated: { id: string, status: ActionStatus, phase: ActionPhase, decision: GateDecision, reasons: Array<string>, warnings: Array<string>, score: number | null, approvedBy: string | null, approvedAt: string | null, appliedBy: string | null, appliedAt: string | null, dismissedBy: string | null, overrideReason: string | null, error: string | null, updatedAt: string, after: { status: string | null, dailyBudget: number | null, bid: number | null } | null, gateDecisions: Array<{ id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null }>, decidingGate: { id: string, at: string, decision: GateDecision, score: number | null, cause: GateDecisionCause | null, allowedRun: boolean, actor: string, actorEmail: string | null } | null } };

export type IncidentOpenedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type IncidentOpenedSubscription = { incidentOpened: { id: string, platform: Platform | null, title: string, severity: IncidentSeverity, state: IncidentState, openedAt: string } };

export type IncidentUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type IncidentUpdatedSubscription = { incidentUpdated: { id: string, platform: Platform | null, title: string, severity: IncidentSeverity, state: IncidentState, openedAt: string } };

export type IncidentClosedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type IncidentClosedSubscription = { incidentClosed: { id: string, platform: Platform | null, title: string, severity: IncidentSeverity, state: IncidentState, openedAt: string } };

export const AudienceFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AudienceFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Audience"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"segment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"account"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platformAudienceId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"lastSyncAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"progress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"total"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<AudienceFieldsFragment, unknown>;
export const ConditionFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConditionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RuleCondition"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"op"}},{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"windowDays"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"timeWindow"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromHour"}},{"kind":"Field","name":{"kind":"Name","value":"toHour"}},{"kind":"Field","name":{"kind":"Name","value":"weekdays"}}]}}]}}]} as unknown as DocumentNode<ConditionFieldsFragment, unknown>;
export const RuleFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RuleFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AutomationRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"logic"}},{"kind":"Field","name":{"kind":"Name","value":"builtin"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}}]}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"actions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"scheduleMinutes"}},{"kind":"Field","name":{"kind":"Name","value":"cooldownSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"scope"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platforms"}},{"kind":"Field","name":{"kind":"Name","value":"campaignIds"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lastEvaluatedAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConditionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RuleCondition"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"op"}},{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"windowDays"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"timeWindow"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromHour"}},{"kind":"Field","name":{"kind":"Name","value":"toHour"}},{"kind":"Field","name":{"kind":"Name","value":"weekdays"}}]}}]}}]} as unknown as DocumentNode<RuleFieldsFragment, unknown>;
export const ActionSimulationFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ActionSimulationFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ActionSimulation"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"campaign"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"wouldExecute"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"riskClass"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotMode"}},{"kind":"Field","name":{"kind":"Name","value":"before"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"after"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}}]}}]} as unknown as DocumentNode<ActionSimulationFieldsFragment, unknown>;
export const EnforcementSettingsFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"EnforcementSettingsFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustGate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"settings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"killSwitch"}},{"kind":"Field","name":{"kind":"Name","value":"enforcementMode"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotLevel"}},{"kind":"Field","name":{"kind":"Name","value":"maxDailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"maxCampaignBudget"}},{"kind":"Field","name":{"kind":"Name","value":"maxBudgetIncreasePct"}},{"kind":"Field","name":{"kind":"Name","value":"minRoas"}},{"kind":"Field","name":{"kind":"Name","value":"minRoasWindowDays"}},{"kind":"Field","name":{"kind":"Name","value":"maxBudgetChangesPerDay"}},{"kind":"Field","name":{"kind":"Name","value":"minHoursBetweenChanges"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"enforcementRules"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"violationType"}},{"kind":"Field","name":{"kind":"Name","value":"mode"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]}}]} as unknown as DocumentNode<EnforcementSettingsFieldsFragment, unknown>;
export const RuleSummaryFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RuleSummaryFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AutomationRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"logic"}},{"kind":"Field","name":{"kind":"Name","value":"builtin"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"scheduleMinutes"}},{"kind":"Field","name":{"kind":"Name","value":"lastEvaluatedAt"}}]}}]} as unknown as DocumentNode<RuleSummaryFieldsFragment, unknown>;
export const RuleCheckFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RuleCheckFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RuleCheck"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"windowDays"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"passed"}},{"kind":"Field","name":{"kind":"Name","value":"note"}}]}}]} as unknown as DocumentNode<RuleCheckFieldsFragment, unknown>;
export const CampaignTotalsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"CampaignTotals"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CampaignMetricValues"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"spend"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"micros"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"conversionValue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"micros"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"conversions"}},{"kind":"Field","name":{"kind":"Name","value":"roas"}},{"kind":"Field","name":{"kind":"Name","value":"cpa"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"micros"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"ctr"}}]}}]} as unknown as DocumentNode<CampaignTotalsFragment, unknown>;
export const ConversionDestinationFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConversionDestinationFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConversionDestination"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"credentialKeys"}},{"kind":"Field","name":{"kind":"Name","value":"baseUrl"}},{"kind":"Field","name":{"kind":"Name","value":"testEventCode"}},{"kind":"Field","name":{"kind":"Name","value":"eventMappings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"target"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"contentIds"}},{"kind":"Field","name":{"kind":"Name","value":"orderId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"limitedDataUse"}},{"kind":"Field","name":{"kind":"Name","value":"legitimateInterest"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<ConversionDestinationFieldsFragment, unknown>;
export const ConversionDeliveryFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConversionDeliveryFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConversionDelivery"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"destinationId"}},{"kind":"Field","name":{"kind":"Name","value":"messageId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"eventName"}},{"kind":"Field","name":{"kind":"Name","value":"sourceEvent"}},{"kind":"Field","name":{"kind":"Name","value":"eventTime"}},{"kind":"Field","name":{"kind":"Name","value":"legalBasis"}},{"kind":"Field","name":{"kind":"Name","value":"requestSummary"}},{"kind":"Field","name":{"kind":"Name","value":"response"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"nextAttemptAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"sentAt"}}]}}]} as unknown as DocumentNode<ConversionDeliveryFieldsFragment, unknown>;
export const FunnelFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FunnelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Funnel"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"windowSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"filter"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}}]} as unknown as DocumentNode<FunnelFieldsFragment, unknown>;
export const FunnelStepResultFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FunnelStepResultFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"FunnelStepResult"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"index"}},{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"entered"}},{"kind":"Field","name":{"kind":"Name","value":"converted"}},{"kind":"Field","name":{"kind":"Name","value":"dropOff"}},{"kind":"Field","name":{"kind":"Name","value":"conversionFromPrevious"}},{"kind":"Field","name":{"kind":"Name","value":"conversionFromStart"}},{"kind":"Field","name":{"kind":"Name","value":"medianSecondsFromPrevious"}},{"kind":"Field","name":{"kind":"Name","value":"medianSecondsFromStart"}}]}}]} as unknown as DocumentNode<FunnelStepResultFieldsFragment, unknown>;
export const PlatformConnectionFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PlatformConnectionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PlatformConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"sandbox"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusMessage"}},{"kind":"Field","name":{"kind":"Name","value":"lastSyncAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"accounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"selected"}},{"kind":"Field","name":{"kind":"Name","value":"sandbox"}}]}}]}}]} as unknown as DocumentNode<PlatformConnectionFieldsFragment, unknown>;
export const SyncRunFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SyncRunFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SyncRun"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"connectionId"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"total"}}]}},{"kind":"Field","name":{"kind":"Name","value":"window"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rowsWritten"}},{"kind":"Field","name":{"kind":"Name","value":"apiCalls"}},{"kind":"Field","name":{"kind":"Name","value":"apiErrors"}},{"kind":"Field","name":{"kind":"Name","value":"queuedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"account"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<SyncRunFieldsFragment, unknown>;
export const PrivacyRequestFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PrivacyRequestFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PrivacyRequest"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"profileId"}},{"kind":"Field","name":{"kind":"Name","value":"requestedBy"}},{"kind":"Field","name":{"kind":"Name","value":"requestedByMe"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"erasedEvents"}},{"kind":"Field","name":{"kind":"Name","value":"erasedIdentifiers"}},{"kind":"Field","name":{"kind":"Name","value":"exportBytes"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}}]} as unknown as DocumentNode<PrivacyRequestFieldsFragment, unknown>;
export const ProfileEventFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ProfileEventFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ProfileEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messageId"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"receivedAt"}},{"kind":"Field","name":{"kind":"Name","value":"properties"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"source"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<ProfileEventFieldsFragment, unknown>;
export const SegmentFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SegmentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Segment"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"rules"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshedAt"}}]}}]} as unknown as DocumentNode<SegmentFieldsFragment, unknown>;
export const BillingStateFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BillingStateFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TenantBilling"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plan"}},{"kind":"Field","name":{"kind":"Name","value":"effectivePlan"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"trialEndsAt"}},{"kind":"Field","name":{"kind":"Name","value":"currentPeriodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"cancelAtPeriodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"graceEndsAt"}}]}}]} as unknown as DocumentNode<BillingStateFieldsFragment, unknown>;
export const NotificationChannelFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NotificationChannelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"NotificationChannel"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"target"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"subscriptions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"incidentsOpened"}},{"kind":"Field","name":{"kind":"Name","value":"incidentsClosed"}},{"kind":"Field","name":{"kind":"Name","value":"minIncidentSeverity"}},{"kind":"Field","name":{"kind":"Name","value":"actionsAwaitingApproval"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotModeChanges"}},{"kind":"Field","name":{"kind":"Name","value":"dailyDigest"}}]}}]}}]} as unknown as DocumentNode<NotificationChannelFieldsFragment, unknown>;
export const UserErrorFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<UserErrorFieldsFragment, unknown>;
export const InviteFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InviteFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Invite"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"acceptedAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]} as unknown as DocumentNode<InviteFieldsFragment, unknown>;
export const ApiKeyFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ApiKeyFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApiKey"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsedAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<ApiKeyFieldsFragment, unknown>;
export const SourceFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SourceFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Source"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"writeKeyPrefix"}},{"kind":"Field","name":{"kind":"Name","value":"rateLimitPerSecond"}},{"kind":"Field","name":{"kind":"Name","value":"received"}},{"kind":"Field","name":{"kind":"Name","value":"rejected"}},{"kind":"Field","name":{"kind":"Name","value":"lastEventAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}}]} as unknown as DocumentNode<SourceFieldsFragment, unknown>;
export const TraitDefinitionFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TraitDefinitionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TraitDefinition"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"aggregation"}},{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"filter"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"property"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"valueProperty"}},{"kind":"Field","name":{"kind":"Name","value":"windowDays"}},{"kind":"Field","name":{"kind":"Name","value":"backfill"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"total"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<TraitDefinitionFieldsFragment, unknown>;
export const ProfileComputedTraitsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ProfileComputedTraits"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Profile"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"computedTraits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"computedAt"}},{"kind":"Field","name":{"kind":"Name","value":"definition"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]} as unknown as DocumentNode<ProfileComputedTraitsFragment, unknown>;
export const ViewerFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ViewerFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Viewer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"emailVerified"}}]}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"requireMfa"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"memberships"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"mfaVerified"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnrollmentRequired"}}]}}]} as unknown as DocumentNode<ViewerFieldsFragment, unknown>;
export const AuthResultFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AuthResult"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"mfaRequired"}},{"kind":"Field","name":{"kind":"Name","value":"challengeToken"}},{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ViewerFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ViewerFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Viewer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"emailVerified"}}]}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"requireMfa"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"memberships"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"mfaVerified"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnrollmentRequired"}}]}}]} as unknown as DocumentNode<AuthResultFragment, unknown>;
export const SignalHealthFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SignalHealthFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SignalHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"emq"}},{"kind":"Field","name":{"kind":"Name","value":"outage"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"statusChangedAt"}},{"kind":"Field","name":{"kind":"Name","value":"issues"}},{"kind":"Field","name":{"kind":"Name","value":"components"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"weight"}},{"kind":"Field","name":{"kind":"Name","value":"baseWeight"}},{"kind":"Field","name":{"kind":"Name","value":"known"}}]}},{"kind":"Field","name":{"kind":"Name","value":"issueDetails"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"component"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"impact"}}]}}]}}]} as unknown as DocumentNode<SignalHealthFieldsFragment, unknown>;
export const TrustGateFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TrustGateFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustGate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"autopilotMode"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotLevel"}},{"kind":"Field","name":{"kind":"Name","value":"enforcementMode"}},{"kind":"Field","name":{"kind":"Name","value":"killSwitch"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"verdict"}},{"kind":"Field","name":{"kind":"Name","value":"decisionCounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pass"}},{"kind":"Field","name":{"kind":"Name","value":"hold"}},{"kind":"Field","name":{"kind":"Name","value":"block"}}]}}]}}]} as unknown as DocumentNode<TrustGateFieldsFragment, unknown>;
export const PlatformStatusFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PlatformStatusFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PlatformStatus"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"changedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}}]}}]} as unknown as DocumentNode<PlatformStatusFieldsFragment, unknown>;
export const GateDecisionFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"GateDecisionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustAuditEntry"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"cause"}},{"kind":"Field","name":{"kind":"Name","value":"allowedRun"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"actorEmail"}}]}}]} as unknown as DocumentNode<GateDecisionFieldsFragment, unknown>;
export const ActionFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ActionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Action"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"riskClass"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"phase"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"campaign"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"ruleName"}},{"kind":"Field","name":{"kind":"Name","value":"sources"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ruleName"}},{"kind":"Field","name":{"kind":"Name","value":"proposedBy"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}},{"kind":"Field","name":{"kind":"Name","value":"resolution"}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"before"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"after"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"approvedBy"}},{"kind":"Field","name":{"kind":"Name","value":"approvedAt"}},{"kind":"Field","name":{"kind":"Name","value":"appliedBy"}},{"kind":"Field","name":{"kind":"Name","value":"appliedAt"}},{"kind":"Field","name":{"kind":"Name","value":"overrideReason"}},{"kind":"Field","name":{"kind":"Name","value":"dismissedBy"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"gateDecisions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"decidingGate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"GateDecisionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustAuditEntry"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"cause"}},{"kind":"Field","name":{"kind":"Name","value":"allowedRun"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"actorEmail"}}]}}]} as unknown as DocumentNode<ActionFieldsFragment, unknown>;
export const IncidentSummaryFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"IncidentSummaryFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Incident"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"openedAt"}}]}}]} as unknown as DocumentNode<IncidentSummaryFieldsFragment, unknown>;
export const IncidentFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"IncidentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Incident"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"cause"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"openedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedBy"}},{"kind":"Field","name":{"kind":"Name","value":"resolvedAt"}},{"kind":"Field","name":{"kind":"Name","value":"resolvedBy"}},{"kind":"Field","name":{"kind":"Name","value":"resolution"}},{"kind":"Field","name":{"kind":"Name","value":"timeline"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}}]}}]}}]} as unknown as DocumentNode<IncidentFieldsFragment, unknown>;
export const FeaturesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Features"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"features"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"unlockedBy"}}]}}]}}]}}]} as unknown as DocumentNode<FeaturesQuery, FeaturesQueryVariables>;
export const AudiencesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Audiences"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"segmentId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"audiences"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"segmentId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"segmentId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AudienceFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AudienceFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Audience"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"segment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"account"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platformAudienceId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"lastSyncAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"progress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"total"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<AudiencesQuery, AudiencesQueryVariables>;
export const AudienceSegmentsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AudienceSegments"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segments"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<AudienceSegmentsQuery, AudienceSegmentsQueryVariables>;
export const AudienceAccountsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AudienceAccounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platformConnections"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"sandbox"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"accounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"sandbox"}}]}}]}}]}}]} as unknown as DocumentNode<AudienceAccountsQuery, AudienceAccountsQueryVariables>;
export const SyncAudienceDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SyncAudience"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SyncAudienceInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"syncAudience"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"audience"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AudienceFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AudienceFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Audience"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"segment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"account"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platformAudienceId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"lastSyncAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"progress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"total"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<SyncAudienceMutation, SyncAudienceMutationVariables>;
export const StopAudienceSyncDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"StopAudienceSync"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AudienceIdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"stopAudienceSync"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"audience"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AudienceFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AudienceFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Audience"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"segment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"account"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platformAudienceId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"lastSyncAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"progress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"total"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<StopAudienceSyncMutation, StopAudienceSyncMutationVariables>;
export const DeleteAudienceDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteAudience"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AudienceIdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteAudience"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deletedAudienceId"}},{"kind":"Field","name":{"kind":"Name","value":"platformAudienceDeleted"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<DeleteAudienceMutation, DeleteAudienceMutationVariables>;
export const AudienceSyncUpdatedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"AudienceSyncUpdated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"audienceSyncUpdated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AudienceFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AudienceFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Audience"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"segment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"account"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platformAudienceId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"lastSyncAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"progress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"total"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<AudienceSyncUpdatedSubscription, AudienceSyncUpdatedSubscriptionVariables>;
export const AutomationRulesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AutomationRules"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"automationRules"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"15"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RuleSummaryFields"}}]}}]}}]}},{"kind":"Field","alias":{"kind":"Name","value":"enabledRules"},"name":{"kind":"Name","value":"automationRules"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"enabled"},"value":{"kind":"BooleanValue","value":true}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"0"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RuleSummaryFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AutomationRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"logic"}},{"kind":"Field","name":{"kind":"Name","value":"builtin"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"scheduleMinutes"}},{"kind":"Field","name":{"kind":"Name","value":"lastEvaluatedAt"}}]}}]} as unknown as DocumentNode<AutomationRulesQuery, AutomationRulesQueryVariables>;
export const RuleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Rule"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AutomationRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RuleFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConditionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RuleCondition"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"op"}},{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"windowDays"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"timeWindow"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromHour"}},{"kind":"Field","name":{"kind":"Name","value":"toHour"}},{"kind":"Field","name":{"kind":"Name","value":"weekdays"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RuleFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AutomationRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"logic"}},{"kind":"Field","name":{"kind":"Name","value":"builtin"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}}]}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"actions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"scheduleMinutes"}},{"kind":"Field","name":{"kind":"Name","value":"cooldownSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"scope"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platforms"}},{"kind":"Field","name":{"kind":"Name","value":"campaignIds"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lastEvaluatedAt"}}]}}]} as unknown as DocumentNode<RuleQuery, RuleQueryVariables>;
export const CampaignOptionsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CampaignOptions"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"campaigns"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"field"},"value":{"kind":"EnumValue","value":"NAME"}},{"kind":"ObjectField","name":{"kind":"Name","value":"direction"},"value":{"kind":"EnumValue","value":"ASC"}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CampaignOptionsQuery, CampaignOptionsQueryVariables>;
export const ScopedCampaignsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ScopedCampaigns"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"ids"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"ids"},"value":{"kind":"Variable","name":{"kind":"Name","value":"ids"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Campaign"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}}]}}]}}]}}]} as unknown as DocumentNode<ScopedCampaignsQuery, ScopedCampaignsQueryVariables>;
export const CampaignCurrenciesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CampaignCurrencies"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"campaigns"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CampaignCurrenciesQuery, CampaignCurrenciesQueryVariables>;
export const TrustSettingsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TrustSettings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trustGate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TrustGateFields"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"EnforcementSettingsFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TrustGateFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustGate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"autopilotMode"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotLevel"}},{"kind":"Field","name":{"kind":"Name","value":"enforcementMode"}},{"kind":"Field","name":{"kind":"Name","value":"killSwitch"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"verdict"}},{"kind":"Field","name":{"kind":"Name","value":"decisionCounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pass"}},{"kind":"Field","name":{"kind":"Name","value":"hold"}},{"kind":"Field","name":{"kind":"Name","value":"block"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"EnforcementSettingsFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustGate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"settings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"killSwitch"}},{"kind":"Field","name":{"kind":"Name","value":"enforcementMode"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotLevel"}},{"kind":"Field","name":{"kind":"Name","value":"maxDailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"maxCampaignBudget"}},{"kind":"Field","name":{"kind":"Name","value":"maxBudgetIncreasePct"}},{"kind":"Field","name":{"kind":"Name","value":"minRoas"}},{"kind":"Field","name":{"kind":"Name","value":"minRoasWindowDays"}},{"kind":"Field","name":{"kind":"Name","value":"maxBudgetChangesPerDay"}},{"kind":"Field","name":{"kind":"Name","value":"minHoursBetweenChanges"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"enforcementRules"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"violationType"}},{"kind":"Field","name":{"kind":"Name","value":"mode"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]}}]} as unknown as DocumentNode<TrustSettingsQuery, TrustSettingsQueryVariables>;
export const CreateRuleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateRule"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AutomationRuleInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createAutomationRule"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rule"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RuleFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConditionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RuleCondition"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"op"}},{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"windowDays"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"timeWindow"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromHour"}},{"kind":"Field","name":{"kind":"Name","value":"toHour"}},{"kind":"Field","name":{"kind":"Name","value":"weekdays"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RuleFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AutomationRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"logic"}},{"kind":"Field","name":{"kind":"Name","value":"builtin"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}}]}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"actions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"scheduleMinutes"}},{"kind":"Field","name":{"kind":"Name","value":"cooldownSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"scope"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platforms"}},{"kind":"Field","name":{"kind":"Name","value":"campaignIds"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lastEvaluatedAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<CreateRuleMutation, CreateRuleMutationVariables>;
export const UpdateRuleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateRule"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateAutomationRuleInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateAutomationRule"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rule"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RuleFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConditionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RuleCondition"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"op"}},{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"windowDays"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"timeWindow"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromHour"}},{"kind":"Field","name":{"kind":"Name","value":"toHour"}},{"kind":"Field","name":{"kind":"Name","value":"weekdays"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RuleFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AutomationRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"logic"}},{"kind":"Field","name":{"kind":"Name","value":"builtin"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}}]}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"actions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"scheduleMinutes"}},{"kind":"Field","name":{"kind":"Name","value":"cooldownSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"scope"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platforms"}},{"kind":"Field","name":{"kind":"Name","value":"campaignIds"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lastEvaluatedAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<UpdateRuleMutation, UpdateRuleMutationVariables>;
export const DeleteRuleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteRule"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DeleteAutomationRuleInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteAutomationRule"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deletedRuleId"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<DeleteRuleMutation, DeleteRuleMutationVariables>;
export const SetRuleEnabledDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SetRuleEnabled"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SetRuleEnabledInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setRuleEnabled"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rule"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RuleSummaryFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RuleSummaryFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AutomationRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"logic"}},{"kind":"Field","name":{"kind":"Name","value":"builtin"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"scheduleMinutes"}},{"kind":"Field","name":{"kind":"Name","value":"lastEvaluatedAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<SetRuleEnabledMutation, SetRuleEnabledMutationVariables>;
export const SimulateRuleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SimulateRule"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SimulateRuleInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"simulateRule"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"campaignsEvaluated"}},{"kind":"Field","name":{"kind":"Name","value":"campaignsNotShown"}},{"kind":"Field","name":{"kind":"Name","value":"actions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ActionSimulationFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"campaigns"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"campaign"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"evaluated"}},{"kind":"Field","name":{"kind":"Name","value":"wouldPropose"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RuleCheckFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"failedCheck"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RuleCheckFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"proposals"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ActionSimulationFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ActionSimulation"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"campaign"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"wouldExecute"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"riskClass"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotMode"}},{"kind":"Field","name":{"kind":"Name","value":"before"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"after"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RuleCheckFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RuleCheck"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"windowDays"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"passed"}},{"kind":"Field","name":{"kind":"Name","value":"note"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<SimulateRuleMutation, SimulateRuleMutationVariables>;
export const UpdateEnforcementSettingsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateEnforcementSettings"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateEnforcementSettingsInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateEnforcementSettings"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trustGate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TrustGateFields"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"EnforcementSettingsFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TrustGateFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustGate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"autopilotMode"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotLevel"}},{"kind":"Field","name":{"kind":"Name","value":"enforcementMode"}},{"kind":"Field","name":{"kind":"Name","value":"killSwitch"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"verdict"}},{"kind":"Field","name":{"kind":"Name","value":"decisionCounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pass"}},{"kind":"Field","name":{"kind":"Name","value":"hold"}},{"kind":"Field","name":{"kind":"Name","value":"block"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"EnforcementSettingsFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustGate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"settings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"killSwitch"}},{"kind":"Field","name":{"kind":"Name","value":"enforcementMode"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotLevel"}},{"kind":"Field","name":{"kind":"Name","value":"maxDailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"maxCampaignBudget"}},{"kind":"Field","name":{"kind":"Name","value":"maxBudgetIncreasePct"}},{"kind":"Field","name":{"kind":"Name","value":"minRoas"}},{"kind":"Field","name":{"kind":"Name","value":"minRoasWindowDays"}},{"kind":"Field","name":{"kind":"Name","value":"maxBudgetChangesPerDay"}},{"kind":"Field","name":{"kind":"Name","value":"minHoursBetweenChanges"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"enforcementRules"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"violationType"}},{"kind":"Field","name":{"kind":"Name","value":"mode"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<UpdateEnforcementSettingsMutation, UpdateEnforcementSettingsMutationVariables>;
export const SetKillSwitchDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SetKillSwitch"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SetKillSwitchInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setKillSwitch"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trustGate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TrustGateFields"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"EnforcementSettingsFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TrustGateFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustGate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"autopilotMode"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotLevel"}},{"kind":"Field","name":{"kind":"Name","value":"enforcementMode"}},{"kind":"Field","name":{"kind":"Name","value":"killSwitch"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"verdict"}},{"kind":"Field","name":{"kind":"Name","value":"decisionCounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pass"}},{"kind":"Field","name":{"kind":"Name","value":"hold"}},{"kind":"Field","name":{"kind":"Name","value":"block"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"EnforcementSettingsFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustGate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"settings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"killSwitch"}},{"kind":"Field","name":{"kind":"Name","value":"enforcementMode"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotLevel"}},{"kind":"Field","name":{"kind":"Name","value":"maxDailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"maxCampaignBudget"}},{"kind":"Field","name":{"kind":"Name","value":"maxBudgetIncreasePct"}},{"kind":"Field","name":{"kind":"Name","value":"minRoas"}},{"kind":"Field","name":{"kind":"Name","value":"minRoasWindowDays"}},{"kind":"Field","name":{"kind":"Name","value":"maxBudgetChangesPerDay"}},{"kind":"Field","name":{"kind":"Name","value":"minHoursBetweenChanges"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"enforcementRules"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"violationType"}},{"kind":"Field","name":{"kind":"Name","value":"mode"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<SetKillSwitchMutation, SetKillSwitchMutationVariables>;
export const SetAutopilotLevelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SetAutopilotLevel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SetAutopilotLevelInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setAutopilotLevel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trustGate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TrustGateFields"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"EnforcementSettingsFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TrustGateFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustGate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"autopilotMode"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotLevel"}},{"kind":"Field","name":{"kind":"Name","value":"enforcementMode"}},{"kind":"Field","name":{"kind":"Name","value":"killSwitch"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"verdict"}},{"kind":"Field","name":{"kind":"Name","value":"decisionCounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pass"}},{"kind":"Field","name":{"kind":"Name","value":"hold"}},{"kind":"Field","name":{"kind":"Name","value":"block"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"EnforcementSettingsFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustGate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"settings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"killSwitch"}},{"kind":"Field","name":{"kind":"Name","value":"enforcementMode"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotLevel"}},{"kind":"Field","name":{"kind":"Name","value":"maxDailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"maxCampaignBudget"}},{"kind":"Field","name":{"kind":"Name","value":"maxBudgetIncreasePct"}},{"kind":"Field","name":{"kind":"Name","value":"minRoas"}},{"kind":"Field","name":{"kind":"Name","value":"minRoasWindowDays"}},{"kind":"Field","name":{"kind":"Name","value":"maxBudgetChangesPerDay"}},{"kind":"Field","name":{"kind":"Name","value":"minHoursBetweenChanges"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"enforcementRules"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"violationType"}},{"kind":"Field","name":{"kind":"Name","value":"mode"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<SetAutopilotLevelMutation, SetAutopilotLevelMutationVariables>;
export const PutEnforcementRuleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PutEnforcementRule"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PutEnforcementRuleInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"putEnforcementRule"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"enforcementRule"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"violationType"}},{"kind":"Field","name":{"kind":"Name","value":"mode"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<PutEnforcementRuleMutation, PutEnforcementRuleMutationVariables>;
export const DeleteEnforcementRuleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteEnforcementRule"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DeleteEnforcementRuleInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteEnforcementRule"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<DeleteEnforcementRuleMutation, DeleteEnforcementRuleMutationVariables>;
export const RuleTemplatesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RuleTemplates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ruleTemplates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"logic"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}},{"kind":"Field","name":{"kind":"Name","value":"conditions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConditionFields"}}]}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"actions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"scheduleMinutes"}},{"kind":"Field","name":{"kind":"Name","value":"cooldownSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConditionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RuleCondition"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"op"}},{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"windowDays"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"timeWindow"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromHour"}},{"kind":"Field","name":{"kind":"Name","value":"toHour"}},{"kind":"Field","name":{"kind":"Name","value":"weekdays"}}]}}]}}]} as unknown as DocumentNode<RuleTemplatesQuery, RuleTemplatesQueryVariables>;
export const RuleActivityDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RuleActivity"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AutomationRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"activity"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"campaignsEvaluated"}},{"kind":"Field","name":{"kind":"Name","value":"proposals"}},{"kind":"Field","name":{"kind":"Name","value":"actionType"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}},{"kind":"Field","name":{"kind":"Name","value":"campaign"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<RuleActivityQuery, RuleActivityQueryVariables>;
export const CampaignsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Campaigns"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"platform"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Platform"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"status"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"CampaignStatus"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"CampaignOrder"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"campaigns"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"platform"},"value":{"kind":"Variable","name":{"kind":"Name","value":"platform"}}},{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"Variable","name":{"kind":"Name","value":"status"}}},{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"totals"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"campaigns"}},{"kind":"Field","name":{"kind":"Name","value":"totals"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"spend"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"micros"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}},{"kind":"Field","name":{"kind":"Name","value":"account"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}}]}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totals"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"CampaignTotals"}}]}}]}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"CampaignTotals"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CampaignMetricValues"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"spend"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"micros"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"conversionValue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"micros"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"conversions"}},{"kind":"Field","name":{"kind":"Name","value":"roas"}},{"kind":"Field","name":{"kind":"Name","value":"cpa"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"micros"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"ctr"}}]}}]} as unknown as DocumentNode<CampaignsQuery, CampaignsQueryVariables>;
export const CampaignDetailDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CampaignDetail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Campaign"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"granularity"},"value":{"kind":"EnumValue","value":"DAY"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"points"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"spend"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"conversionValue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"conversions"}},{"kind":"Field","name":{"kind":"Name","value":"roas"}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"actions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"campaignId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"ruleName"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"trustAuditLog"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"campaignId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"actionType"}},{"kind":"Field","name":{"kind":"Name","value":"dryRun"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CampaignDetailQuery, CampaignDetailQueryVariables>;
export const ConversionDestinationsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConversionDestinations"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"conversionDestinations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConversionDestinationFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConversionDestinationFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConversionDestination"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"credentialKeys"}},{"kind":"Field","name":{"kind":"Name","value":"baseUrl"}},{"kind":"Field","name":{"kind":"Name","value":"testEventCode"}},{"kind":"Field","name":{"kind":"Name","value":"eventMappings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"target"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"contentIds"}},{"kind":"Field","name":{"kind":"Name","value":"orderId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"limitedDataUse"}},{"kind":"Field","name":{"kind":"Name","value":"legitimateInterest"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<ConversionDestinationsQuery, ConversionDestinationsQueryVariables>;
export const CreateConversionDestinationDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateConversionDestination"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateConversionDestinationInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createConversionDestination"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"destination"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConversionDestinationFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConversionDestinationFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConversionDestination"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"credentialKeys"}},{"kind":"Field","name":{"kind":"Name","value":"baseUrl"}},{"kind":"Field","name":{"kind":"Name","value":"testEventCode"}},{"kind":"Field","name":{"kind":"Name","value":"eventMappings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"target"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"contentIds"}},{"kind":"Field","name":{"kind":"Name","value":"orderId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"limitedDataUse"}},{"kind":"Field","name":{"kind":"Name","value":"legitimateInterest"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<CreateConversionDestinationMutation, CreateConversionDestinationMutationVariables>;
export const UpdateConversionDestinationDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateConversionDestination"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateConversionDestinationInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateConversionDestination"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"destination"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConversionDestinationFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConversionDestinationFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConversionDestination"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"credentialKeys"}},{"kind":"Field","name":{"kind":"Name","value":"baseUrl"}},{"kind":"Field","name":{"kind":"Name","value":"testEventCode"}},{"kind":"Field","name":{"kind":"Name","value":"eventMappings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"target"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"contentIds"}},{"kind":"Field","name":{"kind":"Name","value":"orderId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"limitedDataUse"}},{"kind":"Field","name":{"kind":"Name","value":"legitimateInterest"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<UpdateConversionDestinationMutation, UpdateConversionDestinationMutationVariables>;
export const DeleteConversionDestinationDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteConversionDestination"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ConversionDestinationIdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteConversionDestination"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deletedDestinationId"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<DeleteConversionDestinationMutation, DeleteConversionDestinationMutationVariables>;
export const TestConversionDestinationDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"TestConversionDestination"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ConversionDestinationIdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"testConversionDestination"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"result"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ok"}},{"kind":"Field","name":{"kind":"Name","value":"httpStatus"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"testEventCode"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<TestConversionDestinationMutation, TestConversionDestinationMutationVariables>;
export const ConversionDeliveriesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConversionDeliveries"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"destinationId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"status"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ConversionDeliveryStatus"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"eventName"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deliveries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"destinationId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"destinationId"}}},{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"Variable","name":{"kind":"Name","value":"status"}}},{"kind":"Argument","name":{"kind":"Name","value":"eventName"},"value":{"kind":"Variable","name":{"kind":"Name","value":"eventName"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"queuedEvents"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConversionDeliveryFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConversionDeliveryFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConversionDelivery"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"destinationId"}},{"kind":"Field","name":{"kind":"Name","value":"messageId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"eventName"}},{"kind":"Field","name":{"kind":"Name","value":"sourceEvent"}},{"kind":"Field","name":{"kind":"Name","value":"eventTime"}},{"kind":"Field","name":{"kind":"Name","value":"legalBasis"}},{"kind":"Field","name":{"kind":"Name","value":"requestSummary"}},{"kind":"Field","name":{"kind":"Name","value":"response"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"nextAttemptAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"sentAt"}}]}}]} as unknown as DocumentNode<ConversionDeliveriesQuery, ConversionDeliveriesQueryVariables>;
export const ReplayDeliveriesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ReplayDeliveries"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ReplayDeliveriesInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"replayDeliveries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<ReplayDeliveriesMutation, ReplayDeliveriesMutationVariables>;
export const EmqScoresDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"EmqScores"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"platform"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Platform"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"eventName"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"hours"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"emqScores"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"platform"},"value":{"kind":"Variable","name":{"kind":"Name","value":"platform"}}},{"kind":"Argument","name":{"kind":"Name","value":"eventName"},"value":{"kind":"Variable","name":{"kind":"Name","value":"eventName"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"destinationId"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"eventName"}},{"kind":"Field","name":{"kind":"Name","value":"events"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"estimate"}},{"kind":"Field","name":{"kind":"Name","value":"platformScore"}},{"kind":"Field","name":{"kind":"Name","value":"platformScoreAt"}},{"kind":"Field","name":{"kind":"Name","value":"calibrationError"}},{"kind":"Field","name":{"kind":"Name","value":"platformScoreError"}},{"kind":"Field","name":{"kind":"Name","value":"trend"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"hours"},"value":{"kind":"Variable","name":{"kind":"Name","value":"hours"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hour"}},{"kind":"Field","name":{"kind":"Name","value":"events"}},{"kind":"Field","name":{"kind":"Name","value":"score"}}]}},{"kind":"Field","name":{"kind":"Name","value":"missingParameters"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"parameter"}},{"kind":"Field","name":{"kind":"Name","value":"coverage"}},{"kind":"Field","name":{"kind":"Name","value":"impact"}},{"kind":"Field","name":{"kind":"Name","value":"advice"}}]}}]}}]}}]} as unknown as DocumentNode<EmqScoresQuery, EmqScoresQueryVariables>;
export const EmqScoreUpdatedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"EmqScoreUpdated"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"platform"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Platform"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"emqScoreUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"platform"},"value":{"kind":"Variable","name":{"kind":"Name","value":"platform"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"destinationId"}},{"kind":"Field","name":{"kind":"Name","value":"eventName"}},{"kind":"Field","name":{"kind":"Name","value":"score"}}]}}]}}]} as unknown as DocumentNode<EmqScoreUpdatedSubscription, EmqScoreUpdatedSubscriptionVariables>;
export const FunnelsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Funnels"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"funnels"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"FunnelFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FunnelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Funnel"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"windowSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"filter"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}}]} as unknown as DocumentNode<FunnelsQuery, FunnelsQueryVariables>;
export const FunnelReportDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"FunnelReport"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Time"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Time"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"breakdownBy"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"FunnelBreakdownInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"funnelReport"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"breakdownBy"},"value":{"kind":"Variable","name":{"kind":"Name","value":"breakdownBy"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"entered"}},{"kind":"Field","name":{"kind":"Name","value":"converted"}},{"kind":"Field","name":{"kind":"Name","value":"conversionRate"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"FunnelStepResultFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"breakdown"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"other"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"FunnelStepResultFields"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FunnelStepResultFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"FunnelStepResult"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"index"}},{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"entered"}},{"kind":"Field","name":{"kind":"Name","value":"converted"}},{"kind":"Field","name":{"kind":"Name","value":"dropOff"}},{"kind":"Field","name":{"kind":"Name","value":"conversionFromPrevious"}},{"kind":"Field","name":{"kind":"Name","value":"conversionFromStart"}},{"kind":"Field","name":{"kind":"Name","value":"medianSecondsFromPrevious"}},{"kind":"Field","name":{"kind":"Name","value":"medianSecondsFromStart"}}]}}]} as unknown as DocumentNode<FunnelReportQuery, FunnelReportQueryVariables>;
export const CreateFunnelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateFunnel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateFunnelInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createFunnel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"funnel"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"FunnelFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FunnelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Funnel"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"windowSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"filter"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}}]} as unknown as DocumentNode<CreateFunnelMutation, CreateFunnelMutationVariables>;
export const UpdateFunnelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateFunnel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateFunnelInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateFunnel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"funnel"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"FunnelFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FunnelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Funnel"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"windowSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"filter"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}}]} as unknown as DocumentNode<UpdateFunnelMutation, UpdateFunnelMutationVariables>;
export const DeleteFunnelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteFunnel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DeleteFunnelInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteFunnel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deletedFunnelId"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<DeleteFunnelMutation, DeleteFunnelMutationVariables>;
export const PlatformsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Platforms"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platformAvailability"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"configured"}},{"kind":"Field","name":{"kind":"Name","value":"supportsPkce"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platformConnections"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"PlatformConnectionFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PlatformConnectionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PlatformConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"sandbox"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusMessage"}},{"kind":"Field","name":{"kind":"Name","value":"lastSyncAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"accounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"selected"}},{"kind":"Field","name":{"kind":"Name","value":"sandbox"}}]}}]}}]} as unknown as DocumentNode<PlatformsQuery, PlatformsQueryVariables>;
export const SyncRunsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SyncRuns"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"connectionId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"syncRuns"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"connectionId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"connectionId"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SyncRunFields"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SyncRunFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SyncRun"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"connectionId"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"total"}}]}},{"kind":"Field","name":{"kind":"Name","value":"window"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rowsWritten"}},{"kind":"Field","name":{"kind":"Name","value":"apiCalls"}},{"kind":"Field","name":{"kind":"Name","value":"apiErrors"}},{"kind":"Field","name":{"kind":"Name","value":"queuedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"account"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<SyncRunsQuery, SyncRunsQueryVariables>;
export const ConnectPlatformDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConnectPlatform"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectPlatformInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connectPlatform"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"authorizeUrl"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<ConnectPlatformMutation, ConnectPlatformMutationVariables>;
export const ConnectSandboxDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConnectSandbox"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connectSandbox"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"PlatformConnectionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PlatformConnectionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PlatformConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"sandbox"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusMessage"}},{"kind":"Field","name":{"kind":"Name","value":"lastSyncAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"accounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"selected"}},{"kind":"Field","name":{"kind":"Name","value":"sandbox"}}]}}]}}]} as unknown as DocumentNode<ConnectSandboxMutation, ConnectSandboxMutationVariables>;
export const SelectAdAccountsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SelectAdAccounts"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SelectAdAccountsInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"selectAdAccounts"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"PlatformConnectionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PlatformConnectionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PlatformConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"sandbox"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusMessage"}},{"kind":"Field","name":{"kind":"Name","value":"lastSyncAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"accounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"selected"}},{"kind":"Field","name":{"kind":"Name","value":"sandbox"}}]}}]}}]} as unknown as DocumentNode<SelectAdAccountsMutation, SelectAdAccountsMutationVariables>;
export const DisconnectPlatformDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DisconnectPlatform"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DisconnectPlatformInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"disconnectPlatform"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"disconnectedConnectionId"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<DisconnectPlatformMutation, DisconnectPlatformMutationVariables>;
export const TriggerSyncDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"TriggerSync"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"TriggerSyncInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"triggerSync"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"runs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SyncRunFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SyncRunFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SyncRun"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"connectionId"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"total"}}]}},{"kind":"Field","name":{"kind":"Name","value":"window"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rowsWritten"}},{"kind":"Field","name":{"kind":"Name","value":"apiCalls"}},{"kind":"Field","name":{"kind":"Name","value":"apiErrors"}},{"kind":"Field","name":{"kind":"Name","value":"queuedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"account"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<TriggerSyncMutation, TriggerSyncMutationVariables>;
export const PlatformConnectionChangedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"PlatformConnectionChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platformConnectionChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connectionId"}},{"kind":"Field","name":{"kind":"Name","value":"connection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"PlatformConnectionFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PlatformConnectionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PlatformConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"sandbox"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusMessage"}},{"kind":"Field","name":{"kind":"Name","value":"lastSyncAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"accounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"selected"}},{"kind":"Field","name":{"kind":"Name","value":"sandbox"}}]}}]}}]} as unknown as DocumentNode<PlatformConnectionChangedSubscription, PlatformConnectionChangedSubscriptionVariables>;
export const SyncRunUpdatedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"SyncRunUpdated"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"connectionId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"syncRunUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"connectionId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"connectionId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SyncRunFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SyncRunFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SyncRun"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"connectionId"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"total"}}]}},{"kind":"Field","name":{"kind":"Name","value":"window"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rowsWritten"}},{"kind":"Field","name":{"kind":"Name","value":"apiCalls"}},{"kind":"Field","name":{"kind":"Name","value":"apiErrors"}},{"kind":"Field","name":{"kind":"Name","value":"queuedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"account"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<SyncRunUpdatedSubscription, SyncRunUpdatedSubscriptionVariables>;
export const ProfileConsentsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ProfileConsents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"profileId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"profileConsents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"profileId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"profileId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"purpose"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"decidedAt"}}]}}]}}]} as unknown as DocumentNode<ProfileConsentsQuery, ProfileConsentsQueryVariables>;
export const SetConsentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SetConsent"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SetConsentInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setConsent"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"consent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"purpose"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"decidedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<SetConsentMutation, SetConsentMutationVariables>;
export const PrivacyRequestsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PrivacyRequests"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"privacyRequests"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"PrivacyRequestFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PrivacyRequestFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PrivacyRequest"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"profileId"}},{"kind":"Field","name":{"kind":"Name","value":"requestedBy"}},{"kind":"Field","name":{"kind":"Name","value":"requestedByMe"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"erasedEvents"}},{"kind":"Field","name":{"kind":"Name","value":"erasedIdentifiers"}},{"kind":"Field","name":{"kind":"Name","value":"exportBytes"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}}]} as unknown as DocumentNode<PrivacyRequestsQuery, PrivacyRequestsQueryVariables>;
export const PrivacySuppressionsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PrivacySuppressions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"privacySuppressions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"identifiers"}},{"kind":"Field","name":{"kind":"Name","value":"droppedEvents"}},{"kind":"Field","name":{"kind":"Name","value":"lastDroppedAt"}}]}}]}}]} as unknown as DocumentNode<PrivacySuppressionsQuery, PrivacySuppressionsQueryVariables>;
export const ExportProfileDataDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ExportProfileData"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PrivacyRequestInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"exportProfileData"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"request"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"PrivacyRequestFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PrivacyRequestFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PrivacyRequest"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"profileId"}},{"kind":"Field","name":{"kind":"Name","value":"requestedBy"}},{"kind":"Field","name":{"kind":"Name","value":"requestedByMe"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"erasedEvents"}},{"kind":"Field","name":{"kind":"Name","value":"erasedIdentifiers"}},{"kind":"Field","name":{"kind":"Name","value":"exportBytes"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}}]} as unknown as DocumentNode<ExportProfileDataMutation, ExportProfileDataMutationVariables>;
export const DeleteProfileDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteProfile"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PrivacyRequestInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteProfile"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"request"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"PrivacyRequestFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PrivacyRequestFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PrivacyRequest"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"profileId"}},{"kind":"Field","name":{"kind":"Name","value":"requestedBy"}},{"kind":"Field","name":{"kind":"Name","value":"requestedByMe"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"erasedEvents"}},{"kind":"Field","name":{"kind":"Name","value":"erasedIdentifiers"}},{"kind":"Field","name":{"kind":"Name","value":"exportBytes"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}}]} as unknown as DocumentNode<DeleteProfileMutation, DeleteProfileMutationVariables>;
export const ProfilesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Profiles"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ProfileFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"profiles"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"canonicalIdentity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lifecycleStage"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"counters"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"eventCount"}},{"kind":"Field","name":{"kind":"Name","value":"purchaseCount"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<ProfilesQuery, ProfilesQueryVariables>;
export const ProfileDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Profile"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"profile"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"canonicalIdentity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"identities"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"traits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"ProfileComputedTraits"}},{"kind":"Field","name":{"kind":"Name","value":"lifecycleStage"}},{"kind":"Field","name":{"kind":"Name","value":"firstSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"counters"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"eventCount"}},{"kind":"Field","name":{"kind":"Name","value":"sessionCount"}},{"kind":"Field","name":{"kind":"Name","value":"purchaseCount"}},{"kind":"Field","name":{"kind":"Name","value":"revenue"}}]}},{"kind":"Field","name":{"kind":"Name","value":"mergeHistory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"survivorId"}},{"kind":"Field","name":{"kind":"Name","value":"absorbedId"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"undoneAt"}},{"kind":"Field","name":{"kind":"Name","value":"undone"}}]}},{"kind":"Field","name":{"kind":"Name","value":"refusedLinks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"identity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"linkedTo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}},{"kind":"Field","name":{"kind":"Name","value":"events"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ProfileEventFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ProfileComputedTraits"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Profile"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"computedTraits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"computedAt"}},{"kind":"Field","name":{"kind":"Name","value":"definition"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ProfileEventFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ProfileEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messageId"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"receivedAt"}},{"kind":"Field","name":{"kind":"Name","value":"properties"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"source"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<ProfileQuery, ProfileQueryVariables>;
export const UnmergeProfileDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UnmergeProfile"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UnmergeProfileInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"unmergeProfile"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"profile"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"survivor"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<UnmergeProfileMutation, UnmergeProfileMutationVariables>;
export const SplitProfileDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SplitProfile"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SplitProfileInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"splitProfile"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"profile"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"newProfile"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<SplitProfileMutation, SplitProfileMutationVariables>;
export const ProfileUpdatedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ProfileUpdated"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"profileId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"profileUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"profileId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"profileId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<ProfileUpdatedSubscription, ProfileUpdatedSubscriptionVariables>;
export const RfmReportDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RfmReport"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rfmReport"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"computedAt"}},{"kind":"Field","name":{"kind":"Name","value":"lookbackDays"}},{"kind":"Field","name":{"kind":"Name","value":"profiles"}},{"kind":"Field","name":{"kind":"Name","value":"cells"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segment"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"revenue"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"rfmSettings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lookbackDays"}},{"kind":"Field","name":{"kind":"Name","value":"eventNames"}},{"kind":"Field","name":{"kind":"Name","value":"valueProperty"}}]}}]}}]} as unknown as DocumentNode<RfmReportQuery, RfmReportQueryVariables>;
export const RfmCellMembersDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RfmCellMembers"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"segment"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RfmSegment"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rfmReport"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cells"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"segment"},"value":{"kind":"Variable","name":{"kind":"Name","value":"segment"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segment"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"members"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"canonicalIdentity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lastSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"rfm"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"r"}},{"kind":"Field","name":{"kind":"Name","value":"f"}},{"kind":"Field","name":{"kind":"Name","value":"m"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<RfmCellMembersQuery, RfmCellMembersQueryVariables>;
export const RefreshRfmDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RefreshRfm"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"refreshRfm"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"queued"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<RefreshRfmMutation, RefreshRfmMutationVariables>;
export const UpdateRfmSettingsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateRfmSettings"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateRfmSettingsInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateRfmSettings"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"settings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lookbackDays"}},{"kind":"Field","name":{"kind":"Name","value":"eventNames"}},{"kind":"Field","name":{"kind":"Name","value":"valueProperty"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<UpdateRfmSettingsMutation, UpdateRfmSettingsMutationVariables>;
export const ProfileRfmDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ProfileRfm"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"profile"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"rfm"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"r"}},{"kind":"Field","name":{"kind":"Name","value":"f"}},{"kind":"Field","name":{"kind":"Name","value":"m"}},{"kind":"Field","name":{"kind":"Name","value":"segment"}},{"kind":"Field","name":{"kind":"Name","value":"computedAt"}}]}}]}}]}}]} as unknown as DocumentNode<ProfileRfmQuery, ProfileRfmQueryVariables>;
export const SegmentsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Segments"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segments"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SegmentFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SegmentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Segment"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"rules"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshedAt"}}]}}]} as unknown as DocumentNode<SegmentsQuery, SegmentsQueryVariables>;
export const SegmentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Segment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SegmentFields"}},{"kind":"Field","name":{"kind":"Name","value":"members"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"enteredAt"}},{"kind":"Field","name":{"kind":"Name","value":"profile"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"lifecycleStage"}},{"kind":"Field","name":{"kind":"Name","value":"canonicalIdentity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SegmentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Segment"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"rules"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshedAt"}}]}}]} as unknown as DocumentNode<SegmentQuery, SegmentQueryVariables>;
export const SegmentMembershipHistoryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SegmentMembershipHistory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"days"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"membershipHistory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"days"},"value":{"kind":"Variable","name":{"kind":"Name","value":"days"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"entered"}},{"kind":"Field","name":{"kind":"Name","value":"exited"}}]}}]}}]}}]} as unknown as DocumentNode<SegmentMembershipHistoryQuery, SegmentMembershipHistoryQueryVariables>;
export const PreviewSegmentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PreviewSegment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"rules"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SegmentRuleInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"previewSegment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"rules"},"value":{"kind":"Variable","name":{"kind":"Name","value":"rules"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"sample"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"canonicalIdentity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}}]}}]} as unknown as DocumentNode<PreviewSegmentQuery, PreviewSegmentQueryVariables>;
export const CreateSegmentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateSegment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateSegmentInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createSegment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SegmentFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SegmentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Segment"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"rules"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshedAt"}}]}}]} as unknown as DocumentNode<CreateSegmentMutation, CreateSegmentMutationVariables>;
export const UpdateSegmentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateSegment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateSegmentInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateSegment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SegmentFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SegmentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Segment"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"rules"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshedAt"}}]}}]} as unknown as DocumentNode<UpdateSegmentMutation, UpdateSegmentMutationVariables>;
export const DeleteSegmentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteSegment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SegmentIdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteSegment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deletedSegmentId"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<DeleteSegmentMutation, DeleteSegmentMutationVariables>;
export const RefreshSegmentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RefreshSegment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SegmentIdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"refreshSegment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SegmentFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SegmentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Segment"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"rules"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshedAt"}}]}}]} as unknown as DocumentNode<RefreshSegmentMutation, RefreshSegmentMutationVariables>;
export const SegmentMembershipChangedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"SegmentMembershipChanged"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"segmentId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segmentMembershipChanged"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"segmentId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"segmentId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"entered"}},{"kind":"Field","name":{"kind":"Name","value":"exited"}},{"kind":"Field","name":{"kind":"Name","value":"segment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SegmentFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SegmentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Segment"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"rules"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshedAt"}}]}}]} as unknown as DocumentNode<SegmentMembershipChangedSubscription, SegmentMembershipChangedSubscriptionVariables>;
export const SegmentTraitDefinitionsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SegmentTraitDefinitions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"traitDefinitions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]} as unknown as DocumentNode<SegmentTraitDefinitionsQuery, SegmentTraitDefinitionsQueryVariables>;
export const BillingDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Billing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"billing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BillingStateFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"used"}},{"kind":"Field","name":{"kind":"Name","value":"max"}},{"kind":"Field","name":{"kind":"Name","value":"warning"}},{"kind":"Field","name":{"kind":"Name","value":"plan"}},{"kind":"Field","name":{"kind":"Name","value":"raisedBy"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"features"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"unlockedBy"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"billingCatalogue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"stripeEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"plans"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plan"}},{"kind":"Field","name":{"kind":"Name","value":"checkoutAvailable"}}]}},{"kind":"Field","name":{"kind":"Name","value":"features"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"unlockedBy"}}]}},{"kind":"Field","name":{"kind":"Name","value":"limits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"values"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plan"}},{"kind":"Field","name":{"kind":"Name","value":"max"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BillingStateFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TenantBilling"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plan"}},{"kind":"Field","name":{"kind":"Name","value":"effectivePlan"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"trialEndsAt"}},{"kind":"Field","name":{"kind":"Name","value":"currentPeriodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"cancelAtPeriodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"graceEndsAt"}}]}}]} as unknown as DocumentNode<BillingQuery, BillingQueryVariables>;
export const BillingBannerDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"BillingBanner"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"billing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BillingStateFields"}},{"kind":"Field","name":{"kind":"Name","value":"stripeEnabled"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BillingStateFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TenantBilling"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plan"}},{"kind":"Field","name":{"kind":"Name","value":"effectivePlan"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"trialEndsAt"}},{"kind":"Field","name":{"kind":"Name","value":"currentPeriodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"cancelAtPeriodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"graceEndsAt"}}]}}]} as unknown as DocumentNode<BillingBannerQuery, BillingBannerQueryVariables>;
export const BillingChangedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"BillingChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"billingChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BillingStateFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BillingStateFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TenantBilling"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plan"}},{"kind":"Field","name":{"kind":"Name","value":"effectivePlan"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"trialEndsAt"}},{"kind":"Field","name":{"kind":"Name","value":"currentPeriodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"cancelAtPeriodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"graceEndsAt"}}]}}]} as unknown as DocumentNode<BillingChangedSubscription, BillingChangedSubscriptionVariables>;
export const CreateCheckoutSessionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateCheckoutSession"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateCheckoutSessionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createCheckoutSession"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<CreateCheckoutSessionMutation, CreateCheckoutSessionMutationVariables>;
export const CreateBillingPortalSessionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateBillingPortalSession"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateBillingPortalSessionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createBillingPortalSession"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<CreateBillingPortalSessionMutation, CreateBillingPortalSessionMutationVariables>;
export const NotificationChannelsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"NotificationChannels"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"notificationChannels"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NotificationChannelFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NotificationChannelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"NotificationChannel"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"target"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"subscriptions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"incidentsOpened"}},{"kind":"Field","name":{"kind":"Name","value":"incidentsClosed"}},{"kind":"Field","name":{"kind":"Name","value":"minIncidentSeverity"}},{"kind":"Field","name":{"kind":"Name","value":"actionsAwaitingApproval"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotModeChanges"}},{"kind":"Field","name":{"kind":"Name","value":"dailyDigest"}}]}}]}}]} as unknown as DocumentNode<NotificationChannelsQuery, NotificationChannelsQueryVariables>;
export const NotificationDeliveriesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"NotificationDeliveries"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"notificationDeliveries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"responseCode"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"sentAt"}},{"kind":"Field","name":{"kind":"Name","value":"channel"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<NotificationDeliveriesQuery, NotificationDeliveriesQueryVariables>;
export const CreateNotificationChannelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateNotificationChannel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateNotificationChannelInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createNotificationChannel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"channel"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NotificationChannelFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"signingSecret"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NotificationChannelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"NotificationChannel"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"target"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"subscriptions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"incidentsOpened"}},{"kind":"Field","name":{"kind":"Name","value":"incidentsClosed"}},{"kind":"Field","name":{"kind":"Name","value":"minIncidentSeverity"}},{"kind":"Field","name":{"kind":"Name","value":"actionsAwaitingApproval"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotModeChanges"}},{"kind":"Field","name":{"kind":"Name","value":"dailyDigest"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<CreateNotificationChannelMutation, CreateNotificationChannelMutationVariables>;
export const UpdateNotificationChannelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateNotificationChannel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateNotificationChannelInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateNotificationChannel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"channel"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NotificationChannelFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NotificationChannelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"NotificationChannel"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"target"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"subscriptions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"incidentsOpened"}},{"kind":"Field","name":{"kind":"Name","value":"incidentsClosed"}},{"kind":"Field","name":{"kind":"Name","value":"minIncidentSeverity"}},{"kind":"Field","name":{"kind":"Name","value":"actionsAwaitingApproval"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotModeChanges"}},{"kind":"Field","name":{"kind":"Name","value":"dailyDigest"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<UpdateNotificationChannelMutation, UpdateNotificationChannelMutationVariables>;
export const DeleteNotificationChannelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteNotificationChannel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"IdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteNotificationChannel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deletedChannelId"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<DeleteNotificationChannelMutation, DeleteNotificationChannelMutationVariables>;
export const TestNotificationChannelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"TestNotificationChannel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"IdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"testNotificationChannel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"delivery"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<TestNotificationChannelMutation, TestNotificationChannelMutationVariables>;
export const MembersDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Members"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"members"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"joinedAt"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnabled"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<MembersQuery, MembersQueryVariables>;
export const ChangeMemberRoleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ChangeMemberRole"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ChangeMemberRoleInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"changeMemberRole"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"member"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<ChangeMemberRoleMutation, ChangeMemberRoleMutationVariables>;
export const RemoveMemberDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RemoveMember"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RemoveMemberInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"removeMember"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"member"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<RemoveMemberMutation, RemoveMemberMutationVariables>;
export const InvitesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Invites"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"invites"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"InviteFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InviteFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Invite"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"acceptedAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]} as unknown as DocumentNode<InvitesQuery, InvitesQueryVariables>;
export const UsageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"used"}},{"kind":"Field","name":{"kind":"Name","value":"max"}},{"kind":"Field","name":{"kind":"Name","value":"warning"}},{"kind":"Field","name":{"kind":"Name","value":"plan"}},{"kind":"Field","name":{"kind":"Name","value":"raisedBy"}}]}}]}}]}}]}}]} as unknown as DocumentNode<UsageQuery, UsageQueryVariables>;
export const InviteMemberDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"InviteMember"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"InviteMemberInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inviteMember"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"invite"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"InviteFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"inviteToken"}},{"kind":"Field","name":{"kind":"Name","value":"emailQueued"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InviteFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Invite"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"acceptedAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<InviteMemberMutation, InviteMemberMutationVariables>;
export const RevokeInviteDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RevokeInvite"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"IdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeInvite"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"invite"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"InviteFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InviteFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Invite"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"acceptedAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<RevokeInviteMutation, RevokeInviteMutationVariables>;
export const ApiKeysDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ApiKeys"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiKeys"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ApiKeyFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ApiKeyFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApiKey"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsedAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<ApiKeysQuery, ApiKeysQueryVariables>;
export const CreateApiKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateApiKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateApiKeyInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createApiKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiKey"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ApiKeyFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ApiKeyFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApiKey"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsedAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<CreateApiKeyMutation, CreateApiKeyMutationVariables>;
export const RevokeApiKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RevokeApiKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"IdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeApiKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiKey"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ApiKeyFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ApiKeyFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApiKey"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsedAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<RevokeApiKeyMutation, RevokeApiKeyMutationVariables>;
export const EnrollMfaDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"EnrollMfa"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"enrollMfa"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"otpauthUri"}},{"kind":"Field","name":{"kind":"Name","value":"qrCodePng"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<EnrollMfaMutation, EnrollMfaMutationVariables>;
export const ConfirmMfaDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConfirmMfa"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"MfaCodeInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"confirmMfa"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"backupCodes"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<ConfirmMfaMutation, ConfirmMfaMutationVariables>;
export const DisableMfaDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DisableMfa"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"MfaCodeInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"disableMfa"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnabled"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<DisableMfaMutation, DisableMfaMutationVariables>;
export const RegenerateBackupCodesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RegenerateBackupCodes"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"MfaCodeInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"regenerateBackupCodes"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"backupCodes"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<RegenerateBackupCodesMutation, RegenerateBackupCodesMutationVariables>;
export const AuditLogDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AuditLog"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"AuditLogFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"auditLog"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"actorType"}},{"kind":"Field","name":{"kind":"Name","value":"actorEmail"}},{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"targetType"}},{"kind":"Field","name":{"kind":"Name","value":"targetId"}},{"kind":"Field","name":{"kind":"Name","value":"ip"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"details"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<AuditLogQuery, AuditLogQueryVariables>;
export const UpdateTenantSettingsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateTenantSettings"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateTenantSettingsInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateTenantSettings"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"requireMfa"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<UpdateTenantSettingsMutation, UpdateTenantSettingsMutationVariables>;
export const SourcesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Sources"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sources"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SourceFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SourceFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Source"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"writeKeyPrefix"}},{"kind":"Field","name":{"kind":"Name","value":"rateLimitPerSecond"}},{"kind":"Field","name":{"kind":"Name","value":"received"}},{"kind":"Field","name":{"kind":"Name","value":"rejected"}},{"kind":"Field","name":{"kind":"Name","value":"lastEventAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}}]} as unknown as DocumentNode<SourcesQuery, SourcesQueryVariables>;
export const CreateSourceDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateSource"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateSourceInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createSource"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"source"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SourceFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"writeKey"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SourceFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Source"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"writeKeyPrefix"}},{"kind":"Field","name":{"kind":"Name","value":"rateLimitPerSecond"}},{"kind":"Field","name":{"kind":"Name","value":"received"}},{"kind":"Field","name":{"kind":"Name","value":"rejected"}},{"kind":"Field","name":{"kind":"Name","value":"lastEventAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}}]} as unknown as DocumentNode<CreateSourceMutation, CreateSourceMutationVariables>;
export const SetSourceEnabledDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SetSourceEnabled"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SetSourceEnabledInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setSourceEnabled"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"source"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SourceFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SourceFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Source"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"writeKeyPrefix"}},{"kind":"Field","name":{"kind":"Name","value":"rateLimitPerSecond"}},{"kind":"Field","name":{"kind":"Name","value":"received"}},{"kind":"Field","name":{"kind":"Name","value":"rejected"}},{"kind":"Field","name":{"kind":"Name","value":"lastEventAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}}]} as unknown as DocumentNode<SetSourceEnabledMutation, SetSourceEnabledMutationVariables>;
export const SetSourceRateLimitDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SetSourceRateLimit"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SetSourceRateLimitInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setSourceRateLimit"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"source"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SourceFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SourceFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Source"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"writeKeyPrefix"}},{"kind":"Field","name":{"kind":"Name","value":"rateLimitPerSecond"}},{"kind":"Field","name":{"kind":"Name","value":"received"}},{"kind":"Field","name":{"kind":"Name","value":"rejected"}},{"kind":"Field","name":{"kind":"Name","value":"lastEventAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}}]} as unknown as DocumentNode<SetSourceRateLimitMutation, SetSourceRateLimitMutationVariables>;
export const RotateSourceWriteKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RotateSourceWriteKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RotateSourceWriteKeyInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rotateSourceWriteKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"source"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SourceFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"writeKey"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SourceFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Source"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"writeKeyPrefix"}},{"kind":"Field","name":{"kind":"Name","value":"rateLimitPerSecond"}},{"kind":"Field","name":{"kind":"Name","value":"received"}},{"kind":"Field","name":{"kind":"Name","value":"rejected"}},{"kind":"Field","name":{"kind":"Name","value":"lastEventAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}}]} as unknown as DocumentNode<RotateSourceWriteKeyMutation, RotateSourceWriteKeyMutationVariables>;
export const EventReceivedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"EventReceived"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"sourceId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"eventReceived"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"sourceId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"sourceId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"receivedAt"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"messageId"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"payload"}},{"kind":"Field","name":{"kind":"Name","value":"truncated"}},{"kind":"Field","name":{"kind":"Name","value":"error"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}}]}}]}}]}}]} as unknown as DocumentNode<EventReceivedSubscription, EventReceivedSubscriptionVariables>;
export const TraitDefinitionsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TraitDefinitions"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"traitDefinitions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TraitDefinitionFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TraitDefinitionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TraitDefinition"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"aggregation"}},{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"filter"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"property"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"valueProperty"}},{"kind":"Field","name":{"kind":"Name","value":"windowDays"}},{"kind":"Field","name":{"kind":"Name","value":"backfill"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"total"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<TraitDefinitionsQuery, TraitDefinitionsQueryVariables>;
export const CreateTraitDefinitionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateTraitDefinition"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateTraitDefinitionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createTraitDefinition"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"definition"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TraitDefinitionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TraitDefinitionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TraitDefinition"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"aggregation"}},{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"filter"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"property"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"valueProperty"}},{"kind":"Field","name":{"kind":"Name","value":"windowDays"}},{"kind":"Field","name":{"kind":"Name","value":"backfill"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"total"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<CreateTraitDefinitionMutation, CreateTraitDefinitionMutationVariables>;
export const UpdateTraitDefinitionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateTraitDefinition"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateTraitDefinitionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateTraitDefinition"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"definition"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TraitDefinitionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TraitDefinitionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TraitDefinition"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"aggregation"}},{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"filter"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"property"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"valueProperty"}},{"kind":"Field","name":{"kind":"Name","value":"windowDays"}},{"kind":"Field","name":{"kind":"Name","value":"backfill"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"done"}},{"kind":"Field","name":{"kind":"Name","value":"total"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<UpdateTraitDefinitionMutation, UpdateTraitDefinitionMutationVariables>;
export const DeleteTraitDefinitionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteTraitDefinition"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DeleteTraitDefinitionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteTraitDefinition"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deletedDefinitionId"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<DeleteTraitDefinitionMutation, DeleteTraitDefinitionMutationVariables>;
export const ViewerDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ViewerFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ViewerFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Viewer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"emailVerified"}}]}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"requireMfa"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"memberships"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"mfaVerified"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnrollmentRequired"}}]}}]} as unknown as DocumentNode<ViewerQuery, ViewerQueryVariables>;
export const LogInDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"LogIn"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"LogInInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"logIn"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AuthResult"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ViewerFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Viewer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"emailVerified"}}]}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"requireMfa"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"memberships"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"mfaVerified"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnrollmentRequired"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AuthResult"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"mfaRequired"}},{"kind":"Field","name":{"kind":"Name","value":"challengeToken"}},{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ViewerFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]} as unknown as DocumentNode<LogInMutation, LogInMutationVariables>;
export const SignUpDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SignUp"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SignUpInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"signUp"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AuthResult"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ViewerFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Viewer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"emailVerified"}}]}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"requireMfa"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"memberships"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"mfaVerified"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnrollmentRequired"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AuthResult"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"mfaRequired"}},{"kind":"Field","name":{"kind":"Name","value":"challengeToken"}},{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ViewerFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]} as unknown as DocumentNode<SignUpMutation, SignUpMutationVariables>;
export const VerifyMfaDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"VerifyMfa"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"VerifyMfaInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"verifyMfa"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AuthResult"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ViewerFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Viewer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"emailVerified"}}]}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"requireMfa"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"memberships"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"mfaVerified"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnrollmentRequired"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AuthResult"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"mfaRequired"}},{"kind":"Field","name":{"kind":"Name","value":"challengeToken"}},{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ViewerFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]} as unknown as DocumentNode<VerifyMfaMutation, VerifyMfaMutationVariables>;
export const SwitchTenantDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SwitchTenant"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SwitchTenantInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"switchTenant"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AuthResult"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ViewerFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Viewer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"emailVerified"}}]}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"requireMfa"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"memberships"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"mfaVerified"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnrollmentRequired"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AuthResult"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"mfaRequired"}},{"kind":"Field","name":{"kind":"Name","value":"challengeToken"}},{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ViewerFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]} as unknown as DocumentNode<SwitchTenantMutation, SwitchTenantMutationVariables>;
export const LogOutDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"LogOut"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"logOut"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"success"}}]}}]}}]} as unknown as DocumentNode<LogOutMutation, LogOutMutationVariables>;
export const RefreshSessionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RefreshSession"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"refreshSession"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<RefreshSessionMutation, RefreshSessionMutationVariables>;
export const AcceptInviteDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AcceptInvite"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AcceptInviteInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"acceptInvite"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AuthResult"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ViewerFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Viewer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"emailVerified"}}]}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"requireMfa"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"memberships"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"mfaVerified"}},{"kind":"Field","name":{"kind":"Name","value":"mfaEnrollmentRequired"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AuthResult"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"mfaRequired"}},{"kind":"Field","name":{"kind":"Name","value":"challengeToken"}},{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ViewerFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]} as unknown as DocumentNode<AcceptInviteMutation, AcceptInviteMutationVariables>;
export const RequestPasswordResetDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RequestPasswordReset"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RequestPasswordResetInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requestPasswordReset"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<RequestPasswordResetMutation, RequestPasswordResetMutationVariables>;
export const ResetPasswordDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ResetPassword"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ResetPasswordInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resetPassword"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<ResetPasswordMutation, ResetPasswordMutationVariables>;
export const VerifyEmailDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"VerifyEmail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"VerifyEmailInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"verifyEmail"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<VerifyEmailMutation, VerifyEmailMutationVariables>;
export const ResendVerificationEmailDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ResendVerificationEmail"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resendVerificationEmail"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<ResendVerificationEmailMutation, ResendVerificationEmailMutationVariables>;
export const ActorNamesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ActorNames"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"actors"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"actorNames"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"actors"},"value":{"kind":"Variable","name":{"kind":"Name","value":"actors"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"member"}}]}}]}}]} as unknown as DocumentNode<ActorNamesQuery, ActorNamesQueryVariables>;
export const OverviewDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Overview"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"signalHealth"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SignalHealthFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platformHealth"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SignalHealthFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"platformStatuses"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"PlatformStatusFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SignalHealthFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SignalHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"emq"}},{"kind":"Field","name":{"kind":"Name","value":"outage"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"statusChangedAt"}},{"kind":"Field","name":{"kind":"Name","value":"issues"}},{"kind":"Field","name":{"kind":"Name","value":"components"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"weight"}},{"kind":"Field","name":{"kind":"Name","value":"baseWeight"}},{"kind":"Field","name":{"kind":"Name","value":"known"}}]}},{"kind":"Field","name":{"kind":"Name","value":"issueDetails"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"component"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"impact"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PlatformStatusFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PlatformStatus"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"changedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}}]}}]} as unknown as DocumentNode<OverviewQuery, OverviewQueryVariables>;
export const TrustGateDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TrustGate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trustGate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TrustGateFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TrustGateFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustGate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"autopilotMode"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotLevel"}},{"kind":"Field","name":{"kind":"Name","value":"enforcementMode"}},{"kind":"Field","name":{"kind":"Name","value":"killSwitch"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"verdict"}},{"kind":"Field","name":{"kind":"Name","value":"decisionCounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pass"}},{"kind":"Field","name":{"kind":"Name","value":"hold"}},{"kind":"Field","name":{"kind":"Name","value":"block"}}]}}]}}]} as unknown as DocumentNode<TrustGateQuery, TrustGateQueryVariables>;
export const SignalHealthHistoryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SignalHealthHistory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"range"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"HistoryRange"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"signalHealthTrend"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"range"},"value":{"kind":"Variable","name":{"kind":"Name","value":"range"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"range"}},{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"bucketMinutes"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}},{"kind":"Field","name":{"kind":"Name","value":"points"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bucket"}},{"kind":"Field","name":{"kind":"Name","value":"average"}},{"kind":"Field","name":{"kind":"Name","value":"min"}},{"kind":"Field","name":{"kind":"Name","value":"max"}},{"kind":"Field","name":{"kind":"Name","value":"last"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"simulated"}}]}}]}}]}}]} as unknown as DocumentNode<SignalHealthHistoryQuery, SignalHealthHistoryQueryVariables>;
export const IncidentsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Incidents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"state"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"IncidentState"}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"severity"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"IncidentSeverity"}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"incidents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"state"},"value":{"kind":"Variable","name":{"kind":"Name","value":"state"}}},{"kind":"Argument","name":{"kind":"Name","value":"severity"},"value":{"kind":"Variable","name":{"kind":"Name","value":"severity"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"IncidentSummaryFields"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"IncidentSummaryFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Incident"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"openedAt"}}]}}]} as unknown as DocumentNode<IncidentsQuery, IncidentsQueryVariables>;
export const IncidentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Incident"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Incident"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"IncidentFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"IncidentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Incident"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"cause"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"openedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedBy"}},{"kind":"Field","name":{"kind":"Name","value":"resolvedAt"}},{"kind":"Field","name":{"kind":"Name","value":"resolvedBy"}},{"kind":"Field","name":{"kind":"Name","value":"resolution"}},{"kind":"Field","name":{"kind":"Name","value":"timeline"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}}]}}]}}]} as unknown as DocumentNode<IncidentQuery, IncidentQueryVariables>;
export const PendingActionsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PendingActions"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"actions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"phase"},"value":{"kind":"EnumValue","value":"WAITING"}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ActionFields"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"GateDecisionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustAuditEntry"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"cause"}},{"kind":"Field","name":{"kind":"Name","value":"allowedRun"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"actorEmail"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ActionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Action"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"riskClass"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"phase"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"campaign"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"ruleName"}},{"kind":"Field","name":{"kind":"Name","value":"sources"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ruleName"}},{"kind":"Field","name":{"kind":"Name","value":"proposedBy"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}},{"kind":"Field","name":{"kind":"Name","value":"resolution"}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"before"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"after"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"approvedBy"}},{"kind":"Field","name":{"kind":"Name","value":"approvedAt"}},{"kind":"Field","name":{"kind":"Name","value":"appliedBy"}},{"kind":"Field","name":{"kind":"Name","value":"appliedAt"}},{"kind":"Field","name":{"kind":"Name","value":"overrideReason"}},{"kind":"Field","name":{"kind":"Name","value":"dismissedBy"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"gateDecisions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"decidingGate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}}]}}]} as unknown as DocumentNode<PendingActionsQuery, PendingActionsQueryVariables>;
export const ActionHistoryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ActionHistory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"status"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ActionStatus"}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"actions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"phase"},"value":{"kind":"EnumValue","value":"HANDLED"}},{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"Variable","name":{"kind":"Name","value":"status"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ActionFields"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"GateDecisionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustAuditEntry"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"cause"}},{"kind":"Field","name":{"kind":"Name","value":"allowedRun"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"actorEmail"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ActionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Action"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"riskClass"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"phase"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"campaign"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"ruleName"}},{"kind":"Field","name":{"kind":"Name","value":"sources"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ruleName"}},{"kind":"Field","name":{"kind":"Name","value":"proposedBy"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}},{"kind":"Field","name":{"kind":"Name","value":"resolution"}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"before"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"after"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"approvedBy"}},{"kind":"Field","name":{"kind":"Name","value":"approvedAt"}},{"kind":"Field","name":{"kind":"Name","value":"appliedBy"}},{"kind":"Field","name":{"kind":"Name","value":"appliedAt"}},{"kind":"Field","name":{"kind":"Name","value":"overrideReason"}},{"kind":"Field","name":{"kind":"Name","value":"dismissedBy"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"gateDecisions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"decidingGate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}}]}}]} as unknown as DocumentNode<ActionHistoryQuery, ActionHistoryQueryVariables>;
export const RecentActionsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RecentActions"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"actions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"phase"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"decidingGate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"campaign"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"GateDecisionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustAuditEntry"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"cause"}},{"kind":"Field","name":{"kind":"Name","value":"allowedRun"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"actorEmail"}}]}}]} as unknown as DocumentNode<RecentActionsQuery, RecentActionsQueryVariables>;
export const SimulatedDegradationsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SimulatedDegradations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"simulatedDegradations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"component"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}}]}}]}}]} as unknown as DocumentNode<SimulatedDegradationsQuery, SimulatedDegradationsQueryVariables>;
export const ApproveActionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ApproveAction"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ActionIdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"approveAction"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ActionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"GateDecisionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustAuditEntry"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"cause"}},{"kind":"Field","name":{"kind":"Name","value":"allowedRun"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"actorEmail"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ActionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Action"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"riskClass"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"phase"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"campaign"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"ruleName"}},{"kind":"Field","name":{"kind":"Name","value":"sources"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ruleName"}},{"kind":"Field","name":{"kind":"Name","value":"proposedBy"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}},{"kind":"Field","name":{"kind":"Name","value":"resolution"}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"before"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"after"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"approvedBy"}},{"kind":"Field","name":{"kind":"Name","value":"approvedAt"}},{"kind":"Field","name":{"kind":"Name","value":"appliedBy"}},{"kind":"Field","name":{"kind":"Name","value":"appliedAt"}},{"kind":"Field","name":{"kind":"Name","value":"overrideReason"}},{"kind":"Field","name":{"kind":"Name","value":"dismissedBy"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"gateDecisions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"decidingGate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<ApproveActionMutation, ApproveActionMutationVariables>;
export const DismissActionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DismissAction"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ActionIdInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dismissAction"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ActionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"GateDecisionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustAuditEntry"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"cause"}},{"kind":"Field","name":{"kind":"Name","value":"allowedRun"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"actorEmail"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ActionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Action"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"riskClass"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"phase"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"campaign"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"ruleName"}},{"kind":"Field","name":{"kind":"Name","value":"sources"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ruleName"}},{"kind":"Field","name":{"kind":"Name","value":"proposedBy"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}},{"kind":"Field","name":{"kind":"Name","value":"resolution"}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"before"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"after"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"approvedBy"}},{"kind":"Field","name":{"kind":"Name","value":"approvedAt"}},{"kind":"Field","name":{"kind":"Name","value":"appliedBy"}},{"kind":"Field","name":{"kind":"Name","value":"appliedAt"}},{"kind":"Field","name":{"kind":"Name","value":"overrideReason"}},{"kind":"Field","name":{"kind":"Name","value":"dismissedBy"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"gateDecisions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"decidingGate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<DismissActionMutation, DismissActionMutationVariables>;
export const ApplyActionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ApplyAction"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ApplyActionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"applyAction"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ActionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"GateDecisionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustAuditEntry"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"cause"}},{"kind":"Field","name":{"kind":"Name","value":"allowedRun"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"actorEmail"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ActionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Action"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"riskClass"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"phase"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"campaign"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"ruleName"}},{"kind":"Field","name":{"kind":"Name","value":"sources"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ruleName"}},{"kind":"Field","name":{"kind":"Name","value":"proposedBy"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}},{"kind":"Field","name":{"kind":"Name","value":"resolution"}},{"kind":"Field","name":{"kind":"Name","value":"params"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"before"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"after"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"approvedBy"}},{"kind":"Field","name":{"kind":"Name","value":"approvedAt"}},{"kind":"Field","name":{"kind":"Name","value":"appliedBy"}},{"kind":"Field","name":{"kind":"Name","value":"appliedAt"}},{"kind":"Field","name":{"kind":"Name","value":"overrideReason"}},{"kind":"Field","name":{"kind":"Name","value":"dismissedBy"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"gateDecisions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"decidingGate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<ApplyActionMutation, ApplyActionMutationVariables>;
export const AcknowledgeIncidentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AcknowledgeIncident"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AcknowledgeIncidentInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"acknowledgeIncident"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"incident"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"IncidentFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"IncidentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Incident"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"cause"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"openedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedBy"}},{"kind":"Field","name":{"kind":"Name","value":"resolvedAt"}},{"kind":"Field","name":{"kind":"Name","value":"resolvedBy"}},{"kind":"Field","name":{"kind":"Name","value":"resolution"}},{"kind":"Field","name":{"kind":"Name","value":"timeline"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<AcknowledgeIncidentMutation, AcknowledgeIncidentMutationVariables>;
export const ResolveIncidentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ResolveIncident"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ResolveIncidentInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resolveIncident"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"incident"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"IncidentFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"IncidentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Incident"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"cause"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"openedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedBy"}},{"kind":"Field","name":{"kind":"Name","value":"resolvedAt"}},{"kind":"Field","name":{"kind":"Name","value":"resolvedBy"}},{"kind":"Field","name":{"kind":"Name","value":"resolution"}},{"kind":"Field","name":{"kind":"Name","value":"timeline"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<ResolveIncidentMutation, ResolveIncidentMutationVariables>;
export const SimulateDegradationDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SimulateDegradation"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SimulateSignalDegradationInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"simulateSignalDegradation"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"degradations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"component"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<SimulateDegradationMutation, SimulateDegradationMutationVariables>;
export const SimulateRecoveryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SimulateRecovery"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SimulateSignalRecoveryInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"simulateSignalRecovery"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"degradations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"component"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"UserErrorFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"UserErrorFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]} as unknown as DocumentNode<SimulateRecoveryMutation, SimulateRecoveryMutationVariables>;
export const SignalHealthChangedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"SignalHealthChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"signalHealthChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"emq"}},{"kind":"Field","name":{"kind":"Name","value":"outage"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"statusChangedAt"}}]}}]}}]} as unknown as DocumentNode<SignalHealthChangedSubscription, SignalHealthChangedSubscriptionVariables>;
export const EmqUpdatedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"EmqUpdated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"emqUpdated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"signalHealth"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"emq"}}]}}]}}]}}]} as unknown as DocumentNode<EmqUpdatedSubscription, EmqUpdatedSubscriptionVariables>;
export const AutopilotModeChangedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"AutopilotModeChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"autopilotModeChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TrustGateFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TrustGateFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustGate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"autopilotMode"}},{"kind":"Field","name":{"kind":"Name","value":"autopilotLevel"}},{"kind":"Field","name":{"kind":"Name","value":"enforcementMode"}},{"kind":"Field","name":{"kind":"Name","value":"killSwitch"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"verdict"}},{"kind":"Field","name":{"kind":"Name","value":"decisionCounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pass"}},{"kind":"Field","name":{"kind":"Name","value":"hold"}},{"kind":"Field","name":{"kind":"Name","value":"block"}}]}}]}}]} as unknown as DocumentNode<AutopilotModeChangedSubscription, AutopilotModeChangedSubscriptionVariables>;
export const PlatformStatusChangedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"PlatformStatusChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platformStatusChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"PlatformStatusFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PlatformStatusFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PlatformStatus"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"changedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}}]}}]} as unknown as DocumentNode<PlatformStatusChangedSubscription, PlatformStatusChangedSubscriptionVariables>;
export const ActionStatusUpdatedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ActionStatusUpdated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"actionStatusUpdated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"phase"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"after"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"dailyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"bid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"approvedBy"}},{"kind":"Field","name":{"kind":"Name","value":"approvedAt"}},{"kind":"Field","name":{"kind":"Name","value":"appliedBy"}},{"kind":"Field","name":{"kind":"Name","value":"appliedAt"}},{"kind":"Field","name":{"kind":"Name","value":"dismissedBy"}},{"kind":"Field","name":{"kind":"Name","value":"overrideReason"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"gateDecisions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"decidingGate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GateDecisionFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"GateDecisionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TrustAuditEntry"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"decision"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"cause"}},{"kind":"Field","name":{"kind":"Name","value":"allowedRun"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"actorEmail"}}]}}]} as unknown as DocumentNode<ActionStatusUpdatedSubscription, ActionStatusUpdatedSubscriptionVariables>;
export const IncidentOpenedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"IncidentOpened"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"incidentOpened"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"IncidentSummaryFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"IncidentSummaryFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Incident"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"openedAt"}}]}}]} as unknown as DocumentNode<IncidentOpenedSubscription, IncidentOpenedSubscriptionVariables>;
export const IncidentUpdatedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"IncidentUpdated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"incidentUpdated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"IncidentSummaryFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"IncidentSummaryFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Incident"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"openedAt"}}]}}]} as unknown as DocumentNode<IncidentUpdatedSubscription, IncidentUpdatedSubscriptionVariables>;
export const IncidentClosedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"IncidentClosed"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"incidentClosed"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"IncidentSummaryFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"IncidentSummaryFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Incident"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"openedAt"}}]}}]} as unknown as DocumentNode<IncidentClosedSubscription, IncidentClosedSubscriptionVariables>;