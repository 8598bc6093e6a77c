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
    "\n  query Features {\n    viewer {\n      features {\n        key\n        enabled\n        source\n        unlockedBy\n      }\n    }\n  }\n": typeof types.FeaturesDocument,
    "\n  fragment ConditionFields on RuleCondition {\n    op\n    metric\n    windowDays\n    operator\n    value\n    timeWindow {\n      fromHour\n      toHour\n      weekdays\n    }\n  }\n": typeof types.ConditionFieldsFragmentDoc,
    "\n  fragment RuleFields on AutomationRule {\n    id\n    name\n    description\n    logic\n    builtin\n    enabled\n    conditions {\n      ...ConditionFields\n      conditions {\n        ...ConditionFields\n        conditions {\n          ...ConditionFields\n          conditions {\n            ...ConditionFields\n            conditions {\n              ...ConditionFields\n            }\n          }\n        }\n      }\n    }\n    actions {\n      type\n      params {\n        percent\n        amount\n        status\n      }\n    }\n    params {\n      name\n      value\n    }\n    scheduleMinutes\n    cooldownSeconds\n    timeZone\n    scope {\n      platforms\n      campaignIds\n    }\n    lastEvaluatedAt\n  }\n": typeof types.RuleFieldsFragmentDoc,
    "\n  fragment ActionSimulationFields on ActionSimulation {\n    type\n    campaign {\n      id\n      name\n      currency\n    }\n    platform\n    wouldExecute\n    decision\n    riskClass\n    threshold\n    score\n    autopilotMode\n    before {\n      status\n      dailyBudget\n      bid\n    }\n    after {\n      status\n      dailyBudget\n      bid\n    }\n    reasons\n    warnings\n  }\n": typeof types.ActionSimulationFieldsFragmentDoc,
    "\n  fragment EnforcementSettingsFields on TrustGate {\n    settings {\n      killSwitch\n      enforcementMode\n      autopilotLevel\n      maxDailyBudget\n      maxCampaignBudget\n      maxBudgetIncreasePct\n      minRoas\n      minRoasWindowDays\n      maxBudgetChangesPerDay\n      minHoursBetweenChanges\n      updatedAt\n    }\n    enforcementRules {\n      violationType\n      mode\n      threshold\n      enabled\n      updatedAt\n    }\n  }\n": typeof types.EnforcementSettingsFieldsFragmentDoc,
    "\n  fragment RuleSummaryFields on AutomationRule {\n    id\n    name\n    description\n    logic\n    builtin\n    enabled\n    scheduleMinutes\n    lastEvaluatedAt\n  }\n": typeof types.RuleSummaryFieldsFragmentDoc,
    "\n  query AutomationRules {\n    automationRules(first: 15) {\n      totalCount\n      edges {\n        node {\n          ...RuleSummaryFields\n        }\n      }\n    }\n    enabledRules: automationRules(enabled: true, first: 0) {\n      totalCount\n    }\n  }\n": typeof types.AutomationRulesDocument,
    "\n  query Rule($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on AutomationRule {\n        ...RuleFields\n      }\n    }\n  }\n": typeof types.RuleDocument,
    "\n  query CampaignOptions {\n    campaigns(first: 25) {\n      edges {\n        node {\n          id\n          name\n          platform\n        }\n      }\n    }\n  }\n": typeof types.CampaignOptionsDocument,
    "\n  query CampaignCurrencies {\n    campaigns(first: 100) {\n      pageInfo {\n        hasNextPage\n      }\n      edges {\n        node {\n          id\n          currency\n        }\n      }\n    }\n  }\n": typeof types.CampaignCurrenciesDocument,
    "\n  query TrustSettings {\n    trustGate {\n      ...TrustGateFields\n      ...EnforcementSettingsFields\n    }\n  }\n": typeof types.TrustSettingsDocument,
    "\n  mutation CreateRule($input: AutomationRuleInput!) {\n    createAutomationRule(input: $input) {\n      rule {\n        ...RuleFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.CreateRuleDocument,
    "\n  mutation UpdateRule($input: UpdateAutomationRuleInput!) {\n    updateAutomationRule(input: $input) {\n      rule {\n        ...RuleFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.UpdateRuleDocument,
    "\n  mutation DeleteRule($input: DeleteAutomationRuleInput!) {\n    deleteAutomationRule(input: $input) {\n      deletedRuleId\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.DeleteRuleDocument,
    "\n  mutation SetRuleEnabled($input: SetRuleEnabledInput!) {\n    setRuleEnabled(input: $input) {\n      rule {\n        ...RuleSummaryFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.SetRuleEnabledDocument,
    "\n  fragment RuleCheckFields on RuleCheck {\n    path\n    label\n    metric\n    windowDays\n    value\n    unit\n    operator\n    threshold\n    passed\n    note\n  }\n": typeof types.RuleCheckFieldsFragmentDoc,
    "\n  mutation SimulateRule($input: SimulateRuleInput!) {\n    simulateRule(input: $input) {\n      campaignsEvaluated\n      campaignsNotShown\n      actions {\n        ...ActionSimulationFields\n      }\n      campaigns {\n        campaign {\n          id\n          name\n          currency\n        }\n        evaluated\n        wouldPropose\n        outcome\n        checks {\n          ...RuleCheckFields\n        }\n        failedCheck {\n          ...RuleCheckFields\n        }\n        proposals {\n          type\n        }\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.SimulateRuleDocument,
    "\n  mutation UpdateEnforcementSettings($input: UpdateEnforcementSettingsInput!) {\n    updateEnforcementSettings(input: $input) {\n      trustGate {\n        ...TrustGateFields\n        ...EnforcementSettingsFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.UpdateEnforcementSettingsDocument,
    "\n  mutation SetKillSwitch($input: SetKillSwitchInput!) {\n    setKillSwitch(input: $input) {\n      trustGate {\n        ...TrustGateFields\n        ...EnforcementSettingsFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.SetKillSwitchDocument,
    "\n  mutation SetAutopilotLevel($input: SetAutopilotLevelInput!) {\n    setAutopilotLevel(input: $input) {\n      trustGate {\n        ...TrustGateFields\n        ...EnforcementSettingsFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.SetAutopilotLevelDocument,
    "\n  mutation PutEnforcementRule($input: PutEnforcementRuleInput!) {\n    putEnforcementRule(input: $input) {\n      enforcementRule {\n        violationType\n        mode\n        threshold\n        enabled\n        updatedAt\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.PutEnforcementRuleDocument,
    "\n  mutation DeleteEnforcementRule($input: DeleteEnforcementRuleInput!) {\n    deleteEnforcementRule(input: $input) {\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.DeleteEnforcementRuleDocument,
    "\n  query RuleTemplates {\n    ruleTemplates {\n      key\n      name\n      description\n      logic\n      conditions {\n        ...ConditionFields\n        conditions {\n          ...ConditionFields\n          conditions {\n            ...ConditionFields\n            conditions {\n              ...ConditionFields\n              conditions {\n                ...ConditionFields\n              }\n            }\n          }\n        }\n      }\n      actions {\n        type\n        params {\n          percent\n          amount\n          status\n        }\n      }\n      scheduleMinutes\n      cooldownSeconds\n      timeZone\n    }\n  }\n": typeof types.RuleTemplatesDocument,
    "\n  query RuleActivity($id: ID!, $first: Int!) {\n    node(id: $id) {\n      __typename\n      ... on AutomationRule {\n        id\n        name\n        activity(first: $first) {\n          totalCount\n          edges {\n            cursor\n            node {\n              at\n              kind\n              campaignsEvaluated\n              proposals\n              actionType\n              status\n              detail\n              campaign {\n                id\n                name\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.RuleActivityDocument,
    "\n  fragment BillingStateFields on TenantBilling {\n    plan\n    effectivePlan\n    status\n    trialEndsAt\n    currentPeriodEnd\n    cancelAtPeriodEnd\n    graceEndsAt\n  }\n": typeof types.BillingStateFieldsFragmentDoc,
    "\n  query Billing {\n    viewer {\n      tenant {\n        id\n        billing {\n          ...BillingStateFields\n        }\n        usage {\n          limit\n          description\n          unit\n          used\n          max\n          warning\n          plan\n          raisedBy\n          periodStart\n        }\n      }\n      features {\n        key\n        enabled\n        source\n        description\n        unlockedBy\n      }\n    }\n    billingCatalogue {\n      stripeEnabled\n      plans {\n        plan\n        checkoutAvailable\n      }\n      features {\n        key\n        description\n        unlockedBy\n      }\n      limits {\n        limit\n        description\n        unit\n        values {\n          plan\n          max\n        }\n      }\n    }\n  }\n": typeof types.BillingDocument,
    "\n  query BillingBanner {\n    viewer {\n      tenant {\n        id\n        billing {\n          ...BillingStateFields\n          stripeEnabled\n        }\n      }\n    }\n  }\n": typeof types.BillingBannerDocument,
    "\n  subscription BillingChanged {\n    billingChanged {\n      ...BillingStateFields\n    }\n  }\n": typeof types.BillingChangedDocument,
    "\n  mutation CreateCheckoutSession($input: CreateCheckoutSessionInput!) {\n    createCheckoutSession(input: $input) {\n      url\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": typeof types.CreateCheckoutSessionDocument,
    "\n  mutation CreateBillingPortalSession($input: CreateBillingPortalSessionInput!) {\n    createBillingPortalSession(input: $input) {\n      url\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": typeof types.CreateBillingPortalSessionDocument,
    "\n  fragment NotificationChannelFields on NotificationChannel {\n    id\n    kind\n    name\n    target\n    enabled\n    createdAt\n    subscriptions {\n      incidentsOpened\n      incidentsClosed\n      minIncidentSeverity\n      actionsAwaitingApproval\n      autopilotModeChanges\n      dailyDigest\n    }\n  }\n": typeof types.NotificationChannelFieldsFragmentDoc,
    "\n  query NotificationChannels($first: Int!, $after: String) {\n    notificationChannels(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...NotificationChannelFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.NotificationChannelsDocument,
    "\n  query NotificationDeliveries($first: Int!, $after: String) {\n    notificationDeliveries(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          event\n          status\n          title\n          attempts\n          responseCode\n          lastError\n          createdAt\n          sentAt\n          channel {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.NotificationDeliveriesDocument,
    "\n  mutation CreateNotificationChannel($input: CreateNotificationChannelInput!) {\n    createNotificationChannel(input: $input) {\n      channel {\n        ...NotificationChannelFields\n      }\n      signingSecret\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.CreateNotificationChannelDocument,
    "\n  mutation UpdateNotificationChannel($input: UpdateNotificationChannelInput!) {\n    updateNotificationChannel(input: $input) {\n      channel {\n        ...NotificationChannelFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.UpdateNotificationChannelDocument,
    "\n  mutation DeleteNotificationChannel($input: IdInput!) {\n    deleteNotificationChannel(input: $input) {\n      deletedChannelId\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.DeleteNotificationChannelDocument,
    "\n  mutation TestNotificationChannel($input: IdInput!) {\n    testNotificationChannel(input: $input) {\n      delivery {\n        id\n        status\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.TestNotificationChannelDocument,
    "\n  fragment UserErrorFields on UserError {\n    field\n    message\n    code\n  }\n": typeof types.UserErrorFieldsFragmentDoc,
    "\n  query Members($first: Int!, $after: String) {\n    members(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          role\n          joinedAt\n          user {\n            id\n            email\n            mfaEnabled\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.MembersDocument,
    "\n  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {\n    changeMemberRole(input: $input) {\n      member {\n        id\n        role\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.ChangeMemberRoleDocument,
    "\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input) {\n      member {\n        id\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.RemoveMemberDocument,
    "\n  fragment InviteFields on Invite {\n    id\n    email\n    role\n    createdAt\n    expiresAt\n    acceptedAt\n    revokedAt\n  }\n": typeof types.InviteFieldsFragmentDoc,
    "\n  query Invites($first: Int!, $after: String) {\n    invites(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...InviteFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.InvitesDocument,
    "\n  query Usage {\n    viewer {\n      tenant {\n        id\n        usage {\n          limit\n          unit\n          used\n          max\n          warning\n          plan\n          raisedBy\n        }\n      }\n    }\n  }\n": typeof types.UsageDocument,
    "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      invite {\n        ...InviteFields\n      }\n      inviteToken\n      emailQueued\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.InviteMemberDocument,
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
    "\n  fragment ViewerFields on Viewer {\n    user {\n      id\n      email\n      mfaEnabled\n      emailVerified\n    }\n    tenant {\n      id\n      name\n      requireMfa\n      simulated\n    }\n    role\n    memberships {\n      role\n      tenant {\n        id\n        name\n      }\n    }\n    mfaVerified\n    mfaEnrollmentRequired\n  }\n": typeof types.ViewerFieldsFragmentDoc,
    "\n  query Viewer {\n    viewer {\n      ...ViewerFields\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  fragment AuthResult on AuthPayload {\n    mfaRequired\n    challengeToken\n    viewer {\n      ...ViewerFields\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n": typeof types.AuthResultFragmentDoc,
    "\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      ...AuthResult\n    }\n  }\n": typeof types.LogInDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...AuthResult\n    }\n  }\n": typeof types.SignUpDocument,
    "\n  mutation VerifyMfa($input: VerifyMfaInput!) {\n    verifyMfa(input: $input) {\n      ...AuthResult\n    }\n  }\n": typeof types.VerifyMfaDocument,
    "\n  mutation SwitchTenant($input: SwitchTenantInput!) {\n    switchTenant(input: $input) {\n      ...AuthResult\n    }\n  }\n": typeof types.SwitchTenantDocument,
    "\n  mutation LogOut {\n    logOut {\n      success\n    }\n  }\n": typeof types.LogOutDocument,
    "\n  mutation RefreshSession {\n    refreshSession(input: {}) {\n      accessToken\n      userErrors {\n        code\n        message\n      }\n    }\n  }\n": typeof types.RefreshSessionDocument,
    "\n  mutation AcceptInvite($input: AcceptInviteInput!) {\n    acceptInvite(input: $input) {\n      ...AuthResult\n    }\n  }\n": typeof types.AcceptInviteDocument,
    "\n  mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n    requestPasswordReset(input: $input) {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": typeof types.RequestPasswordResetDocument,
    "\n  mutation ResetPassword($input: ResetPasswordInput!) {\n    resetPassword(input: $input) {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": typeof types.ResetPasswordDocument,
    "\n  mutation VerifyEmail($input: VerifyEmailInput!) {\n    verifyEmail(input: $input) {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": typeof types.VerifyEmailDocument,
    "\n  mutation ResendVerificationEmail {\n    resendVerificationEmail {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": typeof types.ResendVerificationEmailDocument,
    "\n  query ActorNames($actors: [String!]!) {\n    actorNames(actors: $actors) {\n      actor\n      name\n      member\n    }\n  }\n": typeof types.ActorNamesDocument,
    "\n  fragment SignalHealthFields on SignalHealth {\n    platform\n    score\n    status\n    emq\n    outage\n    updatedAt\n    statusChangedAt\n    issues\n    components {\n      name\n      score\n      weight\n      baseWeight\n      known\n    }\n    issueDetails {\n      component\n      platform\n      message\n      impact\n    }\n  }\n": typeof types.SignalHealthFieldsFragmentDoc,
    "\n  fragment TrustGateFields on TrustGate {\n    autopilotMode\n    autopilotLevel\n    enforcementMode\n    killSwitch\n    score\n    status\n    verdict\n    decisionCounts {\n      pass\n      hold\n      block\n    }\n  }\n": typeof types.TrustGateFieldsFragmentDoc,
    "\n  fragment PlatformStatusFields on PlatformStatus {\n    platform\n    status\n    message\n    changedAt\n    checkedAt\n  }\n": typeof types.PlatformStatusFieldsFragmentDoc,
    "\n  fragment GateDecisionFields on TrustAuditEntry {\n    id\n    at\n    decision\n    score\n    cause\n    allowedRun\n    actor\n    actorEmail\n  }\n": typeof types.GateDecisionFieldsFragmentDoc,
    "\n  fragment ActionFields on Action {\n    id\n    type\n    riskClass\n    status\n    phase\n    decision\n    reasons\n    warnings\n    score\n    platform\n    campaign {\n      id\n      name\n      currency\n    }\n    ruleName\n    sources {\n      ruleName\n      proposedBy\n      reason\n      at\n    }\n    resolution\n    params {\n      percent\n      amount\n      status\n    }\n    before {\n      status\n      dailyBudget\n      bid\n    }\n    after {\n      status\n      dailyBudget\n      bid\n    }\n    createdBy\n    approvedBy\n    approvedAt\n    appliedBy\n    appliedAt\n    overrideReason\n    dismissedBy\n    error\n    createdAt\n    updatedAt\n    gateDecisions {\n      ...GateDecisionFields\n    }\n    decidingGate {\n      ...GateDecisionFields\n    }\n  }\n": typeof types.ActionFieldsFragmentDoc,
    "\n  fragment IncidentSummaryFields on Incident {\n    id\n    platform\n    title\n    severity\n    state\n    openedAt\n  }\n": typeof types.IncidentSummaryFieldsFragmentDoc,
    "\n  fragment IncidentFields on Incident {\n    id\n    cause\n    platform\n    title\n    severity\n    state\n    score\n    openedAt\n    acknowledgedAt\n    acknowledgedBy\n    resolvedAt\n    resolvedBy\n    resolution\n    timeline {\n      at\n      kind\n      message\n      actor\n    }\n  }\n": typeof types.IncidentFieldsFragmentDoc,
    "\n  query Overview {\n    signalHealth {\n      ...SignalHealthFields\n    }\n    platformHealth {\n      ...SignalHealthFields\n    }\n    platformStatuses {\n      ...PlatformStatusFields\n    }\n  }\n": typeof types.OverviewDocument,
    "\n  query TrustGate {\n    trustGate {\n      ...TrustGateFields\n    }\n  }\n": typeof types.TrustGateDocument,
    "\n  query SignalHealthHistory($range: HistoryRange!) {\n    signalHealthTrend(range: $range) {\n      range\n      from\n      to\n      bucketMinutes\n      simulated\n      points {\n        bucket\n        average\n        min\n        max\n        last\n        status\n        simulated\n      }\n    }\n  }\n": typeof types.SignalHealthHistoryDocument,
    "\n  query Incidents($state: [IncidentState!], $severity: [IncidentSeverity!], $first: Int!, $after: String) {\n    incidents(state: $state, severity: $severity, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...IncidentSummaryFields\n        }\n      }\n    }\n  }\n": typeof types.IncidentsDocument,
    "\n  query Incident($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on Incident {\n        ...IncidentFields\n      }\n    }\n  }\n": typeof types.IncidentDocument,
    "\n  query PendingActions($first: Int!, $after: String) {\n    actions(phase: WAITING, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ActionFields\n        }\n      }\n    }\n  }\n": typeof types.PendingActionsDocument,
    "\n  query ActionHistory($status: [ActionStatus!], $first: Int!, $after: String) {\n    actions(phase: HANDLED, status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ActionFields\n        }\n      }\n    }\n  }\n": typeof types.ActionHistoryDocument,
    "\n  query RecentActions($first: Int!) {\n    actions(first: $first) {\n      edges {\n        node {\n          id\n          type\n          status\n          phase\n          decision\n          createdBy\n          decidingGate {\n            ...GateDecisionFields\n          }\n          params {\n            percent\n            amount\n            status\n          }\n          campaign {\n            id\n            name\n            currency\n          }\n          updatedAt\n        }\n      }\n    }\n  }\n": typeof types.RecentActionsDocument,
    "\n  query SimulatedDegradations {\n    simulatedDegradations {\n      component\n      severity\n    }\n  }\n": typeof types.SimulatedDegradationsDocument,
    "\n  mutation ApproveAction($input: ActionIdInput!) {\n    approveAction(input: $input) {\n      action {\n        ...ActionFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.ApproveActionDocument,
    "\n  mutation DismissAction($input: ActionIdInput!) {\n    dismissAction(input: $input) {\n      action {\n        ...ActionFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.DismissActionDocument,
    "\n  mutation ApplyAction($input: ApplyActionInput!) {\n    applyAction(input: $input) {\n      action {\n        ...ActionFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.ApplyActionDocument,
    "\n  mutation AcknowledgeIncident($input: AcknowledgeIncidentInput!) {\n    acknowledgeIncident(input: $input) {\n      incident {\n        ...IncidentFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.AcknowledgeIncidentDocument,
    "\n  mutation ResolveIncident($input: ResolveIncidentInput!) {\n    resolveIncident(input: $input) {\n      incident {\n        ...IncidentFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.ResolveIncidentDocument,
    "\n  mutation SimulateDegradation($input: SimulateSignalDegradationInput!) {\n    simulateSignalDegradation(input: $input) {\n      degradations {\n        component\n        severity\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.SimulateDegradationDocument,
    "\n  mutation SimulateRecovery($input: SimulateSignalRecoveryInput!) {\n    simulateSignalRecovery(input: $input) {\n      degradations {\n        component\n        severity\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.SimulateRecoveryDocument,
    "\n  subscription SignalHealthChanged {\n    signalHealthChanged {\n      platform\n      score\n      status\n      emq\n      outage\n      updatedAt\n      statusChangedAt\n    }\n  }\n": typeof types.SignalHealthChangedDocument,
    "\n  subscription EmqUpdated {\n    emqUpdated {\n      signalHealth {\n        platform\n        emq\n      }\n    }\n  }\n": typeof types.EmqUpdatedDocument,
    "\n  subscription AutopilotModeChanged {\n    autopilotModeChanged {\n      ...TrustGateFields\n    }\n  }\n": typeof types.AutopilotModeChangedDocument,
    "\n  subscription PlatformStatusChanged {\n    platformStatusChanged {\n      ...PlatformStatusFields\n    }\n  }\n": typeof types.PlatformStatusChangedDocument,
    "\n  subscription ActionStatusUpdated {\n    actionStatusUpdated {\n      id\n      status\n      phase\n      decision\n      reasons\n      warnings\n      score\n      after {\n        status\n        dailyBudget\n        bid\n      }\n      approvedBy\n      approvedAt\n      appliedBy\n      appliedAt\n      dismissedBy\n      overrideReason\n      error\n      updatedAt\n      gateDecisions {\n        ...GateDecisionFields\n      }\n      decidingGate {\n        ...GateDecisionFields\n      }\n    }\n  }\n": typeof types.ActionStatusUpdatedDocument,
    "\n  subscription IncidentOpened {\n    incidentOpened {\n      ...IncidentSummaryFields\n    }\n  }\n": typeof types.IncidentOpenedDocument,
    "\n  subscription IncidentUpdated {\n    incidentUpdated {\n      ...IncidentSummaryFields\n    }\n  }\n": typeof types.IncidentUpdatedDocument,
    "\n  subscription IncidentClosed {\n    incidentClosed {\n      ...IncidentSummaryFields\n    }\n  }\n": typeof types.IncidentClosedDocument,
};
const documents: Documents = {
    "\n  query Features {\n    viewer {\n      features {\n        key\n        enabled\n        source\n        unlockedBy\n      }\n    }\n  }\n": types.FeaturesDocument,
    "\n  fragment ConditionFields on RuleCondition {\n    op\n    metric\n    windowDays\n    operator\n    value\n    timeWindow {\n      fromHour\n      toHour\n      weekdays\n    }\n  }\n": types.ConditionFieldsFragmentDoc,
    "\n  fragment RuleFields on AutomationRule {\n    id\n    name\n    description\n    logic\n    builtin\n    enabled\n    conditions {\n      ...ConditionFields\n      conditions {\n        ...ConditionFields\n        conditions {\n          ...ConditionFields\n          conditions {\n            ...ConditionFields\n            conditions {\n              ...ConditionFields\n            }\n          }\n        }\n      }\n    }\n    actions {\n      type\n      params {\n        percent\n        amount\n        status\n      }\n    }\n    params {\n      name\n      value\n    }\n    scheduleMinutes\n    cooldownSeconds\n    timeZone\n    scope {\n      platforms\n      campaignIds\n    }\n    lastEvaluatedAt\n  }\n": types.RuleFieldsFragmentDoc,
    "\n  fragment ActionSimulationFields on ActionSimulation {\n    type\n    campaign {\n      id\n      name\n      currency\n    }\n    platform\n    wouldExecute\n    decision\n    riskClass\n    threshold\n    score\n    autopilotMode\n    before {\n      status\n      dailyBudget\n      bid\n    }\n    after {\n      status\n      dailyBudget\n      bid\n    }\n    reasons\n    warnings\n  }\n": types.ActionSimulationFieldsFragmentDoc,
    "\n  fragment EnforcementSettingsFields on TrustGate {\n    settings {\n      killSwitch\n      enforcementMode\n      autopilotLevel\n      maxDailyBudget\n      maxCampaignBudget\n      maxBudgetIncreasePct\n      minRoas\n      minRoasWindowDays\n      maxBudgetChangesPerDay\n      minHoursBetweenChanges\n      updatedAt\n    }\n    enforcementRules {\n      violationType\n      mode\n      threshold\n      enabled\n      updatedAt\n    }\n  }\n": types.EnforcementSettingsFieldsFragmentDoc,
    "\n  fragment RuleSummaryFields on AutomationRule {\n    id\n    name\n    description\n    logic\n    builtin\n    enabled\n    scheduleMinutes\n    lastEvaluatedAt\n  }\n": types.RuleSummaryFieldsFragmentDoc,
    "\n  query AutomationRules {\n    automationRules(first: 15) {\n      totalCount\n      edges {\n        node {\n          ...RuleSummaryFields\n        }\n      }\n    }\n    enabledRules: automationRules(enabled: true, first: 0) {\n      totalCount\n    }\n  }\n": types.AutomationRulesDocument,
    "\n  query Rule($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on AutomationRule {\n        ...RuleFields\n      }\n    }\n  }\n": types.RuleDocument,
    "\n  query CampaignOptions {\n    campaigns(first: 25) {\n      edges {\n        node {\n          id\n          name\n          platform\n        }\n      }\n    }\n  }\n": types.CampaignOptionsDocument,
    "\n  query CampaignCurrencies {\n    campaigns(first: 100) {\n      pageInfo {\n        hasNextPage\n      }\n      edges {\n        node {\n          id\n          currency\n        }\n      }\n    }\n  }\n": types.CampaignCurrenciesDocument,
    "\n  query TrustSettings {\n    trustGate {\n      ...TrustGateFields\n      ...EnforcementSettingsFields\n    }\n  }\n": types.TrustSettingsDocument,
    "\n  mutation CreateRule($input: AutomationRuleInput!) {\n    createAutomationRule(input: $input) {\n      rule {\n        ...RuleFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.CreateRuleDocument,
    "\n  mutation UpdateRule($input: UpdateAutomationRuleInput!) {\n    updateAutomationRule(input: $input) {\n      rule {\n        ...RuleFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.UpdateRuleDocument,
    "\n  mutation DeleteRule($input: DeleteAutomationRuleInput!) {\n    deleteAutomationRule(input: $input) {\n      deletedRuleId\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.DeleteRuleDocument,
    "\n  mutation SetRuleEnabled($input: SetRuleEnabledInput!) {\n    setRuleEnabled(input: $input) {\n      rule {\n        ...RuleSummaryFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.SetRuleEnabledDocument,
    "\n  fragment RuleCheckFields on RuleCheck {\n    path\n    label\n    metric\n    windowDays\n    value\n    unit\n    operator\n    threshold\n    passed\n    note\n  }\n": types.RuleCheckFieldsFragmentDoc,
    "\n  mutation SimulateRule($input: SimulateRuleInput!) {\n    simulateRule(input: $input) {\n      campaignsEvaluated\n      campaignsNotShown\n      actions {\n        ...ActionSimulationFields\n      }\n      campaigns {\n        campaign {\n          id\n          name\n          currency\n        }\n        evaluated\n        wouldPropose\n        outcome\n        checks {\n          ...RuleCheckFields\n        }\n        failedCheck {\n          ...RuleCheckFields\n        }\n        proposals {\n          type\n        }\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.SimulateRuleDocument,
    "\n  mutation UpdateEnforcementSettings($input: UpdateEnforcementSettingsInput!) {\n    updateEnforcementSettings(input: $input) {\n      trustGate {\n        ...TrustGateFields\n        ...EnforcementSettingsFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.UpdateEnforcementSettingsDocument,
    "\n  mutation SetKillSwitch($input: SetKillSwitchInput!) {\n    setKillSwitch(input: $input) {\n      trustGate {\n        ...TrustGateFields\n        ...EnforcementSettingsFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.SetKillSwitchDocument,
    "\n  mutation SetAutopilotLevel($input: SetAutopilotLevelInput!) {\n    setAutopilotLevel(input: $input) {\n      trustGate {\n        ...TrustGateFields\n        ...EnforcementSettingsFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.SetAutopilotLevelDocument,
    "\n  mutation PutEnforcementRule($input: PutEnforcementRuleInput!) {\n    putEnforcementRule(input: $input) {\n      enforcementRule {\n        violationType\n        mode\n        threshold\n        enabled\n        updatedAt\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.PutEnforcementRuleDocument,
    "\n  mutation DeleteEnforcementRule($input: DeleteEnforcementRuleInput!) {\n    deleteEnforcementRule(input: $input) {\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.DeleteEnforcementRuleDocument,
    "\n  query RuleTemplates {\n    ruleTemplates {\n      key\n      name\n      description\n      logic\n      conditions {\n        ...ConditionFields\n        conditions {\n          ...ConditionFields\n          conditions {\n            ...ConditionFields\n            conditions {\n              ...ConditionFields\n              conditions {\n                ...ConditionFields\n              }\n            }\n          }\n        }\n      }\n      actions {\n        type\n        params {\n          percent\n          amount\n          status\n        }\n      }\n      scheduleMinutes\n      cooldownSeconds\n      timeZone\n    }\n  }\n": types.RuleTemplatesDocument,
    "\n  query RuleActivity($id: ID!, $first: Int!) {\n    node(id: $id) {\n      __typename\n      ... on AutomationRule {\n        id\n        name\n        activity(first: $first) {\n          totalCount\n          edges {\n            cursor\n            node {\n              at\n              kind\n              campaignsEvaluated\n              proposals\n              actionType\n              status\n              detail\n              campaign {\n                id\n                name\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n": types.RuleActivityDocument,
    "\n  fragment BillingStateFields on TenantBilling {\n    plan\n    effectivePlan\n    status\n    trialEndsAt\n    currentPeriodEnd\n    cancelAtPeriodEnd\n    graceEndsAt\n  }\n": types.BillingStateFieldsFragmentDoc,
    "\n  query Billing {\n    viewer {\n      tenant {\n        id\n        billing {\n          ...BillingStateFields\n        }\n        usage {\n          limit\n          description\n          unit\n          used\n          max\n          warning\n          plan\n          raisedBy\n          periodStart\n        }\n      }\n      features {\n        key\n        enabled\n        source\n        description\n        unlockedBy\n      }\n    }\n    billingCatalogue {\n      stripeEnabled\n      plans {\n        plan\n        checkoutAvailable\n      }\n      features {\n        key\n        description\n        unlockedBy\n      }\n      limits {\n        limit\n        description\n        unit\n        values {\n          plan\n          max\n        }\n      }\n    }\n  }\n": types.BillingDocument,
    "\n  query BillingBanner {\n    viewer {\n      tenant {\n        id\n        billing {\n          ...BillingStateFields\n          stripeEnabled\n        }\n      }\n    }\n  }\n": types.BillingBannerDocument,
    "\n  subscription BillingChanged {\n    billingChanged {\n      ...BillingStateFields\n    }\n  }\n": types.BillingChangedDocument,
    "\n  mutation CreateCheckoutSession($input: CreateCheckoutSessionInput!) {\n    createCheckoutSession(input: $input) {\n      url\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": types.CreateCheckoutSessionDocument,
    "\n  mutation CreateBillingPortalSession($input: CreateBillingPortalSessionInput!) {\n    createBillingPortalSession(input: $input) {\n      url\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": types.CreateBillingPortalSessionDocument,
    "\n  fragment NotificationChannelFields on NotificationChannel {\n    id\n    kind\n    name\n    target\n    enabled\n    createdAt\n    subscriptions {\n      incidentsOpened\n      incidentsClosed\n      minIncidentSeverity\n      actionsAwaitingApproval\n      autopilotModeChanges\n      dailyDigest\n    }\n  }\n": types.NotificationChannelFieldsFragmentDoc,
    "\n  query NotificationChannels($first: Int!, $after: String) {\n    notificationChannels(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...NotificationChannelFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.NotificationChannelsDocument,
    "\n  query NotificationDeliveries($first: Int!, $after: String) {\n    notificationDeliveries(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          event\n          status\n          title\n          attempts\n          responseCode\n          lastError\n          createdAt\n          sentAt\n          channel {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.NotificationDeliveriesDocument,
    "\n  mutation CreateNotificationChannel($input: CreateNotificationChannelInput!) {\n    createNotificationChannel(input: $input) {\n      channel {\n        ...NotificationChannelFields\n      }\n      signingSecret\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.CreateNotificationChannelDocument,
    "\n  mutation UpdateNotificationChannel($input: UpdateNotificationChannelInput!) {\n    updateNotificationChannel(input: $input) {\n      channel {\n        ...NotificationChannelFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.UpdateNotificationChannelDocument,
    "\n  mutation DeleteNotificationChannel($input: IdInput!) {\n    deleteNotificationChannel(input: $input) {\n      deletedChannelId\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.DeleteNotificationChannelDocument,
    "\n  mutation TestNotificationChannel($input: IdInput!) {\n    testNotificationChannel(input: $input) {\n      delivery {\n        id\n        status\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.TestNotificationChannelDocument,
    "\n  fragment UserErrorFields on UserError {\n    field\n    message\n    code\n  }\n": types.UserErrorFieldsFragmentDoc,
    "\n  query Members($first: Int!, $after: String) {\n    members(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          role\n          joinedAt\n          user {\n            id\n            email\n            mfaEnabled\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.MembersDocument,
    "\n  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {\n    changeMemberRole(input: $input) {\n      member {\n        id\n        role\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.ChangeMemberRoleDocument,
    "\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input) {\n      member {\n        id\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.RemoveMemberDocument,
    "\n  fragment InviteFields on Invite {\n    id\n    email\n    role\n    createdAt\n    expiresAt\n    acceptedAt\n    revokedAt\n  }\n": types.InviteFieldsFragmentDoc,
    "\n  query Invites($first: Int!, $after: String) {\n    invites(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...InviteFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.InvitesDocument,
    "\n  query Usage {\n    viewer {\n      tenant {\n        id\n        usage {\n          limit\n          unit\n          used\n          max\n          warning\n          plan\n          raisedBy\n        }\n      }\n    }\n  }\n": types.UsageDocument,
    "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      invite {\n        ...InviteFields\n      }\n      inviteToken\n      emailQueued\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.InviteMemberDocument,
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
    "\n  fragment ViewerFields on Viewer {\n    user {\n      id\n      email\n      mfaEnabled\n      emailVerified\n    }\n    tenant {\n      id\n      name\n      requireMfa\n      simulated\n    }\n    role\n    memberships {\n      role\n      tenant {\n        id\n        name\n      }\n    }\n    mfaVerified\n    mfaEnrollmentRequired\n  }\n": types.ViewerFieldsFragmentDoc,
    "\n  query Viewer {\n    viewer {\n      ...ViewerFields\n    }\n  }\n": types.ViewerDocument,
    "\n  fragment AuthResult on AuthPayload {\n    mfaRequired\n    challengeToken\n    viewer {\n      ...ViewerFields\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n": types.AuthResultFragmentDoc,
    "\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      ...AuthResult\n    }\n  }\n": types.LogInDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...AuthResult\n    }\n  }\n": types.SignUpDocument,
    "\n  mutation VerifyMfa($input: VerifyMfaInput!) {\n    verifyMfa(input: $input) {\n      ...AuthResult\n    }\n  }\n": types.VerifyMfaDocument,
    "\n  mutation SwitchTenant($input: SwitchTenantInput!) {\n    switchTenant(input: $input) {\n      ...AuthResult\n    }\n  }\n": types.SwitchTenantDocument,
    "\n  mutation LogOut {\n    logOut {\n      success\n    }\n  }\n": types.LogOutDocument,
    "\n  mutation RefreshSession {\n    refreshSession(input: {}) {\n      accessToken\n      userErrors {\n        code\n        message\n      }\n    }\n  }\n": types.RefreshSessionDocument,
    "\n  mutation AcceptInvite($input: AcceptInviteInput!) {\n    acceptInvite(input: $input) {\n      ...AuthResult\n    }\n  }\n": types.AcceptInviteDocument,
    "\n  mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n    requestPasswordReset(input: $input) {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": types.RequestPasswordResetDocument,
    "\n  mutation ResetPassword($input: ResetPasswordInput!) {\n    resetPassword(input: $input) {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": types.ResetPasswordDocument,
    "\n  mutation VerifyEmail($input: VerifyEmailInput!) {\n    verifyEmail(input: $input) {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": types.VerifyEmailDocument,
    "\n  mutation ResendVerificationEmail {\n    resendVerificationEmail {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": types.ResendVerificationEmailDocument,
    "\n  query ActorNames($actors: [String!]!) {\n    actorNames(actors: $actors) {\n      actor\n      name\n      member\n    }\n  }\n": types.ActorNamesDocument,
    "\n  fragment SignalHealthFields on SignalHealth {\n    platform\n    score\n    status\n    emq\n    outage\n    updatedAt\n    statusChangedAt\n    issues\n    components {\n      name\n      score\n      weight\n      baseWeight\n      known\n    }\n    issueDetails {\n      component\n      platform\n      message\n      impact\n    }\n  }\n": types.SignalHealthFieldsFragmentDoc,
    "\n  fragment TrustGateFields on TrustGate {\n    autopilotMode\n    autopilotLevel\n    enforcementMode\n    killSwitch\n    score\n    status\n    verdict\n    decisionCounts {\n      pass\n      hold\n      block\n    }\n  }\n": types.TrustGateFieldsFragmentDoc,
    "\n  fragment PlatformStatusFields on PlatformStatus {\n    platform\n    status\n    message\n    changedAt\n    checkedAt\n  }\n": types.PlatformStatusFieldsFragmentDoc,
    "\n  fragment GateDecisionFields on TrustAuditEntry {\n    id\n    at\n    decision\n    score\n    cause\n    allowedRun\n    actor\n    actorEmail\n  }\n": types.GateDecisionFieldsFragmentDoc,
    "\n  fragment ActionFields on Action {\n    id\n    type\n    riskClass\n    status\n    phase\n    decision\n    reasons\n    warnings\n    score\n    platform\n    campaign {\n      id\n      name\n      currency\n    }\n    ruleName\n    sources {\n      ruleName\n      proposedBy\n      reason\n      at\n    }\n    resolution\n    params {\n      percent\n      amount\n      status\n    }\n    before {\n      status\n      dailyBudget\n      bid\n    }\n    after {\n      status\n      dailyBudget\n      bid\n    }\n    createdBy\n    approvedBy\n    approvedAt\n    appliedBy\n    appliedAt\n    overrideReason\n    dismissedBy\n    error\n    createdAt\n    updatedAt\n    gateDecisions {\n      ...GateDecisionFields\n    }\n    decidingGate {\n      ...GateDecisionFields\n    }\n  }\n": types.ActionFieldsFragmentDoc,
    "\n  fragment IncidentSummaryFields on Incident {\n    id\n    platform\n    title\n    severity\n    state\n    openedAt\n  }\n": types.IncidentSummaryFieldsFragmentDoc,
    "\n  fragment IncidentFields on Incident {\n    id\n    cause\n    platform\n    title\n    severity\n    state\n    score\n    openedAt\n    acknowledgedAt\n    acknowledgedBy\n    resolvedAt\n    resolvedBy\n    resolution\n    timeline {\n      at\n      kind\n      message\n      actor\n    }\n  }\n": types.IncidentFieldsFragmentDoc,
    "\n  query Overview {\n    signalHealth {\n      ...SignalHealthFields\n    }\n    platformHealth {\n      ...SignalHealthFields\n    }\n    platformStatuses {\n      ...PlatformStatusFields\n    }\n  }\n": types.OverviewDocument,
    "\n  query TrustGate {\n    trustGate {\n      ...TrustGateFields\n    }\n  }\n": types.TrustGateDocument,
    "\n  query SignalHealthHistory($range: HistoryRange!) {\n    signalHealthTrend(range: $range) {\n      range\n      from\n      to\n      bucketMinutes\n      simulated\n      points {\n        bucket\n        average\n        min\n        max\n        last\n        status\n        simulated\n      }\n    }\n  }\n": types.SignalHealthHistoryDocument,
    "\n  query Incidents($state: [IncidentState!], $severity: [IncidentSeverity!], $first: Int!, $after: String) {\n    incidents(state: $state, severity: $severity, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...IncidentSummaryFields\n        }\n      }\n    }\n  }\n": types.IncidentsDocument,
    "\n  query Incident($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on Incident {\n        ...IncidentFields\n      }\n    }\n  }\n": types.IncidentDocument,
    "\n  query PendingActions($first: Int!, $after: String) {\n    actions(phase: WAITING, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ActionFields\n        }\n      }\n    }\n  }\n": types.PendingActionsDocument,
    "\n  query ActionHistory($status: [ActionStatus!], $first: Int!, $after: String) {\n    actions(phase: HANDLED, status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ActionFields\n        }\n      }\n    }\n  }\n": types.ActionHistoryDocument,
    "\n  query RecentActions($first: Int!) {\n    actions(first: $first) {\n      edges {\n        node {\n          id\n          type\n          status\n          phase\n          decision\n          createdBy\n          decidingGate {\n            ...GateDecisionFields\n          }\n          params {\n            percent\n            amount\n            status\n          }\n          campaign {\n            id\n            name\n            currency\n          }\n          updatedAt\n        }\n      }\n    }\n  }\n": types.RecentActionsDocument,
    "\n  query SimulatedDegradations {\n    simulatedDegradations {\n      component\n      severity\n    }\n  }\n": types.SimulatedDegradationsDocument,
    "\n  mutation ApproveAction($input: ActionIdInput!) {\n    approveAction(input: $input) {\n      action {\n        ...ActionFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.ApproveActionDocument,
    "\n  mutation DismissAction($input: ActionIdInput!) {\n    dismissAction(input: $input) {\n      action {\n        ...ActionFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.DismissActionDocument,
    "\n  mutation ApplyAction($input: ApplyActionInput!) {\n    applyAction(input: $input) {\n      action {\n        ...ActionFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.ApplyActionDocument,
    "\n  mutation AcknowledgeIncident($input: AcknowledgeIncidentInput!) {\n    acknowledgeIncident(input: $input) {\n      incident {\n        ...IncidentFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.AcknowledgeIncidentDocument,
    "\n  mutation ResolveIncident($input: ResolveIncidentInput!) {\n    resolveIncident(input: $input) {\n      incident {\n        ...IncidentFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.ResolveIncidentDocument,
    "\n  mutation SimulateDegradation($input: SimulateSignalDegradationInput!) {\n    simulateSignalDegradation(input: $input) {\n      degradations {\n        component\n        severity\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.SimulateDegradationDocument,
    "\n  mutation SimulateRecovery($input: SimulateSignalRecoveryInput!) {\n    simulateSignalRecovery(input: $input) {\n      degradations {\n        component\n        severity\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.SimulateRecoveryDocument,
    "\n  subscription SignalHealthChanged {\n    signalHealthChanged {\n      platform\n      score\n      status\n      emq\n      outage\n      updatedAt\n      statusChangedAt\n    }\n  }\n": types.SignalHealthChangedDocument,
    "\n  subscription EmqUpdated {\n    emqUpdated {\n      signalHealth {\n        platform\n        emq\n      }\n    }\n  }\n": types.EmqUpdatedDocument,
    "\n  subscription AutopilotModeChanged {\n    autopilotModeChanged {\n      ...TrustGateFields\n    }\n  }\n": types.AutopilotModeChangedDocument,
    "\n  subscription PlatformStatusChanged {\n    platformStatusChanged {\n      ...PlatformStatusFields\n    }\n  }\n": types.PlatformStatusChangedDocument,
    "\n  subscription ActionStatusUpdated {\n    actionStatusUpdated {\n      id\n      status\n      phase\n      decision\n      reasons\n      warnings\n      score\n      after {\n        status\n        dailyBudget\n        bid\n      }\n      approvedBy\n      approvedAt\n      appliedBy\n      appliedAt\n      dismissedBy\n      overrideReason\n      error\n      updatedAt\n      gateDecisions {\n        ...GateDecisionFields\n      }\n      decidingGate {\n        ...GateDecisionFields\n      }\n    }\n  }\n": types.ActionStatusUpdatedDocument,
    "\n  subscription IncidentOpened {\n    incidentOpened {\n      ...IncidentSummaryFields\n    }\n  }\n": types.IncidentOpenedDocument,
    "\n  subscription IncidentUpdated {\n    incidentUpdated {\n      ...IncidentSummaryFields\n    }\n  }\n": types.IncidentUpdatedDocument,
    "\n  subscription IncidentClosed {\n    incidentClosed {\n      ...IncidentSummaryFields\n    }\n  }\n": types.IncidentClosedDocument,
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
export function graphql(source: "\n  query Features {\n    viewer {\n      features {\n        key\n        enabled\n        source\n        unlockedBy\n      }\n    }\n  }\n"): (typeof documents)["\n  query Features {\n    viewer {\n      features {\n        key\n        enabled\n        source\n        unlockedBy\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConditionFields on RuleCondition {\n    op\n    metric\n    windowDays\n    operator\n    value\n    timeWindow {\n      fromHour\n      toHour\n      weekdays\n    }\n  }\n"): (typeof documents)["\n  fragment ConditionFields on RuleCondition {\n    op\n    metric\n    windowDays\n    operator\n    value\n    timeWindow {\n      fromHour\n      toHour\n      weekdays\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RuleFields on AutomationRule {\n    id\n    name\n    description\n    logic\n    builtin\n    enabled\n    conditions {\n      ...ConditionFields\n      conditions {\n        ...ConditionFields\n        conditions {\n          ...ConditionFields\n          conditions {\n            ...ConditionFields\n            conditions {\n              ...ConditionFields\n            }\n          }\n        }\n      }\n    }\n    actions {\n      type\n      params {\n        percent\n        amount\n        status\n      }\n    }\n    params {\n      name\n      value\n    }\n    scheduleMinutes\n    cooldownSeconds\n    timeZone\n    scope {\n      platforms\n      campaignIds\n    }\n    lastEvaluatedAt\n  }\n"): (typeof documents)["\n  fragment RuleFields on AutomationRule {\n    id\n    name\n    description\n    logic\n    builtin\n    enabled\n    conditions {\n      ...ConditionFields\n      conditions {\n        ...ConditionFields\n        conditions {\n          ...ConditionFields\n          conditions {\n            ...ConditionFields\n            conditions {\n              ...ConditionFields\n            }\n          }\n        }\n      }\n    }\n    actions {\n      type\n      params {\n        percent\n        amount\n        status\n      }\n    }\n    params {\n      name\n      value\n    }\n    scheduleMinutes\n    cooldownSeconds\n    timeZone\n    scope {\n      platforms\n      campaignIds\n    }\n    lastEvaluatedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ActionSimulationFields on ActionSimulation {\n    type\n    campaign {\n      id\n      name\n      currency\n    }\n    platform\n    wouldExecute\n    decision\n    riskClass\n    threshold\n    score\n    autopilotMode\n    before {\n      status\n      dailyBudget\n      bid\n    }\n    after {\n      status\n      dailyBudget\n      bid\n    }\n    reasons\n    warnings\n  }\n"): (typeof documents)["\n  fragment ActionSimulationFields on ActionSimulation {\n    type\n    campaign {\n      id\n      name\n      currency\n    }\n    platform\n    wouldExecute\n    decision\n    riskClass\n    threshold\n    score\n    autopilotMode\n    before {\n      status\n      dailyBudget\n      bid\n    }\n    after {\n      status\n      dailyBudget\n      bid\n    }\n    reasons\n    warnings\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EnforcementSettingsFields on TrustGate {\n    settings {\n      killSwitch\n      enforcementMode\n      autopilotLevel\n      maxDailyBudget\n      maxCampaignBudget\n      maxBudgetIncreasePct\n      minRoas\n      minRoasWindowDays\n      maxBudgetChangesPerDay\n      minHoursBetweenChanges\n      updatedAt\n    }\n    enforcementRules {\n      violationType\n      mode\n      threshold\n      enabled\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  fragment EnforcementSettingsFields on TrustGate {\n    settings {\n      killSwitch\n      enforcementMode\n      autopilotLevel\n      maxDailyBudget\n      maxCampaignBudget\n      maxBudgetIncreasePct\n      minRoas\n      minRoasWindowDays\n      maxBudgetChangesPerDay\n      minHoursBetweenChanges\n      updatedAt\n    }\n    enforcementRules {\n      violationType\n      mode\n      threshold\n      enabled\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RuleSummaryFields on AutomationRule {\n    id\n    name\n    description\n    logic\n    builtin\n    enabled\n    scheduleMinutes\n    lastEvaluatedAt\n  }\n"): (typeof documents)["\n  fragment RuleSummaryFields on AutomationRule {\n    id\n    name\n    description\n    logic\n    builtin\n    enabled\n    scheduleMinutes\n    lastEvaluatedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AutomationRules {\n    automationRules(first: 15) {\n      totalCount\n      edges {\n        node {\n          ...RuleSummaryFields\n        }\n      }\n    }\n    enabledRules: automationRules(enabled: true, first: 0) {\n      totalCount\n    }\n  }\n"): (typeof documents)["\n  query AutomationRules {\n    automationRules(first: 15) {\n      totalCount\n      edges {\n        node {\n          ...RuleSummaryFields\n        }\n      }\n    }\n    enabledRules: automationRules(enabled: true, first: 0) {\n      totalCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Rule($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on AutomationRule {\n        ...RuleFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query Rule($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on AutomationRule {\n        ...RuleFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CampaignOptions {\n    campaigns(first: 25) {\n      edges {\n        node {\n          id\n          name\n          platform\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query CampaignOptions {\n    campaigns(first: 25) {\n      edges {\n        node {\n          id\n          name\n          platform\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CampaignCurrencies {\n    campaigns(first: 100) {\n      pageInfo {\n        hasNextPage\n      }\n      edges {\n        node {\n          id\n          currency\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query CampaignCurrencies {\n    campaigns(first: 100) {\n      pageInfo {\n        hasNextPage\n      }\n      edges {\n        node {\n          id\n          currency\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TrustSettings {\n    trustGate {\n      ...TrustGateFields\n      ...EnforcementSettingsFields\n    }\n  }\n"): (typeof documents)["\n  query TrustSettings {\n    trustGate {\n      ...TrustGateFields\n      ...EnforcementSettingsFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateRule($input: AutomationRuleInput!) {\n    createAutomationRule(input: $input) {\n      rule {\n        ...RuleFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateRule($input: AutomationRuleInput!) {\n    createAutomationRule(input: $input) {\n      rule {\n        ...RuleFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateRule($input: UpdateAutomationRuleInput!) {\n    updateAutomationRule(input: $input) {\n      rule {\n        ...RuleFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateRule($input: UpdateAutomationRuleInput!) {\n    updateAutomationRule(input: $input) {\n      rule {\n        ...RuleFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteRule($input: DeleteAutomationRuleInput!) {\n    deleteAutomationRule(input: $input) {\n      deletedRuleId\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteRule($input: DeleteAutomationRuleInput!) {\n    deleteAutomationRule(input: $input) {\n      deletedRuleId\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetRuleEnabled($input: SetRuleEnabledInput!) {\n    setRuleEnabled(input: $input) {\n      rule {\n        ...RuleSummaryFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SetRuleEnabled($input: SetRuleEnabledInput!) {\n    setRuleEnabled(input: $input) {\n      rule {\n        ...RuleSummaryFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RuleCheckFields on RuleCheck {\n    path\n    label\n    metric\n    windowDays\n    value\n    unit\n    operator\n    threshold\n    passed\n    note\n  }\n"): (typeof documents)["\n  fragment RuleCheckFields on RuleCheck {\n    path\n    label\n    metric\n    windowDays\n    value\n    unit\n    operator\n    threshold\n    passed\n    note\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SimulateRule($input: SimulateRuleInput!) {\n    simulateRule(input: $input) {\n      campaignsEvaluated\n      campaignsNotShown\n      actions {\n        ...ActionSimulationFields\n      }\n      campaigns {\n        campaign {\n          id\n          name\n          currency\n        }\n        evaluated\n        wouldPropose\n        outcome\n        checks {\n          ...RuleCheckFields\n        }\n        failedCheck {\n          ...RuleCheckFields\n        }\n        proposals {\n          type\n        }\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SimulateRule($input: SimulateRuleInput!) {\n    simulateRule(input: $input) {\n      campaignsEvaluated\n      campaignsNotShown\n      actions {\n        ...ActionSimulationFields\n      }\n      campaigns {\n        campaign {\n          id\n          name\n          currency\n        }\n        evaluated\n        wouldPropose\n        outcome\n        checks {\n          ...RuleCheckFields\n        }\n        failedCheck {\n          ...RuleCheckFields\n        }\n        proposals {\n          type\n        }\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateEnforcementSettings($input: UpdateEnforcementSettingsInput!) {\n    updateEnforcementSettings(input: $input) {\n      trustGate {\n        ...TrustGateFields\n        ...EnforcementSettingsFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateEnforcementSettings($input: UpdateEnforcementSettingsInput!) {\n    updateEnforcementSettings(input: $input) {\n      trustGate {\n        ...TrustGateFields\n        ...EnforcementSettingsFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetKillSwitch($input: SetKillSwitchInput!) {\n    setKillSwitch(input: $input) {\n      trustGate {\n        ...TrustGateFields\n        ...EnforcementSettingsFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SetKillSwitch($input: SetKillSwitchInput!) {\n    setKillSwitch(input: $input) {\n      trustGate {\n        ...TrustGateFields\n        ...EnforcementSettingsFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetAutopilotLevel($input: SetAutopilotLevelInput!) {\n    setAutopilotLevel(input: $input) {\n      trustGate {\n        ...TrustGateFields\n        ...EnforcementSettingsFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SetAutopilotLevel($input: SetAutopilotLevelInput!) {\n    setAutopilotLevel(input: $input) {\n      trustGate {\n        ...TrustGateFields\n        ...EnforcementSettingsFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PutEnforcementRule($input: PutEnforcementRuleInput!) {\n    putEnforcementRule(input: $input) {\n      enforcementRule {\n        violationType\n        mode\n        threshold\n        enabled\n        updatedAt\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation PutEnforcementRule($input: PutEnforcementRuleInput!) {\n    putEnforcementRule(input: $input) {\n      enforcementRule {\n        violationType\n        mode\n        threshold\n        enabled\n        updatedAt\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteEnforcementRule($input: DeleteEnforcementRuleInput!) {\n    deleteEnforcementRule(input: $input) {\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteEnforcementRule($input: DeleteEnforcementRuleInput!) {\n    deleteEnforcementRule(input: $input) {\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RuleTemplates {\n    ruleTemplates {\n      key\n      name\n      description\n      logic\n      conditions {\n        ...ConditionFields\n        conditions {\n          ...ConditionFields\n          conditions {\n            ...ConditionFields\n            conditions {\n              ...ConditionFields\n              conditions {\n                ...ConditionFields\n              }\n            }\n          }\n        }\n      }\n      actions {\n        type\n        params {\n          percent\n          amount\n          status\n        }\n      }\n      scheduleMinutes\n      cooldownSeconds\n      timeZone\n    }\n  }\n"): (typeof documents)["\n  query RuleTemplates {\n    ruleTemplates {\n      key\n      name\n      description\n      logic\n      conditions {\n        ...ConditionFields\n        conditions {\n          ...ConditionFields\n          conditions {\n            ...ConditionFields\n            conditions {\n              ...ConditionFields\n              conditions {\n                ...ConditionFields\n              }\n            }\n          }\n        }\n      }\n      actions {\n        type\n        params {\n          percent\n          amount\n          status\n        }\n      }\n      scheduleMinutes\n      cooldownSeconds\n      timeZone\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RuleActivity($id: ID!, $first: Int!) {\n    node(id: $id) {\n      __typename\n      ... on AutomationRule {\n        id\n        name\n        activity(first: $first) {\n          totalCount\n          edges {\n            cursor\n            node {\n              at\n              kind\n              campaignsEvaluated\n              proposals\n              actionType\n              status\n              detail\n              campaign {\n                id\n                name\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RuleActivity($id: ID!, $first: Int!) {\n    node(id: $id) {\n      __typename\n      ... on AutomationRule {\n        id\n        name\n        activity(first: $first) {\n          totalCount\n          edges {\n            cursor\n            node {\n              at\n              kind\n              campaignsEvaluated\n              proposals\n              actionType\n              status\n              detail\n              campaign {\n                id\n                name\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BillingStateFields on TenantBilling {\n    plan\n    effectivePlan\n    status\n    trialEndsAt\n    currentPeriodEnd\n    cancelAtPeriodEnd\n    graceEndsAt\n  }\n"): (typeof documents)["\n  fragment BillingStateFields on TenantBilling {\n    plan\n    effectivePlan\n    status\n    trialEndsAt\n    currentPeriodEnd\n    cancelAtPeriodEnd\n    graceEndsAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Billing {\n    viewer {\n      tenant {\n        id\n        billing {\n          ...BillingStateFields\n        }\n        usage {\n          limit\n          description\n          unit\n          used\n          max\n          warning\n          plan\n          raisedBy\n          periodStart\n        }\n      }\n      features {\n        key\n        enabled\n        source\n        description\n        unlockedBy\n      }\n    }\n    billingCatalogue {\n      stripeEnabled\n      plans {\n        plan\n        checkoutAvailable\n      }\n      features {\n        key\n        description\n        unlockedBy\n      }\n      limits {\n        limit\n        description\n        unit\n        values {\n          plan\n          max\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Billing {\n    viewer {\n      tenant {\n        id\n        billing {\n          ...BillingStateFields\n        }\n        usage {\n          limit\n          description\n          unit\n          used\n          max\n          warning\n          plan\n          raisedBy\n          periodStart\n        }\n      }\n      features {\n        key\n        enabled\n        source\n        description\n        unlockedBy\n      }\n    }\n    billingCatalogue {\n      stripeEnabled\n      plans {\n        plan\n        checkoutAvailable\n      }\n      features {\n        key\n        description\n        unlockedBy\n      }\n      limits {\n        limit\n        description\n        unit\n        values {\n          plan\n          max\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BillingBanner {\n    viewer {\n      tenant {\n        id\n        billing {\n          ...BillingStateFields\n          stripeEnabled\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query BillingBanner {\n    viewer {\n      tenant {\n        id\n        billing {\n          ...BillingStateFields\n          stripeEnabled\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription BillingChanged {\n    billingChanged {\n      ...BillingStateFields\n    }\n  }\n"): (typeof documents)["\n  subscription BillingChanged {\n    billingChanged {\n      ...BillingStateFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateCheckoutSession($input: CreateCheckoutSessionInput!) {\n    createCheckoutSession(input: $input) {\n      url\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateCheckoutSession($input: CreateCheckoutSessionInput!) {\n    createCheckoutSession(input: $input) {\n      url\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateBillingPortalSession($input: CreateBillingPortalSessionInput!) {\n    createBillingPortalSession(input: $input) {\n      url\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateBillingPortalSession($input: CreateBillingPortalSessionInput!) {\n    createBillingPortalSession(input: $input) {\n      url\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment NotificationChannelFields on NotificationChannel {\n    id\n    kind\n    name\n    target\n    enabled\n    createdAt\n    subscriptions {\n      incidentsOpened\n      incidentsClosed\n      minIncidentSeverity\n      actionsAwaitingApproval\n      autopilotModeChanges\n      dailyDigest\n    }\n  }\n"): (typeof documents)["\n  fragment NotificationChannelFields on NotificationChannel {\n    id\n    kind\n    name\n    target\n    enabled\n    createdAt\n    subscriptions {\n      incidentsOpened\n      incidentsClosed\n      minIncidentSeverity\n      actionsAwaitingApproval\n      autopilotModeChanges\n      dailyDigest\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NotificationChannels($first: Int!, $after: String) {\n    notificationChannels(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...NotificationChannelFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query NotificationChannels($first: Int!, $after: String) {\n    notificationChannels(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...NotificationChannelFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NotificationDeliveries($first: Int!, $after: String) {\n    notificationDeliveries(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          event\n          status\n          title\n          attempts\n          responseCode\n          lastError\n          createdAt\n          sentAt\n          channel {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query NotificationDeliveries($first: Int!, $after: String) {\n    notificationDeliveries(first: $first, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          event\n          status\n          title\n          attempts\n          responseCode\n          lastError\n          createdAt\n          sentAt\n          channel {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateNotificationChannel($input: CreateNotificationChannelInput!) {\n    createNotificationChannel(input: $input) {\n      channel {\n        ...NotificationChannelFields\n      }\n      signingSecret\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateNotificationChannel($input: CreateNotificationChannelInput!) {\n    createNotificationChannel(input: $input) {\n      channel {\n        ...NotificationChannelFields\n      }\n      signingSecret\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateNotificationChannel($input: UpdateNotificationChannelInput!) {\n    updateNotificationChannel(input: $input) {\n      channel {\n        ...NotificationChannelFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateNotificationChannel($input: UpdateNotificationChannelInput!) {\n    updateNotificationChannel(input: $input) {\n      channel {\n        ...NotificationChannelFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteNotificationChannel($input: IdInput!) {\n    deleteNotificationChannel(input: $input) {\n      deletedChannelId\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteNotificationChannel($input: IdInput!) {\n    deleteNotificationChannel(input: $input) {\n      deletedChannelId\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TestNotificationChannel($input: IdInput!) {\n    testNotificationChannel(input: $input) {\n      delivery {\n        id\n        status\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation TestNotificationChannel($input: IdInput!) {\n    testNotificationChannel(input: $input) {\n      delivery {\n        id\n        status\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
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
export function graphql(source: "\n  query Usage {\n    viewer {\n      tenant {\n        id\n        usage {\n          limit\n          unit\n          used\n          max\n          warning\n          plan\n          raisedBy\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Usage {\n    viewer {\n      tenant {\n        id\n        usage {\n          limit\n          unit\n          used\n          max\n          warning\n          plan\n          raisedBy\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      invite {\n        ...InviteFields\n      }\n      inviteToken\n      emailQueued\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      invite {\n        ...InviteFields\n      }\n      inviteToken\n      emailQueued\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
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
export function graphql(source: "\n  fragment ViewerFields on Viewer {\n    user {\n      id\n      email\n      mfaEnabled\n      emailVerified\n    }\n    tenant {\n      id\n      name\n      requireMfa\n      simulated\n    }\n    role\n    memberships {\n      role\n      tenant {\n        id\n        name\n      }\n    }\n    mfaVerified\n    mfaEnrollmentRequired\n  }\n"): (typeof documents)["\n  fragment ViewerFields on Viewer {\n    user {\n      id\n      email\n      mfaEnabled\n      emailVerified\n    }\n    tenant {\n      id\n      name\n      requireMfa\n      simulated\n    }\n    role\n    memberships {\n      role\n      tenant {\n        id\n        name\n      }\n    }\n    mfaVerified\n    mfaEnrollmentRequired\n  }\n"];
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
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n    requestPasswordReset(input: $input) {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n    requestPasswordReset(input: $input) {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetPassword($input: ResetPasswordInput!) {\n    resetPassword(input: $input) {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ResetPassword($input: ResetPasswordInput!) {\n    resetPassword(input: $input) {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyEmail($input: VerifyEmailInput!) {\n    verifyEmail(input: $input) {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation VerifyEmail($input: VerifyEmailInput!) {\n    verifyEmail(input: $input) {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResendVerificationEmail {\n    resendVerificationEmail {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ResendVerificationEmail {\n    resendVerificationEmail {\n      success\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ActorNames($actors: [String!]!) {\n    actorNames(actors: $actors) {\n      actor\n      name\n      member\n    }\n  }\n"): (typeof documents)["\n  query ActorNames($actors: [String!]!) {\n    actorNames(actors: $actors) {\n      actor\n      name\n      member\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SignalHealthFields on SignalHealth {\n    platform\n    score\n    status\n    emq\n    outage\n    updatedAt\n    statusChangedAt\n    issues\n    components {\n      name\n      score\n      weight\n      baseWeight\n      known\n    }\n    issueDetails {\n      component\n      platform\n      message\n      impact\n    }\n  }\n"): (typeof documents)["\n  fragment SignalHealthFields on SignalHealth {\n    platform\n    score\n    status\n    emq\n    outage\n    updatedAt\n    statusChangedAt\n    issues\n    components {\n      name\n      score\n      weight\n      baseWeight\n      known\n    }\n    issueDetails {\n      component\n      platform\n      message\n      impact\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment TrustGateFields on TrustGate {\n    autopilotMode\n    autopilotLevel\n    enforcementMode\n    killSwitch\n    score\n    status\n    verdict\n    decisionCounts {\n      pass\n      hold\n      block\n    }\n  }\n"): (typeof documents)["\n  fragment TrustGateFields on TrustGate {\n    autopilotMode\n    autopilotLevel\n    enforcementMode\n    killSwitch\n    score\n    status\n    verdict\n    decisionCounts {\n      pass\n      hold\n      block\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PlatformStatusFields on PlatformStatus {\n    platform\n    status\n    message\n    changedAt\n    checkedAt\n  }\n"): (typeof documents)["\n  fragment PlatformStatusFields on PlatformStatus {\n    platform\n    status\n    message\n    changedAt\n    checkedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment GateDecisionFields on TrustAuditEntry {\n    id\n    at\n    decision\n    score\n    cause\n    allowedRun\n    actor\n    actorEmail\n  }\n"): (typeof documents)["\n  fragment GateDecisionFields on TrustAuditEntry {\n    id\n    at\n    decision\n    score\n    cause\n    allowedRun\n    actor\n    actorEmail\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ActionFields on Action {\n    id\n    type\n    riskClass\n    status\n    phase\n    decision\n    reasons\n    warnings\n    score\n    platform\n    campaign {\n      id\n      name\n      currency\n    }\n    ruleName\n    sources {\n      ruleName\n      proposedBy\n      reason\n      at\n    }\n    resolution\n    params {\n      percent\n      amount\n      status\n    }\n    before {\n      status\n      dailyBudget\n      bid\n    }\n    after {\n      status\n      dailyBudget\n      bid\n    }\n    createdBy\n    approvedBy\n    approvedAt\n    appliedBy\n    appliedAt\n    overrideReason\n    dismissedBy\n    error\n    createdAt\n    updatedAt\n    gateDecisions {\n      ...GateDecisionFields\n    }\n    decidingGate {\n      ...GateDecisionFields\n    }\n  }\n"): (typeof documents)["\n  fragment ActionFields on Action {\n    id\n    type\n    riskClass\n    status\n    phase\n    decision\n    reasons\n    warnings\n    score\n    platform\n    campaign {\n      id\n      name\n      currency\n    }\n    ruleName\n    sources {\n      ruleName\n      proposedBy\n      reason\n      at\n    }\n    resolution\n    params {\n      percent\n      amount\n      status\n    }\n    before {\n      status\n      dailyBudget\n      bid\n    }\n    after {\n      status\n      dailyBudget\n      bid\n    }\n    createdBy\n    approvedBy\n    approvedAt\n    appliedBy\n    appliedAt\n    overrideReason\n    dismissedBy\n    error\n    createdAt\n    updatedAt\n    gateDecisions {\n      ...GateDecisionFields\n    }\n    decidingGate {\n      ...GateDecisionFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment IncidentSummaryFields on Incident {\n    id\n    platform\n    title\n    severity\n    state\n    openedAt\n  }\n"): (typeof documents)["\n  fragment IncidentSummaryFields on Incident {\n    id\n    platform\n    title\n    severity\n    state\n    openedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment IncidentFields on Incident {\n    id\n    cause\n    platform\n    title\n    severity\n    state\n    score\n    openedAt\n    acknowledgedAt\n    acknowledgedBy\n    resolvedAt\n    resolvedBy\n    resolution\n    timeline {\n      at\n      kind\n      message\n      actor\n    }\n  }\n"): (typeof documents)["\n  fragment IncidentFields on Incident {\n    id\n    cause\n    platform\n    title\n    severity\n    state\n    score\n    openedAt\n    acknowledgedAt\n    acknowledgedBy\n    resolvedAt\n    resolvedBy\n    resolution\n    timeline {\n      at\n      kind\n      message\n      actor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Overview {\n    signalHealth {\n      ...SignalHealthFields\n    }\n    platformHealth {\n      ...SignalHealthFields\n    }\n    platformStatuses {\n      ...PlatformStatusFields\n    }\n  }\n"): (typeof documents)["\n  query Overview {\n    signalHealth {\n      ...SignalHealthFields\n    }\n    platformHealth {\n      ...SignalHealthFields\n    }\n    platformStatuses {\n      ...PlatformStatusFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TrustGate {\n    trustGate {\n      ...TrustGateFields\n    }\n  }\n"): (typeof documents)["\n  query TrustGate {\n    trustGate {\n      ...TrustGateFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SignalHealthHistory($range: HistoryRange!) {\n    signalHealthTrend(range: $range) {\n      range\n      from\n      to\n      bucketMinutes\n      simulated\n      points {\n        bucket\n        average\n        min\n        max\n        last\n        status\n        simulated\n      }\n    }\n  }\n"): (typeof documents)["\n  query SignalHealthHistory($range: HistoryRange!) {\n    signalHealthTrend(range: $range) {\n      range\n      from\n      to\n      bucketMinutes\n      simulated\n      points {\n        bucket\n        average\n        min\n        max\n        last\n        status\n        simulated\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Incidents($state: [IncidentState!], $severity: [IncidentSeverity!], $first: Int!, $after: String) {\n    incidents(state: $state, severity: $severity, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...IncidentSummaryFields\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Incidents($state: [IncidentState!], $severity: [IncidentSeverity!], $first: Int!, $after: String) {\n    incidents(state: $state, severity: $severity, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...IncidentSummaryFields\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Incident($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on Incident {\n        ...IncidentFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query Incident($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on Incident {\n        ...IncidentFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PendingActions($first: Int!, $after: String) {\n    actions(phase: WAITING, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ActionFields\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query PendingActions($first: Int!, $after: String) {\n    actions(phase: WAITING, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ActionFields\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ActionHistory($status: [ActionStatus!], $first: Int!, $after: String) {\n    actions(phase: HANDLED, status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ActionFields\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ActionHistory($status: [ActionStatus!], $first: Int!, $after: String) {\n    actions(phase: HANDLED, status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ActionFields\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RecentActions($first: Int!) {\n    actions(first: $first) {\n      edges {\n        node {\n          id\n          type\n          status\n          phase\n          decision\n          createdBy\n          decidingGate {\n            ...GateDecisionFields\n          }\n          params {\n            percent\n            amount\n            status\n          }\n          campaign {\n            id\n            name\n            currency\n          }\n          updatedAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RecentActions($first: Int!) {\n    actions(first: $first) {\n      edges {\n        node {\n          id\n          type\n          status\n          phase\n          decision\n          createdBy\n          decidingGate {\n            ...GateDecisionFields\n          }\n          params {\n            percent\n            amount\n            status\n          }\n          campaign {\n            id\n            name\n            currency\n          }\n          updatedAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SimulatedDegradations {\n    simulatedDegradations {\n      component\n      severity\n    }\n  }\n"): (typeof documents)["\n  query SimulatedDegradations {\n    simulatedDegradations {\n      component\n      severity\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ApproveAction($input: ActionIdInput!) {\n    approveAction(input: $input) {\n      action {\n        ...ActionFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ApproveAction($input: ActionIdInput!) {\n    approveAction(input: $input) {\n      action {\n        ...ActionFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DismissAction($input: ActionIdInput!) {\n    dismissAction(input: $input) {\n      action {\n        ...ActionFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation DismissAction($input: ActionIdInput!) {\n    dismissAction(input: $input) {\n      action {\n        ...ActionFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ApplyAction($input: ApplyActionInput!) {\n    applyAction(input: $input) {\n      action {\n        ...ActionFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ApplyAction($input: ApplyActionInput!) {\n    applyAction(input: $input) {\n      action {\n        ...ActionFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcknowledgeIncident($input: AcknowledgeIncidentInput!) {\n    acknowledgeIncident(input: $input) {\n      incident {\n        ...IncidentFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AcknowledgeIncident($input: AcknowledgeIncidentInput!) {\n    acknowledgeIncident(input: $input) {\n      incident {\n        ...IncidentFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResolveIncident($input: ResolveIncidentInput!) {\n    resolveIncident(input: $input) {\n      incident {\n        ...IncidentFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ResolveIncident($input: ResolveIncidentInput!) {\n    resolveIncident(input: $input) {\n      incident {\n        ...IncidentFields\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SimulateDegradation($input: SimulateSignalDegradationInput!) {\n    simulateSignalDegradation(input: $input) {\n      degradations {\n        component\n        severity\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SimulateDegradation($input: SimulateSignalDegradationInput!) {\n    simulateSignalDegradation(input: $input) {\n      degradations {\n        component\n        severity\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SimulateRecovery($input: SimulateSignalRecoveryInput!) {\n    simulateSignalRecovery(input: $input) {\n      degradations {\n        component\n        severity\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SimulateRecovery($input: SimulateSignalRecoveryInput!) {\n    simulateSignalRecovery(input: $input) {\n      degradations {\n        component\n        severity\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription SignalHealthChanged {\n    signalHealthChanged {\n      platform\n      score\n      status\n      emq\n      outage\n      updatedAt\n      statusChangedAt\n    }\n  }\n"): (typeof documents)["\n  subscription SignalHealthChanged {\n    signalHealthChanged {\n      platform\n      score\n      status\n      emq\n      outage\n      updatedAt\n      statusChangedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription EmqUpdated {\n    emqUpdated {\n      signalHealth {\n        platform\n        emq\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription EmqUpdated {\n    emqUpdated {\n      signalHealth {\n        platform\n        emq\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AutopilotModeChanged {\n    autopilotModeChanged {\n      ...TrustGateFields\n    }\n  }\n"): (typeof documents)["\n  subscription AutopilotModeChanged {\n    autopilotModeChanged {\n      ...TrustGateFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PlatformStatusChanged {\n    platformStatusChanged {\n      ...PlatformStatusFields\n    }\n  }\n"): (typeof documents)["\n  subscription PlatformStatusChanged {\n    platformStatusChanged {\n      ...PlatformStatusFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ActionStatusUpdated {\n    actionStatusUpdated {\n      id\n      status\n      phase\n      decision\n      reasons\n      warnings\n      score\n      after {\n        status\n        dailyBudget\n        bid\n      }\n      approvedBy\n      approvedAt\n      appliedBy\n      appliedAt\n      dismissedBy\n      overrideReason\n      error\n      updatedAt\n      gateDecisions {\n        ...GateDecisionFields\n      }\n      decidingGate {\n        ...GateDecisionFields\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription ActionStatusUpdated {\n    actionStatusUpdated {\n      id\n      status\n      phase\n      decision\n      reasons\n      warnings\n      score\n      after {\n        status\n        dailyBudget\n        bid\n      }\n      approvedBy\n      approvedAt\n      appliedBy\n      appliedAt\n      dismissedBy\n      overrideReason\n      error\n      updatedAt\n      gateDecisions {\n        ...GateDecisionFields\n      }\n      decidingGate {\n        ...GateDecisionFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription IncidentOpened {\n    incidentOpened {\n      ...IncidentSummaryFields\n    }\n  }\n"): (typeof documents)["\n  subscription IncidentOpened {\n    incidentOpened {\n      ...IncidentSummaryFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription IncidentUpdated {\n    incidentUpdated {\n      ...IncidentSummaryFields\n    }\n  }\n"): (typeof documents)["\n  subscription IncidentUpdated {\n    incidentUpdated {\n      ...IncidentSummaryFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription IncidentClosed {\n    incidentClosed {\n      ...IncidentSummaryFields\n    }\n  }\n"): (typeof documents)["\n  subscription IncidentClosed {\n    incidentClosed {\n      ...IncidentSummaryFields\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;