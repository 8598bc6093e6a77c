// The password rule of new accounts as the server applies it
// (domain/auth.CheckPasswordPolicy), so that people read it before they
// choose, and hear about a broken part of it before sending. The server's
// list of common passwords is not repeated here: its message comes back on
// the field.

/** The shortest password accepted, in characters (code points, as the server counts). */
export const MIN_PASSWORD_LENGTH = 10

/** The rule as a phrase: "at least 10 characters, …". */
export const PASSWORD_RULE = `at least ${MIN_PASSWORD_LENGTH} characters, not a commonly used password, and without the part of your email address before the @`

/** The rule as the password field's hint. */
export const PASSWORD_HINT = `${PASSWORD_RULE.charAt(0).toUpperCase()}${PASSWORD_RULE.slice(1)}.`

/** What is wrong with a new password for this email, in the server's words; null when the client sees nothing wrong. */
export function passwordProblem(password: string, email: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters`
  const address = email.trim().toLowerCase()
  const at = address.indexOf('@')
  const local = at < 0 ? '' : address.slice(0, at)
  // The server counts this length in UTF-8 bytes.
  if (new TextEncoder().encode(local).length >= 4 && password.toLowerCase().includes(local)) {
    return `The password must not contain "${local}", the part of your email address before the @`
  }
  return null
}
