import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { useState } from 'react'
import { describe, expect, it } from 'vitest'

import type { ActionFieldsFragment } from '../../gql/graphql'
import { TestSession, testSession, testViewer } from '../../test/session'
import { LiveUpdates } from '../../trust/LiveUpdates'
import {
  ActionHistoryDocument,
  ActionStatusUpdatedDocument,
  PENDING_PAGE,
  PendingActionsDocument,
} from '../../trust/operations'
import { renderWithApi } from '../../trust/testProviders'
import ActionsScreen from '.'

type Action = ActionFieldsFragment & { __typename: 'Action' }
type Decision = NonNullable<ActionFieldsFragment['decidingGate']>

function decision(id: string, d: Partial<Decision>): Decision & { __typename: 'TrustAuditEntry' } {
  return {
    __typename: 'TrustAuditEntry',
    id,
    at: '2026-12-01T10:00:00Z',
    decision: 'HOLD',
    score: 93,
    cause: 'PROPOSED',
    allowedRun: false,
    actor: 'system',
    actorEmail: null,
    ...d,
  }
}

function action(id: string, type: Action['type'], a: Partial<Action>): Action {
  const proposed = decision(`${id}-1`, {})
  return {
    __typename: 'Action',
    id,
    type,
    riskClass: 'CONSERVATIVE',
    status: 'QUEUED',
    phase: 'WAITING',
    decision: 'HOLD',
    reasons: ['autopilot level APPROVAL_REQUIRED: waiting for approval'],
    warnings: [],
    score: 93,
    platform: 'SIMULATOR',
    campaign: null,
    ruleName: 'Budget pacing',
    sources: [],
    resolution: null,
    params: { percent: 20, amount: null, status: null },
    before: null,
    after: null,
    createdBy: 'system',
    approvedBy: null,
    approvedAt: null,
    appliedBy: null,
    appliedAt: null,
    overrideReason: null,
    dismissedBy: null,
    error: null,
    createdAt: '2026-12-01T10:00:00Z',
    updatedAt: '2026-12-01T10:00:00Z',
    gateDecisions: [proposed],
    decidingGate: proposed,
    ...a,
  }
}

const ran = decision('d-ran', {
  decision: 'PASS',
  score: 66,
  cause: 'EXECUTION',
  allowedRun: true,
  actor: 'user:1',
  actorEmail: 'ana@example.com',
})
const held = action('QWN0aW9uOjE', 'REDUCE_BUDGET', {})
const applied = action('QWN0aW9uOjI', 'REDUCE_BID', {
  status: 'APPLIED',
  phase: 'HANDLED',
  decision: 'PASS',
  approvedBy: 'user:1',
  approvedAt: '2026-12-01T10:05:00Z',
  appliedBy: 'user:1',
  appliedAt: '2026-12-01T10:06:00Z',
  gateDecisions: [decision('d-2', {}), ran],
  decidingGate: ran,
})

function page(...nodes: Action[]) {
  return {
    actions: {
      __typename: 'ActionConnection',
      totalCount: nodes.length,
      pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
      edges: nodes.map((node) => ({ __typename: 'ActionEdge', node })),
    },
  }
}

const pendingMock = (...nodes: Action[]) => ({
  request: { query: PendingActionsDocument, variables: { first: PENDING_PAGE } },
  result: { data: page(...nodes) },
})
const historyMock = (...nodes: Action[]) => ({
  request: { query: ActionHistoryDocument, variables: { first: 5, status: null } },
  result: { data: page(...nodes) },
})

const titles = (list: HTMLElement) =>
  within(list)
    .queryAllByRole('article')
    .map((a) => within(a).getByRole('heading').textContent)

describe('ActionsScreen', () => {
  it('lists waiting actions with review buttons and handled ones in the history, without buttons', async () => {
    renderWithApi(
      <TestSession value={testSession(testViewer('ADMIN'))}>
        <ActionsScreen />
      </TestSession>,
      [pendingMock(held), historyMock(applied)],
    )
    const pending = await screen.findByRole('list', { name: 'Actions waiting for review' })
    const history = await screen.findByRole('list', { name: 'Action history' })
    expect(titles(pending)).toEqual(['Reduce budget by 20%'])
    expect(titles(history)).toEqual(['Reduce bid by 20%'])
    expect(within(pending).getByRole('button', { name: 'Approve: Reduce budget by 20%' })).toBeInTheDocument()
    expect(within(history).queryAllByRole('button')).toEqual([])
    expect(within(history).getByTestId('deciding-gate')).toHaveTextContent('Approved by ana@example.com at score 66')
    expect(history).not.toHaveTextContent('waits for a person')
  })

  it('moves an action that got handled out of the waiting list', async () => {
    const nowApplied = {
      ...held,
      status: 'APPLIED' as const,
      phase: 'HANDLED' as const,
      decision: 'PASS' as const,
      appliedBy: 'system',
      appliedAt: '2026-12-01T10:06:00Z',
      updatedAt: '2026-12-01T10:06:00Z',
      decidingGate: ran,
      gateDecisions: [...held.gateDecisions, ran],
    }
    // The queue first, then the live updates: the event comes after the rows.
    function Screen() {
      const [live, setLive] = useState(false)
      return (
        <>
          {live ? <LiveUpdates /> : <button onClick={() => setLive(true)}>Go live</button>}
          <ActionsScreen />
        </>
      )
    }
    renderWithApi(
      <TestSession value={testSession(testViewer('ADMIN'))}>
        <Screen />
      </TestSession>,
      [
        pendingMock(held),
        historyMock(applied),
        { request: { query: ActionStatusUpdatedDocument }, result: { data: { actionStatusUpdated: nowApplied } } },
        // the lists reload once the event says it was handled
        pendingMock(),
        historyMock(nowApplied, applied),
      ],
    )
    const pending = await screen.findByRole('list', { name: 'Actions waiting for review' })
    expect(titles(pending)).toEqual(['Reduce budget by 20%']) // positive control
    await userEvent.click(screen.getByRole('button', { name: 'Go live' }))
    await waitFor(() => expect(screen.getByText('Nothing waits for review')).toBeInTheDocument(), { timeout: 3000 })
    const history = screen.getByRole('list', { name: 'Action history' })
    await waitFor(() => expect(titles(history)).toEqual(['Reduce budget by 20%', 'Reduce bid by 20%']), {
      timeout: 3000,
    })
    expect(within(history).queryAllByRole('button')).toEqual([])
  })
})
