import { graphql } from '../gql'

/** What the dashboard knows about the signed-in user; every auth payload returns it. */
export const ViewerFieldsFragment = graphql(`
  fragment ViewerFields on Viewer {
    user {
      id
      email
      mfaEnabled
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

export const LogInDocument = graphql(`
  mutation LogIn($input: LogInInput!) {
    logIn(input: $input) {
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
  }
`)

export const SignUpDocument = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      viewer {
        ...ViewerFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const VerifyMfaDocument = graphql(`
  mutation VerifyMfa($input: VerifyMfaInput!) {
    verifyMfa(input: $input) {
      viewer {
        ...ViewerFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const SwitchTenantDocument = graphql(`
  mutation SwitchTenant($input: SwitchTenantInput!) {
    switchTenant(input: $input) {
      viewer {
        ...ViewerFields
      }
      userErrors {
        field
        message
        code
      }
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
      viewer {
        ...ViewerFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)
