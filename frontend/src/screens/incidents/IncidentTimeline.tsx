import type { IncidentFieldsFragment } from '../../gql/graphql'
import { formatDateTime, titleCase } from '../../lib/format'
import { ActorName } from '../../trust/ActorName'

type IncidentEvent = IncidentFieldsFragment['timeline'][number]

/** Timeline event kinds (IncidentEvent.kind) in words, with a decorative icon. */
const KINDS: Record<string, { label: string; icon: string }> = {
  OPENED: { label: 'Opened', icon: '●' },
  ESCALATED: { label: 'Escalated', icon: '▲' },
  SYMPTOM: { label: 'Effect of the cause', icon: '↳' },
  ACKNOWLEDGED: { label: 'Acknowledged', icon: '◐' },
  RESOLVED: { label: 'Resolved', icon: '✓' },
  AUTO_RESOLVED: { label: 'Resolved on recovery', icon: '✓' },
}

function kindOf(kind: string): { label: string; icon: string } {
  return KINDS[kind] ?? { label: titleCase(kind).replaceAll('_', ' '), icon: '•' }
}

/** An incident's history, oldest first, as an ordered list. */
export function IncidentTimeline({ events }: { events: readonly IncidentEvent[] }) {
  if (events.length === 0) return <p className="text-sm text-muted">No events recorded yet.</p>
  return (
    <ol aria-label="Timeline" className="relative ml-2 flex flex-col gap-4 border-l border-line pl-5">
      {events.map((e, i) => {
        const kind = kindOf(e.kind)
        return (
          <li key={`${e.at}-${e.kind}-${i}`} className="relative">
            <span
              aria-hidden
              className="absolute top-0 -left-[1.9rem] flex size-5 items-center justify-center rounded-full border border-line bg-surface text-xs"
            >
              {kind.icon}
            </span>
            <p className="text-sm font-medium">
              {kind.label}{' '}
              <span className="font-normal text-muted">
                by <ActorName actor={e.actor} />
              </span>
            </p>
            {e.message.toLowerCase() !== kind.label.toLowerCase() && <p className="text-sm">{e.message}</p>}
            <time dateTime={e.at} className="text-xs text-muted">
              {formatDateTime(e.at)}
            </time>
          </li>
        )
      })}
    </ol>
  )
}
