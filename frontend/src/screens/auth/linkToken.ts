/**
 * The token of an e-mailed link: in the fragment (`#token=…`, which never
 * reaches a server or its logs), or in the query for links written by hand.
 */
export function linkToken(location: { hash: string; search: string }): string {
  return (
    new URLSearchParams(location.hash.slice(1)).get('token') ??
    new URLSearchParams(location.search).get('token') ??
    ''
  ).trim()
}
