import { Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'

import { formatDayHour } from '../../lib/format'

export interface EmqPoint {
  hour: string
  score: number
}

/** An EMQ trend, 0–10 per hour (its own chunk: it carries recharts). */
export default function EmqTrendChart({ points }: { points: readonly EmqPoint[] }) {
  return (
    <div aria-hidden className="h-40 w-full overflow-hidden">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={[...points]} margin={{ top: 8, right: 8, bottom: 0, left: -20 }} accessibilityLayer={false}>
          <XAxis
            dataKey="hour"
            tickFormatter={formatDayHour}
            minTickGap={32}
            stroke="var(--color-muted)"
            fontSize={12}
          />
          <YAxis domain={[0, 10]} ticks={[0, 5, 10]} stroke="var(--color-muted)" fontSize={12} />
          <Line
            dataKey="score"
            name="EMQ"
            stroke="var(--color-primary-600)"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
          <Tooltip
            labelFormatter={(label) => formatDayHour(String(label))}
            formatter={(value) => Number(value).toFixed(1)}
            contentStyle={{
              background: 'var(--color-surface)',
              border: '1px solid var(--color-line)',
              borderRadius: 6,
            }}
            labelStyle={{ color: 'var(--color-fg)' }}
            itemStyle={{ color: 'var(--color-fg)' }}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  )
}
