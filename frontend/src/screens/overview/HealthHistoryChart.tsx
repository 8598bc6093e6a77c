import { Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'

import type { SignalHealthHistoryQuery } from '../../gql/graphql'
import { formatDayHour, formatTimeOfDay } from '../../lib/format'

export type HistoryPoint = SignalHealthHistoryQuery['signalHealthTrend']['points'][number]

/** The chart of HealthHistory (its own chunk: it carries recharts). */
export default function HealthHistoryChart({
  points,
  bucketMinutes,
}: {
  points: readonly HistoryPoint[]
  bucketMinutes: number
}) {
  // Over a day the axis reads times; over days, the day and hour.
  const tick = bucketMinutes <= 60 ? formatTimeOfDay : formatDayHour
  return (
    <div aria-hidden className="h-56 w-full overflow-hidden">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={[...points]} margin={{ top: 8, right: 8, bottom: 0, left: -20 }} accessibilityLayer={false}>
          <XAxis dataKey="bucket" tickFormatter={tick} minTickGap={32} stroke="var(--color-muted)" fontSize={12} />
          <YAxis domain={[0, 100]} ticks={[0, 40, 70, 100]} stroke="var(--color-muted)" fontSize={12} />
          <ReferenceLine y={70} stroke="var(--color-success-500)" strokeDasharray="4 4" />
          <ReferenceLine y={40} stroke="var(--color-error-500)" strokeDasharray="4 4" />
          <Line
            dataKey="min"
            name="lowest"
            stroke="var(--color-primary-300)"
            strokeDasharray="2 3"
            dot={false}
            isAnimationActive={false}
          />
          <Line
            dataKey="average"
            name="average"
            stroke="var(--color-primary-600)"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
          <Tooltip
            labelFormatter={(label) => tick(String(label))}
            formatter={(value) => Math.round(Number(value))}
            contentStyle={{
              background: 'var(--color-surface)',
              border: '1px solid var(--color-line)',
              borderRadius: 6,
            }}
            // Text in the foreground colour, not the series' (the dashed
            // series is too light to read on the card).
            labelStyle={{ color: 'var(--color-fg)' }}
            itemStyle={{ color: 'var(--color-fg)' }}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  )
}
