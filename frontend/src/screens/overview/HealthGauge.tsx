import { Badge, cx } from '../../components/ui'
import type { SignalHealthStatus } from '../../gql/graphql'
import { HEALTH, HEALTH_MEANING } from '../../trust/labels'
import { arcPath, BANDS, bandOf, clampScore } from './gauge'

const R = 80
const CX = 100
const CY = 96

const stroke: Record<SignalHealthStatus, string> = {
  HEALTHY: 'stroke-success-500',
  DEGRADED: 'stroke-warning-500',
  UNHEALTHY: 'stroke-error-500',
}

export interface HealthGaugeProps {
  /** Score 0–100; null before the first computation. */
  score: number | null | undefined
  /** The server's band (with hysteresis); derived from the score when absent. */
  status?: SignalHealthStatus | null | undefined
  /** What the score is of, e.g. "Overall signal health". */
  label: string
  size?: 'lg' | 'sm'
}

/**
 * A signal-health score as a half-circle meter: the number, the band in
 * words and what the band lets automation do; colour only repeats that.
 */
export function HealthGauge({ score, status, label, size = 'lg' }: HealthGaugeProps) {
  if (score == null) {
    return (
      <div className="flex flex-col items-center gap-1 py-6 text-center">
        <p className="font-medium">{label}: no score yet</p>
        <p className="text-sm text-muted">The first score appears once data arrives.</p>
      </div>
    )
  }
  const value = clampScore(score)
  const band = status ?? bandOf(value)
  const look = HEALTH[band]
  const rounded = Math.round(value)
  return (
    <div
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={rounded}
      aria-valuetext={`${rounded} of 100, ${look.label}: ${HEALTH_MEANING[band].toLowerCase()}`}
      className={cx('flex flex-col items-center', size === 'lg' ? 'w-56' : 'w-36')}
    >
      <svg viewBox="0 0 200 104" aria-hidden className="w-full overflow-visible">
        {BANDS.map((b) => (
          <path
            key={b.status}
            d={arcPath(b.from, b.to, R, CX, CY)}
            className={cx('fill-none opacity-20', stroke[b.status])}
            strokeWidth={14}
          />
        ))}
        {value > 0 && (
          <path
            d={arcPath(0, value, R, CX, CY)}
            className={cx('fill-none', stroke[band])}
            strokeWidth={14}
            strokeLinecap="round"
          />
        )}
        <text x={CX} y={CY - 12} textAnchor="middle" className="fill-fg text-[2.6rem] font-semibold">
          {rounded}
        </text>
      </svg>
      <div className="mt-1 flex flex-col items-center gap-1 text-center">
        <Badge tone={look.tone} icon={look.icon}>
          {look.label}
        </Badge>
        {size === 'lg' && <p className="text-xs text-muted">{HEALTH_MEANING[band]}</p>}
      </div>
    </div>
  )
}
