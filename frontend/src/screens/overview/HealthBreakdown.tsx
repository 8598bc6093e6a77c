import { Card, cx, EmptyState } from '../../components/ui'
import type { SignalHealthFieldsFragment } from '../../gql/graphql'
import { formatPercent, formatPoints } from '../../lib/format'
import { COMPONENTS, PLATFORMS } from '../../trust/labels'
import { bandOf } from './gauge'
import { componentHow, componentValue, IMPACT_HOW, weightHow, weightsExplanation } from './weights'

const bar = { HEALTHY: 'bg-success-500', DEGRADED: 'bg-warning-500', UNHEALTHY: 'bg-error-500' } as const

/** The weighted components of the overall score and what pulled it down, each number with how it is derived. */
export function HealthBreakdown({ health }: { health: SignalHealthFieldsFragment | null }) {
  if (!health) {
    return (
      <Card title="What makes the score">
        <EmptyState title="No score yet" description="Components appear with the first computation." />
      </Card>
    )
  }
  const components = health.components
  return (
    <Card
      title="What makes the score"
      description="Each component's value and its weight in the total; the weights add up to 100%."
    >
      <ul className="flex flex-col gap-3">
        {components.map((c) => (
          <li key={c.name} className="flex flex-col gap-1">
            <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
              <span className="font-medium">{COMPONENTS[c.name]}</span>
              <span className="text-muted">
                <span title={componentHow(c)}>{componentValue(c)}</span> ·{' '}
                <span title={weightHow(c, components)}>weight {formatPercent(c.weight)}</span>
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
      <p className="mt-3 text-xs text-muted" data-testid="weights-explanation">
        {weightsExplanation(components)}
      </p>
      <h3 className="mt-5 mb-2 text-sm font-semibold">Issues</h3>
      {health.issueDetails.length === 0 ? (
        <p className="text-sm text-muted">
          <span aria-hidden>✓ </span>Nothing is pulling the score down.
        </p>
      ) : (
        <>
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
                    {issue.platform ? `, ${PLATFORMS[issue.platform]}` : ''},{' '}
                    <span title={IMPACT_HOW}>{formatPoints(-issue.impact)}</span>)
                  </span>
                </span>
              </li>
            ))}
          </ul>
          <p className="mt-2 text-xs text-muted">{IMPACT_HOW}</p>
        </>
      )}
    </Card>
  )
}
