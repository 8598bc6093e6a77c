import { useApolloClient, useMutation } from '@apollo/client/react'
import { useId, useState } from 'react'

import { Alert, Badge, Button, useToast } from '../../components/ui'
import type { ActionFieldsFragment } from '../../gql/graphql'
import { formatDateTime, paramsLabel } from '../../lib/format'
import { ActorName, useActorName } from '../../trust/ActorName'
import { ChangeList } from '../../trust/ChangeList'
import { gateSummary, timelineEntry } from '../../trust/gateDecision'
import { ACTION_STATUS_MEANING, ACTION_STATUSES, ACTION_TYPES, DECISIONS, PLATFORMS, RISK } from '../../trust/labels'
import { ApproveActionDocument, DismissActionDocument } from '../../trust/operations'
import { writeActionIfNewer } from '../../trust/writeIfNewer'
import { OverrideDialog } from './OverrideDialog'

export interface ActionRowProps {
  action: ActionFieldsFragment
  /** Analysts and up approve and dismiss. */
  canReview: boolean
  /** Admins and up may override the gate. */
  canOverride: boolean
}

/** What an action does, in words: "Increase budget by 20%". */
function actionTitle(a: Pick<ActionFieldsFragment, 'type' | 'params' | 'campaign'>): string {
  const params = paramsLabel(a.params, a.campaign?.currency)
  return params ? `${ACTION_TYPES[a.type].label} ${params}` : ACTION_TYPES[a.type].label
}

/** Who proposed: the rule by name, or the person by e-mail (actorNames). */
function Proposer({ ruleName, createdBy }: { ruleName: string | null | undefined; createdBy: string }) {
  if (ruleName) return <>rule “{ruleName}”</>
  return <ActorName actor={createdBy} />
}

type Source = ActionFieldsFragment['sources'][number]

/**
 * Why the change was proposed: the business reason of each proposal (a
 * rule's metric comparison; a person gives none). Re-gating never changes
 * these; when several rules or people proposed the same change, each is
 * listed with its reason.
 */
function Sources({ sources }: { sources: Source[] }) {
  if (sources.length === 0) return null
  const [s] = sources
  if (sources.length === 1 && s) {
    if (!s.reason) return null
    return (
      <p className="text-sm">
        <span className="font-medium">Why it was proposed:</span> {s.reason}
      </p>
    )
  }
  return (
    <div className="text-sm">
      <p className="font-medium">Proposed {sources.length} times for the same change:</p>
      <ul className="ml-5 list-disc text-muted">
        {sources.map((s) => (
          <li key={`${s.proposedBy}:${s.ruleName ?? ''}:${s.at}`}>
            <Proposer ruleName={s.ruleName} createdBy={s.proposedBy} />
            {s.reason && ` — ${s.reason}`} · {formatDateTime(s.at)}
          </li>
        ))}
      </ul>
    </div>
  )
}

type Decision = NonNullable<ActionFieldsFragment['decidingGate']>

/**
 * The gate's decisions on the action, oldest first, each with the score of
 * its moment and who or what made it. Folded: the deciding decision is
 * shown above it.
 */
function GateTimeline({ decisions }: { decisions: readonly Decision[] }) {
  if (decisions.length === 0) return null
  return (
    <details className="text-sm">
      <summary className="cursor-pointer text-muted">Gate decisions ({decisions.length})</summary>
      <ol aria-label="Gate decisions" className="mt-1 ml-5 list-decimal">
        {decisions.map((d) => (
          <li key={d.id}>
            {timelineEntry(d)} <span className="text-muted">· {formatDateTime(d.at)}</span>
          </li>
        ))}
      </ol>
    </details>
  )
}

/**
 * One entry of the action queue: what it does to which campaign, the gate's
 * decision and reasons, the settings before and after, who did what when,
 * and the review buttons the viewer's role allows. Its status changes in
 * place when the server reports one (the cache holds the action).
 */
export function ActionRow({ action: a, canReview, canOverride }: ActionRowProps) {
  const titleId = useId()
  const toast = useToast()
  const [error, setError] = useState<string | null>(null)
  const [overriding, setOverriding] = useState(false)
  const client = useApolloClient()
  const [approve, approving] = useMutation(ApproveActionDocument, { fetchPolicy: 'no-cache' })
  const [dismiss, dismissing] = useMutation(DismissActionDocument, { fetchPolicy: 'no-cache' })
  const status = ACTION_STATUSES[a.status]
  const proposerName = useActorName(a.createdBy)
  const gate = a.decidingGate
    ? gateSummary(a.decidingGate, a, proposerName)
    : { ...DECISIONS[a.decision], label: `Gate: ${DECISIONS[a.decision].label}`, detail: '' }
  // Review is for what still waits; handled actions are history.
  const open = a.phase === 'WAITING'
  const title = actionTitle(a)

  const review = async (kind: 'approve' | 'dismiss') => {
    setError(null)
    try {
      const input = { input: { id: a.id } }
      const payload =
        kind === 'approve'
          ? (await approve({ variables: input })).data?.approveAction
          : (await dismiss({ variables: input })).data?.dismissAction
      const err = payload?.userErrors[0]
      if (err) return setError(err.message)
      if (payload?.action) writeActionIfNewer(client, payload.action)
      toast.show({ message: `${kind === 'approve' ? 'Approved' : 'Dismissed'}: ${title}` })
    } catch (e) {
      setError((e as Error).message)
    }
  }

  return (
    <article
      aria-labelledby={titleId}
      className="flex flex-col gap-3 py-4"
      data-testid="action-row"
      data-action-id={a.id}
    >
      <header className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 id={titleId} className="font-semibold">
            {title}
          </h3>
          <p className="text-sm text-muted">
            {a.campaign ? a.campaign.name : 'All campaigns'} · {PLATFORMS[a.platform]} · {RISK[a.riskClass]}
          </p>
        </div>
        <span aria-live="polite">
          <Badge tone={status.tone} icon={status.icon}>
            <span className="sr-only">Status: </span>
            {status.label}
          </Badge>
        </span>
      </header>

      <div className="flex flex-col gap-1 text-sm">
        <p className="flex flex-wrap items-center gap-2" data-testid="deciding-gate">
          <Badge tone={gate.tone} icon={gate.icon}>
            {gate.label}
          </Badge>{' '}
          <span className="text-muted">
            {gate.detail}
            {a.decidingGate && ` · ${formatDateTime(a.decidingGate.at)}`}
          </span>
        </p>
        <ul aria-label="Why the gate decided so" className="ml-5 list-disc text-muted">
          {a.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
        {a.warnings.length > 0 && (
          <ul className="flex flex-col gap-1 text-warning-ink">
            {a.warnings.map((w) => (
              <li key={w}>
                <span aria-hidden>! </span>
                {w}
              </li>
            ))}
          </ul>
        )}
      </div>

      <Sources sources={a.sources} />

      <GateTimeline decisions={a.gateDecisions} />

      <ChangeList before={a.before} after={a.after} currency={a.campaign?.currency} />

      {a.resolution && (
        <p className="text-sm">
          <span className="font-medium">{status.label}:</span> {a.resolution}.{' '}
          <span className="text-muted">{ACTION_STATUS_MEANING[a.status]}</span>
        </p>
      )}

      <p className="text-xs text-muted">
        Proposed by <Proposer ruleName={a.ruleName} createdBy={a.createdBy} /> on {formatDateTime(a.createdAt)}
        {a.approvedAt && (
          <>
            {' · approved by '}
            <ActorName actor={a.approvedBy} /> on {formatDateTime(a.approvedAt)}
          </>
        )}
        {a.appliedAt && (
          <>
            {' · applied by '}
            <ActorName actor={a.appliedBy} /> on {formatDateTime(a.appliedAt)}
          </>
        )}
        {a.dismissedBy && (
          <>
            {' · dismissed by '}
            <ActorName actor={a.dismissedBy} />
          </>
        )}
      </p>
      {a.overrideReason && <p className="text-sm">Override reason: “{a.overrideReason}”</p>}
      {a.error && <Alert>Platform error: {a.error}</Alert>}
      {error && <Alert>{error}</Alert>}

      {open && (canReview || canOverride) && (
        <div className="flex flex-wrap gap-2">
          {canReview && a.status === 'QUEUED' && (
            <Button
              size="sm"
              variant="primary"
              onClick={() => void review('approve')}
              loading={approving.loading}
              aria-label={`Approve: ${title}`}
            >
              Approve
            </Button>
          )}
          {canReview && (
            <Button
              size="sm"
              onClick={() => void review('dismiss')}
              loading={dismissing.loading}
              aria-label={`Dismiss: ${title}`}
            >
              Dismiss
            </Button>
          )}
          {canOverride && (
            <Button
              size="sm"
              variant="ghost"
              onClick={() => setOverriding(true)}
              aria-label={`Override and apply: ${title}`}
            >
              Override and apply
            </Button>
          )}
        </div>
      )}
      {overriding && <OverrideDialog action={a} title={title} onClose={() => setOverriding(false)} />}
    </article>
  )
}
