import { graphql } from '../../gql'

/** A connection as the Platforms screen shows it. */
export const PlatformConnectionFieldsFragment = graphql(`
  fragment PlatformConnectionFields on PlatformConnection {
    id
    platform
    sandbox
    status
    statusMessage
    lastSyncAt
    lastError
    createdAt
    accounts {
      id
      externalId
      name
      currency
      timeZone
      selected
      sandbox
    }
  }
`)

/** A sync run as the Platforms screen lists it. */
export const SyncRunFieldsFragment = graphql(`
  fragment SyncRunFields on SyncRun {
    id
    connectionId
    kind
    trigger
    status
    progress {
      done
      total
    }
    window {
      from
      to
    }
    rowsWritten
    apiCalls
    apiErrors
    queuedAt
    finishedAt
    error
    account {
      id
      name
    }
  }
`)

/** The screen: which platforms can be connected, and the workspace's connections. */
export const PlatformsDocument = graphql(`
  query Platforms {
    platformAvailability {
      platform
      configured
      supportsPkce
    }
    platformConnections {
      ...PlatformConnectionFields
    }
  }
`)

/** A connection's recent sync runs, newest first. */
export const SyncRunsDocument = graphql(`
  query SyncRuns($connectionId: ID!) {
    syncRuns(connectionId: $connectionId, first: 10) {
      totalCount
      edges {
        node {
          ...SyncRunFields
        }
      }
    }
  }
`)

export const ConnectPlatformDocument = graphql(`
  mutation ConnectPlatform($input: ConnectPlatformInput!) {
    connectPlatform(input: $input) {
      authorizeUrl
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const ConnectSandboxDocument = graphql(`
  mutation ConnectSandbox {
    connectSandbox {
      connection {
        ...PlatformConnectionFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const SelectAdAccountsDocument = graphql(`
  mutation SelectAdAccounts($input: SelectAdAccountsInput!) {
    selectAdAccounts(input: $input) {
      connection {
        ...PlatformConnectionFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const DisconnectPlatformDocument = graphql(`
  mutation DisconnectPlatform($input: DisconnectPlatformInput!) {
    disconnectPlatform(input: $input) {
      disconnectedConnectionId
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const TriggerSyncDocument = graphql(`
  mutation TriggerSync($input: TriggerSyncInput!) {
    triggerSync(input: $input) {
      runs {
        ...SyncRunFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** Refreshes the screen when a connection is added, changes or goes. */
export const PlatformConnectionChangedDocument = graphql(`
  subscription PlatformConnectionChanged {
    platformConnectionChanged {
      connectionId
      connection {
        ...PlatformConnectionFields
      }
    }
  }
`)

/** A connection's runs as they move (backfill progress). */
export const SyncRunUpdatedDocument = graphql(`
  subscription SyncRunUpdated($connectionId: ID) {
    syncRunUpdated(connectionId: $connectionId) {
      ...SyncRunFields
    }
  }
`)
