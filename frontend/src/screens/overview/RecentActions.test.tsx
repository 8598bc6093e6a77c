import { screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import type { RecentActionsQuery } from '../../gql/graphql'
import { ActorNamesDocument } from '../../trust/ActorName'
import { renderWithApi } from '../../trust/testProviders'
import { RecentAction } from './RecentActions'

type Brief = RecentActionsQuery['actions']['edges'][number]['node']

const ran: Brief = {
  id: 'QWN0aW9uOjk',
  type: 'REDUCE_BUDGET',
  status: 'APPLIED',
  phase: 'HANDLED',
  decision: 'PASS',
  createdBy: 'user:9a1b',
  decidingGate: {
    id: 'g1',
    at: '2026-12-01T10:06:00Z',
    decision: 'PASS',
    score: 82,
    cause: 'EXECUTION',
    allowedRun: true,
    actor: 'system',
    actorEmail: null,
  },
  params: { percent: 20, amount: null, status: null },
  campaign: { id: 'Q2FtcGFpZ246Mg', name: 'Brand Search', currency: 'EUR' },
  updatedAt: '2026-12-01T10:06:00Z',
}

// Issue 10 (names): the overview names the person who proposed an action,
// as the queue does, instead of "a member".
describe('RecentAction', () => {
  it('names the person who proposed an action that ran without review', async () => {
    renderWithApi(
      <ul>
        <RecentAction action={ran} />
      </ul>,
      [
        {
          request: { query: ActorNamesDocument, variables: { actors: ['user:9a1b'] } },
          result: {
            data: {
              actorNames: [{ __typename: 'ActorName', actor: 'user:9a1b', name: 'ada@example.com', member: true }],
            },
          },
        },
      ],
    )
    expect(await screen.findByText(/proposed by ada@example\.com, no review needed/)).toBeInTheDocument()
    expect(screen.getByRole('listitem')).not.toHaveTextContent('a member')
  })
})
