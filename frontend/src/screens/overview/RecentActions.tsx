import { Badge, EmptyState, TextLink } from '../../components/ui'
import type { RecentActionsQuery } from '../../gql/graphql'
import { formatDateTime, paramsLabel } from '../../lib/format'
import { useActorName } from '../../trust/ActorName'
import { DeferredQueryCard } from '../../trust/DeferredQueryCard'
import { gateSummary } from '../../trust/gateDecision'
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
            {actions.edges.map(({ node: a }) => (
              <RecentAction key={a.id} action={a} />
            ))}
          </ul>
        )
      }
    </DeferredQueryCard>
  )
}

type Brief = RecentActionsQuery['actions']['edges'][number]['node']

/** One action in brief; a person who proposed it is named (actorNames), as in the queue. */
export function RecentAction({ action: a }: { action: Brief }) {
  const proposerName = useActorName(a.createdBy)
  const status = ACTION_STATUSES[a.status]
  // The decision that let it run, or what the gate says of it now.
  const gate = a.decidingGate
    ? gateSummary(a.decidingGate, a, proposerName)
    : { ...DECISIONS[a.decision], label: `Gate: ${DECISIONS[a.decision].label}`, detail: '' }
  return (
    <li className="flex flex-col gap-1 py-2">
      <p className="font-medium">
        {ACTION_TYPES[a.type].label} {paramsLabel(a.params, a.campaign?.currency)}
        {a.campaign && <span className="font-normal text-muted"> · {a.campaign.name}</span>}
      </p>
      <div className="flex flex-wrap items-center gap-2 text-xs text-muted">
        <Badge tone={status.tone} icon={status.icon}>
          {status.label}
        </Badge>
        <Badge tone={gate.tone} icon={gate.icon}>
          {gate.label}
        </Badge>
        {gate.detail && <span>{gate.detail}</span>}
        <span>{formatDateTime(a.updatedAt)}</span>
      </div>
    </li>
  )
}
