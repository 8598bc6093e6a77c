import { Badge, EmptyState, TextLink } from '../../components/ui'
import { formatDateTime, paramsLabel } from '../../lib/format'
import { DeferredQueryCard } from '../../trust/DeferredQueryCard'
import { ACTION_STATUSES, ACTION_TYPES, DECISIONS } from '../../trust/labels'
import { RECENT_ACTIONS, RecentActionsDocument } from '../../trust/operations'

/** The newest entries of the action queue, whatever their status. */
export function RecentActions() {
  return (
    <DeferredQueryCard
      title="Recent autopilot actions"
      actions={
        <TextLink to="/actions" className="text-sm">
          Action queue
        </TextLink>
      }
      query={RecentActionsDocument}
      variables={{ first: RECENT_ACTIONS }}
      loadingLabel="Loading actions…"
    >
      {({ actions }) =>
        actions.edges.length === 0 ? (
          <EmptyState title="No actions yet" description="Rules propose actions as they evaluate campaigns." />
        ) : (
          <ul className="-my-2 divide-y divide-line">
            {actions.edges.map(({ node: a }) => {
              const status = ACTION_STATUSES[a.status]
              const decision = DECISIONS[a.decision]
              return (
                <li key={a.id} className="flex flex-col gap-1 py-2">
                  <p className="font-medium">
                    {ACTION_TYPES[a.type].label} {paramsLabel(a.params, a.campaign?.currency)}
                    {a.campaign && <span className="font-normal text-muted"> · {a.campaign.name}</span>}
                  </p>
                  <div className="flex flex-wrap items-center gap-2 text-xs text-muted">
                    <Badge tone={status.tone} icon={status.icon}>
                      {status.label}
                    </Badge>
                    <Badge tone={decision.tone} icon={decision.icon}>
                      Gate: {decision.label}
                    </Badge>
                    <span>{formatDateTime(a.updatedAt)}</span>
                  </div>
                </li>
              )
            })}
          </ul>
        )
      }
    </DeferredQueryCard>
  )
}
