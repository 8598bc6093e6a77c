import { graphql } from '../../gql'

export const BillingStateFieldsFragment = graphql(`
  fragment BillingStateFields on TenantBilling {
    plan
    effectivePlan
    status
    trialEndsAt
    currentPeriodEnd
    cancelAtPeriodEnd
    graceEndsAt
  }
`)

/** The billing tab: the workspace's plan and state, its usage, its flags and the catalogue. */
export const BillingDocument = graphql(`
  query Billing {
    viewer {
      tenant {
        id
        billing {
          ...BillingStateFields
        }
        usage {
          limit
          description
          unit
          used
          max
          warning
          plan
          raisedBy
          periodStart
        }
      }
      features {
        key
        enabled
        source
        description
        unlockedBy
      }
    }
    billingCatalogue {
      stripeEnabled
      plans {
        plan
        checkoutAvailable
      }
      features {
        key
        description
        unlockedBy
      }
      limits {
        limit
        description
        unit
        values {
          plan
          max
        }
      }
    }
  }
`)

/**
 * The banners' read of the billing state (the app layout). Only fields of
 * the viewer: signed out, it answers a null viewer instead of an error, so
 * the cache reset at log-out does not fail on it.
 */
export const BillingBannerDocument = graphql(`
  query BillingBanner {
    viewer {
      tenant {
        id
        billing {
          ...BillingStateFields
          stripeEnabled
        }
      }
    }
  }
`)

export const BillingChangedDocument = graphql(`
  subscription BillingChanged {
    billingChanged {
      ...BillingStateFields
    }
  }
`)

export const CreateCheckoutSessionDocument = graphql(`
  mutation CreateCheckoutSession($input: CreateCheckoutSessionInput!) {
    createCheckoutSession(input: $input) {
      url
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const CreateBillingPortalSessionDocument = graphql(`
  mutation CreateBillingPortalSession($input: CreateBillingPortalSessionInput!) {
    createBillingPortalSession(input: $input) {
      url
      userErrors {
        field
        message
        code
      }
    }
  }
`)
