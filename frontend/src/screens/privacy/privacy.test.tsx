import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import { cleanup, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, Route, Routes } from 'react-router-dom'
import { Observable } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'

import type { Role } from '../../gql/graphql'
import { TestSession, testSession, testViewer } from '../../test/session'
import PrivacyScreen from '.'
import { ProfileConsent } from './ProfileConsent'
import { ProfilePrivacy } from './ProfilePrivacy'

const PROFILE = 'UHJvZmlsZTox'

type Vars = Record<string, unknown> & { input?: { profileId: string; purpose?: string; granted?: boolean } }

interface Req {
  id: string
  kind: 'EXPORT' | 'DELETE'
  status: 'PENDING' | 'RUNNING' | 'DONE' | 'FAILED'
  progress: number
  profileId: string | null
  requestedByMe: boolean
  erasedEvents?: number
  erasedIdentifiers?: number
  downloadUrl?: string | null
}

function requestNode(r: Req) {
  return {
    __typename: 'PrivacyRequest',
    requestedBy: r.requestedByMe ? 'owner@example.com' : 'other@example.com',
    createdAt: '2026-12-02T10:00:00Z',
    finishedAt: r.status === 'DONE' ? '2026-12-02T10:01:00Z' : null,
    error: null,
    erasedEvents: 0,
    erasedIdentifiers: 0,
    exportBytes: r.kind === 'EXPORT' && r.status === 'DONE' ? 1234 : null,
    expiresAt: r.kind === 'EXPORT' && r.status === 'DONE' ? '2026-12-03T10:01:00Z' : null,
    downloadUrl: null,
    ...r,
  }
}

/** A fake API answering the privacy operations; it records requests and advances jobs on each read. */
class FakeApi extends ApolloLink {
  requests: { name: string; vars: Vars }[] = []
  consents: Record<string, { state: string; source: string | null; decidedAt: string | null }> = {
    ANALYTICS: { state: 'DENIED', source: 'EVENT', decidedAt: '2026-12-01T09:00:00Z' },
    ADS: { state: 'GRANTED', source: 'EVENT', decidedAt: '2026-12-01T09:00:00Z' },
    EMAIL: { state: 'UNKNOWN', source: null, decidedAt: null },
    SMS: { state: 'UNKNOWN', source: null, decidedAt: null },
  }
  reqs: Req[] = []
  /** Each read of the requests moves running jobs on by this script. */
  onRead: (r: Req) => void = () => {}

  override request(op: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const name = op.operationName ?? ''
    const vars = op.variables as Vars
    this.requests.push({ name, vars })
    return new Observable((o) => {
      o.next({ data: this.answer(name, vars) })
      o.complete()
    })
  }

  called(name: string) {
    return this.requests.filter((r) => r.name === name)
  }

  private answer(name: string, v: Vars): Record<string, unknown> {
    switch (name) {
      case 'ProfileConsents':
        return {
          profileConsents: Object.entries(this.consents).map(([purpose, c]) => ({
            __typename: 'Consent',
            purpose,
            ...c,
          })),
        }
      case 'SetConsent': {
        const c = {
          state: v.input!.granted ? 'GRANTED' : 'DENIED',
          source: 'OPERATOR',
          decidedAt: '2026-12-02T11:00:00Z',
        }
        this.consents[v.input!.purpose!] = c
        return {
          setConsent: {
            __typename: 'SetConsentPayload',
            consent: { __typename: 'Consent', purpose: v.input!.purpose, ...c },
            userErrors: [],
          },
        }
      }
      case 'PrivacyRequests':
        this.reqs.forEach((r) => this.onRead(r))
        return {
          privacyRequests: {
            __typename: 'PrivacyRequestConnection',
            totalCount: this.reqs.length,
            edges: this.reqs.map((r) => ({ __typename: 'PrivacyRequestEdge', cursor: r.id, node: requestNode(r) })),
            pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
          },
        }
      case 'PrivacySuppressions':
        return {
          privacySuppressions: {
            __typename: 'PrivacySuppressions',
            identifiers: 3,
            droppedEvents: 17,
            lastDroppedAt: '2026-12-02T12:00:00Z',
          },
        }
      case 'ExportProfileData':
      case 'DeleteProfile': {
        const kind = name === 'DeleteProfile' ? 'DELETE' : 'EXPORT'
        const r: Req = {
          id: `req-${this.reqs.length + 1}`,
          kind,
          status: 'PENDING',
          progress: 0,
          profileId: v.input!.profileId,
          requestedByMe: true,
        }
        this.reqs.unshift(r)
        const key = kind === 'DELETE' ? 'deleteProfile' : 'exportProfileData'
        return { [key]: { __typename: 'PrivacyRequestPayload', request: requestNode(r), userErrors: [] } }
      }
    }
    throw new Error(`unexpected operation ${name}`)
  }
}

function setup(ui: React.ReactNode, api = new FakeApi(), role: Role = 'ADMIN') {
  const client = new ApolloClient({ link: api, cache: new InMemoryCache() })
  const user = userEvent.setup()
  render(
    <ApolloProvider client={client}>
      <TestSession value={testSession(testViewer(role))}>
        <MemoryRouter initialEntries={['/']}>
          <Routes>
            <Route path="/" element={ui} />
          </Routes>
        </MemoryRouter>
      </TestSession>
    </ApolloProvider>,
  )
  return { api, user }
}

afterEach(cleanup)

describe('ProfileConsent', () => {
  it('shows each purpose as granted, denied or not recorded, with its source', async () => {
    setup(<ProfileConsent profileId={PROFILE} />, new FakeApi(), 'VIEWER')
    const table = await screen.findByRole('table', { name: 'Consent' })
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows.map((r) => within(r).getAllByRole('cell')[0]!.textContent)).toEqual([
      'Analytics',
      'Advertising',
      'Marketing e-mail',
      'Text messages',
    ])
    expect(within(rows[0]!).getByText('Denied')).toBeTruthy()
    expect(within(rows[1]!).getByText('Granted')).toBeTruthy()
    expect(within(rows[1]!).getByText('An event')).toBeTruthy()
    expect(within(rows[2]!).getByText('Not recorded')).toBeTruthy()
    // A viewer cannot change it.
    expect(screen.queryByRole('button', { name: /Grant|Deny/ })).toBeNull()
  })

  it('lets an analyst change a purpose, recorded as the operator’s decision', async () => {
    const { api, user } = setup(<ProfileConsent profileId={PROFILE} />, new FakeApi(), 'ANALYST')
    await user.click(await screen.findByRole('button', { name: 'Deny Advertising' }))
    expect(api.called('SetConsent')[0]!.vars.input).toEqual({ profileId: PROFILE, purpose: 'ADS', granted: false })
    expect(await screen.findByText(/Advertising: consent denied/)).toBeTruthy()
    const row = (await screen.findByRole('cell', { name: 'Advertising' })).closest('tr')!
    await waitFor(() => expect(within(row).getByText('An operator')).toBeTruthy())
    expect(within(row).getByText('Denied')).toBeTruthy()
    // Granted purposes offer Deny only, denied ones Grant only, unknown ones both.
    expect(within(row).queryByRole('button', { name: 'Deny Advertising' })).toBeNull()
    expect(screen.getByRole('button', { name: 'Grant Marketing e-mail' })).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Deny Marketing e-mail' })).toBeTruthy()
  })
})

describe('ProfilePrivacy', () => {
  it('starts an export, shows its progress, then a download link', async () => {
    const api = new FakeApi()
    // The job runs: half-way on the next read, done on the one after.
    api.onRead = (r) => {
      if (r.status === 'PENDING') Object.assign(r, { status: 'RUNNING', progress: 0.5 })
      else if (r.status === 'RUNNING')
        Object.assign(r, { status: 'DONE', progress: 1, downloadUrl: '/privacy/exports/tok-123' })
    }
    const { user } = setup(<ProfilePrivacy profileId={PROFILE} />, api)
    expect(await screen.findByText('No export or deletion was requested for this profile.')).toBeTruthy()
    await user.click(screen.getByRole('button', { name: 'Export data' }))
    expect(api.called('ExportProfileData')[0]!.vars.input).toEqual({ profileId: PROFILE })
    const progress = await screen.findByRole('progressbar', { name: 'Data export progress' }, { timeout: 3000 })
    expect(progress.getAttribute('value')).toBe('0.5')
    const link = await screen.findByRole('link', { name: 'Download export' }, { timeout: 4000 })
    expect(link.getAttribute('href')).toBe('/privacy/exports/tok-123')
    expect(screen.queryByRole('progressbar')).toBeNull()
  })

  it('deletes only after DELETE is typed, and says the person is gone', async () => {
    const api = new FakeApi()
    api.onRead = (r) => {
      if (r.kind === 'DELETE' && r.status !== 'DONE')
        Object.assign(r, { status: 'DONE', progress: 1, profileId: null, erasedEvents: 12, erasedIdentifiers: 3 })
    }
    const { user } = setup(<ProfilePrivacy profileId={PROFILE} />, api)
    await user.click(await screen.findByRole('button', { name: 'Delete profile…' }))
    const dialog = screen.getByRole('dialog', { name: 'Delete this person’s data?' })
    const confirm = within(dialog).getByRole('button', { name: 'Delete permanently' })
    expect(confirm).toHaveProperty('disabled', true)
    await user.type(within(dialog).getByLabelText('Type DELETE to confirm'), 'delete')
    expect(confirm).toHaveProperty('disabled', true)
    await user.clear(within(dialog).getByLabelText('Type DELETE to confirm'))
    await user.type(within(dialog).getByLabelText('Type DELETE to confirm'), 'DELETE')
    expect(confirm).toHaveProperty('disabled', false)
    expect(api.called('DeleteProfile')).toHaveLength(0)
    await user.click(confirm)
    expect(api.called('DeleteProfile')[0]!.vars.input).toEqual({ profileId: PROFILE })
    expect(await screen.findByText(/This person was deleted/, {}, { timeout: 3000 })).toBeTruthy()
    expect(screen.getByText('Erased 12 events and 3 identifiers')).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Export data' })).toHaveProperty('disabled', true)
  })

  it('tells non-admins who can act', async () => {
    const { api } = setup(<ProfilePrivacy profileId={PROFILE} />, new FakeApi(), 'ANALYST')
    expect(await screen.findByText('Only admins can export or delete a person’s data.')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Export data' })).toBeNull()
    expect(api.requests).toHaveLength(0)
  })
})

describe('PrivacyScreen', () => {
  it('lists the requests with their status and the suppression list’s counts', async () => {
    const api = new FakeApi()
    api.reqs = [
      {
        id: 'r2',
        kind: 'DELETE',
        status: 'DONE',
        progress: 1,
        profileId: null,
        requestedByMe: false,
        erasedEvents: 4,
        erasedIdentifiers: 2,
      },
      {
        id: 'r1',
        kind: 'EXPORT',
        status: 'DONE',
        progress: 1,
        profileId: PROFILE,
        requestedByMe: true,
        downloadUrl: '/privacy/exports/t',
      },
    ]
    setup(<PrivacyScreen />, api)
    const table = await screen.findByRole('table', { name: 'Privacy requests' })
    const rows = within(table).getAllByRole('row').slice(1)
    expect(within(rows[0]!).getByText('Deletion')).toBeTruthy()
    expect(within(rows[0]!).getByText('Erased')).toBeTruthy()
    expect(within(rows[0]!).getByText('other@example.com')).toBeTruthy()
    expect(within(rows[0]!).getByText('Erased 4 events and 2 identifiers')).toBeTruthy()
    expect(within(rows[1]!).getByText('Data export')).toBeTruthy()
    expect(within(rows[1]!).getByText('You')).toBeTruthy()
    expect(within(rows[1]!).getByRole('link', { name: 'Download export' }).getAttribute('href')).toBe(
      '/privacy/exports/t',
    )
    expect(within(rows[1]!).getByRole('link', { name: PROFILE }).getAttribute('href')).toBe(`/profiles/${PROFILE}`)
    expect(screen.getByText('Showing 2 of 2')).toBeTruthy()
    const suppressions = screen.getByRole('region', { name: 'Suppression list' })
    expect(within(suppressions).getByText('3')).toBeTruthy()
    expect(within(suppressions).getByText('17')).toBeTruthy()
  })

  it('says so when there are no requests', async () => {
    setup(<PrivacyScreen />)
    expect(await screen.findByText('No privacy requests yet')).toBeTruthy()
  })

  it('is for admins only', async () => {
    const { api } = setup(<PrivacyScreen />, new FakeApi(), 'ANALYST')
    expect(await screen.findByText('Only admins see privacy requests')).toBeTruthy()
    expect(api.requests).toHaveLength(0)
  })
})

describe('without the gdpr_compliance feature', () => {
  class LockedApi extends FakeApi {
    override request(op: ApolloLink.Operation): Observable<ApolloLink.Result> {
      this.requests.push({ name: op.operationName ?? '', vars: op.variables as Vars })
      return new Observable((o) => {
        o.next({
          data: null,
          errors: [
            {
              message: 'the gdpr_compliance feature is not on this workspace’s plan',
              extensions: { code: 'FEATURE_DISABLED', feature: 'gdpr_compliance', requiredPlan: 'PROFESSIONAL' },
            },
          ],
        })
        o.complete()
      })
    }
  }

  it('says which plan unlocks consent and privacy, with no buttons to press', async () => {
    setup(
      <>
        <ProfileConsent profileId={PROFILE} />
        <ProfilePrivacy profileId={PROFILE} />
      </>,
      new LockedApi(),
    )
    await waitFor(() => expect(screen.getAllByText('Unlocks with Professional')).toHaveLength(2))
    expect(screen.queryByRole('button', { name: 'Export data' })).toBeNull()
    expect(screen.queryByRole('button', { name: /Grant|Deny/ })).toBeNull()
  })
})
