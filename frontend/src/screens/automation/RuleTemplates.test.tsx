import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'

import type { AutomationRuleInput } from '../../gql/graphql'
import { renderWithApi } from '../../trust/testProviders'
import { CampaignOptionsDocument, CreateRuleDocument, RuleActivityDocument, RuleTemplatesDocument } from './operations'
import { RuleActivityPanel } from './RuleActivityPanel'
import { emptyDraft } from './ruleDraft'
import { RuleEditor } from './RuleEditor'

const comparison = (metric: string, windowDays: number, operator: string, value: number) => ({
  __typename: 'RuleCondition',
  op: null,
  metric,
  windowDays,
  operator,
  value,
  conditions: [],
  timeWindow: null,
})

const daypartPause = {
  __typename: 'RuleTemplate',
  key: 'dayparting-pause-off-hours',
  name: 'Dayparting: pause off-hours',
  description: 'Pauses active campaigns between 22:00 and 07:00.',
  logic: 'time between 22:00 and 07:00 UTC → set status to paused',
  conditions: {
    __typename: 'RuleCondition',
    op: null,
    metric: null,
    windowDays: null,
    operator: null,
    value: 0,
    conditions: [],
    timeWindow: { __typename: 'TimeWindow', fromHour: 22, toHour: 7, weekdays: [] },
  },
  actions: [
    {
      __typename: 'RuleAction',
      type: 'UPDATE_STATUS',
      params: { __typename: 'ActionParams', percent: null, amount: null, status: 'PAUSED' },
    },
  ],
  scheduleMinutes: 30,
  cooldownSeconds: 43200,
  timeZone: 'UTC',
}

const templates = {
  request: { query: RuleTemplatesDocument },
  result: {
    data: {
      ruleTemplates: [
        {
          __typename: 'RuleTemplate',
          key: 'cpa-stop-loss',
          name: 'CPA stop-loss',
          description: 'Pauses a campaign whose CPA ran above your limit for 3 days.',
          logic: 'CPA over 3 days > 50 and Spend over 3 days ≥ 100 → pause underperforming campaign',
          conditions: {
            __typename: 'RuleCondition',
            op: 'AND',
            metric: null,
            windowDays: null,
            operator: null,
            value: 0,
            conditions: [comparison('CPA', 3, 'GT', 50), comparison('SPEND', 3, 'GTE', 100)],
            timeWindow: null,
          },
          actions: [
            {
              __typename: 'RuleAction',
              type: 'PAUSE_UNDERPERFORMING',
              params: { __typename: 'ActionParams', percent: null, amount: null, status: null },
            },
          ],
          scheduleMinutes: 60,
          cooldownSeconds: 86400,
          timeZone: 'UTC',
        },
        daypartPause,
      ],
    },
  },
}

const campaigns = {
  request: { query: CampaignOptionsDocument },
  result: { data: { campaigns: { __typename: 'CampaignConnection', edges: [] } } },
}

describe('Start from a template', () => {
  it('prefills the draft with the template, which is then created as a rule', async () => {
    const sent = vi.fn((_: { input: AutomationRuleInput }) => true)
    const created = {
      request: { query: CreateRuleDocument, variables: sent },
      result: { data: { createAutomationRule: { __typename: 'AutomationRulePayload', rule: null, userErrors: [] } } },
    }
    renderWithApi(<RuleEditor initial={emptyDraft()} onSaved={() => {}} onCancel={() => {}} />, [
      templates,
      campaigns,
      created,
    ])
    const user = userEvent.setup()
    const picker = await screen.findByLabelText('Start from a template')
    await user.selectOptions(picker, 'CPA stop-loss')

    expect(screen.getByLabelText('Name')).toHaveValue('CPA stop-loss')
    expect(picker).toHaveAccessibleDescription(/CPA over 3 days > 50 and Spend over 3 days ≥ 100/)
    const conditions = screen.getAllByRole('group', { name: /^Condition \d+$/ })
    expect(conditions).toHaveLength(2)
    expect(within(conditions[0]!).getByLabelText('Metric')).toHaveValue('CPA')
    expect(within(conditions[0]!).getByLabelText('Window (days)')).toHaveValue('3')
    expect(within(conditions[0]!).getByLabelText('Operator')).toHaveValue('GT')
    expect(within(conditions[0]!).getByLabelText('Value')).toHaveValue('50')
    expect(within(conditions[1]!).getByLabelText('Metric')).toHaveValue('SPEND')
    expect(within(conditions[1]!).getByLabelText('Value')).toHaveValue('100')
    expect(within(screen.getByRole('group', { name: 'Action 1' })).getByLabelText('Action')).toHaveValue(
      'PAUSE_UNDERPERFORMING',
    )

    await user.click(screen.getByRole('button', { name: 'Create rule' }))
    await waitFor(() => expect(sent).toHaveBeenCalled())
    expect(sent.mock.calls[0]![0].input).toMatchObject({
      name: 'CPA stop-loss',
      scheduleMinutes: 60,
      cooldownSeconds: 86400,
      conditions: {
        op: 'AND',
        conditions: [
          { metric: 'CPA', windowDays: 3, operator: 'GT', value: 50 },
          { metric: 'SPEND', windowDays: 3, operator: 'GTE', value: 100 },
        ],
      },
      actions: [{ type: 'PAUSE_UNDERPERFORMING' }],
    })
  })

  it('dayparting: the time window and time zone are edited and sent as the API takes them', async () => {
    const sent = vi.fn((_: { input: AutomationRuleInput }) => true)
    const created = {
      request: { query: CreateRuleDocument, variables: sent },
      result: { data: { createAutomationRule: { __typename: 'AutomationRulePayload', rule: null, userErrors: [] } } },
    }
    renderWithApi(<RuleEditor initial={emptyDraft()} onSaved={() => {}} onCancel={() => {}} />, [
      templates,
      campaigns,
      created,
    ])
    const user = userEvent.setup()
    await user.selectOptions(await screen.findByLabelText('Start from a template'), 'Dayparting: pause off-hours')

    const window = screen.getByRole('group', { name: 'Condition 1: time window' })
    expect(within(window).getByLabelText('Time from')).toHaveValue('22')
    expect(within(window).getByLabelText('Until (not including)')).toHaveValue('7')
    expect(window).toHaveTextContent('Runs across midnight')
    await user.selectOptions(within(window).getByLabelText('Until (not including)'), '06:00')
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'])
      await user.click(within(window).getByLabelText(day))
    const tz = screen.getByLabelText('Time zone')
    expect(tz).toHaveValue('UTC')
    await user.clear(tz)
    await user.type(tz, 'Europe/Berlin')

    await user.click(screen.getByRole('button', { name: 'Create rule' }))
    await waitFor(() => expect(sent).toHaveBeenCalled())
    expect(sent.mock.calls[0]![0].input).toMatchObject({
      name: 'Dayparting: pause off-hours',
      timeZone: 'Europe/Berlin',
      conditions: { op: 'AND', conditions: [{ timeWindow: { fromHour: 22, toHour: 6, weekdays: [1, 2, 3, 4, 5] } }] },
      actions: [{ type: 'UPDATE_STATUS', params: { status: 'PAUSED' } }],
    })
  })

  it('a time window from and until the same hour is refused before sending', async () => {
    const sent = vi.fn((_: { input: AutomationRuleInput }) => true)
    const created = {
      request: { query: CreateRuleDocument, variables: sent },
      result: { data: { createAutomationRule: { __typename: 'AutomationRulePayload', rule: null, userErrors: [] } } },
    }
    renderWithApi(<RuleEditor initial={emptyDraft()} onSaved={() => {}} onCancel={() => {}} />, [
      templates,
      campaigns,
      created,
    ])
    const user = userEvent.setup()
    await user.selectOptions(await screen.findByLabelText('Start from a template'), 'Dayparting: pause off-hours')
    const window = screen.getByRole('group', { name: 'Condition 1: time window' })
    await user.selectOptions(within(window).getByLabelText('Until (not including)'), '22:00')
    await user.click(screen.getByRole('button', { name: 'Create rule' }))
    expect(await within(window).findByText('Until must differ from From')).toBeInTheDocument()
    expect(sent).not.toHaveBeenCalled()
  })

  it('is not offered when editing a saved rule', async () => {
    renderWithApi(<RuleEditor initial={{ ...emptyDraft(), id: 'x' }} onSaved={() => {}} onCancel={() => {}} />, [
      templates,
      campaigns,
    ])
    await screen.findByLabelText('Name')
    expect(screen.queryByLabelText('Start from a template')).toBeNull()
  })
})

describe('RuleActivityPanel', () => {
  it('lists evaluations, proposals and outcomes in words, newest first', async () => {
    const entry = (over: Record<string, unknown>) => ({
      __typename: 'RuleActivity',
      campaignsEvaluated: null,
      proposals: null,
      actionType: null,
      status: null,
      detail: '',
      campaign: null,
      ...over,
    })
    const spring = { __typename: 'Campaign', id: 'Q2FtcGFpZ246MQ', name: 'Spring Sale' }
    const activity = {
      request: { query: RuleActivityDocument, variables: { id: 'r1', first: 20 } },
      result: {
        data: {
          node: {
            __typename: 'AutomationRule',
            id: 'r1',
            name: 'Stop-loss',
            activity: {
              __typename: 'RuleActivityConnection',
              totalCount: 25,
              edges: [
                {
                  __typename: 'RuleActivityEdge',
                  cursor: 'c3',
                  node: entry({
                    at: '2026-03-02T10:05:00Z',
                    kind: 'OUTCOME',
                    actionType: 'REDUCE_BUDGET',
                    status: 'NOT_NEEDED',
                    campaign: spring,
                    detail: 'campaign "Spring Sale" was paused since the proposal',
                  }),
                },
                {
                  __typename: 'RuleActivityEdge',
                  cursor: 'c2',
                  node: entry({
                    at: '2026-03-02T10:00:00Z',
                    kind: 'EVALUATED',
                    campaignsEvaluated: 4,
                    proposals: 1,
                  }),
                },
                {
                  __typename: 'RuleActivityEdge',
                  cursor: 'c1',
                  node: entry({
                    at: '2026-03-02T10:00:00Z',
                    kind: 'PROPOSED',
                    actionType: 'REDUCE_BUDGET',
                    status: 'QUEUED',
                    campaign: spring,
                    detail: 'rule "Stop-loss": CPA over 3 days = 60.1 > 50',
                  }),
                },
              ],
            },
          },
        },
      },
    }
    renderWithApi(<RuleActivityPanel id="r1" name="Stop-loss" onClose={() => {}} />, [activity])
    const list = await screen.findByRole('list', { name: 'Activity of Stop-loss' })
    const items = within(list).getAllByRole('listitem')
    expect(items).toHaveLength(3)
    expect(items[0]).toHaveTextContent('Not needed: reduce budget for Spring Sale')
    expect(items[0]).toHaveTextContent('was paused since the proposal')
    expect(items[1]).toHaveTextContent('Evaluated 4 campaigns: 1 proposal')
    expect(items[2]).toHaveTextContent('Proposed: reduce budget for Spring Sale')
    expect(items[2]).toHaveTextContent('CPA over 3 days = 60.1 > 50')
    expect(screen.getByText('Showing the newest 3 of 25 entries.')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Show older' })).toBeInTheDocument()
  })
})
