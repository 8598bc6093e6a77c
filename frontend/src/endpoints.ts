/** Absolute HTTP and websocket URLs of the GraphQL endpoint on this origin. */
export function graphqlEndpoints(loc: Pick<Location, 'protocol' | 'host'> = window.location): {
  http: string
  ws: string
} {
  const wsProtocol = loc.protocol === 'https:' ? 'wss:' : 'ws:'
  return {
    http: `${loc.protocol}//${loc.host}/graphql`,
    ws: `${wsProtocol}//${loc.host}/graphql`,
  }
}
