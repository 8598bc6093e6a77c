import { useQuery } from '@apollo/client/react'
import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { useState } from 'react'
import { describe, expect, it, vi } from 'vitest'

import type { ActionFieldsFragment } from '../../gql/graphql'
import { LiveUpdates } from '../../trust/LiveUpdates'
import {
  ActionStatusUpdatedDocument,
  ApproveActionDocument,
  DismissActionDocument,
  PENDING_PAGE,
  PendingActionsDocument,
} from '../../trust/operations'
import { renderWithApi } from '../../trust/testProviders'
import { ActionRow } from './ActionRow'

type Decision = NonNullable<ActionFieldsFragment['decidingGate']> & { __typename: 'TrustAuditEntry' }

/** A gate decision as the server reports it. */
function gateDecision(id: string, d: Partial<Decision>): Decision {
  return {
    __typename: 'TrustAuditEntry',
    id,
    at: '2026-12-01T10:00:00Z',
    decision: 'HOLD',
    score: 93.2,
    cause: 'PROPOSED',
    allowedRun: false,
    actor: 'system',
    actorEmail: null,
    ...d,
  }
}

const proposed = gateDecision('VHJ1c3RBdWRpdEVudHJ5OjE', {})

// Actions are normalised by __typename and id, as the server's answers are.
const held: ActionFieldsFragment & { __typename: 'Action' } = {
  __typename: 'Action',
  id: 'QWN0aW9uOjE',
  type: 'INCREASE_BUDGET',
  riskClass: 'HIGH_RISK',
  status: 'QUEUED',
  phase: 'WAITING',
  decision: 'HOLD',
  reasons: [
    'signal health 93.2 meets the 80 required for high-risk actions',
    'autopilot level APPROVAL_REQUIRED: waiting for approval',
  ],
  warnings: ['cooldown: changed 2 h ago'],
  score: 93.2,
  platform: 'SIMULATOR',
  campaign: { id: 'Q2FtcGFpZ246MQ', name: 'Retargeting – Cart Abandoners', currency: 'USD' },
  ruleName: 'Performance scaling',
  sources: [
    {
      ruleName: 'Performance scaling',
      proposedBy: 'system',
      reason: 'performance scaling: ROAS 5.83 ≥ 120% of target 4.00',
      at: '2026-12-01T10:00:00Z',
    },
  ],
  resolution: null,
  params: { percent: 20, amount: null, status: null },
  before: { status: 'ACTIVE', dailyBudget: 200, bid: null },
  after: { status: 'ACTIVE', dailyBudget: 240, bid: null },
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
}

// A person approves at a lower score; the check as it runs passes on their behalf.
const approval = gateDecision('VHJ1c3RBdWRpdEVudHJ5OjI', {
  at: '2026-12-01T10:05:00Z',
  decision: 'PASS',
  score: 66.4,
  cause: 'APPROVAL',
  allowedRun: true,
  actor: 'user:1',
  actorEmail: 'ana@example.com',
})
const execution = {
  ...approval,
  id: 'VHJ1c3RBdWRpdEVudHJ5OjM',
  at: '2026-12-01T10:06:00Z',
  cause: 'EXECUTION' as const,
}
const approved = {
  ...held,
  status: 'APPROVED' as const,
  decision: 'PASS' as const,
  approvedBy: 'user:1',
  approvedAt: '2026-12-01T10:05:00Z',
  gateDecisions: [proposed, approval],
  decidingGate: approval,
}
const applied = {
  ...approved,
  status: 'APPLIED' as const,
  phase: 'HANDLED' as const,
  appliedBy: 'system',
  appliedAt: '2026-12-01T10:06:00Z',
  updatedAt: '2026-12-01T10:06:00Z',
  gateDecisions: [proposed, approval, execution],
  decidingGate: execution,
}

const row = () => screen.getByRole('article', { name: 'Increase budget by 20%' })

describe('ActionRow', () => {
  it('shows the type, campaign, decision with its reasons, before → after and who proposed it', () => {
    renderWithApi(<ActionRow action={held} canReview canOverride={false} />)
    const r = row()
    expect(r).toHaveTextContent('Retargeting – Cart Abandoners')
    expect(r).toHaveTextContent('Gate: Hold at score 93 — waits for a person')
    expect(r).toHaveTextContent('Why it was proposed: performance scaling: ROAS 5.83 ≥ 120% of target 4.00')
    expect(r).toHaveTextContent('autopilot level APPROVAL_REQUIRED: waiting for approval')
    expect(r).toHaveTextContent('cooldown: changed 2 h ago')
    expect(r).toHaveTextContent(/Daily budget\s*\$200\.00\s*→?\s*changes to\s*\$240\.00/)
    expect(r).toHaveTextContent('Proposed by rule “Performance scaling”')
    expect(within(r).getByText('Queued')).toBeInTheDocument()
  })

  it('shows every proposal of a change that several rules proposed, each with its reason', () => {
    const joined = {
      ...held,
      sources: [
        ...held.sources,
        {
          ruleName: 'Scale winners',
          proposedBy: 'system',
          reason: 'rule “Scale winners”: ROAS over 7 d = 5.10 GT 4',
          at: '2026-12-01T10:30:00Z',
        },
      ],
    }
    const { unmount } = renderWithApi(<ActionRow action={held} canReview canOverride={false} />)
    expect(row()).not.toHaveTextContent('Proposed 2 times') // positive control below
    unmount()
    renderWithApi(<ActionRow action={joined} canReview canOverride={false} />)
    const r = row()
    expect(r).toHaveTextContent('Proposed 2 times for the same change')
    expect(r).toHaveTextContent('rule “Performance scaling” — performance scaling: ROAS 5.83 ≥ 120% of target 4.00')
    expect(r).toHaveTextContent('rule “Scale winners” — rule “Scale winners”: ROAS over 7 d = 5.10 GT 4')
  })

  it('shows the decision that let an applied action run, never "waits for a person"', () => {
    const { unmount } = renderWithApi(<ActionRow action={held} canReview canOverride />)
    expect(within(row()).getByTestId('deciding-gate')).toHaveTextContent('waits for a person') // positive control
    unmount()
    renderWithApi(<ActionRow action={applied} canReview canOverride />)
    const r = row()
    expect(within(r).getByTestId('deciding-gate')).toHaveTextContent('Approved by ana@example.com at score 66')
    expect(r).not.toHaveTextContent('waits for a person')
    expect(r).not.toHaveTextContent('Gate: Hold')
    expect(within(r).queryByRole('button')).toBeNull()
  })

  it('shows an autopilot run as passed by autopilot', () => {
    const ran = gateDecision('VHJ1c3RBdWRpdEVudHJ5OjQ', {
      decision: 'PASS',
      score: 82,
      cause: 'EXECUTION',
      allowedRun: true,
    })
    renderWithApi(
      <ActionRow
        action={{ ...applied, approvedBy: null, approvedAt: null, gateDecisions: [ran], decidingGate: ran }}
        canReview
        canOverride
      />,
    )
    expect(within(row()).getByTestId('deciding-gate')).toHaveTextContent('Passed at score 82 — autopilot')
  })

  it('keeps the business reason after a re-gate and lists each decision with its score', () => {
    const regated = gateDecision('VHJ1c3RBdWRpdEVudHJ5OjU', {
      at: '2026-12-01T11:00:00Z',
      decision: 'BLOCK',
      score: 66.4,
      cause: 'SCORE_CHANGED',
    })
    const blocked = {
      ...held,
      status: 'BLOCKED' as const,
      decision: 'BLOCK' as const,
      reasons: ['autopilot mode LIMITED (score 66.4) does not allow high-risk actions'],
      score: 66.4,
      gateDecisions: [proposed, regated],
      decidingGate: regated,
    }
    renderWithApi(<ActionRow action={blocked} canReview canOverride />)
    const r = row()
    expect(r).toHaveTextContent('Why it was proposed: performance scaling: ROAS 5.83 ≥ 120% of target 4.00')
    expect(within(r).getByTestId('deciding-gate')).toHaveTextContent('Gate: Block at score 66')
    expect(within(r).getByTestId('deciding-gate')).not.toHaveTextContent('93')
    const entries = within(within(r).getByRole('list', { name: 'Gate decisions' }))
      .getAllByRole('listitem')
      .map((li) => li.textContent)
    expect(entries).toHaveLength(2)
    expect(entries[0]).toMatch(/^Proposed: Hold at score 93 · Stratum/)
    expect(entries[1]).toMatch(/^Re-gated after the score changed: Block at score 66 · Stratum/)
  })

  it('says why an action ended without a change and offers no buttons', () => {
    const notNeeded = {
      ...held,
      status: 'NOT_NEEDED' as const,
      phase: 'HANDLED' as const,
      resolution: 'campaign “Retargeting – Cart Abandoners” was paused since the proposal',
    }
    renderWithApi(<ActionRow action={notNeeded} canReview canOverride />)
    const r = row()
    expect(r).toHaveTextContent('Status: Not needed')
    expect(r).toHaveTextContent('Not needed: campaign “Retargeting – Cart Abandoners” was paused since the proposal.')
    expect(r).toHaveTextContent('nothing was changed')
    expect(r).not.toHaveTextContent('Applied')
    expect(r).toHaveTextContent('Last gate decision: Hold')
    expect(r).not.toHaveTextContent('waits for a person')
    expect(within(r).queryByRole('button')).toBeNull()
  })

  it('approves through approveAction and shows the returned status', async () => {
    const matched = vi.fn((_: unknown) => true)
    renderWithApi(<ActionRow action={held} canReview canOverride={false} />, [
      {
        request: {
          query: ApproveActionDocument,
          variables: (v: { input: { id: string } }) => matched(v) && v.input.id === held.id,
        },
        result: { data: { approveAction: { __typename: 'ActionPayload', action: approved, userErrors: [] } } },
      },
    ])
    await userEvent.click(screen.getByRole('button', { name: 'Approve: Increase budget by 20%' }))
    expect(await screen.findByText('Approved: Increase budget by 20%')).toBeInTheDocument()
    expect(matched).toHaveBeenCalledWith({ input: { id: held.id } })
  })

  it('dismisses through dismissAction and shows a refusal where the row is', async () => {
    renderWithApi(<ActionRow action={held} canReview canOverride={false} />, [
      {
        request: { query: DismissActionDocument, variables: { input: { id: held.id } } },
        result: {
          data: {
            dismissAction: {
              __typename: 'ActionPayload',
              action: null,
              userErrors: [
                {
                  __typename: 'UserError',
                  field: ['input', 'id'],
                  message: 'the action was already applied',
                  code: 'CONFLICT',
                },
              ],
            },
          },
        },
      },
    ])
    await userEvent.click(screen.getByRole('button', { name: 'Dismiss: Increase budget by 20%' }))
    expect(await within(row()).findByRole('alert')).toHaveTextContent('the action was already applied')
  })

  it('offers only what the role allows: nothing to viewers, the override to admins', () => {
    const { unmount } = renderWithApi(<ActionRow action={held} canReview={false} canOverride={false} />)
    expect(within(row()).queryByRole('button')).toBeNull()
    unmount()
    renderWithApi(<ActionRow action={{ ...held, status: 'BLOCKED', decision: 'BLOCK' }} canReview canOverride />)
    const names = within(row())
      .getAllByRole('button')
      .map((b) => b.textContent)
    // a blocked action cannot be approved, only dismissed or overridden
    expect(names).toEqual(['Dismiss', 'Override and apply'])
  })

  it('changes its status in place when the server reports it (actionStatusUpdated)', async () => {
    // The queue first, then the live updates: the event comes after the row.
    function Queue() {
      const { data } = useQuery(PendingActionsDocument, { variables: { first: PENDING_PAGE } })
      const [live, setLive] = useState(false)
      return (
        <>
          {live ? <LiveUpdates /> : <button onClick={() => setLive(true)}>Go live</button>}
          {data?.actions.edges.map(({ node }) => (
            <ActionRow key={node.id} action={node} canReview canOverride={false} />
          ))}
        </>
      )
    }
    renderWithApi(<Queue />, [
      {
        request: { query: PendingActionsDocument, variables: { first: PENDING_PAGE } },
        result: {
          data: {
            actions: {
              __typename: 'ActionConnection',
              totalCount: 1,
              pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: 'c1' },
              edges: [{ __typename: 'ActionEdge', node: held }],
            },
          },
        },
      },
      { request: { query: ActionStatusUpdatedDocument }, result: { data: { actionStatusUpdated: applied } } },
    ])
    expect(await within(await screen.findByRole('article')).findByText('Queued')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Go live' }))
    await waitFor(() => expect(within(row()).getByText('Applied')).toBeInTheDocument(), { timeout: 3000 })
    expect(row()).toHaveTextContent('applied by Stratum')
    expect(within(row()).getByTestId('deciding-gate')).toHaveTextContent('Approved by ana@example.com at score 66')
    // the review buttons go once the action is no longer open
    expect(within(row()).queryByRole('button', { name: /Approve/ })).toBeNull()
  })
})
