import { graphql } from '../../gql'

/** A profile's consent for each purpose (null: no such profile). */
export const ProfileConsentsDocument = graphql(`
  query ProfileConsents($profileId: ID!) {
    profileConsents(profileId: $profileId) {
      purpose
      state
      source
      decidedAt
    }
  }
`)

/** Sets one purpose's consent as an operator. */
export const SetConsentDocument = graphql(`
  mutation SetConsent($input: SetConsentInput!) {
    setConsent(input: $input) {
      consent {
        purpose
        state
        source
        decidedAt
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** What the screens show of a data-subject request. */
export const PrivacyRequestFieldsFragment = graphql(`
  fragment PrivacyRequestFields on PrivacyRequest {
    id
    kind
    status
    progress
    profileId
    requestedBy
    requestedByMe
    createdAt
    finishedAt
    error
    erasedEvents
    erasedIdentifiers
    exportBytes
    expiresAt
    downloadUrl
  }
`)

/** A page of data-subject requests, newest first. */
export const PrivacyRequestsDocument = graphql(`
  query PrivacyRequests($first: Int, $after: String) {
    privacyRequests(first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...PrivacyRequestFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

/** The suppression list in numbers. */
export const PrivacySuppressionsDocument = graphql(`
  query PrivacySuppressions {
    privacySuppressions {
      identifiers
      droppedEvents
      lastDroppedAt
    }
  }
`)

/** Starts a JSON export of a person's data. */
export const ExportProfileDataDocument = graphql(`
  mutation ExportProfileData($input: PrivacyRequestInput!) {
    exportProfileData(input: $input) {
      request {
        ...PrivacyRequestFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** Starts the erasure of a person. */
export const DeleteProfileDocument = graphql(`
  mutation DeleteProfile($input: PrivacyRequestInput!) {
    deleteProfile(input: $input) {
      request {
        ...PrivacyRequestFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)
