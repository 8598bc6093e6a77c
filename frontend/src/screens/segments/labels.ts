import type {
  EventCountOperator,
  SegmentKind,
  SegmentOperator,
  SegmentProfileField,
  SegmentRfmMeasure,
} from '../../gql/graphql'

/** When a segment's membership is computed. */
export const SEGMENT_KINDS: Record<SegmentKind, string> = {
  STATIC: 'Static (computed when saved or refreshed)',
  DYNAMIC: 'Dynamic (follows the events)',
}

/** A condition's operator, in words. */
export const SEGMENT_OPERATORS: Record<SegmentOperator, string> = {
  EQUALS: 'is',
  NOT_EQUALS: 'is not',
  CONTAINS: 'contains',
  GREATER_THAN: 'is greater than',
  LESS_THAN: 'is less than',
  BETWEEN: 'is between',
  IN: 'is one of',
  EXISTS: 'exists',
  WITHIN_LAST: 'within the last (days)',
  BEFORE: 'before',
  AFTER: 'after',
}

/** A profile's built-in fields. */
export const SEGMENT_PROFILE_FIELDS: Record<SegmentProfileField, string> = {
  LIFECYCLE_STAGE: 'Lifecycle stage',
  FIRST_SEEN_AT: 'First seen',
  LAST_SEEN_AT: 'Last seen',
  EVENT_COUNT: 'Events',
  SESSION_COUNT: 'Sessions',
  PURCHASE_COUNT: 'Purchases',
  REVENUE: 'Revenue',
}

/** The parts of an RFM score a condition tests. */
export const SEGMENT_RFM_MEASURES: Record<SegmentRfmMeasure, string> = {
  CELL: 'RFM cell',
  RECENCY: 'Recency score',
  FREQUENCY: 'Frequency score',
  MONETARY: 'Monetary score',
}

/** How an event condition counts. */
export const EVENT_COUNT_OPERATORS: Record<EventCountOperator, string> = {
  AT_LEAST: 'at least',
  AT_MOST: 'at most',
  EXACTLY: 'exactly',
}

/** A segment's detail page. */
export const segmentPath = (id: string) => `/segments/${encodeURIComponent(id)}`
