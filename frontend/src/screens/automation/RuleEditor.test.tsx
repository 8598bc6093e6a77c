import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'

import type { AutomationRuleInput, SimulateRuleInput } from '../../gql/graphql'
import { renderWithApi } from '../../trust/testProviders'
import { CampaignOptionsDocument, CreateRuleDocument, SimulateRuleDocument } from './operations'
import { currentErrors, emptyDraft, errorKey, placeErrors, toRuleInput, validateDraft } from './ruleDraft'
import { RuleEditor } from './RuleEditor'

const campaigns = {
  request: { query: CampaignOptionsDocument, variables: { search: null, first: 25 } },
  result: {
    data: {
      campaigns: {
        __typename: 'CampaignConnection',
        totalCount: 1,
        edges: [
          {
            __typename: 'CampaignEdge',
            node: { __typename: 'Campaign', id: 'Q2FtcGFpZ246MQ', name: 'Brand Search', platform: 'SIMULATOR' },
          },
        ],
      },
    },
  },
}

function renderEditor(mocks: Parameters<typeof renderWithApi>[1] = []) {
  const onSaved = vi.fn()
  renderWithApi(<RuleEditor initial={emptyDraft()} onSaved={onSaved} onCancel={() => {}} />, [campaigns, ...mocks])
  return { onSaved, user: userEvent.setup() }
}

/** The n-th (1-based) comparison in document order, across all groups. */
const condition = (n: number) => screen.getAllByRole('group', { name: /^Condition \d+$/ })[n - 1]!

describe('rule draft', () => {
  it('turns a userError path into the key of the control that shows it', () => {
    expect(errorKey(['input', 'conditions', 'conditions', '0', 'windowDays'])).toBe(
      'conditions.conditions.0.windowDays',
    )
    expect(errorKey(['input', 'rule', 'name'])).toBe('name')
    expect(errorKey(['input'])).toBeNull()
    expect(errorKey(null)).toBeNull()
  })

  it('puts server errors on known fields and the rest on the form', () => {
    const draft = emptyDraft()
    const placed = placeErrors(
      [
        { field: ['input', 'conditions', 'conditions', '0', 'value'], message: 'bad value', code: 'BAD_USER_INPUT' },
        { field: ['input', 'scope', 'accountIds', '0'], message: 'unknown account', code: 'BAD_USER_INPUT' },
        { field: null, message: 'try later', code: 'THROTTLED' },
      ],
      draft,
    )
    expect(placed.fields).toEqual({ 'conditions.conditions.0.value': 'bad value' })
    expect(placed.form).toEqual(['unknown account', 'try later'])
  })

  it('sends nested groups, typed numbers, the cooldown in seconds and only the parameter an action takes', () => {
    const draft = emptyDraft()
    draft.name = '  Cut losers '
    draft.cooldownHours = '1.5'
    draft.conditions.conditions[0] = {
      kind: 'comparison',
      key: 'c',
      metric: 'ROAS',
      operator: 'LT',
      windowDays: '3',
      value: '0.8',
    }
    draft.conditions.conditions.push({ kind: 'group', key: 'g', op: 'OR', conditions: [] })
    draft.actions = [{ key: 'a', type: 'UPDATE_STATUS', percent: '20', amount: '', status: 'PAUSED' }]
    const input: AutomationRuleInput = toRuleInput(draft)
    expect(input).toMatchObject({
      name: 'Cut losers',
      cooldownSeconds: 5400,
      scheduleMinutes: 60,
      conditions: {
        op: 'AND',
        conditions: [
          { metric: 'ROAS', windowDays: 3, operator: 'LT', value: 0.8 },
          { op: 'OR', conditions: [] },
        ],
      },
      actions: [{ type: 'UPDATE_STATUS', params: { status: 'PAUSED' } }],
    })
    expect(validateDraft(draft)).toEqual({
      'conditions.conditions.1.conditions': 'A group needs at least one condition',
    })
  })
})

describe('messages after an edit', () => {
  it("drops a check's message once its field is valid, follows it while not, and keeps the server's until its field changes", () => {
    const checked = emptyDraft()
    checked.scheduleMinutes = '1'
    const found = {
      name: 'Give the rule a name (at most 200 characters)',
      scheduleMinutes: 'Evaluate every 5–10080 minutes (a whole number)',
      'conditions.conditions.0.value': 'value must not be negative for CPA',
    }
    expect(currentErrors(found, checked, checked)).toBe(found)

    const named = { ...checked, name: 'Cap CPA', scheduleMinutes: '2.5' }
    expect(currentErrors(found, checked, named)).toEqual({
      scheduleMinutes: 'Evaluate every 5–10080 minutes (a whole number)',
      'conditions.conditions.0.value': 'value must not be negative for CPA',
    })

    const fixed = structuredClone(named)
    fixed.scheduleMinutes = '60'
    fixed.conditions.conditions[0] = {
      ...fixed.conditions.conditions[0]!,
      value: '3',
    } as (typeof fixed.conditions.conditions)[0]
    expect(currentErrors(found, checked, fixed)).toEqual({})
  })
})

describe('RuleEditor', () => {
  it("clears the name's message as soon as a name is typed", async () => {
    const { user } = renderEditor()
    await user.click(screen.getByRole('button', { name: 'Create rule' }))
    const name = screen.getByLabelText('Name')
    expect(name).toHaveAttribute('aria-invalid', 'true')
    expect(name).toHaveAccessibleDescription('Give the rule a name (at most 200 characters)')

    await user.type(name, 'C')
    expect(name).not.toHaveAttribute('aria-invalid')
    expect(screen.queryByText('Give the rule a name (at most 200 characters)')).toBeNull()
    // Emptied again, the field it was about shows the message again.
    await user.clear(name)
    expect(name).toHaveAccessibleDescription('Give the rule a name (at most 200 characters)')
  })

  it('checks the draft before sending it and shows each message on its own field', async () => {
    const { user } = renderEditor()
    await user.click(screen.getByRole('button', { name: 'Add nested group' }))
    const nested = condition(2)
    await user.clear(within(nested).getByLabelText('Window (days)'))
    await user.type(within(nested).getByLabelText('Window (days)'), '45')
    await user.clear(screen.getByLabelText('By (%)'))
    await user.type(screen.getByLabelText('By (%)'), '0')
    await user.click(screen.getByRole('button', { name: 'Create rule' }))

    expect(screen.getByLabelText('Name')).toHaveAccessibleDescription(/Give the rule a name/)
    expect(screen.getByLabelText('Name')).toHaveFocus()
    const window = within(nested).getByLabelText('Window (days)')
    expect(window).toHaveAttribute('aria-invalid', 'true')
    expect(window).toHaveAccessibleDescription('Window must be a whole number of days, 1–30')
    // the first comparison's window (7) is fine
    expect(within(condition(1)).getByLabelText('Window (days)')).not.toHaveAttribute('aria-invalid')
    expect(screen.getByLabelText('By (%)')).toHaveAccessibleDescription(/Percent must be more than 0/)
  })

  it("shows the server's userErrors on the field their path names, and the rest above the buttons", async () => {
    const sent = vi.fn((_: { input: AutomationRuleInput }) => true)
    const { user, onSaved } = renderEditor([
      {
        request: { query: CreateRuleDocument, variables: sent },
        result: {
          data: {
            createAutomationRule: {
              __typename: 'AutomationRulePayload',
              rule: null,
              userErrors: [
                {
                  __typename: 'UserError',
                  field: ['input', 'conditions', 'conditions', '1', 'conditions', '0', 'value'],
                  message: 'value must not be negative for CPA',
                  code: 'BAD_USER_INPUT',
                },
                {
                  __typename: 'UserError',
                  field: null,
                  message: 'Rules are limited to 50 per tenant',
                  code: 'CONFLICT',
                },
              ],
            },
          },
        },
      },
    ])
    await user.type(screen.getByLabelText('Name'), 'Cap CPA')
    await user.click(screen.getByRole('button', { name: 'Add nested group' }))
    await user.click(screen.getByRole('button', { name: 'Create rule' }))

    const nestedValue = within(condition(2)).getByLabelText('Value')
    await waitFor(() => expect(nestedValue).toHaveAccessibleDescription('value must not be negative for CPA'))
    expect(within(condition(1)).getByLabelText('Value')).not.toHaveAttribute('aria-invalid')
    expect(screen.getByText('Rules are limited to 50 per tenant').closest('[role="alert"]')).not.toBeNull()
    expect(sent.mock.calls[0]![0].input).toMatchObject({
      name: 'Cap CPA',
      conditions: { op: 'AND', conditions: [{ metric: 'ROAS' }, { op: 'OR', conditions: [{ metric: 'ROAS' }] }] },
    })
    expect(onSaved).not.toHaveBeenCalled()
  })

  it('dry-runs the draft and shows each proposal with its decision, reasons and budget change', async () => {
    const sent = vi.fn((_: { input: SimulateRuleInput }) => true)
    const { user } = renderEditor([
      {
        request: { query: SimulateRuleDocument, variables: sent },
        result: {
          data: {
            simulateRule: {
              __typename: 'SimulateRulePayload',
              campaignsEvaluated: 4,
              campaignsNotShown: 0,
              campaigns: [],
              userErrors: [],
              actions: [
                {
                  __typename: 'ActionSimulation',
                  type: 'REDUCE_BUDGET',
                  campaign: { __typename: 'Campaign', id: 'Q2FtcGFpZ246MQ', name: 'Brand Search' },
                  platform: 'SIMULATOR',
                  wouldExecute: false,
                  decision: 'HOLD',
                  riskClass: 'CONSERVATIVE',
                  threshold: 60,
                  score: 93.2,
                  autopilotMode: 'NORMAL',
                  before: { __typename: 'CampaignSettings', status: 'ACTIVE', dailyBudget: 150, bid: null },
                  after: { __typename: 'CampaignSettings', status: 'ACTIVE', dailyBudget: 120, bid: null },
                  reasons: [
                    'rule "Trim": ROAS over 7 d = 0.9 LT 1',
                    'autopilot level APPROVAL_REQUIRED: waiting for approval',
                  ],
                  warnings: [],
                },
              ],
            },
          },
        },
      },
    ])
    await user.type(screen.getByLabelText('Name'), 'Trim')
    await user.click(screen.getByRole('button', { name: 'Dry run' }))

    const list = await screen.findByRole('list', { name: 'Proposed actions' })
    const proposal = within(list).getAllByRole('listitem')[0]!
    expect(screen.getByText(/4 campaigns evaluated, 1 proposal/)).toBeInTheDocument()
    expect(proposal).toHaveTextContent('Brand Search')
    expect(proposal).toHaveTextContent('Hold: waits for a person')
    expect(proposal).toHaveTextContent('Would not execute now')
    expect(proposal).toHaveTextContent(/Daily budget\s*150.*120/)
    expect(proposal).toHaveTextContent('ROAS over 7 d = 0.9 LT 1')
    expect(sent.mock.calls[0]![0].input.rule).toMatchObject({
      name: 'Trim',
      actions: [{ type: 'REDUCE_BUDGET', params: { percent: 20 } }],
    })
  })
})
