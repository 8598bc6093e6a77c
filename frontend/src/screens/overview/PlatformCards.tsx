import { Badge, Card, EmptyState, StatusDot } from '../../components/ui'
import type { PlatformStatusFieldsFragment, SignalHealthFieldsFragment } from '../../gql/graphql'
import { formatEmq } from '../../lib/format'
import { OPERATIONAL, PLATFORMS } from '../../trust/labels'
import { HealthGauge } from './HealthGauge'

/** How the card's EMQ is derived: the one scale EMQ is shown in everywhere. */
export const EMQ_HOW =
  'Event match quality as the platform reports it, 0–10 (latest sync). The score counts it ×10: EMQ 8.5 is 85 of 100.'

/** One card per platform: its health, EMQ and operational status. */
export function PlatformCards({
  health,
  statuses,
}: {
  health: readonly SignalHealthFieldsFragment[]
  statuses: readonly PlatformStatusFieldsFragment[]
}) {
  if (health.length === 0 && statuses.length === 0) {
    return (
      <Card title="Platforms">
        <EmptyState
          title="No platform data yet"
          description="Each platform's signal health appears here once it reports data."
        />
      </Card>
    )
  }
  const platforms = [...new Set([...health.map((h) => h.platform), ...statuses.map((s) => s.platform)])].filter(
    (p) => p != null,
  )
  return (
    <section aria-label="Platforms" className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
      {platforms.map((p) => {
        const h = health.find((x) => x.platform === p)
        const s = statuses.find((x) => x.platform === p)
        const op = s ? OPERATIONAL[s.status] : null
        return (
          <Card key={p} title={p === 'SIMULATOR' ? `${PLATFORMS[p]} (simulated)` : PLATFORMS[p]}>
            <div className="flex items-center gap-4">
              <HealthGauge size="sm" label={`${PLATFORMS[p]} signal health`} score={h?.score} status={h?.status} />
              <dl className="flex flex-col gap-2 text-sm">
                <div>
                  <dt className="text-xs text-muted">Event match quality</dt>
                  <dd className="text-lg font-semibold" title={EMQ_HOW}>
                    {formatEmq(h?.emq)}
                  </dd>
                </div>
                {op && s && (
                  <div>
                    <dt className="text-xs text-muted">Platform status</dt>
                    <dd className="flex items-center gap-1.5">
                      <StatusDot tone={op.tone} />
                      <Badge tone={op.tone}>{op.label}</Badge>
                    </dd>
                  </div>
                )}
              </dl>
            </div>
            {s && s.status !== 'OPERATIONAL' && <p className="mt-3 text-sm text-muted">{s.message}</p>}
          </Card>
        )
      })}
    </section>
  )
}
