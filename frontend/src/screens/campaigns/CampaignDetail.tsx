import { useQuery } from '@apollo/client/react'
import { lazy, Suspense } from 'react'

import { Badge, Card, Loading, QueryState } from '../../components/ui'
import { formatDateTime, formatMoney } from '../../lib/format'
import { ACTION_STATUSES, ACTION_TYPES, DECISIONS } from '../../trust/labels'
import { CampaignDetailDocument } from './operations'

const CampaignChart = lazy(() => import('./CampaignChart'))

/** A campaign's daily chart over from..to, and the actions and trust-gate decisions that touched it. */
export function CampaignPanel({ id, from, to }: { id: string; from: string; to: string }) {
  const { data, loading, error, refetch } = useQuery(CampaignDetailDocument, { variables: { id, from, to } })
  return (
    <QueryState
      data={data}
      loading={loading}
      error={error}
      onRetry={() => void refetch()}
      loadingLabel="Loading the campaign…"
    >
      {({ node, actions, trustAuditLog }) => {
        if (!node || node.__typename !== 'Campaign') return null
        const points = node.metrics.points.map((p) => ({
          date: p.date,
          spend: p.spend.amount,
          conversionValue: p.conversionValue.amount,
        }))
        const spend = points.reduce((s, p) => s + p.spend, 0)
        return (
          <div className="grid items-start gap-6 lg:grid-cols-2">
            <Card
              title={node.name}
              description={`Daily spend (bars) and conversion value (line), ${from} to ${to}, in ${node.currency}.`}
              actions={node.simulated ? <Badge tone="warning">Simulated</Badge> : undefined}
            >
              <p className="sr-only">{`Spend over ${points.length} days: ${formatMoney(spend, node.currency)}.`}</p>
              <Suspense fallback={<Loading label="Loading chart…" />}>
                <CampaignChart points={points} currency={node.currency} />
              </Suspense>
            </Card>
            <Card
              title="What touched it"
              description="The newest actions on this campaign and the trust gate's decisions on them."
            >
              <h3 className="mb-2 text-sm font-semibold">Actions ({actions.totalCount})</h3>
              {actions.edges.length === 0 ? (
                <p className="mb-4 text-sm text-muted">No actions on this campaign yet.</p>
              ) : (
                <ul aria-label="Actions on this campaign" className="mb-4 flex flex-col gap-2 text-sm">
                  {actions.edges.map(({ node: a }) => (
                    <li key={a.id} className="flex flex-wrap items-center gap-2">
                      <span className="font-medium">{ACTION_TYPES[a.type].label}</span>
                      <Badge tone={ACTION_STATUSES[a.status].tone}>{ACTION_STATUSES[a.status].label}</Badge>
                      {a.ruleName && <span className="text-muted">by {a.ruleName}</span>}
                      <span className="text-muted">{formatDateTime(a.createdAt)}</span>
                    </li>
                  ))}
                </ul>
              )}
              <h3 className="mb-2 text-sm font-semibold">Trust-gate decisions ({trustAuditLog.totalCount})</h3>
              {trustAuditLog.edges.length === 0 ? (
                <p className="text-sm text-muted">The gate has not judged an action on this campaign yet.</p>
              ) : (
                <ul aria-label="Gate decisions on this campaign" className="flex flex-col gap-2 text-sm">
                  {trustAuditLog.edges.map(({ node: g }) => (
                    <li key={g.id} className="flex flex-col gap-0.5">
                      <span className="flex flex-wrap items-center gap-2">
                        <Badge tone={DECISIONS[g.decision].tone}>{DECISIONS[g.decision].label}</Badge>
                        <span>{ACTION_TYPES[g.actionType].label}</span>
                        {g.dryRun && <Badge>Dry run</Badge>}
                        <span className="text-muted">{formatDateTime(g.at)}</span>
                      </span>
                      {g.reasons[0] && <span className="text-muted">{g.reasons[0]}</span>}
                    </li>
                  ))}
                </ul>
              )}
            </Card>
          </div>
        )
      }}
    </QueryState>
  )
}
