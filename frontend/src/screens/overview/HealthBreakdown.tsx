import { Card, cx, EmptyState } from '../../components/ui'
import type { SignalHealthFieldsFragment } from '../../gql/graphql'
import { COMPONENTS, PLATFORMS } from '../../trust/labels'
import { formatNumber, formatScore } from '../../lib/format'
import { bandOf } from './gauge'

const bar = { HEALTHY: 'bg-success-500', DEGRADED: 'bg-warning-500', UNHEALTHY: 'bg-error-500' } as const

/** The weighted components of the overall score and what pulled it down. */
export function HealthBreakdown({ health }: { health: SignalHealthFieldsFragment | null }) {
  if (!health) {
    return (
      <Card title="What makes the score">
        <EmptyState title="No score yet" description="Components appear with the first computation." />
      </Card>
    )
  }
  return (
    <Card title="What makes the score" description="Each component's score (0–100) and its weight in the total.">
      <ul className="flex flex-col gap-3">
        {health.components.map((c) => (
          <li key={c.name} className="flex flex-col gap-1">
            <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
              <span className="font-medium">{COMPONENTS[c.name]}</span>
              <span className="text-muted">
                {c.known ? `${formatScore(c.score)} / 100` : 'no data yet'} · weight {formatNumber(c.weight * 100)}%
              </span>
            </div>
            <div aria-hidden className="h-2 overflow-hidden rounded-full bg-raised">
              <div
                className={cx('h-full rounded-full', c.known ? bar[bandOf(c.score)] : 'bg-muted')}
                style={{ width: `${c.known ? c.score : 0}%` }}
              />
            </div>
          </li>
        ))}
      </ul>
      <h3 className="mt-5 mb-2 text-sm font-semibold">Issues</h3>
      {health.issueDetails.length === 0 ? (
        <p className="text-sm text-muted">
          <span aria-hidden>✓ </span>Nothing is pulling the score down.
        </p>
      ) : (
        <ul className="flex flex-col gap-2 text-sm">
          {health.issueDetails.map((issue) => (
            <li key={`${issue.component}-${issue.platform ?? 'all'}-${issue.message}`} className="flex gap-2">
              <span aria-hidden className="text-warning-ink">
                !
              </span>
              <span>
                {issue.message}
                <span className="text-muted">
                  {' '}
                  ({COMPONENTS[issue.component]}
                  {issue.platform ? `, ${PLATFORMS[issue.platform]}` : ''}, −{formatNumber(issue.impact)} points)
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  )
}
