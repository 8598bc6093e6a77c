// The dashboard keeps the signed-in user's access token here; GraphiQL reads
// it to prefill its Authorization header.
export const ACCESS_TOKEN_KEY = 'stratum.accessToken'

export function getAccessToken(): string | null {
  try {
    return globalThis.localStorage?.getItem(ACCESS_TOKEN_KEY) ?? null
  } catch {
    return null // storage disabled
  }
}

export function setAccessToken(token: string | null): void {
  if (token) localStorage.setItem(ACCESS_TOKEN_KEY, token)
  else localStorage.removeItem(ACCESS_TOKEN_KEY)
}

/** Authorization header for the current token, or none. */
export function authHeaders(token = getAccessToken()): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {}
}
