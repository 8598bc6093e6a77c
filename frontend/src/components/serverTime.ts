import { graphql } from '../gql'

/** The server's clock, pushed every intervalSeconds (public; proves the live link works). */
export const ServerTimeDocument = graphql(`
  subscription ServerTime($intervalSeconds: Int!) {
    serverTime(intervalSeconds: $intervalSeconds)
  }
`)
