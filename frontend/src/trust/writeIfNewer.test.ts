import { ApolloClient, ApolloLink } from '@apollo/client'
import { describe, expect, it } from 'vitest'

import { ActionFieldsFragmentDoc, type ActionFieldsFragment } from '../gql/graphql'
import { trustCache } from './testProviders'
import { writeActionIfNewer } from './writeIfNewer'

// As the server answers: with __typename on every object (the generated
// type leaves it out).
const base = {
  __typename: 'Action' as const,
  id: 'QWN0aW9uOjE',
  type: 'REDUCE_BUDGET' as const,
  riskClass: 'CONSERVATIVE' as const,
  status: 'APPROVED' as ActionFieldsFragment['status'],
  phase: 'WAITING' as ActionFieldsFragment['phase'],
  decision: 'PASS' as const,
  reasons: [],
  warnings: [],
  score: 75,
  platform: 'SIMULATOR' as const,
  campaign: null,
  ruleName: null,
  sources: [
    {
      __typename: 'ActionSource' as const,
      ruleName: null,
      proposedBy: 'user:1',
      reason: null,
      at: '2026-12-01T10:00:00Z',
    },
  ],
  resolution: null,
  params: { __typename: 'ActionParams' as const, percent: 20, amount: null, status: null },
  before: null,
  after: null,
  createdBy: 'system',
  approvedBy: 'user:1',
  approvedAt: '2026-12-01T10:00:01Z',
  appliedBy: null,
  appliedAt: null,
  overrideReason: null,
  dismissedBy: null,
  error: null,
  createdAt: '2026-12-01T10:00:00Z',
  updatedAt: '2026-12-01T10:00:01Z',
  gateDecisions: [],
  decidingGate: null,
}

function setup() {
  const client = new ApolloClient({ cache: trustCache(), link: ApolloLink.empty() })
  const read = () =>
    client.readFragment({
      fragment: ActionFieldsFragmentDoc,
      fragmentName: 'ActionFields',
      id: client.cache.identify({ __typename: 'Action', id: base.id }),
    })?.status
  return { client, read }
}

describe('writeActionIfNewer', () => {
  it('stores a mutation result the cache has nothing newer than', () => {
    const { client, read } = setup()
    writeActionIfNewer(client, base)
    expect(read()).toBe('APPROVED')
  })

  it('keeps the applied status a subscription delivered before the approval answer arrived', () => {
    const { client, read } = setup()
    writeActionIfNewer(client, {
      ...base,
      status: 'APPLIED',
      phase: 'HANDLED',
      appliedAt: '2026-12-01T10:00:02Z',
      updatedAt: '2026-12-01T10:00:02Z',
    })
    writeActionIfNewer(client, base)
    expect(read()).toBe('APPLIED')
  })
})
