import { graphql } from '../../gql'

// A comparison or group; RuleFields nests it five deep, as deep as the
// server allows groups to go (4 levels) plus their comparisons.
export const ConditionFieldsFragment = graphql(`
  fragment ConditionFields on RuleCondition {
    op
    metric
    windowDays
    operator
    value
    timeWindow {
      fromHour
      toHour
      weekdays
    }
  }
`)

export const RuleFieldsFragment = graphql(`
  fragment RuleFields on AutomationRule {
    id
    name
    description
    logic
    builtin
    enabled
    conditions {
      ...ConditionFields
      conditions {
        ...ConditionFields
        conditions {
          ...ConditionFields
          conditions {
            ...ConditionFields
            conditions {
              ...ConditionFields
            }
          }
        }
      }
    }
    actions {
      type
      params {
        percent
        amount
        status
      }
    }
    params {
      name
      value
    }
    scheduleMinutes
    cooldownSeconds
    timeZone
    scope {
      platforms
      campaignIds
    }
    lastEvaluatedAt
  }
`)

export const ActionSimulationFieldsFragment = graphql(`
  fragment ActionSimulationFields on ActionSimulation {
    type
    campaign {
      id
      name
      currency
    }
    platform
    wouldExecute
    decision
    riskClass
    threshold
    score
    autopilotMode
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
    reasons
    warnings
  }
`)

export const EnforcementSettingsFieldsFragment = graphql(`
  fragment EnforcementSettingsFields on TrustGate {
    settings {
      killSwitch
      enforcementMode
      autopilotLevel
      maxDailyBudget
      maxCampaignBudget
      maxBudgetIncreasePct
      minRoas
      minRoasWindowDays
      maxBudgetChangesPerDay
      minHoursBetweenChanges
      updatedAt
    }
    enforcementRules {
      violationType
      mode
      threshold
      enabled
      updatedAt
    }
  }
`)

/** What the rules list shows; the editor loads the whole rule (RuleDocument). */
export const RuleSummaryFieldsFragment = graphql(`
  fragment RuleSummaryFields on AutomationRule {
    id
    name
    description
    logic
    builtin
    enabled
    scheduleMinutes
    lastEvaluatedAt
  }
`)

/** The rules list, and how many rules are enabled in all (the page's summary). */
export const AutomationRulesDocument = graphql(`
  query AutomationRules {
    automationRules(first: 15) {
      totalCount
      edges {
        node {
          ...RuleSummaryFields
        }
      }
    }
    enabledRules: automationRules(enabled: true, first: 0) {
      totalCount
    }
  }
`)

export const RuleDocument = graphql(`
  query Rule($id: ID!) {
    node(id: $id) {
      __typename
      ... on AutomationRule {
        ...RuleFields
      }
    }
  }
`)

/** Campaigns a rule can be scoped to, found by name (a search-as-you-type picker). */
export const CampaignOptionsDocument = graphql(`
  query CampaignOptions($search: String, $first: Int!) {
    campaigns(search: $search, first: $first, orderBy: { field: NAME, direction: ASC }) {
      totalCount
      edges {
        node {
          id
          name
          platform
        }
      }
    }
  }
`)

/** The names of the campaigns a rule is scoped to (shown ticked whatever the search finds). */
export const ScopedCampaignsDocument = graphql(`
  query ScopedCampaigns($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
      ... on Campaign {
        name
        platform
      }
    }
  }
`)

/** The campaigns' currencies, to say which currency the guardrails' budget caps are in. */
export const CampaignCurrenciesDocument = graphql(`
  query CampaignCurrencies {
    campaigns(first: 100) {
      pageInfo {
        hasNextPage
      }
      edges {
        node {
          id
          currency
        }
      }
    }
  }
`)

export const TrustSettingsDocument = graphql(`
  query TrustSettings {
    trustGate {
      ...TrustGateFields
      ...EnforcementSettingsFields
    }
  }
`)

export const CreateRuleDocument = graphql(`
  mutation CreateRule($input: AutomationRuleInput!) {
    createAutomationRule(input: $input) {
      rule {
        ...RuleFields
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const UpdateRuleDocument = graphql(`
  mutation UpdateRule($input: UpdateAutomationRuleInput!) {
    updateAutomationRule(input: $input) {
      rule {
        ...RuleFields
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const DeleteRuleDocument = graphql(`
  mutation DeleteRule($input: DeleteAutomationRuleInput!) {
    deleteAutomationRule(input: $input) {
      deletedRuleId
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const SetRuleEnabledDocument = graphql(`
  mutation SetRuleEnabled($input: SetRuleEnabledInput!) {
    setRuleEnabled(input: $input) {
      rule {
        ...RuleSummaryFields
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

/** One comparison of a dry run, as the dry-run panel lists it. */
export const RuleCheckFieldsFragment = graphql(`
  fragment RuleCheckFields on RuleCheck {
    path
    label
    metric
    windowDays
    value
    unit
    operator
    threshold
    passed
    note
  }
`)

export const SimulateRuleDocument = graphql(`
  mutation SimulateRule($input: SimulateRuleInput!) {
    simulateRule(input: $input) {
      campaignsEvaluated
      campaignsNotShown
      actions {
        ...ActionSimulationFields
      }
      campaigns {
        campaign {
          id
          name
          currency
        }
        evaluated
        wouldPropose
        outcome
        checks {
          ...RuleCheckFields
        }
        failedCheck {
          ...RuleCheckFields
        }
        proposals {
          type
        }
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const UpdateEnforcementSettingsDocument = graphql(`
  mutation UpdateEnforcementSettings($input: UpdateEnforcementSettingsInput!) {
    updateEnforcementSettings(input: $input) {
      trustGate {
        ...TrustGateFields
        ...EnforcementSettingsFields
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const SetKillSwitchDocument = graphql(`
  mutation SetKillSwitch($input: SetKillSwitchInput!) {
    setKillSwitch(input: $input) {
      trustGate {
        ...TrustGateFields
        ...EnforcementSettingsFields
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const SetAutopilotLevelDocument = graphql(`
  mutation SetAutopilotLevel($input: SetAutopilotLevelInput!) {
    setAutopilotLevel(input: $input) {
      trustGate {
        ...TrustGateFields
        ...EnforcementSettingsFields
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const PutEnforcementRuleDocument = graphql(`
  mutation PutEnforcementRule($input: PutEnforcementRuleInput!) {
    putEnforcementRule(input: $input) {
      enforcementRule {
        violationType
        mode
        threshold
        enabled
        updatedAt
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const DeleteEnforcementRuleDocument = graphql(`
  mutation DeleteEnforcementRule($input: DeleteEnforcementRuleInput!) {
    deleteEnforcementRule(input: $input) {
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

/** Ready-made rules the editor can start a new rule from. */
export const RuleTemplatesDocument = graphql(`
  query RuleTemplates {
    ruleTemplates {
      key
      name
      description
      logic
      conditions {
        ...ConditionFields
        conditions {
          ...ConditionFields
          conditions {
            ...ConditionFields
            conditions {
              ...ConditionFields
              conditions {
                ...ConditionFields
              }
            }
          }
        }
      }
      actions {
        type
        params {
          percent
          amount
          status
        }
      }
      scheduleMinutes
      cooldownSeconds
      timeZone
    }
  }
`)

/** A rule's activity log, newest first. */
export const RuleActivityDocument = graphql(`
  query RuleActivity($id: ID!, $first: Int!) {
    node(id: $id) {
      __typename
      ... on AutomationRule {
        id
        name
        activity(first: $first) {
          totalCount
          edges {
            cursor
            node {
              at
              kind
              campaignsEvaluated
              proposals
              actionType
              status
              detail
              campaign {
                id
                name
              }
            }
          }
        }
      }
    }
  }
`)
