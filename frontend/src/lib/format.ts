// Values as the dashboard shows them: dates and times in the reader's locale
// and time zone, scores and amounts, enum names in words, and what an action
// changes. Every screen formats through here so the same value reads the same
// everywhere.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })
const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 })
const score = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 })

/** "1 Dec 2026, 10:15" in the reader's locale and time zone. */
export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso))
}

/** "1 Dec 2026" in the reader's locale. */
export function formatDate(iso: string): string {
  return date.format(new Date(iso))
}

/** "10:15" in the reader's locale and time zone (a chart's time axis). */
export function formatTimeOfDay(iso: string): string {
  return timeOfDay.format(new Date(iso))
}

/** A score 0–100 as a whole number; "—" when there is none yet. */
export function formatScore(value: number | null | undefined): string {
  return value == null ? '—' : score.format(value)
}

/** A plain number with at most two decimals (budgets are in the account currency); "—" when there is none. */
export function formatNumber(value: number | null | undefined): string {
  return value == null ? '—' : number.format(value)
}

/** Enum names as people read them: OWNER → Owner. */
export function titleCase(s: string): string {
  return s.charAt(0) + s.slice(1).toLowerCase()
}

/** Campaign settings before or after an action (CampaignSettings). */
export interface Settings {
  status?: string | null
  dailyBudget?: number | null
  bid?: number | null
}

/** One changed campaign setting, before and after. */
export interface SettingChange {
  label: string
  before: string
  after: string
}

/**
 * The settings an action changes: budget, bid and status where before and
 * after differ (all known settings when nothing differs, e.g. a no-op).
 */
export function settingChanges(
  before: Settings | null | undefined,
  after: Settings | null | undefined,
): SettingChange[] {
  const rows: SettingChange[] = [
    { label: 'Daily budget', before: formatNumber(before?.dailyBudget), after: formatNumber(after?.dailyBudget) },
    { label: 'Bid', before: formatNumber(before?.bid), after: formatNumber(after?.bid) },
    { label: 'Status', before: before?.status ?? '—', after: after?.status ?? '—' },
  ]
  const known = rows.filter((r) => r.before !== '—' || r.after !== '—')
  const changed = known.filter((r) => r.before !== r.after)
  return changed.length ? changed : known
}

/** An action's parameters (ActionParams). */
interface Params {
  percent?: number | null
  amount?: number | null
  status?: string | null
}

/** An action's parameters in words, e.g. "by 20%", "to 150", "to paused". */
export function paramsLabel(params: Params): string | null {
  if (params.percent != null) return `by ${formatNumber(params.percent)}%`
  if (params.amount != null) return `to ${formatNumber(params.amount)}`
  if (params.status) return `to ${params.status.toLowerCase()}`
  return null
}
