import { useQuery } from '@apollo/client/react'
import { useState } from 'react'

import {
  Badge,
  Button,
  Card,
  ConnectionTable,
  EmptyState,
  Field,
  Input,
  Select,
  Td,
  type Tone,
} from '../../components/ui'
import type { AuditLogFilter, AuditOutcome } from '../../gql/graphql'
import { auditDetails } from '../../lib/auditDetails'
import { AUDIT_ACTOR_TYPES, AUDIT_OUTCOMES, AUDIT_TARGET_TYPES, codeWords } from '../../lib/enumLabels'
import { formatDateTime } from '../../lib/format'
import { AuditLogDocument } from './operations'
import { PAGE_SIZE } from './paging'

const OUTCOMES: readonly AuditOutcome[] = ['SUCCESS', 'FAILURE', 'DENIED']
const outcomeTone: Record<AuditOutcome, Tone> = { SUCCESS: 'success', FAILURE: 'error', DENIED: 'warning' }
const outcomeIcon: Record<AuditOutcome, string> = { SUCCESS: '✓', FAILURE: '✕', DENIED: '⊘' }

/** What the filter form holds; dates are the inputs' yyyy-mm-dd values. */
export interface AuditFilterForm {
  actions: string
  outcome: AuditOutcome | ''
  since: string
  until: string
}

const emptyFilter: AuditFilterForm = { actions: '', outcome: '', since: '', until: '' }

/**
 * The API filter for the form: actions are comma separated, `since` starts
 * at the beginning of its day and `until` includes its whole day (both in
 * the reader's time zone).
 */
export function toAuditLogFilter(f: AuditFilterForm): AuditLogFilter | null {
  const filter: AuditLogFilter = {}
  const actions = f.actions
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean)
  if (actions.length) filter.actions = actions
  if (f.outcome) filter.outcome = f.outcome
  if (f.since) filter.since = new Date(`${f.since}T00:00:00`).toISOString()
  if (f.until) {
    const end = new Date(`${f.until}T00:00:00`)
    end.setDate(end.getDate() + 1)
    filter.until = end.toISOString()
  }
  return Object.keys(filter).length ? filter : null
}

/** The tenant's audit log, newest first, filtered and paged with "Load more". */
export function AuditLogSettings() {
  const [form, setForm] = useState<AuditFilterForm>(emptyFilter)
  const [applied, setApplied] = useState<AuditLogFilter | null>(null)
  const { data, loading, error, refetch, fetchMore } = useQuery(AuditLogDocument, {
    variables: { first: PAGE_SIZE, filter: applied },
  })
  const set = (k: keyof AuditFilterForm) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [k]: e.target.value }))

  return (
    <Card title="Audit log" description="Every sign-in and change to members, keys and settings, newest first.">
      <form
        aria-label="Filter the audit log"
        className="mb-5 grid gap-3 sm:grid-cols-2 lg:grid-cols-[2fr_1fr_1fr_1fr_auto] lg:items-start"
        onSubmit={(e) => {
          e.preventDefault()
          setApplied(toAuditLogFilter(form))
        }}
      >
        <Field label="Actions" hint="Comma separated, e.g. auth.log_in">
          <Input value={form.actions} onChange={set('actions')} />
        </Field>
        <Field label="Outcome">
          <Select value={form.outcome} onChange={set('outcome')}>
            <option value="">Any</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {AUDIT_OUTCOMES[o]}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="From">
          <Input type="date" value={form.since} onChange={set('since')} />
        </Field>
        <Field label="To">
          <Input type="date" value={form.until} onChange={set('until')} />
        </Field>
        <div className="flex gap-2 lg:mt-6.5">
          <Button type="submit" variant="primary">
            Apply
          </Button>
          <Button
            onClick={() => {
              setForm(emptyFilter)
              setApplied(null)
            }}
          >
            Clear
          </Button>
        </div>
      </form>
      <ConnectionTable
        connection={data?.auditLog}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading the audit log…"
        caption="Audit log entries"
        columns={['When', 'Actor', 'Action', 'Target', 'Outcome', 'IP']}
        empty={
          <EmptyState
            title="No entries"
            description={applied ? 'Nothing matches these filters.' : 'Nothing has been recorded yet.'}
          />
        }
        summary={(auditLog) => (
          <p className="mb-2 text-sm text-muted" aria-live="polite">
            Showing {auditLog.edges.length} of {auditLog.totalCount}
          </p>
        )}
        onLoadMore={(after) => fetchMore({ variables: { after } })}
        row={(e) => (
          <>
            <Td className="whitespace-nowrap text-muted">{formatDateTime(e.createdAt)}</Td>
            <Td>{e.actorEmail ?? AUDIT_ACTOR_TYPES[e.actorType] ?? codeWords(e.actorType)}</Td>
            <Td>
              <span className="font-mono text-xs">{e.action}</span>
              {auditDetails(e.details).map((d) => (
                <span key={d} className="block text-xs text-muted">
                  {d}
                </span>
              ))}
            </Td>
            <Td className="text-muted">
              {e.targetType ? (AUDIT_TARGET_TYPES[e.targetType] ?? codeWords(e.targetType)) : '—'}
            </Td>
            <Td>
              <Badge tone={outcomeTone[e.outcome]} icon={outcomeIcon[e.outcome]}>
                {AUDIT_OUTCOMES[e.outcome]}
              </Badge>
            </Td>
            <Td className="font-mono text-xs text-muted">{e.ip ?? '—'}</Td>
          </>
        )}
      />
    </Card>
  )
}
