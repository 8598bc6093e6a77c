import { Link } from 'react-router-dom'

import { Badge, EmptyState, TextLink } from '../../components/ui'
import { formatDateTime } from '../../lib/format'
import { DeferredQueryCard } from '../../trust/DeferredQueryCard'
import { INCIDENT_STATES, SEVERITIES } from '../../trust/labels'
import { IncidentsDocument } from '../../trust/operations'

/** How many of the newest unresolved incidents the overview lists. */
const OPEN_INCIDENTS = 3

/** Incidents nobody has resolved yet, newest first. */
export function OpenIncidents() {
  return (
    <DeferredQueryCard
      title="Open incidents"
      actions={
        <TextLink to="/incidents" className="text-sm">
          All incidents
        </TextLink>
      }
      query={IncidentsDocument}
      variables={{ state: ['OPEN', 'ACKNOWLEDGED'], first: OPEN_INCIDENTS }}
      loadingLabel="Loading incidents…"
    >
      {({ incidents }) =>
        incidents.edges.length === 0 ? (
          <EmptyState
            title="No open incidents"
            description="Stratum opens one when signal health drops or a platform fails."
          />
        ) : (
          <ul className="-my-2 divide-y divide-line">
            {incidents.edges.map(({ node: i }) => (
              <li key={i.id} className="flex flex-col gap-1 py-2">
                <Link to={`/incidents?id=${encodeURIComponent(i.id)}`} className="font-medium hover:underline">
                  {i.title}
                </Link>
                <div className="flex flex-wrap items-center gap-2 text-xs text-muted">
                  <Badge tone={SEVERITIES[i.severity].tone} icon={SEVERITIES[i.severity].icon}>
                    {SEVERITIES[i.severity].label}
                  </Badge>
                  <Badge tone={INCIDENT_STATES[i.state].tone}>{INCIDENT_STATES[i.state].label}</Badge>
                  <span>opened {formatDateTime(i.openedAt)}</span>
                </div>
              </li>
            ))}
          </ul>
        )
      }
    </DeferredQueryCard>
  )
}
