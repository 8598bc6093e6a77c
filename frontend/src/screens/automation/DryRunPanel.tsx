import { Badge, Card, EmptyState } from '../../components/ui'
import type { ActionSimulationFieldsFragment } from '../../gql/graphql'
import { ChangeList } from '../../trust/ChangeList'
import { formatScore } from '../../lib/format'
import { ACTION_TYPES, DECISIONS, MODES, PLATFORMS } from '../../trust/labels'

export interface DryRunResult {
  campaignsEvaluated: number
  actions: readonly ActionSimulationFieldsFragment[]
}

/**
 * What a rule would propose right now and what the trust gate would decide
 * about each proposal; nothing is queued or executed.
 */
export function DryRunPanel({ result }: { result: DryRunResult }) {
  const { campaignsEvaluated, actions } = result
  return (
    <Card
      title="Dry run result"
      description={`${campaignsEvaluated} campaign${campaignsEvaluated === 1 ? '' : 's'} evaluated, ${actions.length} proposal${actions.length === 1 ? '' : 's'}. Nothing was queued.`}
    >
      <div aria-live="polite">
        {actions.length === 0 ? (
          <EmptyState
            title="The rule would propose nothing now"
            description="No campaign in its scope meets the conditions at the moment."
          />
        ) : (
          <ul aria-label="Proposed actions" className="-my-3 divide-y divide-line">
            {actions.map((a, i) => {
              const decision = DECISIONS[a.decision]
              return (
                <li key={`${a.campaign?.id ?? a.platform}-${a.type}-${i}`} className="flex flex-col gap-2 py-3">
                  <div className="flex flex-wrap items-start justify-between gap-2">
                    <div>
                      <p className="font-medium">
                        {a.campaign ? a.campaign.name : `All campaigns on ${PLATFORMS[a.platform]}`}
                      </p>
                      <p className="text-sm text-muted">
                        {ACTION_TYPES[a.type].label} · needs score {formatScore(a.threshold)}, score{' '}
                        {formatScore(a.score)}, mode {MODES[a.autopilotMode].label.toLowerCase()}
                      </p>
                    </div>
                    <div className="flex flex-wrap gap-2">
                      <Badge tone={decision.tone} icon={decision.icon}>
                        {decision.label}: {decision.meaning}
                      </Badge>
                      <Badge tone={a.wouldExecute ? 'success' : 'neutral'} icon={a.wouldExecute ? '▶' : '‖'}>
                        {a.wouldExecute ? 'Would execute now' : 'Would not execute now'}
                      </Badge>
                    </div>
                  </div>
                  <ChangeList before={a.before} after={a.after} />
                  <ul className="ml-5 list-disc text-sm text-muted">
                    {a.reasons.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                  {a.warnings.map((w) => (
                    <p key={w} className="text-sm text-warning-ink">
                      <span aria-hidden>! </span>
                      {w}
                    </p>
                  ))}
                </li>
              )
            })}
          </ul>
        )}
      </div>
    </Card>
  )
}
