import { useQuery } from '@apollo/client/react'
import { useState } from 'react'

import { Badge, Button, Card, EmptyState, QueryState } from '../../components/ui'
import type { RuleActivityKind, RuleActivityQuery } from '../../gql/graphql'
import { formatDateTime } from '../../lib/format'
import { ACTION_STATUSES, ACTION_TYPES } from '../../trust/labels'
import { RuleActivityDocument } from './operations'

/** Entries shown at first, and added by "Show older". */
const PAGE = 20
/** The most the panel lists (the API's page limit). */
const MOST = 100

type Entry = Extract<
  NonNullable<RuleActivityQuery['node']>,
  { __typename: 'AutomationRule' }
>['activity']['edges'][number]['node']

export const RULE_ACTIVITY_KINDS: Record<RuleActivityKind, string> = {
  EVALUATED: 'Evaluated',
  PROPOSED: 'Proposed',
  JOINED: 'Joined',
  OUTCOME: 'Outcome',
}

/** One entry in words: "Evaluated 4 campaigns: 1 proposal", "Proposed Reduce budget for Spring Sale". */
function summary(e: Entry): string {
  const what = e.actionType ? ACTION_TYPES[e.actionType].label.toLowerCase() : 'a change'
  const where = e.campaign ? ` for ${e.campaign.name}` : ''
  switch (e.kind) {
    case 'EVALUATED': {
      const n = e.campaignsEvaluated ?? 0
      const p = e.proposals ?? 0
      return `Evaluated ${n} campaign${n === 1 ? '' : 's'}: ${p} proposal${p === 1 ? '' : 's'}`
    }
    case 'PROPOSED':
      return `Proposed: ${what}${where}`
    case 'JOINED':
      return `Proposed ${what}${where}, which was already waiting: joined it as another reason`
    case 'OUTCOME':
      return `${e.status ? ACTION_STATUSES[e.status].label : 'Ended'}: ${what}${where}`
  }
}

/**
 * A rule's activity log, newest first: its evaluations, the actions it
 * proposed or joined, and what became of them.
 */
export function RuleActivityPanel({ id, name, onClose }: { id: string; name: string; onClose: () => void }) {
  const [first, setFirst] = useState(PAGE)
  const { data, loading, error, refetch } = useQuery(RuleActivityDocument, { variables: { id, first } })
  return (
    <Card
      title={`Activity of “${name}”`}
      description="Evaluations, proposals and their outcomes, newest first. Dry runs are not listed."
      actions={
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
      }
    >
      <QueryState
        data={data}
        loading={loading && !data}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading activity…"
      >
        {({ node }) => {
          if (node?.__typename !== 'AutomationRule') return <p>This rule no longer exists.</p>
          const { edges, totalCount } = node.activity
          if (edges.length === 0)
            return (
              <EmptyState title="No activity yet" description="The rule has not been evaluated on its schedule yet." />
            )
          return (
            <>
              <ol aria-label={`Activity of ${name}`} className="-my-2 divide-y divide-line">
                {edges.map(({ cursor, node: e }) => (
                  <li key={cursor} className="flex flex-col gap-1 py-2 text-sm">
                    <div className="flex flex-wrap items-center gap-2">
                      <Badge tone={e.kind === 'OUTCOME' && e.status ? ACTION_STATUSES[e.status].tone : 'neutral'}>
                        {RULE_ACTIVITY_KINDS[e.kind]}
                      </Badge>
                      <span>{summary(e)}</span>
                      <time dateTime={e.at} className="ml-auto text-xs text-muted">
                        {formatDateTime(e.at)}
                      </time>
                    </div>
                    {e.detail && <p className="text-muted">{e.detail}</p>}
                  </li>
                ))}
              </ol>
              {totalCount > edges.length && (
                <div className="mt-3 flex flex-wrap items-center gap-3 text-sm text-muted">
                  <span>
                    Showing the newest {edges.length} of {totalCount} entries.
                  </span>
                  {first < MOST && (
                    <Button size="sm" loading={loading} onClick={() => setFirst((n) => Math.min(n + PAGE, MOST))}>
                      Show older
                    </Button>
                  )}
                </div>
              )}
            </>
          )
        }}
      </QueryState>
    </Card>
  )
}
