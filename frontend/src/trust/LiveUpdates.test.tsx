import { useQuery } from '@apollo/client/react'
import { screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import type { IncidentsQueryVariables } from '../gql/graphql'
import { LiveUpdates } from './LiveUpdates'
import { IncidentOpenedDocument, IncidentsDocument } from './operations'
import { renderWithApi } from './testProviders'

const incident = {
  __typename: 'Incident' as const,
  id: 'SW5jaWRlbnQ6MQ',
  platform: 'SIMULATOR' as const,
  title: 'Simulator EMQ fell from 8.6 to 1.0',
  severity: 'CRITICAL' as const,
  state: 'OPEN' as const,
  openedAt: '2026-12-01T10:00:00Z',
}

const page = (edges: (typeof incident)[]) => ({
  data: {
    incidents: {
      __typename: 'IncidentConnection',
      totalCount: edges.length,
      pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
      edges: edges.map((node) => ({ __typename: 'IncidentEdge', node })),
    },
  },
})

const variables: IncidentsQueryVariables = { state: ['OPEN', 'ACKNOWLEDGED'], first: 3 }

/** A list of incidents, as any screen shows one. */
function Titles() {
  const { data } = useQuery(IncidentsDocument, { variables })
  return (
    <ul aria-label="Incidents">
      {data?.incidents.edges.map(({ node }) => (
        <li key={node.id}>{node.title}</li>
      ))}
    </ul>
  )
}

describe('LiveUpdates', () => {
  it('announces a new incident with a toast and reloads the incident lists on screen', async () => {
    renderWithApi(
      <>
        <LiveUpdates />
        <Titles />
      </>,
      [
        { request: { query: IncidentsDocument, variables }, result: page([]) },
        { request: { query: IncidentOpenedDocument }, result: { data: { incidentOpened: incident } }, delay: 30 },
        { request: { query: IncidentsDocument, variables }, result: page([incident]) },
      ],
    )
    expect(
      await screen.findByText('New critical incident (Simulator): Simulator EMQ fell from 8.6 to 1.0'),
    ).toBeInTheDocument()
    // the list refetches once the burst of events is over
    expect(await screen.findByRole('listitem', {}, { timeout: 3000 })).toHaveTextContent(
      'Simulator EMQ fell from 8.6 to 1.0',
    )
  })
})
