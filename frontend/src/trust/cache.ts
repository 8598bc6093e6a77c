import type { TypePolicies } from '@apollo/client'
import { relayStylePagination } from '@apollo/client/utilities'

/**
 * Cache identities for the trust engine's objects that have no `id`, so
 * that a subscription event updates every query showing the same thing:
 * a SignalHealth is the tenant's (platform null) or one platform's, a
 * PlatformStatus is one platform's, and there is one TrustGate per tenant
 * (the cache is cleared when the session changes).
 */
export const trustTypePolicies: TypePolicies = {
  SignalHealth: { keyFields: ['platform'] },
  PlatformStatus: { keyFields: ['platform'] },
  TrustGate: { keyFields: [] },
  EnforcementSettings: { merge: true },
  GateDecisionCounts: { merge: true },
}

/**
 * Paged trust lists: "Load more" appends. Each filter, and each page size,
 * is its own list, so the overview's five newest incidents never stand in
 * for the incident screen's first page.
 */
export const trustQueryFields = {
  actions: relayStylePagination(['phase', 'status', 'ruleId', 'campaignId', 'first']),
  incidents: relayStylePagination(['state', 'severity', 'platform', 'first']),
  campaigns: relayStylePagination(['platform', 'status', 'search', 'orderBy', 'first']),
}
