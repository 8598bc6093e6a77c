import { graphql } from '../../gql'

/** What the list and the detail show of a segment. */
export const SegmentFieldsFragment = graphql(`
  fragment SegmentFields on Segment {
    id
    name
    kind
    size
    rules
    createdAt
    updatedAt
    refreshedAt
  }
`)

/** A page of the workspace's segments, newest first. */
export const SegmentsDocument = graphql(`
  query Segments($first: Int, $after: String) {
    segments(first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...SegmentFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

/** A segment with a page of its current members. */
export const SegmentDocument = graphql(`
  query Segment($id: ID!, $first: Int, $after: String) {
    segment(id: $id) {
      ...SegmentFields
      members(first: $first, after: $after) {
        totalCount
        edges {
          cursor
          node {
            enteredAt
            profile {
              id
              lifecycleStage
              canonicalIdentity {
                type
                value
              }
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
`)

/** A segment's entries and exits per UTC day over the last `days` days (1–90), oldest first. */
export const SegmentMembershipHistoryDocument = graphql(`
  query SegmentMembershipHistory($id: ID!, $days: Int!) {
    segment(id: $id) {
      id
      membershipHistory(days: $days) {
        date
        entered
        exited
      }
    }
  }
`)

/** What rules would select now: the size and a sample. */
export const PreviewSegmentDocument = graphql(`
  query PreviewSegment($rules: SegmentRuleInput!) {
    previewSegment(rules: $rules) {
      size
      sample {
        id
        canonicalIdentity {
          type
          value
        }
      }
    }
  }
`)

export const CreateSegmentDocument = graphql(`
  mutation CreateSegment($input: CreateSegmentInput!) {
    createSegment(input: $input) {
      segment {
        ...SegmentFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const UpdateSegmentDocument = graphql(`
  mutation UpdateSegment($input: UpdateSegmentInput!) {
    updateSegment(input: $input) {
      segment {
        ...SegmentFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const DeleteSegmentDocument = graphql(`
  mutation DeleteSegment($input: SegmentIdInput!) {
    deleteSegment(input: $input) {
      deletedSegmentId
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const RefreshSegmentDocument = graphql(`
  mutation RefreshSegment($input: SegmentIdInput!) {
    refreshSegment(input: $input) {
      segment {
        ...SegmentFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** A segment's membership changes (the batch job, a refresh, new rules). */
export const SegmentMembershipChangedDocument = graphql(`
  subscription SegmentMembershipChanged($segmentId: ID!) {
    segmentMembershipChanged(segmentId: $segmentId) {
      entered
      exited
      segment {
        ...SegmentFields
      }
    }
  }
`)

/** The computed traits a condition may test (the builder's picker). */
export const SegmentTraitDefinitionsDocument = graphql(`
  query SegmentTraitDefinitions {
    traitDefinitions(first: 100) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`)
