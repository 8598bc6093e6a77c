// The campaigns screen's date ranges: the last N days ending today, as the
// API's YYYY-MM-DD days (the reader's calendar day; the platforms report
// days in each account's time zone, which the account column shows).

/** The range presets, in days. */
export const RANGE_PRESETS = [7, 30, 90] as const
export type RangeDays = (typeof RANGE_PRESETS)[number]

/** A date as YYYY-MM-DD in the reader's calendar. */
export function isoDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** The last `days` days ending with `today`, both included. */
export function lastDays(today: Date, days: number): { from: string; to: string } {
  const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (days - 1))
  return { from: isoDay(from), to: isoDay(today) }
}
