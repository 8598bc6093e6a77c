import { graphql } from '../gql'

/** The workspace's feature flags, read once and kept in Apollo's cache (useFeature). */
export const FeaturesDocument = graphql(`
  query Features {
    viewer {
      features {
        key
        enabled
        source
        unlockedBy
      }
    }
  }
`)
