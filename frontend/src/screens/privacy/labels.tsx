import { Badge } from '../../components/ui'
import type { PrivacyRequestFieldsFragment, PrivacyRequestStatus } from '../../gql/graphql'
import { enumLabel } from '../../lib/enumLabels'
import { formatCount, formatDateTime, formatPercent } from '../../lib/format'

/** The tone of a request's status badge. */
export const REQUEST_TONE: Record<PrivacyRequestStatus, 'neutral' | 'primary' | 'success' | 'error'> = {
  PENDING: 'neutral',
  RUNNING: 'primary',
  DONE: 'success',
  FAILED: 'error',
}

/** Whether a request's job is still to finish (the screens poll meanwhile). */
export function unfinished(r: Pick<PrivacyRequestFieldsFragment, 'status'>): boolean {
  return r.status === 'PENDING' || r.status === 'RUNNING'
}

/** How often the screens re-read unfinished requests (ms). */
export const POLL_MS = 1000

/** A request's status with its progress while it runs. */
export function RequestStatus({ request: r }: { request: PrivacyRequestFieldsFragment }) {
  const label = `${enumLabel('PrivacyRequestKind', r.kind)} progress`
  return (
    <span className="flex flex-wrap items-center gap-2">
      <Badge tone={REQUEST_TONE[r.status]}>{enumLabel('PrivacyRequestStatus', r.status)}</Badge>
      {unfinished(r) && (
        <>
          <progress aria-label={label} max={1} value={r.progress} className="h-2 w-24" />
          <span className="text-xs text-muted">{formatPercent(r.progress)}</span>
        </>
      )}
    </span>
  )
}

/** What a finished request did, with the download link of an export its viewer asked for. */
export function RequestResult({ request: r }: { request: PrivacyRequestFieldsFragment }) {
  if (r.status === 'FAILED') return <span className="text-error-ink">{r.error ?? 'Failed.'}</span>
  if (r.status !== 'DONE') return <span className="text-muted">—</span>
  if (r.kind === 'DELETE') {
    return (
      <span>
        Erased {formatCount(r.erasedEvents, 'event')} and {formatCount(r.erasedIdentifiers, 'identifier')}
      </span>
    )
  }
  if (r.downloadUrl) {
    return (
      <span className="flex flex-wrap items-center gap-2">
        <a href={r.downloadUrl} download className="font-medium text-primary-ink underline underline-offset-2">
          Download export
        </a>
        {r.expiresAt && <span className="text-xs text-muted">until {formatDateTime(r.expiresAt)}</span>}
      </span>
    )
  }
  if (!r.expiresAt || !r.exportBytes) return <span className="text-muted">Expired or removed</span>
  return <span className="text-muted">{r.requestedByMe ? 'Expired' : 'Only its requester can download it'}</span>
}
