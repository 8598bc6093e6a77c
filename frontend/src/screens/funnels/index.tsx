import { useMutation, useQuery } from '@apollo/client/react'
import { useState } from 'react'

import {
  Button,
  Card,
  ConfirmDialog,
  EmptyState,
  Field,
  GatedButton,
  Input,
  LoadMore,
  PageHeader,
  QueryState,
  Select,
} from '../../components/ui'
import type { FunnelBreakdownInput, FunnelBreakdownSource, FunnelFieldsFragment } from '../../gql/graphql'
import { enumLabel } from '../../lib/enumLabels'
import { formatCount, formatDate, formatPercent } from '../../lib/format'
import { useToastedAction } from '../../lib/useToastedAction'
import { useSession } from '../../session/SessionProvider'
import { FunnelChart } from './FunnelChart'
import { FunnelEditor } from './FunnelEditor'
import { dayBefore, formatDuration, parsePath, rangeOf } from './labels'
import { DeleteFunnelDocument, FunnelReportDocument, FunnelsDocument } from './operations'

/** Funnels per page. */
export const PAGE_SIZE = 20

const CDP_FEATURE = 'cdp'

export interface FunnelsScreenProps {
  /** Today, for the default date range (tests fix it). */
  now?: Date
}

/** `/funnels`: funnels (ordered steps within a window), their step chart over a date range, and a breakdown. */
export default function FunnelsScreen({ now = new Date() }: FunnelsScreenProps) {
  const { can } = useSession()
  const analyst = can('ANALYST')
  const { data, loading, error, refetch, fetchMore } = useQuery(FunnelsDocument, { variables: { first: PAGE_SIZE } })
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const [editing, setEditing] = useState<FunnelFieldsFragment | 'new' | null>(null)
  const [deleting, setDeleting] = useState<FunnelFieldsFragment | null>(null)
  const [remove, { loading: removing }] = useMutation(DeleteFunnelDocument)
  const act = useToastedAction()

  const funnels = data?.funnels.edges.map((e) => e.node) ?? []
  const selected = funnels.find((f) => f.id === selectedId) ?? null

  const onDelete = async (f: FunnelFieldsFragment) => {
    const ok = await act(
      async () => (await remove({ variables: { input: { id: f.id } } })).data?.deleteFunnel.userErrors ?? [],
      `Funnel “${f.name}” deleted.`,
    )
    setDeleting(null)
    if (ok) {
      if (selectedId === f.id) setSelectedId(null)
      void refetch().catch(() => {})
    }
  }

  return (
    <>
      <PageHeader
        title="Funnels"
        description="Where people drop out between the steps you care about: each step's profiles, the conversion between steps and the time it takes."
        actions={
          analyst ? (
            <GatedButton feature={CDP_FEATURE} variant="primary" onClick={() => setEditing('new')}>
              New funnel
            </GatedButton>
          ) : null
        }
      />
      <div className="flex flex-col gap-6">
        {editing && (
          <FunnelEditor
            key={editing === 'new' ? 'new' : editing.id}
            funnel={editing === 'new' ? null : editing}
            onCancel={() => setEditing(null)}
            onSaved={(f) => {
              setEditing(null)
              setSelectedId(f.id)
              void refetch().catch(() => {})
            }}
          />
        )}
        <Card title="Funnels" description="Newest first. Select one to see its report.">
          <QueryState
            data={data}
            loading={loading}
            error={error}
            onRetry={() => void refetch()}
            loadingLabel="Loading funnels…"
          >
            {(d) =>
              d.funnels.edges.length === 0 ? (
                <EmptyState
                  title="No funnels yet"
                  description={analyst ? 'Create one with “New funnel”.' : 'An analyst or admin can create one.'}
                />
              ) : (
                <>
                  <p className="mb-2 text-sm text-muted">{formatCount(d.funnels.totalCount, 'funnel')}</p>
                  <ul className="flex flex-col divide-y divide-line" aria-label="Funnels">
                    {d.funnels.edges.map(({ node: f }) => (
                      <li key={f.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                        <div className="min-w-0">
                          <p className="font-medium">{f.name}</p>
                          <p className="text-xs text-muted">
                            {f.steps.map((s) => s.event).join(' → ')} · window {formatDuration(f.windowSeconds)}
                          </p>
                        </div>
                        <div className="flex flex-wrap gap-2">
                          <Button size="sm" aria-pressed={selectedId === f.id} onClick={() => setSelectedId(f.id)}>
                            Report of {f.name}
                          </Button>
                          {analyst && (
                            <>
                              <Button size="sm" onClick={() => setEditing(f)}>
                                Edit {f.name}
                              </Button>
                              <Button size="sm" variant="ghost" onClick={() => setDeleting(f)}>
                                Delete {f.name}
                              </Button>
                            </>
                          )}
                        </div>
                      </li>
                    ))}
                  </ul>
                  <LoadMore pageInfo={d.funnels.pageInfo} onLoad={(after) => fetchMore({ variables: { after } })} />
                </>
              )
            }
          </QueryState>
        </Card>
        {selected && <FunnelReportCard key={selected.id} funnel={selected} now={now} />}
      </div>
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete funnel “${deleting?.name ?? ''}”?`}
        description="Its definition goes; the events it counted stay."
        confirmLabel="Delete funnel"
        loading={removing}
        onConfirm={() => deleting && void onDelete(deleting)}
        onCancel={() => setDeleting(null)}
      />
    </>
  )
}

/** A funnel's report: the range and breakdown chosen, the step chart, the groups. */
function FunnelReportCard({ funnel, now }: { funnel: FunnelFieldsFragment; now: Date }) {
  const [from, setFrom] = useState(dayBefore(now, 29))
  const [to, setTo] = useState(dayBefore(now, 0))
  const [source, setSource] = useState<FunnelBreakdownSource | ''>('')
  const [path, setPath] = useState('')
  const [applied, setApplied] = useState<{ from: string; to: string; breakdownBy: FunnelBreakdownInput | null }>(
    () => ({
      ...rangeOf(dayBefore(now, 29), dayBefore(now, 0)),
      breakdownBy: null,
    }),
  )
  const { data, loading, error, refetch } = useQuery(FunnelReportDocument, {
    variables: { id: funnel.id, ...applied },
  })

  return (
    <Card
      title={`Report: ${funnel.name}`}
      description="A profile enters with a first-step event in the range; later steps may fall after it, within the window."
    >
      <form
        aria-label="Report options"
        className="mb-4 grid gap-4 md:grid-cols-[repeat(4,minmax(0,1fr))_auto] md:items-start"
        onSubmit={(e) => {
          e.preventDefault()
          setApplied({ ...rangeOf(from, to), breakdownBy: source ? { source, path: parsePath(path) } : null })
        }}
      >
        <Field label="From">
          <Input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </Field>
        <Field label="To (included)">
          <Input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </Field>
        <Field label="Break down by">
          <Select value={source} onChange={(e) => setSource(e.target.value as FunnelBreakdownSource | '')}>
            <option value="">Nothing</option>
            <option value="EVENT_PROPERTY">{enumLabel('FunnelBreakdownSource', 'EVENT_PROPERTY')}</option>
            <option value="PROFILE_TRAIT">{enumLabel('FunnelBreakdownSource', 'PROFILE_TRAIT')}</option>
          </Select>
        </Field>
        <Field label="Breakdown key" hint="Nested keys separated by dots.">
          <Input value={path} disabled={!source} onChange={(e) => setPath(e.target.value)} />
        </Field>
        <div className="md:mt-6.5">
          <Button type="submit" variant="primary">
            Show report
          </Button>
        </div>
      </form>
      <QueryState
        data={data ? (data.funnelReport ?? null) : undefined}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Computing the report…"
      >
        {(r) =>
          !r ? (
            <EmptyState title="This funnel no longer exists" />
          ) : (
            <div className="flex flex-col gap-4">
              <p className="text-sm">
                {formatCount(r.entered, 'profile')} entered between {formatDate(r.from)} and{' '}
                {formatDate(new Date(new Date(r.to).getTime() - 1).toISOString())};{' '}
                {formatCount(r.converted, 'profile')} completed ({formatPercent(r.entered ? r.conversionRate : null)}).
              </p>
              <FunnelChart steps={r.steps} label={`Steps of ${funnel.name}`} />
              {r.breakdown && (
                <div className="flex flex-col gap-4">
                  <h3 className="text-sm font-semibold">Breakdown</h3>
                  {r.breakdown.length === 0 && <p className="text-sm text-muted">Nobody entered: no groups.</p>}
                  {r.breakdown.map((g, i) => {
                    const name = g.other
                      ? 'Other values'
                      : g.value === null || g.value === undefined
                        ? '(none)'
                        : g.value
                    return (
                      <div key={i} className="rounded-md border border-line p-3">
                        <p className="mb-2 text-sm font-medium">{name}</p>
                        <FunnelChart steps={g.steps} label={`Steps for ${name}`} />
                      </div>
                    )
                  })}
                </div>
              )}
            </div>
          )
        }
      </QueryState>
    </Card>
  )
}
