import { graphql } from '../../gql'

/** The latest RFM computation: every cell's count and revenue. */
export const RfmReportDocument = graphql(`
  query RfmReport {
    rfmReport {
      computedAt
      lookbackDays
      profiles
      cells {
        segment
        name
        count
        revenue
      }
    }
    rfmSettings {
      lookbackDays
      eventNames
      valueProperty
    }
  }
`)

/** A page of one RFM cell's profiles. */
export const RfmCellMembersDocument = graphql(`
  query RfmCellMembers($segment: RfmSegment!, $first: Int, $after: String) {
    rfmReport {
      cells(segment: $segment) {
        segment
        count
        members(first: $first, after: $after) {
          totalCount
          edges {
            cursor
            node {
              id
              canonicalIdentity {
                type
                value
              }
              lastSeenAt
              rfm {
                r
                f
                m
              }
            }
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  }
`)

/** Queues a computation now. */
export const RefreshRfmDocument = graphql(`
  mutation RefreshRfm {
    refreshRfm {
      queued
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** Replaces the RFM settings. */
export const UpdateRfmSettingsDocument = graphql(`
  mutation UpdateRfmSettings($input: UpdateRfmSettingsInput!) {
    updateRfmSettings(input: $input) {
      settings {
        lookbackDays
        eventNames
        valueProperty
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** A profile's RFM scores (the profile page's RFM card). */
export const ProfileRfmDocument = graphql(`
  query ProfileRfm($id: ID!) {
    profile(id: $id) {
      id
      rfm {
        r
        f
        m
        segment
        computedAt
      }
    }
  }
`)
