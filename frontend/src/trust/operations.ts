// GraphQL documents of the trust engine (graph/signals.graphqls,
// automation.graphqls, incidents.graphqls, platforms.graphqls), shared by the
// overview, automation, action-queue and incident screens and the app-wide
// live updates. Operation names matter: LiveUpdates refetches active queries
// by name when a subscription says a list changed.
import { graphql } from '../gql'

// Page sizes: the API charges a list query by its page size (the tenant's
// query-cost budget is ~1000–2000 points, refilled at 50–100 a second), so
// lists ask for what fits on screen.
/** Actions per page of the pending list. */
export const PENDING_PAGE = 5
/** Actions in the overview's recent list. */
export const RECENT_ACTIONS = 4

export const SignalHealthFieldsFragment = graphql(`
  fragment SignalHealthFields on SignalHealth {
    platform
    score
    status
    emq
    outage
    updatedAt
    statusChangedAt
    issues
    components {
      name
      score
      weight
      baseWeight
      known
    }
    issueDetails {
      component
      platform
      message
      impact
    }
  }
`)

export const TrustGateFieldsFragment = graphql(`
  fragment TrustGateFields on TrustGate {
    autopilotMode
    autopilotLevel
    enforcementMode
    killSwitch
    score
    status
    verdict
    decisionCounts {
      pass
      hold
      block
    }
  }
`)

export const PlatformStatusFieldsFragment = graphql(`
  fragment PlatformStatusFields on PlatformStatus {
    platform
    status
    message
    changedAt
    checkedAt
  }
`)

/** One gate decision on an action, as its timeline shows it. */
export const GateDecisionFieldsFragment = graphql(`
  fragment GateDecisionFields on TrustAuditEntry {
    id
    at
    decision
    score
    cause
    allowedRun
    actor
    actorEmail
  }
`)

export const ActionFieldsFragment = graphql(`
  fragment ActionFields on Action {
    id
    type
    riskClass
    status
    phase
    decision
    reasons
    warnings
    score
    platform
    campaign {
      id
      name
      currency
    }
    ruleName
    sources {
      ruleName
      proposedBy
      reason
      at
    }
    resolution
    params {
      percent
      amount
      status
    }
    before {
      status
      dailyBudget
      bid
    }
    after {
      status
      dailyBudget
      bid
    }
    createdBy
    approvedBy
    approvedAt
    appliedBy
    appliedAt
    overrideReason
    dismissedBy
    error
    createdAt
    updatedAt
    gateDecisions {
      ...GateDecisionFields
    }
    decidingGate {
      ...GateDecisionFields
    }
  }
`)

/** What incident lists show; the detail adds the rest (IncidentFields). */
export const IncidentSummaryFieldsFragment = graphql(`
  fragment IncidentSummaryFields on Incident {
    id
    platform
    title
    severity
    state
    openedAt
  }
`)

export const IncidentFieldsFragment = graphql(`
  fragment IncidentFields on Incident {
    id
    cause
    platform
    title
    severity
    state
    score
    openedAt
    acknowledgedAt
    acknowledgedBy
    resolvedAt
    resolvedBy
    resolution
    timeline {
      at
      kind
      message
      actor
    }
  }
`)

export const UserErrorFieldsFragment = graphql(`
  fragment UserErrorFields on UserError {
    field
    message
    code
  }
`)

// --- queries -------------------------------------------------------------------

/** The scores and platform statuses the overview shows. */
export const OverviewDocument = graphql(`
  query Overview {
    signalHealth {
      ...SignalHealthFields
    }
    platformHealth {
      ...SignalHealthFields
    }
    platformStatuses {
      ...PlatformStatusFields
    }
  }
`)

/** The gate's state; refetched when the overall score moves (its verdict follows the score). */
export const TrustGateDocument = graphql(`
  query TrustGate {
    trustGate {
      ...TrustGateFields
    }
  }
`)

/**
 * The overall score over a range, bucketed by the server (at most 60
 * points). Named SignalHealthHistory: LiveUpdates refetches it by name.
 */
export const SignalHealthHistoryDocument = graphql(`
  query SignalHealthHistory($range: HistoryRange!) {
    signalHealthTrend(range: $range) {
      range
      from
      to
      bucketMinutes
      simulated
      points {
        bucket
        average
        min
        max
        last
        status
        simulated
      }
    }
  }
`)

export const IncidentsDocument = graphql(`
  query Incidents($state: [IncidentState!], $severity: [IncidentSeverity!], $first: Int!, $after: String) {
    incidents(state: $state, severity: $severity, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...IncidentSummaryFields
        }
      }
    }
  }
`)

export const IncidentDocument = graphql(`
  query Incident($id: ID!) {
    node(id: $id) {
      __typename
      ... on Incident {
        ...IncidentFields
      }
    }
  }
`)

/** Actions waiting for a person: queued (held) and blocked. */
export const PendingActionsDocument = graphql(`
  query PendingActions($first: Int!, $after: String) {
    actions(phase: WAITING, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...ActionFields
        }
      }
    }
  }
`)

export const ActionHistoryDocument = graphql(`
  query ActionHistory($status: [ActionStatus!], $first: Int!, $after: String) {
    actions(phase: HANDLED, status: $status, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...ActionFields
        }
      }
    }
  }
`)

/** The newest actions in brief (the overview's list; the queue shows them in full). */
export const RecentActionsDocument = graphql(`
  query RecentActions($first: Int!) {
    actions(first: $first) {
      edges {
        node {
          id
          type
          status
          phase
          decision
          createdBy
          decidingGate {
            ...GateDecisionFields
          }
          params {
            percent
            amount
            status
          }
          campaign {
            id
            name
            currency
          }
          updatedAt
        }
      }
    }
  }
`)

export const SimulatedDegradationsDocument = graphql(`
  query SimulatedDegradations {
    simulatedDegradations {
      component
      severity
    }
  }
`)

// --- mutations -----------------------------------------------------------------

export const ApproveActionDocument = graphql(`
  mutation ApproveAction($input: ActionIdInput!) {
    approveAction(input: $input) {
      action {
        ...ActionFields
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const DismissActionDocument = graphql(`
  mutation DismissAction($input: ActionIdInput!) {
    dismissAction(input: $input) {
      action {
        ...ActionFields
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const ApplyActionDocument = graphql(`
  mutation ApplyAction($input: ApplyActionInput!) {
    applyAction(input: $input) {
      action {
        ...ActionFields
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const AcknowledgeIncidentDocument = graphql(`
  mutation AcknowledgeIncident($input: AcknowledgeIncidentInput!) {
    acknowledgeIncident(input: $input) {
      incident {
        ...IncidentFields
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const ResolveIncidentDocument = graphql(`
  mutation ResolveIncident($input: ResolveIncidentInput!) {
    resolveIncident(input: $input) {
      incident {
        ...IncidentFields
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const SimulateDegradationDocument = graphql(`
  mutation SimulateDegradation($input: SimulateSignalDegradationInput!) {
    simulateSignalDegradation(input: $input) {
      degradations {
        component
        severity
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const SimulateRecoveryDocument = graphql(`
  mutation SimulateRecovery($input: SimulateSignalRecoveryInput!) {
    simulateSignalRecovery(input: $input) {
      degradations {
        component
        severity
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

// --- subscriptions -------------------------------------------------------------
// Every subscription's start is charged its query cost, again on each
// reconnect (each page load): they select what changes, and the screens
// refetch the rest (see LiveUpdates).

/** The headline of a score; the overview refetches its breakdown. */
export const SignalHealthChangedDocument = graphql(`
  subscription SignalHealthChanged {
    signalHealthChanged {
      platform
      score
      status
      emq
      outage
      updatedAt
      statusChangedAt
    }
  }
`)

export const EmqUpdatedDocument = graphql(`
  subscription EmqUpdated {
    emqUpdated {
      signalHealth {
        platform
        emq
      }
    }
  }
`)

export const AutopilotModeChangedDocument = graphql(`
  subscription AutopilotModeChanged {
    autopilotModeChanged {
      ...TrustGateFields
    }
  }
`)

export const PlatformStatusChangedDocument = graphql(`
  subscription PlatformStatusChanged {
    platformStatusChanged {
      ...PlatformStatusFields
    }
  }
`)

export const ActionStatusUpdatedDocument = graphql(`
  subscription ActionStatusUpdated {
    actionStatusUpdated {
      id
      status
      phase
      decision
      reasons
      warnings
      score
      after {
        status
        dailyBudget
        bid
      }
      approvedBy
      approvedAt
      appliedBy
      appliedAt
      dismissedBy
      overrideReason
      error
      updatedAt
      gateDecisions {
        ...GateDecisionFields
      }
      decidingGate {
        ...GateDecisionFields
      }
    }
  }
`)

export const IncidentOpenedDocument = graphql(`
  subscription IncidentOpened {
    incidentOpened {
      ...IncidentSummaryFields
    }
  }
`)

export const IncidentUpdatedDocument = graphql(`
  subscription IncidentUpdated {
    incidentUpdated {
      ...IncidentSummaryFields
    }
  }
`)

export const IncidentClosedDocument = graphql(`
  subscription IncidentClosed {
    incidentClosed {
      ...IncidentSummaryFields
    }
  }
`)
