import { screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import type { ActionFieldsFragment } from '../../gql/graphql'
import { ActorNamesDocument } from '../../trust/ActorName'
import { renderWithApi } from '../../trust/testProviders'
import { ActionRow } from './ActionRow'

// Issue 10 (numbers and names): who approved an action by name, and budgets
// in the campaign's currency.
const applied: ActionFieldsFragment & { __typename: 'Action' } = {
  __typename: 'Action',
  id: 'QWN0aW9uOjk',
  type: 'UPDATE_BUDGET',
  riskClass: 'STANDARD',
  status: 'APPLIED',
  phase: 'HANDLED',
  decision: 'HOLD',
  reasons: ['approved by a person'],
  warnings: [],
  score: 93.2,
  platform: 'SIMULATOR',
  campaign: { id: 'Q2FtcGFpZ246Mg', name: 'Brand Search', currency: 'EUR' },
  ruleName: null,
  sources: [],
  resolution: null,
  params: { percent: null, amount: 180, status: null },
  before: { status: 'ACTIVE', dailyBudget: 150, bid: null },
  after: { status: 'ACTIVE', dailyBudget: 180, bid: null },
  createdBy: 'system',
  approvedBy: 'user:5d2e',
  approvedAt: '2026-12-01T10:05:00Z',
  appliedBy: 'system',
  appliedAt: '2026-12-01T10:06:00Z',
  overrideReason: null,
  dismissedBy: null,
  error: null,
  createdAt: '2026-12-01T10:00:00Z',
  updatedAt: '2026-12-01T10:06:00Z',
  gateDecisions: [],
  decidingGate: null,
}

const eur = (n: number) => new Intl.NumberFormat(undefined, { style: 'currency', currency: 'EUR' }).format(n)

describe('ActionRow names and units', () => {
  it('says who approved by e-mail and shows budgets in the campaign currency', async () => {
    renderWithApi(<ActionRow action={applied} canReview={false} canOverride={false} />, [
      {
        request: { query: ActorNamesDocument, variables: { actors: ['user:5d2e'] } },
        result: {
          data: {
            actorNames: [{ __typename: 'ActorName', actor: 'user:5d2e', name: 'grace@example.com', member: true }],
          },
        },
      },
    ])
    const row = screen.getByRole('article', { name: `Set budget to ${eur(180)}` })
    expect(await within(row).findByText(/approved by grace@example\.com/)).toBeInTheDocument()
    expect(row).not.toHaveTextContent('a team member')
    expect(row).toHaveTextContent(`${eur(150)}`)
    expect(row).toHaveTextContent(`${eur(180)}`)
  })

  it('says which person proposed a change by e-mail, not "a member"', async () => {
    const proposed = {
      ...applied,
      createdBy: 'user:9a1b',
      approvedBy: null,
      approvedAt: null,
      decidingGate: {
        __typename: 'TrustAuditEntry' as const,
        id: 'g1',
        at: '2026-12-01T10:06:00Z',
        decision: 'PASS' as const,
        score: 82,
        cause: 'EXECUTION' as const,
        allowedRun: true,
        actor: 'system',
        actorEmail: null,
      },
    }
    renderWithApi(<ActionRow action={proposed} canReview={false} canOverride={false} />, [
      {
        request: { query: ActorNamesDocument, variables: { actors: ['user:9a1b'] } },
        result: {
          data: {
            actorNames: [{ __typename: 'ActorName', actor: 'user:9a1b', name: 'ada@example.com', member: true }],
          },
        },
        maxUsageCount: Infinity,
      },
    ])
    const row = screen.getByRole('article', { name: `Set budget to ${eur(180)}` })
    expect(await within(row).findByText(/Proposed by ada@example\.com/)).toBeInTheDocument()
    expect(row).toHaveTextContent('proposed by ada@example.com, no review needed')
    expect(row).not.toHaveTextContent('a member')
  })
})
