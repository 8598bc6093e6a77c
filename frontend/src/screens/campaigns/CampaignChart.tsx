import { Bar, ComposedChart, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'

import { formatDate, formatMoney } from '../../lib/format'

export interface DayPoint {
  date: string
  spend: number
  conversionValue: number
}

/** A campaign's daily spend (bars) and conversion value (line), in its currency (its own chunk: it carries recharts). */
export default function CampaignChart({ points, currency }: { points: readonly DayPoint[]; currency: string }) {
  const day = (d: string) => formatDate(`${d}T12:00:00`)
  return (
    <div aria-hidden className="h-56 w-full overflow-hidden">
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={[...points]} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
          <XAxis dataKey="date" tickFormatter={day} minTickGap={32} stroke="var(--color-muted)" fontSize={12} />
          <YAxis stroke="var(--color-muted)" fontSize={12} />
          <Bar dataKey="spend" name="spend" fill="var(--color-primary-300)" isAnimationActive={false} />
          <Line
            dataKey="conversionValue"
            name="conversion value"
            stroke="var(--color-primary-600)"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
          <Tooltip
            labelFormatter={(label) => day(String(label))}
            formatter={(value) => formatMoney(Number(value), currency)}
            contentStyle={{
              background: 'var(--color-surface)',
              border: '1px solid var(--color-line)',
              borderRadius: 6,
            }}
            labelStyle={{ color: 'var(--color-fg)' }}
            itemStyle={{ color: 'var(--color-fg)' }}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  )
}
