import { useQuery } from '@apollo/client/react'
import { useState } from 'react'
import { useSearchParams } from 'react-router-dom'

import { Badge, Button, Card, cx, EmptyState, Field, PageHeader, QueryState, Select } from '../../components/ui'
import type { IncidentSeverity, IncidentState } from '../../gql/graphql'
import { formatDateTime } from '../../lib/format'
import { INCIDENT_STATES, keysOf, PLATFORMS, SEVERITIES } from '../../trust/labels'
import { IncidentsDocument } from '../../trust/operations'
import { IncidentPanel } from './IncidentDetail'

const PAGE = 20

/** The state filter's choices. */
const STATE_FILTERS: Record<string, { label: string; states: IncidentState[] | null }> = {
  unresolved: { label: 'Open and acknowledged', states: ['OPEN', 'ACKNOWLEDGED'] },
  OPEN: { label: 'Open', states: ['OPEN'] },
  ACKNOWLEDGED: { label: 'Acknowledged', states: ['ACKNOWLEDGED'] },
  RESOLVED: { label: 'Resolved', states: ['RESOLVED'] },
  all: { label: 'All', states: null },
}

/** `/incidents`: filterable list; the selected incident (`?id=`) in detail. */
export default function IncidentsScreen() {
  const [params, setParams] = useSearchParams()
  const [stateFilter, setStateFilter] = useState('unresolved')
  const [severity, setSeverity] = useState<IncidentSeverity | ''>('')
  const variables = { first: PAGE, state: STATE_FILTERS[stateFilter]!.states, severity: severity ? [severity] : null }
  const { data, loading, error, refetch, fetchMore } = useQuery(IncidentsDocument, { variables })
  const selectedId = params.get('id')
  const select = (id: string) => setParams({ id })

  return (
    <>
      <PageHeader
        title="Incidents"
        description="Problems with the data or the automation. New incidents appear here live."
      />
      <div className="mb-4 flex flex-wrap gap-3">
        <Field label="State" className="w-56">
          <Select value={stateFilter} onChange={(e) => setStateFilter(e.target.value)}>
            {Object.entries(STATE_FILTERS).map(([value, f]) => (
              <option key={value} value={value}>
                {f.label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Severity" className="w-44">
          <Select value={severity} onChange={(e) => setSeverity(e.target.value as IncidentSeverity | '')}>
            <option value="">All severities</option>
            {keysOf(SEVERITIES).map((s) => (
              <option key={s} value={s}>
                {SEVERITIES[s].label}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <QueryState
        data={data}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading incidents…"
      >
        {({ incidents }) => {
          const list = incidents.edges.map((e) => e.node)
          const selected = list.find((i) => i.id === selectedId) ?? list[0]
          if (!selected) {
            return (
              <Card>
                <EmptyState
                  title="No incidents"
                  description="None match these filters. Stratum opens one when signal health drops or a platform fails."
                />
              </Card>
            )
          }
          return (
            <div className="grid items-start gap-6 lg:grid-cols-[2fr_3fr]">
              <Card title={`${incidents.totalCount} incident${incidents.totalCount === 1 ? '' : 's'}`}>
                <ul aria-label="Incidents" className="-mx-2 flex flex-col gap-1">
                  {list.map((i) => (
                    <li key={i.id}>
                      <button
                        type="button"
                        onClick={() => select(i.id)}
                        aria-current={i.id === selected.id || undefined}
                        className={cx(
                          'flex w-full flex-col gap-1 rounded-md px-2 py-2 text-left',
                          i.id === selected.id ? 'bg-primary-soft' : 'hover:bg-raised',
                        )}
                      >
                        <span className="font-medium">{i.title}</span>
                        <span className="flex flex-wrap items-center gap-2 text-xs text-muted">
                          <Badge tone={SEVERITIES[i.severity].tone} icon={SEVERITIES[i.severity].icon}>
                            {SEVERITIES[i.severity].label}
                          </Badge>
                          <Badge tone={INCIDENT_STATES[i.state].tone}>{INCIDENT_STATES[i.state].label}</Badge>
                          {i.platform && <span>{PLATFORMS[i.platform]}</span>}
                          <span>{formatDateTime(i.openedAt)}</span>
                        </span>
                      </button>
                    </li>
                  ))}
                </ul>
                {incidents.pageInfo.hasNextPage && incidents.pageInfo.endCursor && (
                  <Button
                    size="sm"
                    className="mt-3"
                    onClick={() => void fetchMore({ variables: { ...variables, after: incidents.pageInfo.endCursor } })}
                  >
                    Load more
                  </Button>
                )}
              </Card>
              <IncidentPanel key={selected.id} id={selected.id} />
            </div>
          )
        }}
      </QueryState>
    </>
  )
}
