/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  subscription ServerTime($intervalSeconds: Int!) {\n    serverTime(intervalSeconds: $intervalSeconds)\n  }\n": typeof types.ServerTimeDocument,
    "\n  fragment UserErrorFields on UserError {\n    field\n    message\n    code\n  }\n": typeof types.UserErrorFieldsFragmentDoc,
    "\n  query Members($first: Int!, $after: String) {\n    members(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          role\n          joinedAt\n          user {\n            id\n            email\n            mfaEnabled\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.MembersDocument,
    "\n  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {\n    changeMemberRole(input: $input) {\n      member {\n        id\n        role\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.ChangeMemberRoleDocument,
    "\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input) {\n      member {\n        id\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.RemoveMemberDocument,
    "\n  fragment InviteFields on Invite {\n    id\n    email\n    role\n    createdAt\n    expiresAt\n    acceptedAt\n    revokedAt\n  }\n": typeof types.InviteFieldsFragmentDoc,
    "\n  query Invites($first: Int!, $after: String) {\n    invites(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...InviteFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.InvitesDocument,
    "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      invite {\n        ...InviteFields\n      }\n      inviteToken\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.InviteMemberDocument,
    "\n  mutation RevokeInvite($input: IdInput!) {\n    revokeInvite(input: $input) {\n      invite {\n        ...InviteFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.RevokeInviteDocument,
    "\n  fragment ApiKeyFields on ApiKey {\n    id\n    name\n    prefix\n    scopes\n    lastUsedAt\n    expiresAt\n    revokedAt\n    createdAt\n  }\n": typeof types.ApiKeyFieldsFragmentDoc,
    "\n  query ApiKeys($first: Int!, $after: String) {\n    apiKeys(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...ApiKeyFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      apiKey {\n        ...ApiKeyFields\n      }\n      secret\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($input: IdInput!) {\n    revokeApiKey(input: $input) {\n      apiKey {\n        ...ApiKeyFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.RevokeApiKeyDocument,
    "\n  mutation EnrollMfa {\n    enrollMfa {\n      secret\n      otpauthUri\n      qrCodePng\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.EnrollMfaDocument,
    "\n  mutation ConfirmMfa($input: MfaCodeInput!) {\n    confirmMfa(input: $input) {\n      backupCodes\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.ConfirmMfaDocument,
    "\n  mutation DisableMfa($input: MfaCodeInput!) {\n    disableMfa(input: $input) {\n      user {\n        id\n        mfaEnabled\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.DisableMfaDocument,
    "\n  mutation RegenerateBackupCodes($input: MfaCodeInput!) {\n    regenerateBackupCodes(input: $input) {\n      backupCodes\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.RegenerateBackupCodesDocument,
    "\n  query AuditLog($first: Int!, $after: String, $filter: AuditLogFilter) {\n    auditLog(first: $first, after: $after, filter: $filter) {\n      totalCount\n      edges {\n        cursor\n        node {\n          id\n          actorType\n          actorEmail\n          action\n          targetType\n          targetId\n          ip\n          outcome\n          details\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.AuditLogDocument,
    "\n  mutation UpdateTenantSettings($input: UpdateTenantSettingsInput!) {\n    updateTenantSettings(input: $input) {\n      tenant {\n        id\n        name\n        requireMfa\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.UpdateTenantSettingsDocument,
    "\n  fragment ViewerFields on Viewer {\n    user {\n      id\n      email\n      mfaEnabled\n    }\n    tenant {\n      id\n      name\n      requireMfa\n      simulated\n    }\n    role\n    memberships {\n      role\n      tenant {\n        id\n        name\n      }\n    }\n    mfaVerified\n    mfaEnrollmentRequired\n  }\n": typeof types.ViewerFieldsFragmentDoc,
    "\n  query Viewer {\n    viewer {\n      ...ViewerFields\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  fragment AuthResult on AuthPayload {\n    mfaRequired\n    challengeToken\n    viewer {\n      ...ViewerFields\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n": typeof types.AuthResultFragmentDoc,
    "\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      ...AuthResult\n    }\n  }\n": typeof types.LogInDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...AuthResult\n    }\n  }\n": typeof types.SignUpDocument,
    "\n  mutation VerifyMfa($input: VerifyMfaInput!) {\n    verifyMfa(input: $input) {\n      ...AuthResult\n    }\n  }\n": typeof types.VerifyMfaDocument,
    "\n  mutation SwitchTenant($input: SwitchTenantInput!) {\n    switchTenant(input: $input) {\n      ...AuthResult\n    }\n  }\n": typeof types.SwitchTenantDocument,
    "\n  mutation LogOut {\n    logOut {\n      success\n    }\n  }\n": typeof types.LogOutDocument,
    "\n  mutation RefreshSession {\n    refreshSession(input: {}) {\n      accessToken\n      userErrors {\n        code\n        message\n      }\n    }\n  }\n": typeof types.RefreshSessionDocument,
    "\n  mutation AcceptInvite($input: AcceptInviteInput!) {\n    acceptInvite(input: $input) {\n      ...AuthResult\n    }\n  }\n": typeof types.AcceptInviteDocument,
};
const documents: Documents = {
    "\n  subscription ServerTime($intervalSeconds: Int!) {\n    serverTime(intervalSeconds: $intervalSeconds)\n  }\n": types.ServerTimeDocument,
    "\n  fragment UserErrorFields on UserError {\n    field\n    message\n    code\n  }\n": types.UserErrorFieldsFragmentDoc,
    "\n  query Members($first: Int!, $after: String) {\n    members(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          role\n          joinedAt\n          user {\n            id\n            email\n            mfaEnabled\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.MembersDocument,
    "\n  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {\n    changeMemberRole(input: $input) {\n      member {\n        id\n        role\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.ChangeMemberRoleDocument,
    "\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input) {\n      member {\n        id\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.RemoveMemberDocument,
    "\n  fragment InviteFields on Invite {\n    id\n    email\n    role\n    createdAt\n    expiresAt\n    acceptedAt\n    revokedAt\n  }\n": types.InviteFieldsFragmentDoc,
    "\n  query Invites($first: Int!, $after: String) {\n    invites(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...InviteFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.InvitesDocument,
    "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      invite {\n        ...InviteFields\n      }\n      inviteToken\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.InviteMemberDocument,
    "\n  mutation RevokeInvite($input: IdInput!) {\n    revokeInvite(input: $input) {\n      invite {\n        ...InviteFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.RevokeInviteDocument,
    "\n  fragment ApiKeyFields on ApiKey {\n    id\n    name\n    prefix\n    scopes\n    lastUsedAt\n    expiresAt\n    revokedAt\n    createdAt\n  }\n": types.ApiKeyFieldsFragmentDoc,
    "\n  query ApiKeys($first: Int!, $after: String) {\n    apiKeys(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...ApiKeyFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      apiKey {\n        ...ApiKeyFields\n      }\n      secret\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($input: IdInput!) {\n    revokeApiKey(input: $input) {\n      apiKey {\n        ...ApiKeyFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.RevokeApiKeyDocument,
    "\n  mutation EnrollMfa {\n    enrollMfa {\n      secret\n      otpauthUri\n      qrCodePng\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.EnrollMfaDocument,
    "\n  mutation ConfirmMfa($input: MfaCodeInput!) {\n    confirmMfa(input: $input) {\n      backupCodes\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.ConfirmMfaDocument,
    "\n  mutation DisableMfa($input: MfaCodeInput!) {\n    disableMfa(input: $input) {\n      user {\n        id\n        mfaEnabled\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.DisableMfaDocument,
    "\n  mutation RegenerateBackupCodes($input: MfaCodeInput!) {\n    regenerateBackupCodes(input: $input) {\n      backupCodes\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.RegenerateBackupCodesDocument,
    "\n  query AuditLog($first: Int!, $after: String, $filter: AuditLogFilter) {\n    auditLog(first: $first, after: $after, filter: $filter) {\n      totalCount\n      edges {\n        cursor\n        node {\n          id\n          actorType\n          actorEmail\n          action\n          targetType\n          targetId\n          ip\n          outcome\n          details\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.AuditLogDocument,
    "\n  mutation UpdateTenantSettings($input: UpdateTenantSettingsInput!) {\n    updateTenantSettings(input: $input) {\n      tenant {\n        id\n        name\n        requireMfa\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.UpdateTenantSettingsDocument,
    "\n  fragment ViewerFields on Viewer {\n    user {\n      id\n      email\n      mfaEnabled\n    }\n    tenant {\n      id\n      name\n      requireMfa\n      simulated\n    }\n    role\n    memberships {\n      role\n      tenant {\n        id\n        name\n      }\n    }\n    mfaVerified\n    mfaEnrollmentRequired\n  }\n": types.ViewerFieldsFragmentDoc,
    "\n  query Viewer {\n    viewer {\n      ...ViewerFields\n    }\n  }\n": types.ViewerDocument,
    "\n  fragment AuthResult on AuthPayload {\n    mfaRequired\n    challengeToken\n    viewer {\n      ...ViewerFields\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n": types.AuthResultFragmentDoc,
    "\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      ...AuthResult\n    }\n  }\n": types.LogInDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...AuthResult\n    }\n  }\n": types.SignUpDocument,
    "\n  mutation VerifyMfa($input: VerifyMfaInput!) {\n    verifyMfa(input: $input) {\n      ...AuthResult\n    }\n  }\n": types.VerifyMfaDocument,
    "\n  mutation SwitchTenant($input: SwitchTenantInput!) {\n    switchTenant(input: $input) {\n      ...AuthResult\n    }\n  }\n": types.SwitchTenantDocument,
    "\n  mutation LogOut {\n    logOut {\n      success\n    }\n  }\n": types.LogOutDocument,
    "\n  mutation RefreshSession {\n    refreshSession(input: {}) {\n      accessToken\n      userErrors {\n        code\n        message\n      }\n    }\n  }\n": types.RefreshSessionDocument,
    "\n  mutation AcceptInvite($input: AcceptInviteInput!) {\n    acceptInvite(input: $input) {\n      ...AuthResult\n    }\n  }\n": types.AcceptInviteDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ServerTime($intervalSeconds: Int!) {\n    serverTime(intervalSeconds: $intervalSeconds)\n  }\n"): (typeof documents)["\n  subscription ServerTime($intervalSeconds: Int!) {\n    serverTime(intervalSeconds: $intervalSeconds)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserErrorFields on UserError {\n    field\n    message\n    code\n  }\n"): (typeof documents)["\n  fragment UserErrorFields on UserError {\n    field\n    message\n    code\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Members($first: Int!, $after: String) {\n    members(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          role\n          joinedAt\n          user {\n            id\n            email\n            mfaEnabled\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Members($first: Int!, $after: String) {\n    members(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          role\n          joinedAt\n          user {\n            id\n            email\n            mfaEnabled\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {\n    changeMemberRole(input: $input) {\n      member {\n        id\n        role\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {\n    changeMemberRole(input: $input) {\n      member {\n        id\n        role\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input) {\n      member {\n        id\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input) {\n      member {\n        id\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment InviteFields on Invite {\n    id\n    email\n    role\n    createdAt\n    expiresAt\n    acceptedAt\n    revokedAt\n  }\n"): (typeof documents)["\n  fragment InviteFields on Invite {\n    id\n    email\n    role\n    createdAt\n    expiresAt\n    acceptedAt\n    revokedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Invites($first: Int!, $after: String) {\n    invites(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...InviteFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Invites($first: Int!, $after: String) {\n    invites(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...InviteFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      invite {\n        ...InviteFields\n      }\n      inviteToken\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      invite {\n        ...InviteFields\n      }\n      inviteToken\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeInvite($input: IdInput!) {\n    revokeInvite(input: $input) {\n      invite {\n        ...InviteFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeInvite($input: IdInput!) {\n    revokeInvite(input: $input) {\n      invite {\n        ...InviteFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ApiKeyFields on ApiKey {\n    id\n    name\n    prefix\n    scopes\n    lastUsedAt\n    expiresAt\n    revokedAt\n    createdAt\n  }\n"): (typeof documents)["\n  fragment ApiKeyFields on ApiKey {\n    id\n    name\n    prefix\n    scopes\n    lastUsedAt\n    expiresAt\n    revokedAt\n    createdAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiKeys($first: Int!, $after: String) {\n    apiKeys(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...ApiKeyFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query ApiKeys($first: Int!, $after: String) {\n    apiKeys(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...ApiKeyFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      apiKey {\n        ...ApiKeyFields\n      }\n      secret\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      apiKey {\n        ...ApiKeyFields\n      }\n      secret\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($input: IdInput!) {\n    revokeApiKey(input: $input) {\n      apiKey {\n        ...ApiKeyFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiKey($input: IdInput!) {\n    revokeApiKey(input: $input) {\n      apiKey {\n        ...ApiKeyFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EnrollMfa {\n    enrollMfa {\n      secret\n      otpauthUri\n      qrCodePng\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation EnrollMfa {\n    enrollMfa {\n      secret\n      otpauthUri\n      qrCodePng\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmMfa($input: MfaCodeInput!) {\n    confirmMfa(input: $input) {\n      backupCodes\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ConfirmMfa($input: MfaCodeInput!) {\n    confirmMfa(input: $input) {\n      backupCodes\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisableMfa($input: MfaCodeInput!) {\n    disableMfa(input: $input) {\n      user {\n        id\n        mfaEnabled\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation DisableMfa($input: MfaCodeInput!) {\n    disableMfa(input: $input) {\n      user {\n        id\n        mfaEnabled\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegenerateBackupCodes($input: MfaCodeInput!) {\n    regenerateBackupCodes(input: $input) {\n      backupCodes\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RegenerateBackupCodes($input: MfaCodeInput!) {\n    regenerateBackupCodes(input: $input) {\n      backupCodes\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditLog($first: Int!, $after: String, $filter: AuditLogFilter) {\n    auditLog(first: $first, after: $after, filter: $filter) {\n      totalCount\n      edges {\n        cursor\n        node {\n          id\n          actorType\n          actorEmail\n          action\n          targetType\n          targetId\n          ip\n          outcome\n          details\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query AuditLog($first: Int!, $after: String, $filter: AuditLogFilter) {\n    auditLog(first: $first, after: $after, filter: $filter) {\n      totalCount\n      edges {\n        cursor\n        node {\n          id\n          actorType\n          actorEmail\n          action\n          targetType\n          targetId\n          ip\n          outcome\n          details\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateTenantSettings($input: UpdateTenantSettingsInput!) {\n    updateTenantSettings(input: $input) {\n      tenant {\n        id\n        name\n        requireMfa\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateTenantSettings($input: UpdateTenantSettingsInput!) {\n    updateTenantSettings(input: $input) {\n      tenant {\n        id\n        name\n        requireMfa\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ViewerFields on Viewer {\n    user {\n      id\n      email\n      mfaEnabled\n    }\n    tenant {\n      id\n      name\n      requireMfa\n      simulated\n    }\n    role\n    memberships {\n      role\n      tenant {\n        id\n        name\n      }\n    }\n    mfaVerified\n    mfaEnrollmentRequired\n  }\n"): (typeof documents)["\n  fragment ViewerFields on Viewer {\n    user {\n      id\n      email\n      mfaEnabled\n    }\n    tenant {\n      id\n      name\n      requireMfa\n      simulated\n    }\n    role\n    memberships {\n      role\n      tenant {\n        id\n        name\n      }\n    }\n    mfaVerified\n    mfaEnrollmentRequired\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      ...ViewerFields\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    viewer {\n      ...ViewerFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AuthResult on AuthPayload {\n    mfaRequired\n    challengeToken\n    viewer {\n      ...ViewerFields\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n"): (typeof documents)["\n  fragment AuthResult on AuthPayload {\n    mfaRequired\n    challengeToken\n    viewer {\n      ...ViewerFields\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      ...AuthResult\n    }\n  }\n"): (typeof documents)["\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      ...AuthResult\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...AuthResult\n    }\n  }\n"): (typeof documents)["\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...AuthResult\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyMfa($input: VerifyMfaInput!) {\n    verifyMfa(input: $input) {\n      ...AuthResult\n    }\n  }\n"): (typeof documents)["\n  mutation VerifyMfa($input: VerifyMfaInput!) {\n    verifyMfa(input: $input) {\n      ...AuthResult\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SwitchTenant($input: SwitchTenantInput!) {\n    switchTenant(input: $input) {\n      ...AuthResult\n    }\n  }\n"): (typeof documents)["\n  mutation SwitchTenant($input: SwitchTenantInput!) {\n    switchTenant(input: $input) {\n      ...AuthResult\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogOut {\n    logOut {\n      success\n    }\n  }\n"): (typeof documents)["\n  mutation LogOut {\n    logOut {\n      success\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefreshSession {\n    refreshSession(input: {}) {\n      accessToken\n      userErrors {\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RefreshSession {\n    refreshSession(input: {}) {\n      accessToken\n      userErrors {\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptInvite($input: AcceptInviteInput!) {\n    acceptInvite(input: $input) {\n      ...AuthResult\n    }\n  }\n"): (typeof documents)["\n  mutation AcceptInvite($input: AcceptInviteInput!) {\n    acceptInvite(input: $input) {\n      ...AuthResult\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;