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
