const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 })
const score = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 })

/** A score 0–100 as a whole number; "—" when there is none yet. */
export function formatScore(value: number | null | undefined): string {
  return value == null ? '—' : score.format(value)
}

/** A plain number with at most two decimals (budgets are in the account currency). */
export function formatNumber(value: number | null | undefined): string {
  return value == null ? '—' : number.format(value)
}

/** Campaign settings before or after an action (CampaignSettings). */
export interface Settings {
  status?: string | null
  dailyBudget?: number | null
  bid?: number | null
}

/** An action's parameters (ActionParams). */
interface Params {
  percent?: number | null
  amount?: number | null
  status?: string | null
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

/** An action's parameters in words, e.g. "by 20%", "to 150", "to PAUSED". */
export function paramsLabel(params: Params): string | null {
  if (params.percent != null) return `by ${number.format(params.percent)}%`
  if (params.amount != null) return `to ${number.format(params.amount)}`
  if (params.status) return `to ${params.status.toLowerCase()}`
  return null
}
