// Values as the dashboard shows them: dates and times in the reader's locale
// and time zone, and every number with its unit and one precision per kind
// of number, so the same value reads the same on every screen:
//
//   score         whole number of 100            "66 / 100" (formatScoreOf) or "66"
//   points        signed, one decimal            "−29.2 points"
//   EMQ           Meta's 0–10 scale, one decimal "8.5 / 10" (the score counts it ×10)
//   percent       up to one decimal              "22.5%"
//   money         the campaign's ISO 4217 currency "$150.00"
//   counts        whole numbers with their noun  "5 actions"
//
// Enum values are shown through the label tables (src/lib/enumLabels.ts),
// never as their codes.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })
const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const dayAndTime = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: '2-digit' })
const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 })
const score = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 })
const oneDecimal = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 })
const upToOneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 })
const count = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 })

/** The minus sign people read (U+2212), not a hyphen. */
const MINUS = '\u2212'

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

/** "1 Dec, 10" (day and hour): a chart axis spanning several days. */
export function formatDayHour(iso: string): string {
  return dayAndTime.format(new Date(iso))
}

/** A score 0–100 as a whole number; "—" when there is none yet. */
export function formatScore(value: number | null | undefined): string {
  return value == null ? '—' : score.format(value)
}

/** A score with its scale: "66 / 100"; "—" when there is none yet. */
export function formatScoreOf(value: number | null | undefined): string {
  return value == null ? '—' : `${score.format(value)} / 100`
}

/**
 * Score points gained or lost, signed, one decimal: "−29.2 points",
 * "+3.0 points", "0.0 points". `abs` drops the sign (a text that already
 * says "lost").
 */
export function formatPoints(value: number, opts: { abs?: boolean } = {}): string {
  const v = Math.round(value * 10) / 10
  const unit = Math.abs(v) === 1 ? 'point' : 'points'
  const sign = opts.abs || v === 0 ? '' : v < 0 ? MINUS : '+'
  return `${sign}${oneDecimal.format(Math.abs(v))} ${unit}`
}

/**
 * Event match quality on Meta's scale, 0–10 with one decimal: "8.5 / 10";
 * "—" when unknown. The one scale EMQ is shown in: a component score of 85
 * (of 100) is EMQ 8.5 (the score counts EMQ ×10, see emqFromComponent).
 */
export function formatEmq(value: number | null | undefined): string {
  return value == null ? '—' : `${oneDecimal.format(value)} / 10`
}

/** The EMQ (0–10) behind an EMQ component score (0–100): the score counts EMQ ×10. */
export function emqFromComponent(componentScore: number): number {
  return componentScore / 10
}

/** A share 0–1 as a percentage with up to one decimal: 0.225 → "22.5%"; "—" when unknown. */
export function formatPercent(share: number | null | undefined): string {
  return share == null ? '—' : `${upToOneDecimal.format(Math.round(share * 1000) / 10)}%`
}

/** A percentage already in percent (a rule's "by 20%"), up to one decimal: "20%". */
export function formatPercentValue(pct: number | null | undefined): string {
  return pct == null ? '—' : `${upToOneDecimal.format(pct)}%`
}

/**
 * An amount in an ISO 4217 currency in the reader's locale: "$150.00",
 * "€1,200.50"; "—" when there is none. Without a known currency the number
 * is shown with "(account currency)", never as if it had none.
 */
export function formatMoney(amount: number | null | undefined, currency: string | null | undefined): string {
  if (amount == null) return '—'
  if (!currency || !/^[A-Z]{3}$/.test(currency)) return `${number.format(amount)} (account currency)`
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount)
}

/** A whole count with its noun: "1 action", "5 actions" (plural defaults to noun + "s"). */
export function formatCount(n: number, noun: string, plural = `${noun}s`): string {
  return `${count.format(n)} ${n === 1 ? noun : plural}`
}

/** A plain number with at most two decimals; "—" when there is none. Prefer a function above that says the unit. */
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

/** A campaign's status in words (the API sends ACTIVE, PAUSED or ARCHIVED). */
export function campaignStatusLabel(status: string | null | undefined): string {
  if (!status) return '—'
  return CAMPAIGN_STATUSES[status] ?? titleCase(status).replaceAll('_', ' ')
}

const CAMPAIGN_STATUSES: Record<string, string> = { ACTIVE: 'Active', PAUSED: 'Paused', ARCHIVED: 'Archived' }

/**
 * The settings an action changes: budget, bid and status where before and
 * after differ (all known settings when nothing differs, e.g. a no-op).
 * Budgets and bids are in the campaign's `currency`.
 */
export function settingChanges(
  before: Settings | null | undefined,
  after: Settings | null | undefined,
  currency?: string | null,
): SettingChange[] {
  const money = (v: number | null | undefined) => (v == null ? '—' : formatMoney(v, currency))
  const rows: SettingChange[] = [
    { label: 'Daily budget', before: money(before?.dailyBudget), after: money(after?.dailyBudget) },
    { label: 'Bid', before: money(before?.bid), after: money(after?.bid) },
    { label: 'Status', before: campaignStatusLabel(before?.status), after: campaignStatusLabel(after?.status) },
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

/** An action's parameters in words, e.g. "by 20%", "to $150.00", "to paused" (amounts in the campaign's currency). */
export function paramsLabel(params: Params, currency?: string | null): string | null {
  if (params.percent != null) return `by ${formatPercentValue(params.percent)}`
  if (params.amount != null) return `to ${formatMoney(params.amount, currency)}`
  if (params.status) return `to ${campaignStatusLabel(params.status).toLowerCase()}`
  return null
}
