/**
 * An audit entry's `details` (a JSON object text, e.g. `{"from":"ANALYST",
 * "to":"ADMIN","email":"a@b.c"}`) as short "key: value" pairs for a table
 * cell. Arrays are joined with commas, nested objects shown as JSON; text
 * that is not a JSON object is shown as it is.
 */
export function auditDetails(details: string | null | undefined): string[] {
  if (!details) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(details)
  } catch {
    return [details]
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [details]
  return Object.entries(parsed).map(([key, value]) => `${key}: ${show(value)}`)
}

function show(value: unknown): string {
  if (Array.isArray(value)) return value.map(show).join(', ')
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
}
