import { screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import { ActorName, ActorNamesDocument } from './ActorName'
import { renderWithApi } from './testProviders'

const names = (actor: string, name: string, member: boolean) => ({
  request: { query: ActorNamesDocument, variables: { actors: [actor] } },
  result: { data: { actorNames: [{ __typename: 'ActorName' as const, actor, name, member }] } },
})

describe('ActorName', () => {
  it('names a member by the e-mail the API gives, not "a member"', async () => {
    renderWithApi(
      <p>
        approved by <ActorName actor="user:7c1c" />
      </p>,
      [names('user:7c1c', 'ada@example.com', true)],
    )
    expect(await screen.findByText('approved by ada@example.com')).toBeInTheDocument()
  })

  it('says "a former member" when the API knows no member by that id', async () => {
    renderWithApi(<ActorName actor="user:gone" />, [names('user:gone', 'a former member', false)])
    expect(await screen.findByText('a former member')).toBeInTheDocument()
  })

  it('names the system without asking the API (no mock: a query would fail)', () => {
    renderWithApi(
      <p>
        by <ActorName actor="system" />
      </p>,
    )
    expect(screen.getByText('by Stratum')).toBeInTheDocument()
  })
})
