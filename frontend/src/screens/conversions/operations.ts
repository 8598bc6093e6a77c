import { graphql } from '../../gql'

/** A conversion destination as the Conversions screen shows it (never its credential values). */
export const ConversionDestinationFieldsFragment = graphql(`
  fragment ConversionDestinationFields on ConversionDestination {
    id
    platform
    name
    credentialKeys
    baseUrl
    testEventCode
    eventMappings {
      source
      target
      value
      currency
      contentIds
      orderId
    }
    limitedDataUse
    legitimateInterest
    enabled
    createdAt
    updatedAt
  }
`)

/** A page of the workspace's conversion destinations, newest first. */
export const ConversionDestinationsDocument = graphql(`
  query ConversionDestinations($first: Int, $after: String) {
    conversionDestinations(first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...ConversionDestinationFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

export const CreateConversionDestinationDocument = graphql(`
  mutation CreateConversionDestination($input: CreateConversionDestinationInput!) {
    createConversionDestination(input: $input) {
      destination {
        ...ConversionDestinationFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const UpdateConversionDestinationDocument = graphql(`
  mutation UpdateConversionDestination($input: UpdateConversionDestinationInput!) {
    updateConversionDestination(input: $input) {
      destination {
        ...ConversionDestinationFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const DeleteConversionDestinationDocument = graphql(`
  mutation DeleteConversionDestination($input: ConversionDestinationIdInput!) {
    deleteConversionDestination(input: $input) {
      deletedDestinationId
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** Sends one test event (value 0, marked as a test) and returns the platform's answer. */
export const TestConversionDestinationDocument = graphql(`
  mutation TestConversionDestination($input: ConversionDestinationIdInput!) {
    testConversionDestination(input: $input) {
      result {
        ok
        httpStatus
        message
        latencyMs
        testEventCode
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** One delivery as the delivery log shows it: names, times and the platform's answer (never personal data). */
export const ConversionDeliveryFieldsFragment = graphql(`
  fragment ConversionDeliveryFields on ConversionDelivery {
    id
    destinationId
    messageId
    status
    attempts
    eventName
    sourceEvent
    eventTime
    legalBasis
    requestSummary
    response
    errorCode
    latencyMs
    nextAttemptAt
    createdAt
    updatedAt
    sentAt
  }
`)

/** A page of a destination's delivery log, newest first. */
export const ConversionDeliveriesDocument = graphql(`
  query ConversionDeliveries(
    $destinationId: ID!
    $status: ConversionDeliveryStatus
    $eventName: String
    $first: Int
    $after: String
  ) {
    deliveries(destinationId: $destinationId, status: $status, eventName: $eventName, first: $first, after: $after) {
      totalCount
      queuedEvents
      edges {
        cursor
        node {
          ...ConversionDeliveryFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

/** Queues a destination's FAILED or DEAD deliveries again; returns how many were queued. */
export const ReplayDeliveriesDocument = graphql(`
  mutation ReplayDeliveries($input: ReplayDeliveriesInput!) {
    replayDeliveries(input: $input) {
      count
      userErrors {
        field
        message
        code
      }
    }
  }
`)
