import { useSubscription } from '@apollo/client/react'
import { useRef, useState } from 'react'

import { Badge, Button, Card } from '../../components/ui'
import { useConnectionState } from '../../connection/ConnectionProvider'
import type { EventReceivedSubscription } from '../../gql/graphql'
import { enumLabel } from '../../lib/enumLabels'
import { formatDateTime } from '../../lib/format'
import { EventReceivedDocument } from './operations'

/** How many entries the debugger keeps (newest first). */
export const DEBUGGER_ENTRIES = 50

/** What the server samples (domain/cdp: DebuggerPerCommit, DebuggerRejectedPerSecond). */
export const SAMPLING_NOTE =
  'Sampled: at most 10 events per commit and 10 refused requests a second are shown. Requests with no or an unknown write key (401) name no source and are not shown.'

const STATUS_TONES: Record<string, 'success' | 'neutral' | 'error' | 'warning'> = {
  ACCEPTED: 'success',
  DUPLICATE: 'neutral',
  REJECTED: 'error',
  THROTTLED: 'warning',
}

/** The limits a throttled (429) entry names (DebuggerError.limit). */
const LIMIT_NAMES: Record<string, string> = {
  source_rate_limit: 'the source’s events per second',
  monthly_ingested_events: 'the plan’s events per month',
  ingest_queue: 'the server’s ingest queue',
}

type Entry = EventReceivedSubscription['eventReceived'] & { key: number }

/** The payload as indented JSON, or as sent when it is not JSON (cut, or invalid). */
function pretty(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2)
  } catch {
    return payload
  }
}

/**
 * The live debugger of one source: the events arriving at it, as the
 * tracking API received them, newest first. "Live" only while the
 * subscription runs over a connected socket; "Paused" when the user paused
 * it (no subscription); "Disconnected" otherwise.
 */
export function DebuggerPanel({
  sourceId,
  sourceName,
  onClose,
}: {
  sourceId: string
  sourceName: string
  onClose: () => void
}) {
  const [paused, setPaused] = useState(false)
  const [entries, setEntries] = useState<Entry[]>([])
  const next = useRef(0)
  const connection = useConnectionState()
  const { error } = useSubscription(EventReceivedDocument, {
    variables: { sourceId },
    skip: paused,
    onData: ({ data }) => {
      const e = data.data?.eventReceived
      if (!e) return
      next.current += 1
      const entry = { ...e, key: next.current }
      setEntries((list) => [entry, ...list].slice(0, DEBUGGER_ENTRIES))
    },
  })
  const state = paused ? 'Paused' : connection.status === 'live' && !error ? 'Live' : 'Disconnected'
  const tone = state === 'Live' ? 'success' : state === 'Paused' ? 'neutral' : 'warning'

  return (
    <Card
      title={`Live events: ${sourceName}`}
      description={`Events as they arrive, with the raw payload and any validation error. ${SAMPLING_NOTE}`}
      actions={
        <div className="flex items-center gap-2">
          <span role="status" aria-label="Debugger state">
            <Badge tone={tone}>{state}</Badge>
          </span>
          <Button size="sm" variant="ghost" onClick={() => setPaused((p) => !p)}>
            {paused ? 'Resume' : 'Pause'}
          </Button>
          <Button size="sm" variant="ghost" onClick={onClose}>
            Close
          </Button>
        </div>
      }
    >
      {error && <p className="mb-2 text-sm text-error-ink">The debugger stopped: {error.message}</p>}
      {entries.length === 0 ? (
        <p className="text-sm text-muted">No events yet. Send one with this source’s write key.</p>
      ) : (
        <ol aria-label="Received events" className="divide-y divide-line">
          {entries.map((e) => (
            <li key={e.key} className="py-2 text-sm">
              <div className="flex flex-wrap items-center gap-2">
                <span className="text-muted">{formatDateTime(e.receivedAt)}</span>
                <Badge tone={STATUS_TONES[e.status] ?? 'neutral'}>{enumLabel('DebuggerEventStatus', e.status)}</Badge>
                <span className="font-medium">{e.type ?? 'unknown type'}</span>
                {e.name && <span>{e.name}</span>}
                {e.messageId && <span className="font-mono text-xs text-muted">{e.messageId}</span>}
              </div>
              {e.error && (
                <p className="mt-1 text-error-ink">
                  Refused: {e.error.message}
                  {e.error.field ? ` (field ${e.error.field})` : ''}
                  {e.error.limit ? ` (limit: ${LIMIT_NAMES[e.error.limit] ?? e.error.limit})` : ''}
                </p>
              )}
              <details className="mt-1">
                <summary className="cursor-pointer text-muted">
                  Raw payload{e.truncated ? ' (cut at 4 KB)' : ''}
                </summary>
                <pre className="mt-1 max-h-80 overflow-auto rounded bg-neutral-soft p-2 font-mono text-xs">
                  {pretty(e.payload)}
                </pre>
              </details>
            </li>
          ))}
        </ol>
      )}
    </Card>
  )
}
