import { screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'

import { renderWithApi } from '../../trust/testProviders'
import { AutomationRulesDocument } from './operations'
import { RulesList } from './RulesList'

const rule = (over: Record<string, unknown>) => ({
  __typename: 'AutomationRule',
  enabled: true,
  scheduleMinutes: 60,
  lastEvaluatedAt: null,
  ...over,
})

const rules = {
  request: { query: AutomationRulesDocument },
  result: {
    data: {
      automationRules: {
        __typename: 'AutomationRuleConnection',
        totalCount: 2,
        edges: [
          {
            __typename: 'AutomationRuleEdge',
            node: rule({
              id: 'QXV0b21hdGlvblJ1bGU6MQ',
              name: 'Stop-loss',
              description: 'For the spring sale',
              logic: 'CPA over 3 days > 50 → pause underperforming campaign',
              builtin: null,
            }),
          },
          {
            __typename: 'AutomationRuleEdge',
            node: rule({
              id: 'QXV0b21hdGlvblJ1bGU6Mg',
              name: 'Budget pacing',
              description: 'Spend under 70% of expected → budget +20%',
              logic: 'Pacing over 3 days < 50 % → increase budget by 20 %; > 130 % → reduce budget by 20 %',
              builtin: 'BUDGET_PACING',
            }),
          },
        ],
      },
      enabledRules: { __typename: 'AutomationRuleConnection', totalCount: 2 },
    },
  },
}

describe('RulesList', () => {
  it("shows a custom rule's logic in words, as the built-ins', and opens a rule's activity", async () => {
    const onActivity = vi.fn()
    renderWithApi(<RulesList canEdit onEdit={() => {}} onCreate={() => {}} onActivity={onActivity} />, [rules])
    const custom = (await screen.findByText('Stop-loss')).closest('tr, li, [role="row"]') as HTMLElement
    expect(custom).toHaveTextContent('CPA over 3 days > 50 → pause underperforming campaign')
    expect(custom).toHaveTextContent('For the spring sale')
    expect(custom).not.toHaveTextContent(/\bGT\b|PAUSE_UNDERPERFORMING/)

    const builtin = screen.getByText('Budget pacing').closest('tr, li, [role="row"]') as HTMLElement
    // A built-in reads from its current parameters, not its fixed description.
    expect(builtin).toHaveTextContent('Pacing over 3 days < 50 %')
    expect(builtin).not.toHaveTextContent('Spend under 70% of expected')

    within(custom).getByRole('button', { name: 'Activity of Stop-loss' }).click()
    expect(onActivity).toHaveBeenCalledWith(expect.objectContaining({ name: 'Stop-loss' }))
  })
})
