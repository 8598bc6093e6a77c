import { useMutation, useQuery } from '@apollo/client/react'
import { useState, type ReactNode } from 'react'

import { Alert, Badge, Button, Card, Dialog, Field, Input, QueryState, useToast } from '../../components/ui'
import type { IncidentCause, IncidentFieldsFragment } from '../../gql/graphql'
import { formatDateTime, formatScore } from '../../lib/format'
import { useSession } from '../../session/SessionProvider'
import { ActorName } from '../../trust/ActorName'
import { INCIDENT_STATES, PLATFORMS, SEVERITIES } from '../../trust/labels'
import { AcknowledgeIncidentDocument, IncidentDocument, ResolveIncidentDocument } from '../../trust/operations'
import { IncidentTimeline } from './IncidentTimeline'

export const CAUSES: Record<IncidentCause, string> = {
  HEALTH: 'Signal health left the healthy band',
  OUTAGE: 'A platform reported an outage',
  EMQ_DROP: 'Event match quality dropped sharply',
  ACTION_FAILED: 'An action failed on its platform',
  PAYMENT_FAILED: 'A subscription payment failed',
  CONNECTION: 'A platform connection must be reconnected',
}

/** Loads one incident in full (lists carry only its summary) and shows it. */
export function IncidentPanel({ id }: { id: string }) {
  const { data, loading, error, refetch } = useQuery(IncidentDocument, { variables: { id } })
  return (
    <QueryState
      data={data}
      loading={loading}
      error={error}
      onRetry={() => void refetch()}
      loadingLabel="Loading the incident…"
    >
      {({ node }) =>
        node?.__typename === 'Incident' ? (
          <IncidentDetail incident={node} />
        ) : (
          <Card>This incident no longer exists.</Card>
        )
      }
    </QueryState>
  )
}

/** One incident: what, how bad, its timeline, and acknowledge / resolve. */
function IncidentDetail({ incident: i }: { incident: IncidentFieldsFragment }) {
  const { can } = useSession()
  const toast = useToast()
  const [resolving, setResolving] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [acknowledge, acknowledging] = useMutation(AcknowledgeIncidentDocument)
  const severity = SEVERITIES[i.severity]
  const state = INCIDENT_STATES[i.state]

  const onAcknowledge = async () => {
    setError(null)
    try {
      const err = (await acknowledge({ variables: { input: { id: i.id } } })).data?.acknowledgeIncident.userErrors[0]
      if (err) setError(err.message)
      else toast.show({ message: `Acknowledged: ${i.title}` })
    } catch (e) {
      setError((e as Error).message)
    }
  }

  const actions = can('ANALYST') && i.state !== 'RESOLVED' && (
    <>
      {i.state === 'OPEN' && (
        <Button size="sm" onClick={() => void onAcknowledge()} loading={acknowledging.loading}>
          Acknowledge
        </Button>
      )}
      <Button size="sm" variant="primary" onClick={() => setResolving(true)}>
        Resolve…
      </Button>
    </>
  )
  return (
    <Card title={i.title} actions={actions || undefined}>
      <div className="flex flex-col gap-4">
        <div className="flex flex-wrap gap-2">
          <Badge tone={severity.tone} icon={severity.icon}>
            Severity: {severity.label}
          </Badge>
          <Badge tone={state.tone} icon={state.icon}>
            {state.label}
          </Badge>
        </div>
        {i.cause !== 'ACTION_FAILED' && i.cause !== 'PAYMENT_FAILED' && (
          <p className="text-sm text-muted">
            {severity.label} severity: {severity.health}.
          </p>
        )}
        <dl className="grid gap-3 text-sm sm:grid-cols-2">
          <Item term="Cause" value={CAUSES[i.cause]} />
          <Item
            term="Platform"
            value={
              i.platform
                ? PLATFORMS[i.platform]
                : i.cause === 'PAYMENT_FAILED'
                  ? 'None (billing)'
                  : 'All platforms (overall score)'
            }
          />
          <Item term="Score" value={formatScore(i.score)} />
          <Item term="Opened" value={formatDateTime(i.openedAt)} />
          {i.acknowledgedAt && (
            <Item
              term="Acknowledged"
              value={
                <>
                  {formatDateTime(i.acknowledgedAt)} by <ActorName actor={i.acknowledgedBy} />
                </>
              }
            />
          )}
          {i.resolvedAt && (
            <Item
              term="Resolved"
              value={
                <>
                  {formatDateTime(i.resolvedAt)} by <ActorName actor={i.resolvedBy} />
                </>
              }
            />
          )}
          {i.resolution && <Item term="Resolution" value={i.resolution} />}
        </dl>
        {error && <Alert>{error}</Alert>}
        <section aria-label="Timeline">
          <h3 className="mb-3 text-sm font-semibold">Timeline</h3>
          <IncidentTimeline events={i.timeline} />
        </section>
      </div>
      {resolving && <ResolveDialog incident={i} onClose={() => setResolving(false)} />}
    </Card>
  )
}

function Item({ term, value }: { term: string; value: ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-muted">{term}</dt>
      <dd>{value}</dd>
    </div>
  )
}

function ResolveDialog({ incident, onClose }: { incident: IncidentFieldsFragment; onClose: () => void }) {
  const toast = useToast()
  const [note, setNote] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [resolve, { loading }] = useMutation(ResolveIncidentDocument)
  const submit = async () => {
    setError(null)
    try {
      const text = note.trim()
      const payload = (await resolve({ variables: { input: { id: incident.id, note: text || null } } })).data
        ?.resolveIncident
      const err = payload?.userErrors[0]
      if (err) return setError(err.message)
      toast.show({ message: `Resolved: ${incident.title}` })
      onClose()
    } catch (e) {
      setError((e as Error).message)
    }
  }
  return (
    <Dialog
      open
      onClose={onClose}
      title="Resolve this incident?"
      description="Resolve it when the cause is fixed; it reopens as a new incident if the problem returns."
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" onClick={() => void submit()} loading={loading}>
            Resolve incident
          </Button>
        </>
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
        className="flex flex-col gap-3"
      >
        <Field
          label="Resolution note (optional)"
          hint="What was wrong and what fixed it, at most 2000 characters."
          error={error ?? undefined}
        >
          <Input value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
        </Field>
      </form>
    </Dialog>
  )
}
