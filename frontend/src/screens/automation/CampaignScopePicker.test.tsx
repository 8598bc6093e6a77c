import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { useState } from 'react'
import { Observable } from 'rxjs'
import { describe, expect, it } from 'vitest'

import { CAMPAIGN_OPTIONS, CampaignScopePicker } from './CampaignScopePicker'

/** 60 campaigns: more than one search shows. */
const ALL = Array.from({ length: 60 }, (_, i) => ({
  __typename: 'Campaign',
  id: `c${i}`,
  name: `Campaign ${String(i).padStart(2, '0')}${i === 42 ? ' Black Friday' : ''}`,
  platform: 'META',
}))

/** Answers CampaignOptions (name search, first N by name) and ScopedCampaigns (nodes) as the server would. */
class FakeApi extends ApolloLink {
  searches: (string | null)[] = []
  override request(op: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const v = op.variables as { search?: string | null; first?: number; ids?: string[] }
    let data: Record<string, unknown>
    if (op.operationName === 'ScopedCampaigns') {
      data = { nodes: (v.ids ?? []).map((id) => ALL.find((c) => c.id === id) ?? null) }
    } else {
      this.searches.push(v.search ?? null)
      const found = ALL.filter((c) => !v.search || c.name.toLowerCase().includes(v.search.toLowerCase()))
      data = {
        campaigns: {
          __typename: 'CampaignConnection',
          totalCount: found.length,
          edges: found.slice(0, v.first).map((node) => ({ __typename: 'CampaignEdge', node })),
        },
      }
    }
    return new Observable((o) => {
      o.next({ data })
      o.complete()
    })
  }
}

function Harness({ initial }: { initial: string[] }) {
  const [ids, setIds] = useState(initial)
  return (
    <>
      <CampaignScopePicker campaignIds={ids} onChange={setIds} searchDelayMs={0} />
      <output data-testid="ids">{ids.join(',')}</output>
    </>
  )
}

function setup(initial: string[] = []) {
  const api = new FakeApi()
  render(
    <ApolloProvider client={new ApolloClient({ link: api, cache: new InMemoryCache() })}>
      <Harness initial={initial} />
    </ApolloProvider>,
  )
  return api
}

describe('CampaignScopePicker', () => {
  it('shows the first campaigns and says how many more a search would find', async () => {
    setup()
    expect(await screen.findByRole('checkbox', { name: 'Campaign 00 (Meta)' })).toBeInTheDocument()
    expect(screen.getAllByRole('checkbox')).toHaveLength(CAMPAIGN_OPTIONS)
    expect(screen.queryByRole('checkbox', { name: /Black Friday/ })).toBeNull()
    expect(screen.getByText('35 more match: type more of the name to find them.')).toBeInTheDocument()
  })

  it('finds a campaign beyond the first page by name and ticks it', async () => {
    const api = setup()
    await screen.findByRole('checkbox', { name: 'Campaign 00 (Meta)' })
    await userEvent.type(screen.getByLabelText('Find campaigns by name'), 'black')
    const box = await screen.findByRole('checkbox', { name: 'Campaign 42 Black Friday (Meta)' })
    expect(api.searches.at(-1)).toBe('black')
    await userEvent.click(box)
    expect(screen.getByTestId('ids')).toHaveTextContent('c42')
    // The ticked campaign stays listed, by name, when the search changes.
    await userEvent.clear(screen.getByLabelText('Find campaigns by name'))
    await userEvent.type(screen.getByLabelText('Find campaigns by name'), 'no such')
    await waitFor(() => expect(screen.getByText("No other campaign's name contains “no such”.")).toBeInTheDocument())
    expect(screen.getByRole('checkbox', { name: 'Campaign 42 Black Friday (Meta)' })).toBeChecked()
  })

  it('shows the rule’s campaigns by name when it opens', async () => {
    setup(['c59'])
    expect(await screen.findByRole('checkbox', { name: 'Campaign 59 (Meta)' })).toBeChecked()
  })
})
