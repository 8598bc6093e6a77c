import { graphql } from '../../gql'

export const NotificationChannelFieldsFragment = graphql(`
  fragment NotificationChannelFields on NotificationChannel {
    id
    kind
    name
    target
    enabled
    createdAt
    subscriptions {
      incidentsOpened
      incidentsClosed
      minIncidentSeverity
      actionsAwaitingApproval
      autopilotModeChanges
      dailyDigest
    }
  }
`)

export const NotificationChannelsDocument = graphql(`
  query NotificationChannels($first: Int!, $after: String) {
    notificationChannels(first: $first, after: $after) {
      totalCount
      edges {
        node {
          ...NotificationChannelFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

export const NotificationDeliveriesDocument = graphql(`
  query NotificationDeliveries($first: Int!, $after: String) {
    notificationDeliveries(first: $first, after: $after) {
      totalCount
      edges {
        node {
          id
          event
          status
          title
          attempts
          responseCode
          lastError
          createdAt
          sentAt
          channel {
            id
            name
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

export const CreateNotificationChannelDocument = graphql(`
  mutation CreateNotificationChannel($input: CreateNotificationChannelInput!) {
    createNotificationChannel(input: $input) {
      channel {
        ...NotificationChannelFields
      }
      signingSecret
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const UpdateNotificationChannelDocument = graphql(`
  mutation UpdateNotificationChannel($input: UpdateNotificationChannelInput!) {
    updateNotificationChannel(input: $input) {
      channel {
        ...NotificationChannelFields
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const DeleteNotificationChannelDocument = graphql(`
  mutation DeleteNotificationChannel($input: IdInput!) {
    deleteNotificationChannel(input: $input) {
      deletedChannelId
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const TestNotificationChannelDocument = graphql(`
  mutation TestNotificationChannel($input: IdInput!) {
    testNotificationChannel(input: $input) {
      delivery {
        id
        status
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)
