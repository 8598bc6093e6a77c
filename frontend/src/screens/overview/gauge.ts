// Geometry and bands of the signal-health gauge: a half circle from 0 (left)
// to 100 (right) over the top.
import type { SignalHealthStatus } from '../../gql/graphql'

/** The score bands the gate acts on, low to high. */
export const BANDS: readonly { from: number; to: number; status: SignalHealthStatus }[] = [
  { from: 0, to: 40, status: 'UNHEALTHY' },
  { from: 40, to: 70, status: 'DEGRADED' },
  { from: 70, to: 100, status: 'HEALTHY' },
]

/** A score forced into 0–100 (NaN counts as 0). */
export function clampScore(value: number): number {
  if (Number.isNaN(value)) return 0
  return Math.min(100, Math.max(0, value))
}

/**
 * The band of a score without hysteresis: ≥ 70 healthy, 40–69 degraded,
 * < 40 unhealthy. The server's status (with hysteresis) wins when known.
 */
export function bandOf(score: number): SignalHealthStatus {
  const v = clampScore(score)
  return BANDS.find((b) => v < b.to)?.status ?? 'HEALTHY'
}

export interface Point {
  x: number
  y: number
}

/** Where `value` (0–100) lies on the half circle of radius r around (cx, cy). */
export function pointOnArc(value: number, r: number, cx: number, cy: number): Point {
  const angle = Math.PI * (1 - clampScore(value) / 100)
  return { x: round(cx + r * Math.cos(angle)), y: round(cy - r * Math.sin(angle)) }
}

/** An SVG path along the half circle from value `from` to value `to` (clockwise). */
export function arcPath(from: number, to: number, r: number, cx: number, cy: number): string {
  const a = pointOnArc(from, r, cx, cy)
  const b = pointOnArc(Math.max(from, to), r, cx, cy)
  return `M ${a.x} ${a.y} A ${r} ${r} 0 0 1 ${b.x} ${b.y}`
}

function round(n: number): number {
  return Math.round(n * 100) / 100
}
