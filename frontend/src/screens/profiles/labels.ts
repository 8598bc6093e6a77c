import type { LifecycleStage } from '../../gql/graphql'

/** The tone of a lifecycle stage's badge: customers stand out, churned ones fade. */
export const LIFECYCLE_TONE: Record<LifecycleStage, 'neutral' | 'primary' | 'success' | 'warning'> = {
  ANONYMOUS: 'neutral',
  KNOWN: 'primary',
  CUSTOMER: 'success',
  CHURNED: 'warning',
}

/** A JSON value as people read it: a string without its quotes, anything else as JSON text. */
export function jsonValueText(json: string): string {
  try {
    const v: unknown = JSON.parse(json)
    return typeof v === 'string' ? v : json
  } catch {
    return json
  }
}

/** `{ key value }` pairs (values as JSON text) as one pretty-printed JSON object. */
export function prettyFields(fields: readonly { key: string; value: string }[]): string {
  const obj: Record<string, unknown> = {}
  for (const f of fields) {
    try {
      obj[f.key] = JSON.parse(f.value)
    } catch {
      obj[f.key] = f.value
    }
  }
  return JSON.stringify(obj, null, 2)
}

/** The address of a profile's detail. */
export function profilePath(id: string): string {
  return `/profiles/${encodeURIComponent(id)}`
}
