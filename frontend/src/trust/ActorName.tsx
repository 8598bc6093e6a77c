import { useQuery } from '@apollo/client/react'

import { graphql } from '../gql'
import { actorLabel } from './labels'

/** Names of recorded actors (graph/identity.graphqls actorNames): members by e-mail, only within the tenant. */
export const ActorNamesDocument = graphql(`
  query ActorNames($actors: [String!]!) {
    actorNames(actors: $actors) {
      actor
      name
      member
    }
  }
`)

/**
 * The name of who did something (`user:<id>`, `system`, `api_key:<id>`):
 * the member's e-mail for a user, looked up once per user and cached; the
 * generic word until it arrives, or when the lookup fails.
 */
export function useActorName(actor: string | null | undefined): string {
  const isUser = !!actor && actor.startsWith('user:')
  const { data } = useQuery(ActorNamesDocument, { variables: { actors: [actor ?? ''] }, skip: !isUser })
  return data?.actorNames[0]?.name ?? actorLabel(actor)
}

/** `useActorName` as an element, for text that names several actors. */
export function ActorName({ actor }: { actor: string | null | undefined }) {
  return <>{useActorName(actor)}</>
}
