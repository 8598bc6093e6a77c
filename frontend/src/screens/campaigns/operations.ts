import { graphql } from '../../gql'

/** Numbers of a campaign over the screen's date range. */
export const CampaignTotalsFragment = graphql(`
  fragment CampaignTotals on CampaignMetricValues {
    spend {
      micros
      amount
      currency
    }
    conversionValue {
      micros
      amount
      currency
    }
    conversions
    roas
    cpa {
      micros
      amount
      currency
    }
    ctr
  }
`)

/** The campaigns screen's table: one page, with each campaign's totals over from..to. */
export const CampaignsDocument = graphql(`
  query Campaigns(
    $first: Int!
    $after: String
    $platform: Platform
    $status: CampaignStatus
    $search: String
    $orderBy: CampaignOrder
    $from: String!
    $to: String!
  ) {
    campaigns(first: $first, after: $after, platform: $platform, status: $status, search: $search, orderBy: $orderBy) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      totals(from: $from, to: $to) {
        currency
        campaigns
        totals {
          spend {
            micros
            amount
          }
        }
      }
      edges {
        node {
          id
          name
          platform
          state
          currency
          simulated
          account {
            id
            name
            timeZone
          }
          metrics(from: $from, to: $to) {
            totals {
              ...CampaignTotals
            }
          }
        }
      }
    }
  }
`)

/** A campaign's daily series and the actions and gate decisions that touched it. */
export const CampaignDetailDocument = graphql(`
  query CampaignDetail($id: ID!, $from: String!, $to: String!) {
    node(id: $id) {
      __typename
      id
      ... on Campaign {
        name
        currency
        simulated
        metrics(from: $from, to: $to, granularity: DAY) {
          points {
            date
            spend {
              amount
            }
            conversionValue {
              amount
            }
            conversions
            roas
          }
        }
      }
    }
    actions(campaignId: $id, first: 10) {
      totalCount
      edges {
        node {
          id
          type
          status
          createdAt
          ruleName
        }
      }
    }
    trustAuditLog(campaignId: $id, first: 10) {
      totalCount
      edges {
        node {
          id
          at
          decision
          actionType
          dryRun
          reasons
        }
      }
    }
  }
`)
