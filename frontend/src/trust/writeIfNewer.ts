import type { ApolloClient } from '@apollo/client'

import { ActionFieldsFragmentDoc, type ActionFieldsFragment } from '../gql/graphql'

/**
 * Writes an action a mutation returned into the cache, unless the cache
 * already holds a newer state of it. The server reports the next steps
 * (approved → applied) over the websocket, and that can beat the
 * mutation's own HTTP answer: writing the answer blindly would turn an
 * applied action back into an approved one. Mutations on actions therefore
 * run with `fetchPolicy: 'no-cache'` and store their result through here.
 */
export function writeActionIfNewer(client: ApolloClient, action: ActionFieldsFragment): void {
  const id = client.cache.identify({ __typename: 'Action', id: action.id })
  const fragment = { fragment: ActionFieldsFragmentDoc, fragmentName: 'ActionFields', id }
  const current = client.readFragment(fragment)
  if (current && Date.parse(current.updatedAt) > Date.parse(action.updatedAt)) return
  client.writeFragment({ ...fragment, data: action })
}
