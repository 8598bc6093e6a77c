import { gql, type TypedDocumentNode } from '@apollo/client'

/** The server's clock, pushed every intervalSeconds (public; used to check the live link). */
export const SERVER_TIME: TypedDocumentNode<{ serverTime: string }, { intervalSeconds: number }> = gql`
  subscription ServerTime($intervalSeconds: Int!) {
    serverTime(intervalSeconds: $intervalSeconds)
  }
`
