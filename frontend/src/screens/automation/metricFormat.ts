// Metric values of rule checks with their unit, as the dry run shows them.
// Amounts are in the campaign's currency (the ad account's), ROAS is a plain
// ratio, CTR and pacing are fractions shown as percentages.
import type { ComparisonOperator, MetricUnit } from '../../gql/graphql'
import { formatMoney, formatNumber } from '../../lib/format'
import { OPERATORS } from '../../trust/labels'

const percent = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 })

/** A value in its unit: "€62.50", "1.2 %", "3 days"; "no value" when undefined. */
export function formatMetric(value: number | null | undefined, unit: MetricUnit, currency?: string | null): string {
  if (value == null) return 'no value'
  switch (unit) {
    case 'CURRENCY':
      return currency ? formatMoney(value, currency) : formatNumber(value)
    case 'FRACTION':
      return `${percent.format(value * 100)} %`
    case 'HOUR':
      return formatHour(value)
    case 'DAYS':
      return `${formatNumber(value)} ${value === 1 ? 'day' : 'days'}`
    default:
      return formatNumber(value)
  }
}

/** The unit as a short note after a value, where it is not in the value itself. */
export const UNIT_NOTES: Record<MetricUnit, string | null> = {
  CURRENCY: 'account currency',
  RATIO: null,
  FRACTION: null,
  COUNT: null,
  DAYS: null,
  HOUR: null,
}

/** A time of day given in hours: 23.5 → "23:30". */
export function formatHour(hours: number): string {
  const minutes = Math.round(hours * 60)
  const h = Math.floor(minutes / 60) % 24
  return `${String(h).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
}

/** "> €50.00" with the threshold in its unit. */
export function formatComparison(
  operator: ComparisonOperator,
  threshold: number,
  unit: MetricUnit,
  currency?: string | null,
): string {
  return `${OPERATORS[operator].symbol} ${formatMetric(threshold, unit, currency)}`
}
