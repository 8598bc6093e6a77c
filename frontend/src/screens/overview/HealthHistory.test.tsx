import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'

import type { HistoryRange, SignalHealthStatus } from '../../gql/graphql'
import { SignalHealthHistoryDocument } from '../../trust/operations'
import { renderWithApi } from '../../trust/testProviders'
import { HealthGauge } from './HealthGauge'
import { HealthHistory } from './HealthHistory'

const point = (
  bucket: string,
  average: number,
  min: number,
  last: number,
  status: SignalHealthStatus,
  simulated = false,
) => ({
  __typename: 'SignalHealthPoint' as const,
  bucket,
  average,
  min,
  max: Math.max(average, last),
  last,
  status,
  simulated,
})

const trend = (range: HistoryRange, bucketMinutes: number, points: ReturnType<typeof point>[]) => ({
  signalHealthTrend: {
    __typename: 'SignalHealthTrend' as const,
    range,
    from: points[0]?.bucket ?? '2026-12-01T00:00:00Z',
    to: '2026-12-01T11:00:00Z',
    bucketMinutes,
    simulated: points.some((p) => p.simulated),
    points,
  },
})

describe('HealthHistory', () => {
  it('describes the latest score in the words of the gauge above it, and says which number is an hourly average', async () => {
    // The EMQ drop came late in the hour: the hour averages 89, the score is now 66.
    const history = trend('LAST_24_HOURS', 60, [
      point('2026-12-01T09:00:00Z', 93, 92, 93, 'HEALTHY'),
      point('2026-12-01T10:00:00Z', 89, 66, 66, 'DEGRADED'),
    ])
    renderWithApi(
      <>
        <HealthGauge label="Overall signal health" score={66} status="DEGRADED" />
        <HealthHistory />
      </>,
      [
        {
          request: { query: SignalHealthHistoryDocument, variables: { range: 'LAST_24_HOURS' } },
          result: { data: history },
        },
      ],
    )
    const caption = await screen.findByText(/^Latest/)
    const gauge = screen.getByRole('meter', { name: 'Overall signal health' })
    expect(gauge).toHaveAttribute('aria-valuenow', '66')
    expect(within(gauge).getByText('Degraded')).toBeInTheDocument()
    expect(caption).toHaveTextContent('Latest score: 66 (degraded)')
    // the hour's average is there, named as such, and carries no status word of its own
    expect(caption).toHaveTextContent("this hour's average 89;")
    expect(caption).not.toHaveTextContent(/89 \(healthy\)/)
    // real history carries no simulated label
    expect(screen.queryByText('Simulated history')).toBeNull()
  })

  it('offers 24 h / 7 d / 30 d: choosing a range asks the API for it and labels simulated history', async () => {
    const day = trend('LAST_24_HOURS', 60, [point('2026-12-01T10:00:00Z', 93, 92, 93, 'HEALTHY')])
    const month = trend('LAST_30_DAYS', 720, [
      point('2026-11-01T00:00:00Z', 92, 60, 91, 'HEALTHY', true),
      point('2026-12-01T00:00:00Z', 90, 88, 93, 'HEALTHY', true),
    ])
    const week = trend('LAST_7_DAYS', 240, [point('2026-11-30T08:00:00Z', 94, 93, 94, 'HEALTHY', true)])
    renderWithApi(<HealthHistory />, [
      { request: { query: SignalHealthHistoryDocument, variables: { range: 'LAST_24_HOURS' } }, result: { data: day } },
      {
        request: { query: SignalHealthHistoryDocument, variables: { range: 'LAST_30_DAYS' } },
        result: { data: month },
      },
      { request: { query: SignalHealthHistoryDocument, variables: { range: 'LAST_7_DAYS' } }, result: { data: week } },
    ])
    const user = userEvent.setup()
    expect(await screen.findByText(/^Latest score: 93/)).toBeInTheDocument()
    const range = screen.getByRole('group', { name: 'Range' })
    expect(within(range).getByRole('button', { name: /last 24 hours/ })).toHaveAttribute('aria-pressed', 'true')
    expect(screen.getByText('Signal health, last 24 hours')).toBeInTheDocument()

    await user.click(within(range).getByRole('button', { name: /last 30 days/ }))
    // Only the LAST_30_DAYS mock answers with two points and "the latest 12 hours'".
    expect(await screen.findByText(/the latest 12 hours' average 90/)).toBeInTheDocument()
    expect(screen.getByText('Signal health, last 30 days')).toBeInTheDocument()
    expect(within(range).getByRole('button', { name: /last 30 days/ })).toHaveAttribute('aria-pressed', 'true')
    expect(screen.getByText('Simulated history')).toBeInTheDocument()
    expect(screen.getByText(/lowest in range 60/)).toBeInTheDocument()

    await user.click(within(range).getByRole('button', { name: /last 7 days/ }))
    expect(await screen.findByText(/the latest 4 hours' average 94/)).toBeInTheDocument()
  })
})
