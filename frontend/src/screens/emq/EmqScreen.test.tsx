import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { Observable } from 'rxjs'
import { describe, expect, it } from 'vitest'

import { ToastProvider } from '../../components/ui'
import { TestSession, testSession, testViewer } from '../../test/session'
import EmqScreen from '.'

type Vars = Record<string, unknown>

class FakeApi extends ApolloLink {
  requests: Vars[] = []

  /** Pushes an emqScoreUpdated event to the open subscription. */
  push: (() => void) | null = null

  override request(op: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const vars = op.variables as Vars
    if (op.operationName === 'EmqScoreUpdated') {
      return new Observable((o) => {
        this.push = () =>
          o.next({
            data: {
              emqScoreUpdated: {
                __typename: 'EmqScore',
                destinationId: 'Q29udmVyc2lvbkRlc3RpbmF0aW9uOjE=',
                eventName: 'Purchase',
                score: 7,
              },
            },
          })
      })
    }
    if (op.operationName === 'EmqScores') this.requests.push(vars)
    return new Observable((o) => {
      o.next({ data: this.answer(op.operationName ?? '', vars) })
      o.complete()
    })
  }

  private answer(name: string, v: Vars): Record<string, unknown> {
    if (name === 'Features') return { viewer: { __typename: 'Viewer', features: [] } }
    if (name !== 'EmqScores') throw new Error(`unexpected operation ${name}`)
    if (v.platform !== 'META') return { emqScores: [] }
    return {
      emqScores: [
        {
          __typename: 'EmqScore',
          destinationId: 'Q29udmVyc2lvbkRlc3RpbmF0aW9uOjE=',
          platform: 'META',
          eventName: 'Purchase',
          events: 120,
          score: 7.1,
          source: 'PLATFORM',
          estimate: 6.4,
          platformScore: 7.1,
          platformScoreAt: '2026-12-02T11:05:00Z',
          calibrationError: 0.7,
          platformScoreError: null,
          trend: [
            { __typename: 'EmqPoint', hour: '2026-12-02T10:00:00Z', events: 60, score: 6.2 },
            { __typename: 'EmqPoint', hour: '2026-12-02T11:00:00Z', events: 60, score: 6.6 },
          ],
          missingParameters: [
            {
              __typename: 'EmqMissingParameter',
              parameter: 'phone',
              coverage: 0.58,
              impact: 1.1,
              advice: '42 % of Purchase events have no phone; adding it would raise EMQ by ≈ 1.1',
            },
            {
              __typename: 'EmqMissingParameter',
              parameter: 'click_id',
              coverage: 0.2,
              impact: 0.6,
              advice: '80 % of Purchase events have no click id (fbc); adding it would raise EMQ by ≈ 0.6',
            },
          ],
        },
        {
          __typename: 'EmqScore',
          destinationId: 'Q29udmVyc2lvbkRlc3RpbmF0aW9uOjI=',
          platform: 'META',
          eventName: 'Lead',
          events: 30,
          score: 5.2,
          source: 'ESTIMATE',
          estimate: 5.2,
          platformScore: null,
          platformScoreAt: null,
          calibrationError: null,
          platformScoreError: 'code 190: Invalid OAuth access token - Cannot parse access token',
          trend: [],
          missingParameters: [],
        },
      ],
    }
  }
}

function setup(api = new FakeApi()) {
  const client = new ApolloClient({ link: api, cache: new InMemoryCache() })
  const user = userEvent.setup()
  render(
    <ApolloProvider client={client}>
      <ToastProvider>
        <TestSession value={testSession(testViewer('VIEWER'))}>
          <MemoryRouter>
            <EmqScreen />
          </MemoryRouter>
        </TestSession>
      </ToastProvider>
    </ApolloProvider>,
  )
  return { api, user }
}

describe('EmqScreen', () => {
  it("shows each event's score, Meta's own with the estimate's error beside it, and the fix-it list, costliest first", async () => {
    const { api } = setup()
    expect(await screen.findByRole('heading', { name: 'Purchase' })).toBeInTheDocument()
    expect(screen.getByText("EMQ 7.1 (Meta's score)")).toBeInTheDocument()
    expect(screen.getByText('Estimate 6.4 · off by 0.7')).toBeInTheDocument()
    expect(screen.getByText('120 events in the last 24 hours')).toBeInTheDocument()
    const table = screen.getByRole('table', { name: 'What to fix for Purchase' })
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(2)
    expect(rows[0]).toHaveTextContent('phone')
    expect(rows[0]).toHaveTextContent('58 %')
    expect(rows[0]).toHaveTextContent('+1.1')
    expect(rows[0]).toHaveTextContent('42 % of Purchase events have no phone; adding it would raise EMQ by ≈ 1.1')
    expect(rows[1]).toHaveTextContent('click id')
    expect(api.requests[0]).toMatchObject({ platform: 'META', hours: 48 })
  })

  it("labels an estimate as such, without a calibration error, and says why Meta's score is missing", async () => {
    setup()
    expect(await screen.findByRole('heading', { name: 'Lead' })).toBeInTheDocument()
    expect(screen.getByText('EMQ 5.2 (estimate)')).toBeInTheDocument()
    expect(screen.getAllByText(/^Estimate .* · /)).toHaveLength(1)
    expect(
      screen.getByText(
        "Meta's own score could not be fetched: code 190: Invalid OAuth access token - Cannot parse access token",
      ),
    ).toBeInTheDocument()
  })

  it('reads the scores again when a batch changes them', async () => {
    const { api } = setup()
    await screen.findByRole('heading', { name: 'Purchase' })
    await waitFor(() => expect(api.push).not.toBeNull())
    const before = api.requests.length
    api.push?.()
    await waitFor(() => expect(api.requests.length).toBe(before + 1))
  })

  it('asks for another platform and says when it has nothing yet', async () => {
    const { api, user } = setup()
    await screen.findByRole('heading', { name: 'Purchase' })
    await user.selectOptions(screen.getByLabelText('Platform'), 'TIKTOK')
    expect(await screen.findByText('No conversions forwarded yet')).toBeInTheDocument()
    await waitFor(() => expect(api.requests.at(-1)).toMatchObject({ platform: 'TIKTOK' }))
    expect(screen.queryByRole('heading', { name: 'Purchase' })).not.toBeInTheDocument()
  })
})
