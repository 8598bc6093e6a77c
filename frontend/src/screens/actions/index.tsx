import { useQuery } from '@apollo/client/react'
import { useState, type ReactNode } from 'react'

import { Button, Card, EmptyState, Field, PageHeader, QueryState, Select } from '../../components/ui'
import type { ActionFieldsFragment, ActionStatus } from '../../gql/graphql'
import { useSession } from '../../session/SessionProvider'
import { ACTION_STATUSES, keysOf } from '../../trust/labels'
import { ActionHistoryDocument, PENDING_PAGE, PendingActionsDocument } from '../../trust/operations'
import { ActionRow } from './ActionRow'

// History rows are as detailed as pending ones: fewer per page keeps the
// screen within the API's query-cost budget.
const HISTORY_PAGE = 5

/** `/actions`: what waits for a person, and everything the queue has seen. */
export default function ActionsScreen() {
  return (
    <>
      <PageHeader
        title="Action queue"
        description="Every change automation proposes passes the trust gate. Held and blocked actions wait here for a person."
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
  page: ActionPage
  empty: ReactNode
  onMore: (after: string) => Promise<unknown>
}

/** Action rows with the review buttons the viewer's role allows, and "Load more". */
function ActionList({ label, page: { actions }, empty, onMore }: ActionListProps) {
  const { can } = useSession()
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
        {actions.edges.map(({ node: a }) => (
          <li key={a.id}>
            <ActionRow action={a} canReview={can('ANALYST')} canOverride={can('ADMIN')} />
          </li>
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
 * Queued (held) and blocked actions. An action someone approves or
 * dismisses stays in view with its new status until the list reloads.
 */
function PendingActions() {
  const { data, loading, error, refetch, fetchMore } = useQuery(PendingActionsDocument, {
    variables: { first: PENDING_PAGE },
  })
  return (
    <Card
      title="Waiting for review"
      description="Approve or dismiss held actions; blocked ones run only by an admin's override."
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
        {keysOf(ACTION_STATUSES).map((s) => (
          <option key={s} value={s}>
            {ACTION_STATUSES[s].label}
          </option>
        ))}
      </Select>
    </Field>
  )
  return (
    <Card title="History" description="Newest first." actions={filter}>
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
            page={page}
            empty={
              <EmptyState
                title="No actions"
                description={status ? 'No action has this status.' : 'The queue has no actions yet.'}
              />
            }
            onMore={(after) => fetchMore({ variables: { ...variables, after } })}
          />
        )}
      </QueryState>
    </Card>
  )
}
