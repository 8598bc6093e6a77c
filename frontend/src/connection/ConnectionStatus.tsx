import { StatusDot, type Tone } from '../components/ui'
import { formatTimeOfDay } from '../lib/format'
import type { ConnectionState } from './connection'
import { useConnectionState, useNow } from './ConnectionProvider'

/** "14:03" for an epoch-milliseconds time, in the reader's time zone. */
export function clockTime(ms: number): string {
  return formatTimeOfDay(new Date(ms).toISOString())
}

/** "next try in 4s", or "trying now" while a try is under way. */
export function nextTry(nextTryAt: number | null, now: number): string {
  if (nextTryAt === null) return 'trying now'
  return `next try in ${Math.max(0, Math.ceil((nextTryAt - now) / 1000))}s`
}

/**
 * The state in words: a headline for the status region and a detail that
 * may tick. `short`, a prefix of the headline, is all a phone shows of it
 * (the rest stays for screen readers; trust screens say since when).
 */
export function describeConnection(
  state: ConnectionState,
  now: number,
): { tone: Tone; label: string; short?: string; detail?: string } {
  switch (state.status) {
    case 'connecting':
      return { tone: 'warning', label: 'Connecting…' }
    case 'live':
      return { tone: 'success', label: 'Live' }
    case 'reconnecting':
      return {
        tone: 'warning',
        label: 'Reconnecting',
        detail: state.nextTryAt === null ? '…' : ` (${nextTry(state.nextTryAt, now)})`,
      }
    case 'offline':
      return {
        tone: 'error',
        label: `Offline since ${clockTime(state.since)}`,
        short: 'Offline',
        detail: ` · ${nextTry(state.nextTryAt, now)}`,
      }
  }
}

/**
 * The header's live indicator: whether events from the server reach this
 * page right now. The headline is a polite live region (announced when the
 * state changes); the countdown beside it is not, so it does not chatter.
 * On a phone it is a dot and a word ("Live", "Offline"), so that the header
 * keeps to one row.
 */
export function ConnectionStatus() {
  const state = useConnectionState()
  const ticking = (state.status === 'reconnecting' || state.status === 'offline') && state.nextTryAt !== null
  const now = useNow(ticking)
  const { tone, label, short, detail } = describeConnection(state, now)
  return (
    <div className="flex min-w-0 items-center gap-2 text-sm" data-testid="connection-status" data-state={state.status}>
      <StatusDot tone={tone} />
      <span role="status" className="truncate text-muted">
        {short === undefined ? (
          label
        ) : (
          <>
            {short}
            <span className="max-sm:sr-only">{label.slice(short.length)}</span>
          </>
        )}
      </span>
      {detail && (
        <span aria-hidden className="hidden truncate text-muted sm:inline">
          {detail}
        </span>
      )}
    </div>
  )
}
