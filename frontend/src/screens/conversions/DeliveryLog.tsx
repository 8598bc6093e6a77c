import { useMutation, useQuery } from '@apollo/client/react'
import { useId, useState } from 'react'

import {
  Alert,
  Badge,
  Button,
  Card,
  ConnectionTable,
  Dialog,
  EmptyState,
  Field,
  GatedButton,
  Input,
  Select,
  Td,
  type Tone,
} from '../../components/ui'
import type { ConversionDeliveryFieldsFragment, ConversionDeliveryStatus } from '../../gql/graphql'
import { CONVERSION_DELIVERY_STATUSES, CONVERSION_LEGAL_BASES } from '../../lib/enumLabels'
import { formatCount, formatDateTime } from '../../lib/format'
import { useSession } from '../../session/SessionProvider'
import { ConversionDeliveriesDocument, ReplayDeliveriesDocument } from './operations'

/** Deliveries per page of the log. */
export const LOG_PAGE_SIZE = 50

/** The API's bound on the event name filter, in bytes (conversions.MaxEventNameFilter). */
export const MAX_EVENT_NAME_BYTES = 200

/** The most deliveries one replay call queues (conversions.MaxReplay). */
export const MAX_REPLAY = 10_000

/** Answers longer than this show their beginning with "Show all". */
export const LONG_TEXT = 160

const STATUS_ORDER: readonly ConversionDeliveryStatus[] = [
  'PENDING',
  'SENDING',
  'SENT',
  'RETRY',
  'FAILED',
  'DEAD',
  'SKIPPED',
]

const STATUS_TONE: Record<ConversionDeliveryStatus, Tone> = {
  PENDING: 'neutral',
  SENDING: 'primary',
  SENT: 'success',
  RETRY: 'warning',
  FAILED: 'error',
  DEAD: 'error',
  SKIPPED: 'neutral',
}

/** The statuses replayDeliveries takes, as the words a replay speaks of. */
const REPLAYABLE: Partial<Record<ConversionDeliveryStatus, string>> = { FAILED: 'failed', DEAD: 'given-up' }

type Delivery = ConversionDeliveryFieldsFragment

/** The destination a log is shown for, as much of it as the log needs. */
export interface LogDestination {
  id: string
  name: string
  enabled: boolean
}

interface LogFilter {
  status: ConversionDeliveryStatus | ''
  eventName: string
}

const noFilter: LogFilter = { status: '', eventName: '' }

const utf8 = new TextEncoder()

/** Why an event name cannot be used as the filter, or null: the API takes at most 200 bytes. */
export function eventNameError(name: string): string | null {
  const bytes = utf8.encode(name.trim()).length
  return bytes > MAX_EVENT_NAME_BYTES ? `At most ${MAX_EVENT_NAME_BYTES} bytes (this is ${bytes})` : null
}

/** What the replay queued, in words: the API's count, never more. */
export function replayOutcome(count: number, destination: LogDestination, word: string): string {
  if (count === 0) {
    return `None were queued: no ${word} delivery was recorded in that range (one replayed before is no longer ${word}).`
  }
  let text = `${formatCount(count, 'delivery', 'deliveries')} queued again, to be sent under their original event ids.`
  if (count >= MAX_REPLAY) text += ` That is the most one replay takes; replay again for the rest.`
  if (!destination.enabled) text += ` “${destination.name}” is disabled: they wait until it is enabled again.`
  return text
}

/**
 * A destination's delivery log: one row per event with its status, attempts,
 * latency, the request's summary and the platform's answer in its own words;
 * filtered by status and event name; failed and given-up deliveries replayed.
 */
export function DeliveryLog({ destinations, feature }: { destinations: readonly LogDestination[]; feature: string }) {
  const { can } = useSession()
  const analyst = can('ANALYST')
  const reasonId = useId()
  const [chosen, setChosen] = useState<string | null>(null)
  const destination = destinations.find((d) => d.id === chosen) ?? destinations[0]
  const [form, setForm] = useState<LogFilter>(noFilter)
  const [formError, setFormError] = useState<string | null>(null)
  const [applied, setApplied] = useState<LogFilter>(noFilter)
  const [replaying, setReplaying] = useState(false)
  const [outcome, setOutcome] = useState<{ tone: 'success' | 'warning'; text: string } | null>(null)
  const log = useQuery(ConversionDeliveriesDocument, {
    variables: {
      destinationId: destination?.id ?? '',
      status: applied.status || null,
      eventName: applied.eventName || null,
      first: LOG_PAGE_SIZE,
    },
    skip: !destination,
  })
  if (!destination) return null

  const filtered = applied.status !== '' || applied.eventName !== ''
  const replayStatus = applied.status && REPLAYABLE[applied.status] ? applied.status : null
  const replayWord = replayStatus ? REPLAYABLE[replayStatus]! : ''

  const apply = () => {
    const err = eventNameError(form.eventName)
    setFormError(err)
    if (err) return
    const next = { status: form.status, eventName: form.eventName.trim() }
    setForm(next)
    setApplied(next)
  }

  return (
    <Card
      title="Delivery log"
      description="Each event forwarded to a destination, newest first: its status, the request Stratum sent and the platform’s answer in its own words."
      actions={
        <Button aria-label="Refresh the delivery log" onClick={() => void log.refetch().catch(() => {})}>
          Refresh
        </Button>
      }
    >
      <form
        aria-label="Filter the delivery log"
        noValidate
        className="mb-5 grid gap-3 sm:grid-cols-2 lg:grid-cols-[1.5fr_1fr_1.5fr_auto] lg:items-start"
        onSubmit={(e) => {
          e.preventDefault()
          apply()
        }}
      >
        <Field label="Destination">
          <Select
            value={destination.id}
            onChange={(e) => {
              setChosen(e.target.value)
              setOutcome(null)
            }}
          >
            {destinations.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Status">
          <Select
            value={form.status}
            onChange={(e) => setForm((f) => ({ ...f, status: e.target.value as LogFilter['status'] }))}
          >
            <option value="">Any</option>
            {STATUS_ORDER.map((s) => (
              <option key={s} value={s}>
                {CONVERSION_DELIVERY_STATUSES[s]}
              </option>
            ))}
          </Select>
        </Field>
        <Field
          label="Event name"
          hint="Exactly the platform’s name (Purchase) or the CDP’s (Order Completed)."
          error={formError ?? undefined}
        >
          <Input value={form.eventName} onChange={(e) => setForm((f) => ({ ...f, eventName: e.target.value }))} />
        </Field>
        <div className="flex gap-2 lg:mt-6.5">
          <Button type="submit" variant="primary">
            Apply
          </Button>
          <Button
            onClick={() => {
              setForm(noFilter)
              setFormError(null)
              setApplied(noFilter)
            }}
          >
            Clear
          </Button>
        </div>
      </form>
      {replayStatus && (
        <div className="mb-4 flex flex-wrap items-center gap-3">
          <GatedButton
            feature={feature}
            disabled={!analyst}
            aria-describedby={analyst ? undefined : reasonId}
            onClick={() => {
              setOutcome(null)
              setReplaying(true)
            }}
          >
            Replay {replayWord} deliveries…
          </GatedButton>
          {!analyst && (
            <span id={reasonId} className="text-sm text-muted">
              Only analysts and admins can replay deliveries.
            </span>
          )}
        </div>
      )}
      {outcome && (
        <div className="mb-4" role="status">
          <Alert tone={outcome.tone}>{outcome.text}</Alert>
        </div>
      )}
      {(log.data?.deliveries.queuedEvents ?? 0) > 0 && (
        <p className="mb-2 text-sm text-muted" role="status">
          {formatCount(log.data?.deliveries.queuedEvents ?? 0, 'event')} of processed batches waiting for this
          destination&rsquo;s next send; each enters the log when that send decides it (sent, skipped or failed; events no
          mapping applies to never do).
        </p>
      )}
      <ConnectionTable
        connection={log.data?.deliveries}
        loading={log.loading}
        error={log.error}
        onRetry={() => void log.refetch().catch(() => {})}
        loadingLabel="Loading the delivery log…"
        caption={`Deliveries to ${destination.name}`}
        columns={['Recorded', 'Event', 'Status', 'Attempts', 'Latency', 'Request', 'Platform’s answer']}
        empty={
          filtered ? (
            <EmptyState
              title="No deliveries match"
              description="Nothing in this destination’s log matches these filters."
            />
          ) : (
            <EmptyState
              title="No deliveries yet"
              description="A delivery is recorded when the destination’s send first takes an event it maps (its event mappings or the standard ones, e.g. Order Completed → Purchase), about a second after the CDP processed it while the destination was enabled. Events processed before that are not forwarded; test events are not logged here."
            />
          )
        }
        summary={(c) => (
          <p className="mb-2 text-sm text-muted" aria-live="polite">
            Showing {c.edges.length} of {formatCount(c.totalCount, 'delivery', 'deliveries')}
          </p>
        )}
        onLoadMore={(after) => log.fetchMore({ variables: { after } })}
        row={(d) => <DeliveryCells delivery={d} />}
      />
      {replaying && replayStatus && (
        <ReplayDialog
          destination={destination}
          status={replayStatus}
          word={replayWord}
          eventFiltered={applied.eventName !== ''}
          onClose={() => setReplaying(false)}
          onDone={(count) => {
            setReplaying(false)
            setOutcome({ tone: count > 0 ? 'success' : 'warning', text: replayOutcome(count, destination, replayWord) })
            void log.refetch().catch(() => {})
          }}
        />
      )}
    </Card>
  )
}

function DeliveryCells({ delivery: d }: { delivery: Delivery }) {
  const showSource = d.sourceEvent !== '' && d.sourceEvent !== d.eventName
  return (
    <>
      <Td className="whitespace-nowrap text-muted">{formatDateTime(d.createdAt)}</Td>
      <Td>
        <span className="font-medium">{d.eventName}</span>
        {showSource && <span className="block text-xs text-muted">from {d.sourceEvent}</span>}
        <span className="block text-xs text-muted">happened {formatDateTime(d.eventTime)}</span>
      </Td>
      <Td>
        <Badge tone={STATUS_TONE[d.status] ?? 'neutral'}>{CONVERSION_DELIVERY_STATUSES[d.status] ?? d.status}</Badge>
        {d.legalBasis === 'LEGITIMATE_INTEREST' && (
          <span className="block text-xs text-muted">{CONVERSION_LEGAL_BASES.LEGITIMATE_INTEREST}</span>
        )}
        {d.nextAttemptAt && (d.status === 'RETRY' || d.status === 'PENDING') && (
          <span className="block text-xs text-muted">next try {formatDateTime(d.nextAttemptAt)}</span>
        )}
        {d.sentAt && <span className="block text-xs text-muted">accepted {formatDateTime(d.sentAt)}</span>}
      </Td>
      <Td>{d.attempts}</Td>
      <Td className="whitespace-nowrap">{d.latencyMs != null ? `${d.latencyMs} ms` : '—'}</Td>
      <Td className="max-w-xs font-mono text-xs">
        {d.requestSummary ? <LongText text={d.requestSummary} what="request summary" /> : '—'}
      </Td>
      <Td className="max-w-md text-xs">
        {d.errorCode && <span className="block font-medium">Code {d.errorCode}</span>}
        {d.response ? <LongText text={d.response} what="answer" /> : '—'}
      </Td>
    </>
  )
}

/**
 * Text from the API shown as it is (React escapes it: markup in a
 * platform's answer reads as characters), wrapped, and cut to its
 * beginning with "Show all" when long.
 */
export function LongText({ text, what }: { text: string; what: string }) {
  const [open, setOpen] = useState(false)
  const long = text.length > LONG_TEXT
  return (
    <span className="block">
      <span className="whitespace-pre-wrap break-words [overflow-wrap:anywhere]">
        {long && !open ? `${text.slice(0, LONG_TEXT)}…` : text}
      </span>
      {long && (
        <Button
          size="sm"
          variant="ghost"
          aria-expanded={open}
          aria-label={open ? `Show less of the ${what}` : `Show all of the ${what}`}
          onClick={() => setOpen(!open)}
        >
          {open ? 'Show less' : 'Show all'}
        </Button>
      )}
    </span>
  )
}

/** A datetime-local value (the reader's time zone) as the API's time, or null when empty. */
function toTime(local: string): string | null {
  if (!local) return null
  const t = new Date(local)
  return Number.isNaN(t.getTime()) ? null : t.toISOString()
}

/** The confirmation of a replay, with its optional time range; reports the API's count. */
function ReplayDialog({
  destination,
  status,
  word,
  eventFiltered,
  onClose,
  onDone,
}: {
  destination: LogDestination
  status: ConversionDeliveryStatus
  word: string
  eventFiltered: boolean
  onClose: () => void
  onDone: (count: number) => void
}) {
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const [errors, setErrors] = useState<{ from?: string; to?: string; form?: string }>({})
  const [replay, { loading }] = useMutation(ReplayDeliveriesDocument)

  const submit = async () => {
    const f = toTime(from)
    const t = toTime(to)
    if (f && t && f >= t) return setErrors({ to: 'The end must be after the start' })
    try {
      const { data } = await replay({
        variables: { input: { destinationId: destination.id, status, from: f, to: t } },
      })
      const p = data!.replayDeliveries
      if (p.userErrors.length) {
        const next: typeof errors = {}
        for (const e of p.userErrors) {
          const field = e.field?.at(-1)
          if (field === 'from' || field === 'to') next[field] = e.message
          else next.form = e.message
        }
        return setErrors(next)
      }
      onDone(p.count)
    } catch (e) {
      setErrors({ form: (e as Error).message })
    }
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title={`Replay ${word} deliveries to “${destination.name}”?`}
      description={
        <>
          They are queued again and sent under their original event ids, so a platform that accepted one before drops
          the copy. At most {MAX_REPLAY.toLocaleString('en')} a replay, oldest first.
          {eventFiltered && ' The event name filter does not apply: every one in the range is replayed.'}
        </>
      }
      footer={
        <>
          <Button onClick={onClose} data-autofocus>
            Cancel
          </Button>
          <Button variant="primary" loading={loading} onClick={() => void submit()}>
            Replay
          </Button>
        </>
      }
    >
      <form
        aria-label="Replay deliveries"
        noValidate
        className="flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        {errors.form && <Alert>{errors.form}</Alert>}
        <Field label="Recorded from (optional)" hint="Your time zone; empty: from the first." error={errors.from}>
          <Input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
        </Field>
        <Field label="Recorded before (optional)" hint="Empty: up to now." error={errors.to}>
          <Input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
        </Field>
      </form>
    </Dialog>
  )
}
