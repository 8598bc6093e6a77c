import { useId, useState } from 'react'

import { cx, EmptyState } from '../../components/ui'
import type { SegmentMembershipHistoryQuery } from '../../gql/graphql'
import { formatCount, formatDate, formatNumber } from '../../lib/format'
import { DeferredQueryCard } from '../../trust/DeferredQueryCard'
import { SegmentMembershipHistoryDocument } from './operations'

/** The ranges the chart offers, in days (the API takes 1–90). */
export const HISTORY_DAYS = [7, 30, 90] as const
export type HistoryDays = (typeof HISTORY_DAYS)[number]

export type MembershipDay = NonNullable<SegmentMembershipHistoryQuery['segment']>['membershipHistory'][number]

/** A UTC day (YYYY-MM-DD) as the reader's locale writes it (noon: the same day in every time zone). */
export const dayLabel = (d: string) => formatDate(`${d}T12:00:00`)

/** "12 entered and 5 exited in the last 30 days; most entries on 2 Dec 2026 (4), most exits on …". */
export function historySummary(days: readonly MembershipDay[], range: number): string {
  const entered = days.reduce((n, d) => n + d.entered, 0)
  const exited = days.reduce((n, d) => n + d.exited, 0)
  const peak = (key: 'entered' | 'exited') =>
    days.reduce<MembershipDay | null>((best, d) => (d[key] > 0 && (!best || d[key] > best[key]) ? d : best), null)
  const parts = [`${formatNumber(entered)} entered and ${formatNumber(exited)} exited in the last ${range} days`]
  const pe = peak('entered')
  const px = peak('exited')
  if (pe) parts.push(`most entries on ${dayLabel(pe.date)} (${formatNumber(pe.entered)})`)
  if (px) parts.push(`most exits on ${dayLabel(px.date)} (${formatNumber(px.exited)})`)
  return `${parts.join('; ')}.`
}

/** A saved segment's card: profiles that entered and exited per day, with a 7/30/90-day range. */
export function MembershipHistory({ segmentId }: { segmentId: string }) {
  const [range, setRange] = useState<HistoryDays>(30)
  return (
    <DeferredQueryCard
      title={`Entered and exited, last ${range} days`}
      description="Profiles that entered the segment (up) and left it (down) each day, in UTC days."
      actions={<DaysSelector value={range} onChange={setRange} />}
      query={SegmentMembershipHistoryDocument}
      variables={{ id: segmentId, days: range }}
      loadingLabel="Loading membership history…"
      className="mt-6"
    >
      {(d) => {
        const days = d.segment?.membershipHistory ?? []
        if (!days.some((x) => x.entered > 0 || x.exited > 0))
          return (
            <EmptyState
              title="No members entered or left in this period"
              description="Entries and exits show here as refreshes change the membership."
            />
          )
        return <HistoryBody days={days} range={range} />
      }}
    </DeferredQueryCard>
  )
}

function HistoryBody({ days, range }: { days: readonly MembershipDay[]; range: number }) {
  const summaryId = useId()
  return (
    <>
      <p id={summaryId} className="mb-3 text-sm text-muted">
        {historySummary(days, range)}
      </p>
      <HistoryBars days={days} range={range} describedBy={summaryId} />
      <details className="mt-3 text-sm">
        <summary className="cursor-pointer text-muted">Show as a table</summary>
        <div className="mt-2 max-h-60 overflow-y-auto">
          <table className="w-full text-left">
            <caption className="sr-only">Entered and exited per day</caption>
            <thead>
              <tr className="text-muted">
                <th scope="col" className="py-1 pr-4 font-medium">
                  Day (UTC)
                </th>
                <th scope="col" className="py-1 pr-4 text-right font-medium">
                  Entered
                </th>
                <th scope="col" className="py-1 text-right font-medium">
                  Exited
                </th>
              </tr>
            </thead>
            <tbody>
              {days.map((x) => (
                <tr key={x.date} className="border-t border-line">
                  <th scope="row" className="py-1 pr-4 font-normal whitespace-nowrap">
                    {dayLabel(x.date)}
                  </th>
                  <td className="py-1 pr-4 text-right tabular-nums">{formatNumber(x.entered)}</td>
                  <td className="py-1 text-right tabular-nums">{formatNumber(x.exited)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  )
}

/** Height of the chart's drawing in SVG units (half for entries, half for exits). */
const H = 120
/** Width of one day's slot in SVG units. */
const SLOT = 10

/** The bars: a day's entries up from the middle line, its exits down, on one scale. */
function HistoryBars({
  days,
  range,
  describedBy,
}: {
  days: readonly MembershipDay[]
  range: number
  describedBy: string
}) {
  const max = Math.max(1, ...days.map((d) => Math.max(d.entered, d.exited)))
  const half = H / 2
  const scale = (n: number) => (n === 0 ? 0 : Math.max(1, (n / max) * (half - 2)))
  const first = days[0]
  const last = days[days.length - 1]
  return (
    <figure>
      <div className="flex gap-2">
        <div className="flex h-40 flex-col justify-between text-right text-xs text-muted tabular-nums" aria-hidden>
          <span>{formatNumber(max)}</span>
          <span>0</span>
          <span>{formatNumber(max)}</span>
        </div>
        <svg
          role="img"
          aria-describedby={describedBy}
          viewBox={`0 0 ${days.length * SLOT} ${H}`}
          preserveAspectRatio="none"
          className="h-40 w-full overflow-visible"
        >
          <title>{`Entered and exited per day, last ${range} days`}</title>
          <line
            x1={0}
            x2={days.length * SLOT}
            y1={half}
            y2={half}
            stroke="var(--color-line)"
            vectorEffect="non-scaling-stroke"
          />
          {days.map((d, i) => (
            <g key={d.date} data-day={d.date}>
              <title>{`${dayLabel(d.date)}: ${formatCount(d.entered, 'entered', 'entered')}, ${formatCount(d.exited, 'exited', 'exited')}`}</title>
              {/* A transparent slot so the whole day shows its title on hover. */}
              <rect x={i * SLOT} y={0} width={SLOT} height={H} fill="transparent" />
              {d.entered > 0 && (
                <rect
                  data-series="entered"
                  x={i * SLOT + 1}
                  y={half - scale(d.entered)}
                  width={SLOT - 2}
                  height={scale(d.entered)}
                  fill="var(--color-primary-500)"
                />
              )}
              {d.exited > 0 && (
                <rect
                  data-series="exited"
                  x={i * SLOT + 1}
                  y={half}
                  width={SLOT - 2}
                  height={scale(d.exited)}
                  fill="var(--color-error-500)"
                />
              )}
            </g>
          ))}
        </svg>
      </div>
      <div className="mt-1 flex justify-between text-xs text-muted" aria-hidden>
        <span>{first && dayLabel(first.date)}</span>
        <span>{last && dayLabel(last.date)}</span>
      </div>
      <figcaption className="mt-2 flex gap-4 text-xs text-muted">
        <span className="inline-flex items-center gap-1.5">
          <span aria-hidden className="inline-block size-2.5 rounded-sm bg-primary-500" />
          Entered (up)
        </span>
        <span className="inline-flex items-center gap-1.5">
          <span aria-hidden className="inline-block size-2.5 rounded-sm bg-error-500" />
          Exited (down)
        </span>
      </figcaption>
    </figure>
  )
}

/** 7 d · 30 d · 90 d, one pressed. */
export function DaysSelector({ value, onChange }: { value: HistoryDays; onChange: (d: HistoryDays) => void }) {
  return (
    <div role="group" aria-label="Range" className="inline-flex overflow-hidden rounded-md border border-line">
      {HISTORY_DAYS.map((d) => (
        <button
          key={d}
          type="button"
          aria-pressed={d === value}
          onClick={() => onChange(d)}
          className={cx(
            'px-2.5 py-1 text-sm',
            d === value ? 'bg-primary-600 text-white' : 'text-muted hover:bg-raised hover:text-fg',
          )}
        >
          {d} d<span className="sr-only">{` (last ${d} days)`}</span>
        </button>
      ))}
    </div>
  )
}
