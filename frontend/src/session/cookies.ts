// Web sessions live in httpOnly cookies the dashboard cannot read; the one
// readable cookie is the CSRF token, which every cookie-authenticated
// mutation must echo in a header (double submit, see resolvers/authn.go).

/** The readable cookie holding the CSRF token of the current session. */
export const CSRF_COOKIE = 'stratum_csrf'
/** The header that must carry the CSRF cookie's value on mutations. */
export const CSRF_HEADER = 'X-CSRF-Token'

/** The value of cookie `name` in a `document.cookie` string, or null. */
export function readCookie(name: string, cookies: string): string | null {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim())
  }
  return null
}

/** The current session's CSRF token; null when signed out (or outside a browser). */
export function csrfToken(): string | null {
  if (typeof document === 'undefined') return null
  return readCookie(CSRF_COOKIE, document.cookie) || null
}

/** The CSRF header for the current session, or no header when there is none. */
export function csrfHeaders(token = csrfToken()): Record<string, string> {
  return token ? { [CSRF_HEADER]: token } : {}
}
