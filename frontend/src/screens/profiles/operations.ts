import { graphql } from '../../gql'

/** A page of the workspace's profiles, most recently seen first. */
export const ProfilesDocument = graphql(`
  query Profiles($filter: ProfileFilter, $first: Int, $after: String) {
    profiles(filter: $filter, first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          id
          canonicalIdentity {
            type
            value
          }
          lifecycleStage
          lastSeenAt
          counters {
            eventCount
            purchaseCount
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

/** One event of a profile's timeline, with its properties for the payload viewer. */
export const ProfileEventFieldsFragment = graphql(`
  fragment ProfileEventFields on ProfileEvent {
    messageId
    type
    name
    timestamp
    receivedAt
    properties {
      key
      value
    }
    source {
      id
      name
    }
  }
`)

/** A profile (an absorbed profile's id answers its survivor) with a page of its events. */
export const ProfileDocument = graphql(`
  query Profile($id: ID!, $first: Int, $after: String) {
    profile(id: $id) {
      id
      canonicalIdentity {
        type
        value
      }
      identities {
        type
        value
      }
      traits {
        key
        value
      }
      ...ProfileComputedTraits
      lifecycleStage
      firstSeenAt
      lastSeenAt
      counters {
        eventCount
        sessionCount
        purchaseCount
        revenue
      }
      mergeHistory {
        survivorId
        absorbedId
        at
        undoneAt
        undone
      }
      refusedLinks {
        identity {
          type
          value
        }
        linkedTo {
          type
          value
        }
        reason
        detail
        at
      }
      events(first: $first, after: $after) {
        edges {
          cursor
          node {
            ...ProfileEventFields
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`)

/** Takes a merged profile back out of its survivor. */
export const UnmergeProfileDocument = graphql(`
  mutation UnmergeProfile($input: UnmergeProfileInput!) {
    unmergeProfile(input: $input) {
      profile {
        id
      }
      survivor {
        id
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** Moves identifiers off a profile into a new one. */
export const SplitProfileDocument = graphql(`
  mutation SplitProfile($input: SplitProfileInput!) {
    splitProfile(input: $input) {
      profile {
        id
      }
      newProfile {
        id
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** A profile's committed changes (the screen refetches on each). */
export const ProfileUpdatedDocument = graphql(`
  subscription ProfileUpdated($profileId: ID!) {
    profileUpdated(profileId: $profileId) {
      id
    }
  }
`)
