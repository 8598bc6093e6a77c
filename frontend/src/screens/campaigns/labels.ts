import type { Tone } from '../../components/ui'
import type { CampaignOrderField, CampaignStatus, OrderDirection } from '../../gql/graphql'

/** Campaign states in words, with the badge tone. */
export const CAMPAIGN_STATES: Record<CampaignStatus, { label: string; tone: Tone }> = {
  ACTIVE: { label: 'Active', tone: 'success' },
  PAUSED: { label: 'Paused', tone: 'warning' },
  ARCHIVED: { label: 'Archived', tone: 'neutral' },
}

/** What the table sorts by, as its column headings say it. */
export const ORDER_FIELDS: Record<CampaignOrderField, string> = {
  CREATED_AT: 'Newest',
  NAME: 'Name',
  SPEND: 'Spend',
  ROAS: 'ROAS',
  CPA: 'CPA',
}

export const ORDER_DIRECTIONS: Record<OrderDirection, string> = { ASC: 'Ascending', DESC: 'Descending' }

// MetricGranularity: no operation of the app asks for a granularity but DAY yet.
export const METRIC_GRANULARITIES: Record<'DAY' | 'WEEK' | 'MONTH', string> = {
  DAY: 'Daily',
  WEEK: 'Weekly',
  MONTH: 'Monthly',
}
