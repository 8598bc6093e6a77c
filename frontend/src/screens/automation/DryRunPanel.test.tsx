import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import type { ActionSimulationFieldsFragment, RuleCheckFieldsFragment } from '../../gql/graphql'
import { formatMoney } from '../../lib/format'
import { DryRunPanel, type DryRunResult } from './DryRunPanel'

const check = (over: Partial<RuleCheckFieldsFragment>): RuleCheckFieldsFragment => ({
  path: 'conditions.conditions.0',
  label: 'CPA over 3 days',
  metric: 'CPA',
  windowDays: 3,
  value: 8.2,
  unit: 'CURRENCY',
  operator: 'GT',
  threshold: 50,
  passed: false,
  note: null,
  ...over,
})

const cpaFails = check({})
const ctrHolds = check({
  path: 'conditions.conditions.1',
  label: 'CTR over 7 days',
  metric: 'CTR',
  windowDays: 7,
  value: 0.0123,
  unit: 'FRACTION',
  operator: 'GTE',
  threshold: 0.01,
  passed: true,
})

const result: DryRunResult = {
  campaignsEvaluated: 57,
  campaignsNotShown: 7,
  actions: [],
  campaigns: [
    {
      campaign: { id: 'c1', name: 'Spring Sale' },
      evaluated: true,
      wouldPropose: true,
      outcome: 'Would propose: pause underperforming campaign.',
      checks: [check({ value: 61.5, passed: true }), ctrHolds],
      failedCheck: null,
      proposals: [{ type: 'PAUSE_UNDERPERFORMING' }],
    },
    {
      campaign: { id: 'c2', name: 'Brand Search' },
      evaluated: true,
      wouldPropose: false,
      outcome: 'No proposal: CPA over 3 days is 8.2, not > 50.',
      checks: [cpaFails, ctrHolds],
      failedCheck: cpaFails,
      proposals: [],
    },
    {
      campaign: { id: 'c3', name: 'Winter Promo' },
      evaluated: false,
      wouldPropose: false,
      outcome: 'Not evaluated: the campaign is paused; rules look at active campaigns only.',
      checks: [],
      failedCheck: null,
      proposals: [],
    },
  ],
}

describe('DryRunPanel', () => {
  it('lists each campaign with the values its conditions read and names the first failing condition', () => {
    render(<DryRunPanel result={result} />)
    const list = screen.getByRole('list', { name: 'Campaigns evaluated' })
    const items = within(list).getAllByRole('listitem', { name: /./ })
    expect(items.map((i) => i.getAttribute('aria-label'))).toEqual(['Spring Sale', 'Brand Search', 'Winter Promo'])

    const brand = within(list).getByRole('listitem', { name: 'Brand Search' })
    expect(brand).toHaveTextContent('No proposal')
    expect(brand).toHaveTextContent('No proposal: CPA over 3 days is 8.2, not > 50.')
    const lines = within(within(brand).getByRole('list', { name: 'Conditions for Brand Search' })).getAllByRole(
      'listitem',
    )
    expect(lines).toHaveLength(2)
    expect(lines[0]).toHaveTextContent(/CPA over 3 days: 8\.2\s*needs > 50 \(account currency\)/)
    expect(lines[0]).toHaveTextContent('fails')
    expect(lines[0]).toHaveTextContent('First failing condition')
    expect(lines[1]).toHaveTextContent(/CTR over 7 days: 1\.2 %\s*needs ≥ 1 %/)
    expect(lines[1]).toHaveTextContent('holds')
    expect(lines[1]).not.toHaveTextContent('First failing condition')

    const spring = within(list).getByRole('listitem', { name: 'Spring Sale' })
    expect(spring).toHaveTextContent('Would propose pause underperforming campaign')
    expect(spring).not.toHaveTextContent('First failing condition')

    const winter = within(list).getByRole('listitem', { name: 'Winter Promo' })
    expect(winter).toHaveTextContent('Not evaluated')
    expect(winter).toHaveTextContent('the campaign is paused')

    expect(screen.getByText('7 more campaigns evaluated, not shown here.')).toBeInTheDocument()
  })

  it('says when a metric has no value, and why', () => {
    const undefinedCpa = check({ value: null, note: 'no conversions in the window' })
    render(
      <DryRunPanel
        result={{
          ...result,
          campaignsNotShown: 0,
          campaigns: [{ ...result.campaigns[1]!, checks: [undefinedCpa], failedCheck: undefinedCpa }],
        }}
      />,
    )
    const line = within(screen.getByRole('list', { name: 'Conditions for Brand Search' })).getByRole('listitem')
    expect(line).toHaveTextContent('CPA over 3 days: no value')
    expect(line).toHaveTextContent('no conversions in the window')
    expect(screen.queryByText(/more campaigns? evaluated/)).toBeNull()
  })

  it("names the campaign's currency in the values read and in the budget change", () => {
    const cut: ActionSimulationFieldsFragment = {
      type: 'REDUCE_BUDGET',
      campaign: { id: 'c2', name: 'Brand Search', currency: 'EUR' },
      platform: 'META',
      wouldExecute: false,
      decision: 'HOLD',
      riskClass: 'CONSERVATIVE',
      threshold: 60,
      score: 80,
      autopilotMode: 'NORMAL',
      before: { status: 'ACTIVE', dailyBudget: 240, bid: null },
      after: { status: 'ACTIVE', dailyBudget: 180, bid: null },
      reasons: [],
      warnings: [],
    }
    render(
      <DryRunPanel
        result={{
          ...result,
          actions: [cut],
          campaignsNotShown: 0,
          campaigns: [{ ...result.campaigns[1]!, campaign: { id: 'c2', name: 'Brand Search', currency: 'EUR' } }],
        }}
      />,
    )
    const line = within(screen.getByRole('list', { name: 'Conditions for Brand Search' })).getAllByRole('listitem')[0]!
    expect(line).toHaveTextContent(`CPA over 3 days: ${formatMoney(8.2, 'EUR')}`)
    expect(line).toHaveTextContent(`needs > ${formatMoney(50, 'EUR')}`)
    expect(line).not.toHaveTextContent('account currency')
    const proposed = screen.getByRole('list', { name: 'Proposed actions' })
    expect(proposed).toHaveTextContent(formatMoney(240, 'EUR'))
    expect(proposed).toHaveTextContent(formatMoney(180, 'EUR'))
    expect(proposed).not.toHaveTextContent('account currency')
  })

  it('explains a time-window check with the local time it read and the window', () => {
    const night = check({
      path: 'conditions.conditions.0',
      label: 'Time of day in Europe/Berlin',
      metric: null,
      windowDays: 0,
      value: 6.5,
      unit: 'HOUR',
      operator: 'GTE',
      threshold: 7,
      passed: false,
      note: 'between 07:00 and 22:00 Europe/Berlin, Mon–Fri',
    })
    render(
      <DryRunPanel
        result={{
          ...result,
          campaignsNotShown: 0,
          campaigns: [{ ...result.campaigns[1]!, checks: [night], failedCheck: night }],
        }}
      />,
    )
    const line = within(screen.getByRole('list', { name: 'Conditions for Brand Search' })).getByRole('listitem')
    expect(line).toHaveTextContent('Time of day in Europe/Berlin: 06:30')
    expect(line).toHaveTextContent('needs a time between 07:00 and 22:00 Europe/Berlin, Mon–Fri')
    expect(line).not.toHaveTextContent('≥')
    expect(line).toHaveTextContent('First failing condition')
  })
})
