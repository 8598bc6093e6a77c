import { lazy, Suspense, useState } from 'react'

import { Badge, cx, EmptyState, Loading } from '../../components/ui'
import type { HistoryRange } from '../../gql/graphql'
import { HISTORY_RANGES } from '../../lib/enumLabels'
import { formatDateTime, formatScore } from '../../lib/format'
import { DeferredQueryCard } from '../../trust/DeferredQueryCard'
import { HEALTH, keysOf } from '../../trust/labels'
import { SignalHealthHistoryDocument } from '../../trust/operations'
import type { HistoryPoint } from './HealthHistoryChart'

// recharts is big and only this card needs it: it loads after the page.
const HealthHistoryChart = lazy(() => import('./HealthHistoryChart'))

/** "this hour's", "the latest 4 hours'": whose average the caption quotes. */
export function bucketWords(minutes: number): string {
  if (minutes <= 60) return "this hour's"
  const hours = minutes / 60
  return hours % 24 === 0 ? `the latest ${hours / 24} days'` : `the latest ${hours} hours'`
}

/** The overall score over the last 24 hours, 7 days or 30 days, as the server buckets it. */
export function HealthHistory() {
  const [range, setRange] = useState<HistoryRange>('LAST_24_HOURS')
  return (
    <DeferredQueryCard
      title={`Signal health, ${HISTORY_RANGES[range].long}`}
      description="Average of each period (solid) and its lowest score (dashed)."
      actions={<RangeSelector value={range} onChange={setRange} />}
      query={SignalHealthHistoryDocument}
      variables={{ range }}
      loadingLabel="Loading history…"
    >
      {({ signalHealthTrend: trend }) => {
        const points: readonly HistoryPoint[] = trend.points
        if (points.length === 0)
          return <EmptyState title="No history yet" description="Scores are recorded as they are computed." />
        const latest = points[points.length - 1]!
        return (
          <>
            {trend.simulated && (
              <p className="mb-3 flex flex-wrap items-center gap-2 text-sm text-muted">
                <Badge tone="primary">Simulated history</Badge>
                Periods marked simulated were made up by the demo seed so the chart has a history to show; scores
                computed since are real.
              </p>
            )}
            <p className="mb-3 text-sm text-muted">
              Latest score: {formatScore(latest.last)} ({HEALTH[latest.status].label.toLowerCase()});{' '}
              {bucketWords(trend.bucketMinutes)} average {formatScore(latest.average)}; lowest in range{' '}
              {formatScore(Math.min(...points.map((p) => p.min)))}.
            </p>
            <Suspense fallback={<Loading label="Loading chart…" />}>
              <HealthHistoryChart points={points} bucketMinutes={trend.bucketMinutes} />
            </Suspense>
            <details className="mt-3 text-sm">
              <summary className="cursor-pointer text-muted">Show as a table</summary>
              <ul className="mt-2 flex max-h-60 flex-col gap-1 overflow-y-auto">
                {points.map((p) => (
                  <li key={p.bucket}>
                    {formatDateTime(p.bucket)}: average {formatScore(p.average)}, lowest {formatScore(p.min)}, last{' '}
                    {formatScore(p.last)} ({HEALTH[p.status].label.toLowerCase()}){p.simulated && ' · simulated'}
                  </li>
                ))}
              </ul>
            </details>
          </>
        )
      }}
    </DeferredQueryCard>
  )
}

/** 24 h · 7 d · 30 d, one pressed. */
export function RangeSelector({ value, onChange }: { value: HistoryRange; onChange: (r: HistoryRange) => void }) {
  return (
    <div role="group" aria-label="Range" className="inline-flex overflow-hidden rounded-md border border-line">
      {keysOf(HISTORY_RANGES).map((r) => (
        <button
          key={r}
          type="button"
          aria-pressed={r === value}
          onClick={() => onChange(r)}
          className={cx(
            'px-2.5 py-1 text-sm',
            r === value ? 'bg-primary-600 text-white' : 'text-muted hover:bg-raised hover:text-fg',
          )}
        >
          {HISTORY_RANGES[r].short}
          <span className="sr-only">{` (${HISTORY_RANGES[r].long})`}</span>
        </button>
      ))}
    </div>
  )
}
