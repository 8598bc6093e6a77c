import { graphql } from '../../gql'

/** An audience as the Audiences screen shows it (a row, and what the live updates carry). */
export const AudienceFieldsFragment = graphql(`
  fragment AudienceFields on Audience {
    id
    segment {
      id
      name
    }
    platform
    account {
      id
      name
      externalId
    }
    platformAudienceId
    status
    size
    lastSyncAt
    error
    progress {
      done
      total
    }
    createdAt
  }
`)

/** A page of the workspace's audiences, newest first; only one segment's when `segmentId` is given. */
export const AudiencesDocument = graphql(`
  query Audiences($first: Int, $after: String, $segmentId: ID) {
    audiences(first: $first, after: $after, segmentId: $segmentId) {
      totalCount
      edges {
        cursor
        node {
          ...AudienceFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

/** The segments an audience can be synced from (the filter and the sync dialog). */
export const AudienceSegmentsDocument = graphql(`
  query AudienceSegments($first: Int) {
    segments(first: $first) {
      totalCount
      edges {
        node {
          id
          name
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

/** The ad accounts of the workspace's platform connections (the sync dialog's account choice). */
export const AudienceAccountsDocument = graphql(`
  query AudienceAccounts {
    platformConnections {
      id
      platform
      sandbox
      status
      accounts {
        id
        externalId
        name
        sandbox
      }
    }
  }
`)

export const SyncAudienceDocument = graphql(`
  mutation SyncAudience($input: SyncAudienceInput!) {
    syncAudience(input: $input) {
      audience {
        ...AudienceFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const StopAudienceSyncDocument = graphql(`
  mutation StopAudienceSync($input: AudienceIdInput!) {
    stopAudienceSync(input: $input) {
      audience {
        ...AudienceFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const DeleteAudienceDocument = graphql(`
  mutation DeleteAudience($input: AudienceIdInput!) {
    deleteAudience(input: $input) {
      deletedAudienceId
      platformAudienceDeleted
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** An audience's sync status, size or progress changed (committed). */
export const AudienceSyncUpdatedDocument = graphql(`
  subscription AudienceSyncUpdated {
    audienceSyncUpdated {
      ...AudienceFields
    }
  }
`)
