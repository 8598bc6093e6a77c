import { graphql } from '../../gql'

/** A funnel's definition, as the list and the editor show it. */
export const FunnelFieldsFragment = graphql(`
  fragment FunnelFields on Funnel {
    id
    name
    windowSeconds
    createdAt
    steps {
      event
      filter {
        path
        operator
        value
      }
    }
  }
`)

/** A page of the workspace's funnels, newest first. */
export const FunnelsDocument = graphql(`
  query Funnels($first: Int, $after: String) {
    funnels(first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...FunnelFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

/** One step's figures. */
export const FunnelStepResultFieldsFragment = graphql(`
  fragment FunnelStepResultFields on FunnelStepResult {
    index
    event
    entered
    converted
    dropOff
    conversionFromPrevious
    conversionFromStart
    medianSecondsFromPrevious
    medianSecondsFromStart
  }
`)

/** A funnel's report over a range, optionally broken down. */
export const FunnelReportDocument = graphql(`
  query FunnelReport($id: ID!, $from: Time!, $to: Time!, $breakdownBy: FunnelBreakdownInput) {
    funnelReport(id: $id, from: $from, to: $to, breakdownBy: $breakdownBy) {
      from
      to
      entered
      converted
      conversionRate
      steps {
        ...FunnelStepResultFields
      }
      breakdown {
        value
        other
        steps {
          ...FunnelStepResultFields
        }
      }
    }
  }
`)

export const CreateFunnelDocument = graphql(`
  mutation CreateFunnel($input: CreateFunnelInput!) {
    createFunnel(input: $input) {
      funnel {
        ...FunnelFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const UpdateFunnelDocument = graphql(`
  mutation UpdateFunnel($input: UpdateFunnelInput!) {
    updateFunnel(input: $input) {
      funnel {
        ...FunnelFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const DeleteFunnelDocument = graphql(`
  mutation DeleteFunnel($input: DeleteFunnelInput!) {
    deleteFunnel(input: $input) {
      deletedFunnelId
      userErrors {
        field
        message
        code
      }
    }
  }
`)
