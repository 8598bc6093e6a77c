import { lazy, Suspense } from 'react'

import { EmptyState, Loading } from '../../components/ui'
import { formatDateTime, formatScore } from '../../lib/format'
import { DeferredQueryCard } from '../../trust/DeferredQueryCard'
import { HEALTH } from '../../trust/labels'
import { SignalHealthHistoryDocument } from '../../trust/operations'
import type { HistoryPoint } from './HealthHistoryChart'

// recharts is big and only this card needs it: it loads after the page.
const HealthHistoryChart = lazy(() => import('./HealthHistoryChart'))

const HOURS = 24

/** The overall score hour by hour over the last day. */
export function HealthHistory() {
  return (
    <DeferredQueryCard
      title="Signal health, last 24 hours"
      description="Hourly average (solid) and the lowest score of each hour (dashed)."
      query={SignalHealthHistoryDocument}
      variables={{ from: since(HOURS), first: HOURS }}
      loadingLabel="Loading history…"
    >
      {({ signalHealthHistory }) => {
        // The API pages newest first; the chart reads left to right.
        const points: HistoryPoint[] = signalHealthHistory.edges.map((e) => e.node).reverse()
        if (points.length === 0)
          return <EmptyState title="No history yet" description="Scores are recorded as they are computed." />
        const latest = points[points.length - 1]!
        return (
          <>
            <p className="mb-3 text-sm text-muted">
              Latest score: {formatScore(latest.last)} ({HEALTH[latest.status].label.toLowerCase()}); this hour&apos;s
              average {formatScore(latest.average)}; lowest in range{' '}
              {formatScore(Math.min(...points.map((p) => p.min)))}.
            </p>
            <Suspense fallback={<Loading label="Loading chart…" />}>
              <HealthHistoryChart points={points} />
            </Suspense>
            <details className="mt-3 text-sm">
              <summary className="cursor-pointer text-muted">Show as a table</summary>
              <ul className="mt-2 flex max-h-60 flex-col gap-1 overflow-y-auto">
                {points.map((p) => (
                  <li key={p.bucket}>
                    {formatDateTime(p.bucket)}: average {formatScore(p.average)}, lowest {formatScore(p.min)}, last{' '}
                    {formatScore(p.last)} ({HEALTH[p.status].label.toLowerCase()})
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

/**
 * The start of the hour `hours` ago: the same value all hour long, so the
 * query's variables (and its cache entry) stay the same when the overview
 * is opened again.
 */
function since(hours: number): string {
  const d = new Date(Date.now() - hours * 3_600_000)
  d.setUTCMinutes(0, 0, 0)
  return d.toISOString()
}
