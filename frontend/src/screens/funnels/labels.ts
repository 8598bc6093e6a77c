import type { FunnelFilterOperator } from '../../gql/graphql'

/** A duration in seconds as people read it: "45 s", "5 min", "2 h 5 min", "3 d 4 h"; "—" when there is none. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null) return '—'
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min`
  const h = Math.floor(m / 60)
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`
  const d = Math.floor(h / 24)
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`
}

/** A property path as typed ("product.sku") → its parts; empty parts are kept for the server to refuse with their index. */
export function parsePath(text: string): string[] {
  return text.trim() === '' ? [] : text.split('.').map((p) => p.trim())
}

/** A path's parts as typed. */
export function pathText(path: readonly string[]): string {
  return path.join('.')
}

/** Units the window is typed in. */
export const WINDOW_UNITS = { minutes: 60, hours: 3600, days: 86400 } as const
export type WindowUnit = keyof typeof WINDOW_UNITS

/** A window in seconds in the largest unit that divides it. */
export function windowParts(seconds: number): { amount: number; unit: WindowUnit } {
  if (seconds % WINDOW_UNITS.days === 0) return { amount: seconds / WINDOW_UNITS.days, unit: 'days' }
  if (seconds % WINDOW_UNITS.hours === 0) return { amount: seconds / WINDOW_UNITS.hours, unit: 'hours' }
  return { amount: Math.round(seconds / 60), unit: 'minutes' }
}

/** Operators in the order the editor offers them. */
export const OPERATORS: FunnelFilterOperator[] = ['EQUALS', 'NOT_EQUALS', 'GREATER_THAN', 'LESS_THAN', 'CONTAINS']

/** A day (YYYY-MM-DD, UTC) `days` before `now`. */
export function dayBefore(now: Date, days: number): string {
  return new Date(now.getTime() - days * 86400_000).toISOString().slice(0, 10)
}

/** The report's range from two days typed (the last one included): [from 00:00Z, the day after `to` 00:00Z). */
export function rangeOf(from: string, to: string): { from: string; to: string } {
  const end = new Date(`${to}T00:00:00Z`)
  end.setUTCDate(end.getUTCDate() + 1)
  return { from: `${from}T00:00:00Z`, to: end.toISOString() }
}
