import { graphql } from '../../gql'

/** A source as the Sources screen lists it. */
export const SourceFieldsFragment = graphql(`
  fragment SourceFields on Source {
    id
    name
    enabled
    writeKeyPrefix
    rateLimitPerSecond
    received
    rejected
    lastEventAt
    createdAt
    simulated
  }
`)

/** A page of the workspace's sources, newest first. */
export const SourcesDocument = graphql(`
  query Sources($first: Int, $after: String) {
    sources(first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...SourceFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

export const CreateSourceDocument = graphql(`
  mutation CreateSource($input: CreateSourceInput!) {
    createSource(input: $input) {
      source {
        ...SourceFields
      }
      writeKey
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const SetSourceEnabledDocument = graphql(`
  mutation SetSourceEnabled($input: SetSourceEnabledInput!) {
    setSourceEnabled(input: $input) {
      source {
        ...SourceFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** Changes a source's events-a-second limit (1–1,000,000); it applies from the next request. */
export const SetSourceRateLimitDocument = graphql(`
  mutation SetSourceRateLimit($input: SetSourceRateLimitInput!) {
    setSourceRateLimit(input: $input) {
      source {
        ...SourceFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const RotateSourceWriteKeyDocument = graphql(`
  mutation RotateSourceWriteKey($input: RotateSourceWriteKeyInput!) {
    rotateSourceWriteKey(input: $input) {
      source {
        ...SourceFields
      }
      writeKey
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** The live debugger: events arriving at one source (sampled by the server). */
export const EventReceivedDocument = graphql(`
  subscription EventReceived($sourceId: ID!) {
    eventReceived(sourceId: $sourceId) {
      receivedAt
      status
      messageId
      type
      name
      payload
      truncated
      error {
        field
        message
        limit
      }
    }
  }
`)
