import { graphql } from '../../gql'

export const UserErrorFieldsFragment = graphql(`
  fragment UserErrorFields on UserError {
    field
    message
    code
  }
`)

export const MembersDocument = graphql(`
  query Members($first: Int!, $after: String) {
    members(first: $first, after: $after) {
      totalCount
      edges {
        node {
          id
          role
          joinedAt
          user {
            id
            email
            mfaEnabled
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

export const ChangeMemberRoleDocument = graphql(`
  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {
    changeMemberRole(input: $input) {
      member {
        id
        role
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const RemoveMemberDocument = graphql(`
  mutation RemoveMember($input: RemoveMemberInput!) {
    removeMember(input: $input) {
      member {
        id
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const InviteFieldsFragment = graphql(`
  fragment InviteFields on Invite {
    id
    email
    role
    createdAt
    expiresAt
    acceptedAt
    revokedAt
  }
`)

export const InvitesDocument = graphql(`
  query Invites($first: Int!, $after: String) {
    invites(first: $first, after: $after) {
      totalCount
      edges {
        node {
          ...InviteFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

export const UsageDocument = graphql(`
  query Usage {
    viewer {
      tenant {
        id
        usage {
          limit
          unit
          used
          max
          warning
          plan
          raisedBy
        }
      }
    }
  }
`)

export const InviteMemberDocument = graphql(`
  mutation InviteMember($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      invite {
        ...InviteFields
      }
      inviteToken
      emailQueued
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const RevokeInviteDocument = graphql(`
  mutation RevokeInvite($input: IdInput!) {
    revokeInvite(input: $input) {
      invite {
        ...InviteFields
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const ApiKeyFieldsFragment = graphql(`
  fragment ApiKeyFields on ApiKey {
    id
    name
    prefix
    scopes
    lastUsedAt
    expiresAt
    revokedAt
    createdAt
  }
`)

export const ApiKeysDocument = graphql(`
  query ApiKeys($first: Int!, $after: String) {
    apiKeys(first: $first, after: $after) {
      totalCount
      edges {
        node {
          ...ApiKeyFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

export const CreateApiKeyDocument = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      apiKey {
        ...ApiKeyFields
      }
      secret
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const RevokeApiKeyDocument = graphql(`
  mutation RevokeApiKey($input: IdInput!) {
    revokeApiKey(input: $input) {
      apiKey {
        ...ApiKeyFields
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const EnrollMfaDocument = graphql(`
  mutation EnrollMfa {
    enrollMfa {
      secret
      otpauthUri
      qrCodePng
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const ConfirmMfaDocument = graphql(`
  mutation ConfirmMfa($input: MfaCodeInput!) {
    confirmMfa(input: $input) {
      backupCodes
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const DisableMfaDocument = graphql(`
  mutation DisableMfa($input: MfaCodeInput!) {
    disableMfa(input: $input) {
      user {
        id
        mfaEnabled
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const RegenerateBackupCodesDocument = graphql(`
  mutation RegenerateBackupCodes($input: MfaCodeInput!) {
    regenerateBackupCodes(input: $input) {
      backupCodes
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)

export const AuditLogDocument = graphql(`
  query AuditLog($first: Int!, $after: String, $filter: AuditLogFilter) {
    auditLog(first: $first, after: $after, filter: $filter) {
      totalCount
      edges {
        cursor
        node {
          id
          actorType
          actorEmail
          action
          targetType
          targetId
          ip
          outcome
          details
          createdAt
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

export const UpdateTenantSettingsDocument = graphql(`
  mutation UpdateTenantSettings($input: UpdateTenantSettingsInput!) {
    updateTenantSettings(input: $input) {
      tenant {
        id
        name
        requireMfa
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`)
