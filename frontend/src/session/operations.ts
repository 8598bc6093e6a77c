import { graphql } from '../gql'

/** What the dashboard knows about the signed-in user; every auth payload returns it. */
export const ViewerFieldsFragment = graphql(`
  fragment ViewerFields on Viewer {
    user {
      id
      email
      mfaEnabled
      emailVerified
    }
    tenant {
      id
      name
      requireMfa
      simulated
    }
    role
    memberships {
      role
      tenant {
        id
        name
      }
    }
    mfaVerified
    mfaEnrollmentRequired
  }
`)

export const ViewerDocument = graphql(`
  query Viewer {
    viewer {
      ...ViewerFields
    }
  }
`)

/**
 * What every session-issuing mutation returns: the new session's viewer
 * (null when none was issued), or why not. `mfaRequired` and
 * `challengeToken` are set by logIn only.
 */
export const AuthResultFragment = graphql(`
  fragment AuthResult on AuthPayload {
    mfaRequired
    challengeToken
    viewer {
      ...ViewerFields
    }
    userErrors {
      field
      message
      code
    }
  }
`)

export const LogInDocument = graphql(`
  mutation LogIn($input: LogInInput!) {
    logIn(input: $input) {
      ...AuthResult
    }
  }
`)

export const SignUpDocument = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      ...AuthResult
    }
  }
`)

export const VerifyMfaDocument = graphql(`
  mutation VerifyMfa($input: VerifyMfaInput!) {
    verifyMfa(input: $input) {
      ...AuthResult
    }
  }
`)

export const SwitchTenantDocument = graphql(`
  mutation SwitchTenant($input: SwitchTenantInput!) {
    switchTenant(input: $input) {
      ...AuthResult
    }
  }
`)

export const LogOutDocument = graphql(`
  mutation LogOut {
    logOut {
      success
    }
  }
`)

/** Renews the session with the refresh cookie (see refresh.ts). */
export const RefreshSessionDocument = graphql(`
  mutation RefreshSession {
    refreshSession(input: {}) {
      accessToken
      userErrors {
        code
        message
      }
    }
  }
`)

export const AcceptInviteDocument = graphql(`
  mutation AcceptInvite($input: AcceptInviteInput!) {
    acceptInvite(input: $input) {
      ...AuthResult
    }
  }
`)

/** Asks for a password-reset link; the answer is the same for every well-formed address. */
export const RequestPasswordResetDocument = graphql(`
  mutation RequestPasswordReset($input: RequestPasswordResetInput!) {
    requestPasswordReset(input: $input) {
      success
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** Sets a new password with a reset link's token; every session of the account ends. */
export const ResetPasswordDocument = graphql(`
  mutation ResetPassword($input: ResetPasswordInput!) {
    resetPassword(input: $input) {
      success
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** Verifies the address a verification link was sent to. */
export const VerifyEmailDocument = graphql(`
  mutation VerifyEmail($input: VerifyEmailInput!) {
    verifyEmail(input: $input) {
      success
      userErrors {
        field
        message
        code
      }
    }
  }
`)

/** Sends the signed-in user another verification link. */
export const ResendVerificationEmailDocument = graphql(`
  mutation ResendVerificationEmail {
    resendVerificationEmail {
      success
      userErrors {
        field
        message
        code
      }
    }
  }
`)
