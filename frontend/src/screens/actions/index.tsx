import { useFragment, useQuery } from '@apollo/client/react'
import { useState, type ReactNode } from 'react'

import { Button, Card, EmptyState, Field, PageHeader, QueryState, Select } from '../../components/ui'
import {
  ActionFieldsFragmentDoc,
  type ActionFieldsFragment,
  type ActionPhase,
  type ActionStatus,
} from '../../gql/graphql'
import { useSession } from '../../session/SessionProvider'
import { ACTION_STATUSES } from '../../trust/labels'
import { ActionHistoryDocument, PENDING_PAGE, PendingActionsDocument } from '../../trust/operations'
import { ActionRow } from './ActionRow'

// History rows are as detailed as pending ones: fewer per page keeps the
// screen within the API's query-cost budget.
const HISTORY_PAGE = 5

/** Statuses the history can be filtered by: the handled ones. */
const HANDLED_STATUSES: readonly ActionStatus[] = ['APPLIED', 'FAILED', 'DISMISSED', 'SUPERSEDED', 'NOT_NEEDED']

/**
 * `/actions`: what still waits (for a person, or to run once approved), and
 * the history of what was handled. The two lists are the server's two
 * phases of the queue and never show the same action: one that gets
 * handled while the page is open leaves the first list for the second.
 */
export default function ActionsScreen() {
  return (
    <>
      <PageHeader
        title="Action queue"
        description="Every change automation proposes passes the trust gate. Held and blocked actions wait here for a person; handled ones move to the history."
      />
      <div className="flex flex-col gap-6">
        <PendingActions />
        <ActionHistory />
      </div>
    </>
  )
}

/** A page of a connection of actions, as both lists query it. */
interface ActionPage {
  actions: {
    totalCount: number
    pageInfo: { hasNextPage: boolean; endCursor?: string | null }
    edges: readonly { node: ActionFieldsFragment }[]
  }
}

interface ActionListProps {
  label: string
  /** The queue's part this list shows: a row whose action leaves it is hidden. */
  phase: ActionPhase
  page: ActionPage
  empty: ReactNode
  onMore: (after: string) => Promise<unknown>
}

/** Action rows with the review buttons the viewer's role allows, and "Load more". */
function ActionList({ label, phase, page: { actions }, empty, onMore }: ActionListProps) {
  const [loadingMore, setLoadingMore] = useState(false)
  if (actions.edges.length === 0) return <>{empty}</>
  const { hasNextPage, endCursor } = actions.pageInfo
  const more = async (after: string) => {
    setLoadingMore(true)
    try {
      await onMore(after)
    } finally {
      setLoadingMore(false)
    }
  }
  return (
    <>
      <ul aria-label={label} className="-my-4 divide-y divide-line">
        {actions.edges.map(({ node: { id } }) => (
          <LiveActionRow key={id} id={id} phase={phase} />
        ))}
      </ul>
      <div className="mt-6 flex flex-wrap items-center justify-between gap-2 text-sm text-muted">
        <span>
          {actions.edges.length} of {actions.totalCount}
        </span>
        {hasNextPage && endCursor && (
          <Button size="sm" loading={loadingMore} onClick={() => void more(endCursor)}>
            Load more
          </Button>
        )}
      </div>
    </>
  )
}

/**
 * An action as the cache holds it now: its status changes as the server
 * reports them. Once it belongs to the other part of the queue (approved
 * and applied, say) it is not shown here; the lists reload (LiveUpdates).
 */
function LiveActionRow({ id, phase }: { id: string; phase: ActionPhase }) {
  const { can } = useSession()
  const { data, complete } = useFragment({
    fragment: ActionFieldsFragmentDoc,
    fragmentName: 'ActionFields',
    from: { __typename: 'Action', id },
  })
  if (!complete || data.phase !== phase) return null
  return (
    <li>
      <ActionRow action={data} canReview={can('ANALYST')} canOverride={can('ADMIN')} />
    </li>
  )
}

/** Queued (held), approved and blocked actions: what still waits. */
function PendingActions() {
  const { data, loading, error, refetch, fetchMore } = useQuery(PendingActionsDocument, {
    variables: { first: PENDING_PAGE },
  })
  return (
    <Card
      title="Waiting for review"
      description="Approve or dismiss held actions; blocked ones run only by an admin's override. Approved actions wait here until they run."
    >
      <QueryState
        data={data}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading the queue…"
      >
        {(page) => (
          <ActionList
            label="Actions waiting for review"
            phase="WAITING"
            page={page}
            empty={
              <EmptyState
                title="Nothing waits for review"
                description="Held and blocked actions appear here as rules propose them."
              />
            }
            onMore={(after) => fetchMore({ variables: { first: PENDING_PAGE, after } })}
          />
        )}
      </QueryState>
    </Card>
  )
}

function ActionHistory() {
  const [status, setStatus] = useState<ActionStatus | ''>('')
  const variables = { first: HISTORY_PAGE, status: status ? [status] : null }
  const { data, loading, error, refetch, fetchMore } = useQuery(ActionHistoryDocument, { variables })
  const filter = (
    <Field label="Status" className="w-44">
      <Select value={status} onChange={(e) => setStatus(e.target.value as ActionStatus | '')}>
        <option value="">All statuses</option>
        {HANDLED_STATUSES.map((s) => (
          <option key={s} value={s}>
            {ACTION_STATUSES[s].label}
          </option>
        ))}
      </Select>
    </Field>
  )
  return (
    <Card
      title="History"
      description="Handled actions — applied, failed, dismissed, replaced, not needed — newest first."
      actions={filter}
    >
      <QueryState
        data={data}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading history…"
      >
        {(page) => (
          <ActionList
            label="Action history"
            phase="HANDLED"
            page={page}
            empty={
              <EmptyState
                title="No actions"
                description={status ? 'No action has this status.' : 'No action has been handled yet.'}
              />
            }
            onMore={(after) => fetchMore({ variables: { ...variables, after } })}
          />
        )}
      </QueryState>
    </Card>
  )
}
