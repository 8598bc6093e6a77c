import { useFragment, useQuery } from '@apollo/client/react'
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react'

import { Button, Card, EmptyState, Field, PageHeader, QueryState, Select } from '../../components/ui'
import { ActionFieldsFragmentDoc, type ActionFieldsFragment, type ActionStatus } from '../../gql/graphql'
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
  /** Actions shown before the page's own (see useKeptIds). */
  kept?: readonly string[]
  empty: ReactNode
  onMore: (after: string) => Promise<unknown>
}

/** Action rows with the review buttons the viewer's role allows, and "Load more". */
function ActionList({ label, page: { actions }, kept = [], empty, onMore }: ActionListProps) {
  const [loadingMore, setLoadingMore] = useState(false)
  if (actions.edges.length + kept.length === 0) return <>{empty}</>
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
        {[...kept, ...actions.edges.map((e) => e.node.id)].map((id) => (
          <li key={id}>
            <LiveActionRow id={id} />
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

/** An action as the cache holds it now: its status changes as the server reports them. */
function LiveActionRow({ id }: { id: string }) {
  const { can } = useSession()
  const { data, complete } = useFragment({
    fragment: ActionFieldsFragmentDoc,
    fragmentName: 'ActionFields',
    from: { __typename: 'Action', id },
  })
  return complete ? <ActionRow action={data} canReview={can('ANALYST')} canOverride={can('ADMIN')} /> : null
}

/**
 * Ids that have left a list while the page is open: an action someone just
 * approved or dismissed leaves the pending list on its next reload, but
 * stays in view (with its live status) until the user leaves the page.
 */
function useKeptIds(ids: readonly string[] | undefined): string[] {
  const [kept, setKept] = useState<string[]>([])
  const previous = useRef<readonly string[]>([])
  useEffect(() => {
    if (!ids) return
    const gone = previous.current.filter((id) => !ids.includes(id))
    previous.current = ids
    if (gone.length > 0) setKept((k) => [...gone, ...k.filter((id) => !gone.includes(id))])
  }, [ids])
  return ids ? kept.filter((id) => !ids.includes(id)) : kept
}

/** Queued (held) and blocked actions, and those handled since the page opened. */
function PendingActions() {
  const { data, loading, error, refetch, fetchMore } = useQuery(PendingActionsDocument, {
    variables: { first: PENDING_PAGE },
  })
  const ids = useMemo(() => data?.actions.edges.map((e) => e.node.id), [data])
  const kept = useKeptIds(ids)
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
            kept={kept}
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
