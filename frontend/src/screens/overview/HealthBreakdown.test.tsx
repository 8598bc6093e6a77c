import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import type { SignalHealthFieldsFragment } from '../../gql/graphql'
import { HealthBreakdown } from './HealthBreakdown'
import { weightsExplanation } from './weights'

const comp = (
  name: 'EMQ' | 'FRESHNESS' | 'VARIANCE' | 'ANOMALY' | 'CDP',
  score: number,
  weight: number,
  baseWeight: number,
) => ({
  __typename: 'SignalComponentScore' as const,
  name,
  score,
  weight,
  baseWeight,
  known: true,
})

// What the API sends for the demo tenant: CDP data is there, so it takes its
// 10% and the others are scaled by 0.9 (freshness 25% → 22.5%).
const withCdp = [
  comp('EMQ', 84.8, 0.36, 0.4),
  comp('FRESHNESS', 100, 0.225, 0.25),
  comp('VARIANCE', 100, 0.18, 0.2),
  comp('ANOMALY', 100, 0.135, 0.15),
  comp('CDP', 80, 0.1, 0.1),
]

const health = (components = withCdp): SignalHealthFieldsFragment => ({
  platform: null,
  score: 66.2,
  status: 'DEGRADED',
  emq: 8.48,
  outage: false,
  updatedAt: '2026-12-01T10:00:00Z',
  statusChangedAt: '2026-12-01T10:00:00Z',
  issues: ['Simulator EMQ fell from 8.6 to 1.0 in 5 minutes'],
  components,
  issueDetails: [
    {
      component: 'EMQ',
      platform: 'SIMULATOR',
      message: 'Simulator EMQ fell from 8.6 to 1.0 in 5 minutes',
      impact: 29.16,
    },
  ],
})

describe('weightsExplanation', () => {
  it("explains the CDP renormalisation with the API's own numbers", () => {
    expect(weightsExplanation(withCdp)).toBe(
      'First-party (CDP) data is connected: it takes its 10% and the other weights are scaled to the remaining 90% ' +
        'in proportion (event match quality 40% → 36%, data freshness 25% → 22.5%, revenue variance 20% → 18%, ' +
        'anomalies 15% → 13.5%).',
    )
  })

  it('says the configured weights apply when no CDP data is connected', () => {
    const core = [
      comp('EMQ', 90, 0.4, 0.4),
      comp('FRESHNESS', 100, 0.25, 0.25),
      comp('VARIANCE', 100, 0.2, 0.2),
      comp('ANOMALY', 100, 0.15, 0.15),
    ]
    expect(weightsExplanation(core)).toBe(
      'No first-party (CDP) data is connected, so the platform components keep their configured weights: ' +
        'event match quality 40%, data freshness 25%, revenue variance 20%, anomalies 15%.',
    )
  })
})

describe('HealthBreakdown', () => {
  it('shows every number with its unit, and how each derived one comes about', () => {
    render(<HealthBreakdown health={health()} />)
    // EMQ on its own 0–10 scale (as the platform cards show it), never as 85 / 100
    const emq = screen.getByText('EMQ 8.5 / 10')
    expect(emq).toHaveAttribute('title', expect.stringContaining('counts it ×10'))
    expect(screen.queryByText(/85 \/ 100/)).toBeNull()
    // effective weights, with the derivation in a tooltip and a line
    const weight = screen.getByText('weight 22.5%')
    expect(weight).toHaveAttribute(
      'title',
      "Weight 22.5%: configured 25% × 90% left after first-party (CDP) data's 10%.",
    )
    expect(screen.getByTestId('weights-explanation')).toHaveTextContent('data freshness 25% → 22.5%')
    // lost points signed, one decimal, with how they are derived
    const points = screen.getByText('−29.2 points')
    expect(points).toHaveAttribute('title', expect.stringContaining("the component's weight ×"))
    expect(screen.queryByText(/29\.16/)).toBeNull()
  })
})
