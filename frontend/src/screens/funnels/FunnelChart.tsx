import type { FunnelStepResultFieldsFragment } from '../../gql/graphql'
import { formatCount, formatPercent } from '../../lib/format'
import { formatDuration } from './labels'

/**
 * A funnel's steps as bars (width: the share of entrants that reached the
 * step), with the conversion from the previous step, the drop-off and the
 * median time between them. Every figure is text, so the chart reads the
 * same without the bars.
 */
export function FunnelChart({ steps, label }: { steps: readonly FunnelStepResultFieldsFragment[]; label: string }) {
  return (
    <ol aria-label={label} className="flex flex-col gap-2">
      {steps.map((s) => (
        <li key={s.index} className="flex flex-col gap-1">
          {s.index > 0 && (
            <p className="pl-2 text-xs text-muted">
              ↓ {formatPercent(s.conversionFromPrevious)} converted · {formatCount(s.dropOff, 'profile')} dropped off ·
              median {formatDuration(s.medianSecondsFromPrevious)}
            </p>
          )}
          <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
            <span className="font-medium">
              {s.index + 1}. {s.event}
            </span>
            <span>
              {formatCount(s.entered, 'profile')} · {formatPercent(s.conversionFromStart)} of entrants
            </span>
          </div>
          <div className="h-3 w-full rounded bg-raised" aria-hidden>
            <div
              className="h-3 rounded bg-primary-600"
              style={{ width: `${Math.max(0, Math.min(1, s.conversionFromStart)) * 100}%` }}
            />
          </div>
        </li>
      ))}
    </ol>
  )
}
