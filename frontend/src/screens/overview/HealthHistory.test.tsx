import { screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import type { SignalHealthStatus } from '../../gql/graphql'
import { SignalHealthHistoryDocument } from '../../trust/operations'
import { renderWithApi } from '../../trust/testProviders'
import { HealthGauge } from './HealthGauge'
import { HealthHistory } from './HealthHistory'

const point = (bucket: string, average: number, min: number, last: number, status: SignalHealthStatus) => ({
  __typename: 'SignalHealthPoint' as const,
  bucket,
  average,
  min,
  last,
  status,
})

describe('HealthHistory', () => {
  it('describes the latest score in the words of the gauge above it, and says which number is an hourly average', async () => {
    // The EMQ drop came late in the hour: the hour averages 89, the score is now 66.
    const history = {
      signalHealthHistory: {
        __typename: 'SignalHealthPointConnection' as const,
        edges: [
          point('2026-12-01T10:00:00Z', 89, 66, 66, 'DEGRADED'),
          point('2026-12-01T09:00:00Z', 93, 92, 93, 'HEALTHY'),
        ].map((node) => ({ __typename: 'SignalHealthPointEdge' as const, node })),
      },
    }
    renderWithApi(
      <>
        <HealthGauge label="Overall signal health" score={66} status="DEGRADED" />
        <HealthHistory />
      </>,
      [{ request: { query: SignalHealthHistoryDocument, variables: () => true }, result: { data: history } }],
    )
    const caption = await screen.findByText(/^Latest/)
    const gauge = screen.getByRole('meter', { name: 'Overall signal health' })
    expect(gauge).toHaveAttribute('aria-valuenow', '66')
    expect(within(gauge).getByText('Degraded')).toBeInTheDocument()
    expect(caption).toHaveTextContent('Latest score: 66 (degraded)')
    // the hour's average is there, named as such, and carries no status word of its own
    expect(caption).toHaveTextContent("this hour's average 89;")
    expect(caption).not.toHaveTextContent(/89 \(healthy\)/)
  })
})
