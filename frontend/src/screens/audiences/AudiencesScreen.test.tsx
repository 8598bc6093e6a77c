import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import { relayStylePagination } from '@apollo/client/utilities'
import { act, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { Observable, type Subscriber } from 'rxjs'
import { describe, expect, it } from 'vitest'

import { ToastProvider } from '../../components/ui'
import { createConnection, type Connection } from '../../connection/connection'
import { ConnectionProvider } from '../../connection/ConnectionProvider'
import type { Role } from '../../gql/graphql'
import { TestSession, testSession, testViewer } from '../../test/session'
import AudiencesScreen from '.'

type Vars = Record<string, unknown> & { input?: Record<string, unknown> }

const META_ERROR = '(#2650) Invalid <schema> "EMAIL_SHA256": the data is not hashed & 1 field is missing'

const segmentRef = (id: string, name: string) => ({ __typename: 'Segment', id, name })

function audience(over: Record<string, unknown> = {}) {
  return {
    __typename: 'Audience',
    id: 'aud-1',
    segment: segmentRef('seg-vip', 'VIP buyers'),
    platform: 'META',
    account: { __typename: 'AdAccount', id: 'acc-meta', name: 'Shop EU', externalId: 'act_1001' },
    platformAudienceId: '238400001',
    status: 'SYNCED',
    size: 1234,
    lastSyncAt: '2026-12-02T10:00:00Z',
    error: null,
    progress: { __typename: 'AudienceSyncProgress', done: 1234, total: 1234 },
    createdAt: '2026-12-01T10:00:00Z',
    ...over,
  }
}

const userError = (message: string, field: string[] | null) => ({
  __typename: 'UserError',
  field,
  message,
  code: 'BAD_USER_INPUT',
})

/** A fake API answering the screen's operations as the server does; it records requests and pushes live events. */
class FakeApi extends ApolloLink {
  requests: { name: string; vars: Vars }[] = []
  audiences = [
    audience({
      id: 'aud-2',
      segment: segmentRef('seg-cart', 'Cart abandoners'),
      status: 'SYNCING',
      size: 500,
      lastSyncAt: null,
      platformAudienceId: null,
      progress: { __typename: 'AudienceSyncProgress', done: 2500, total: 10000 },
    }),
    audience({ id: 'aud-3', status: 'FAILED', error: META_ERROR, size: 0 }),
    audience(),
  ]
  connections = [
    {
      __typename: 'PlatformConnection',
      id: 'conn-meta',
      platform: 'META',
      sandbox: false,
      status: 'OK',
      accounts: [{ __typename: 'AdAccount', id: 'acc-meta', externalId: 'act_1001', name: 'Shop EU', sandbox: false }],
    },
    {
      __typename: 'PlatformConnection',
      id: 'conn-google',
      platform: 'GOOGLE',
      sandbox: false,
      status: 'NEEDS_REAUTH',
      accounts: [
        { __typename: 'AdAccount', id: 'acc-g1', externalId: '123-456-7890', name: 'Google shop', sandbox: false },
      ],
    },
    {
      __typename: 'PlatformConnection',
      id: 'conn-sandbox',
      platform: 'SIMULATOR',
      sandbox: true,
      status: 'OK',
      accounts: [{ __typename: 'AdAccount', id: 'acc-sim', externalId: 'sim-1', name: 'Sandbox', sandbox: true }],
    },
  ]
  /** syncAudience's userErrors (none: the sync is queued). */
  refuse: ReturnType<typeof userError>[] = []
  /** The open audienceSyncUpdated subscription. */
  live: Subscriber<ApolloLink.Result> | null = null

  override request(op: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const name = op.operationName ?? ''
    const vars = op.variables as Vars
    this.requests.push({ name, vars })
    if (name === 'AudienceSyncUpdated') {
      return new Observable((o) => {
        this.live = o
        return () => {
          if (this.live === o) this.live = null
        }
      })
    }
    return new Observable((o) => {
      o.next({ data: this.answer(name, vars) })
      o.complete()
    })
  }

  called(name: string) {
    return this.requests.filter((r) => r.name === name)
  }

  push(a: ReturnType<typeof audience>) {
    this.live!.next({ data: { audienceSyncUpdated: a } })
  }

  private answer(name: string, v: Vars): Record<string, unknown> {
    switch (name) {
      case 'Features':
        return {
          viewer: {
            __typename: 'Viewer',
            features: [
              {
                __typename: 'Feature',
                key: 'audience_sync',
                enabled: true,
                source: 'PLAN',
                unlockedBy: 'PROFESSIONAL',
              },
            ],
          },
        }
      case 'Audiences': {
        const list = this.audiences.filter((a) => !v.segmentId || a.segment.id === v.segmentId)
        return {
          audiences: {
            __typename: 'AudienceConnection',
            totalCount: list.length,
            edges: list.map((a) => ({ __typename: 'AudienceEdge', cursor: a.id, node: a })),
            pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
          },
        }
      }
      case 'AudienceSegments':
        return {
          segments: {
            __typename: 'SegmentConnection',
            totalCount: 2,
            edges: [segmentRef('seg-vip', 'VIP buyers'), segmentRef('seg-cart', 'Cart abandoners')].map((node) => ({
              __typename: 'SegmentEdge',
              node,
            })),
            pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
          },
        }
      case 'AudienceAccounts':
        return { platformConnections: this.connections }
      case 'SyncAudience': {
        if (this.refuse.length) {
          return { syncAudience: { __typename: 'SyncAudiencePayload', audience: null, userErrors: this.refuse } }
        }
        const acc = this.connections.flatMap((c) => c.accounts).find((x) => x.id === v.input?.accountId)!
        const a = audience({
          id: 'aud-new',
          segment: segmentRef(
            String(v.input?.segmentId),
            v.input?.segmentId === 'seg-cart' ? 'Cart abandoners' : 'VIP buyers',
          ),
          platform: v.input?.platform,
          account: { __typename: 'AdAccount', id: acc.id, name: acc.name, externalId: acc.externalId },
          status: 'PENDING',
          size: 0,
          lastSyncAt: null,
        })
        this.audiences.unshift(a)
        return { syncAudience: { __typename: 'SyncAudiencePayload', audience: a, userErrors: [] } }
      }
      case 'StopAudienceSync': {
        const a = { ...this.audiences.find((x) => x.id === v.input?.id)!, status: 'STOPPED' }
        return { stopAudienceSync: { __typename: 'StopAudienceSyncPayload', audience: a, userErrors: [] } }
      }
      case 'DeleteAudience':
        this.audiences = this.audiences.filter((x) => x.id !== v.input?.id)
        return {
          deleteAudience: {
            __typename: 'DeleteAudiencePayload',
            deletedAudienceId: v.input?.id,
            platformAudienceDeleted: false,
            userErrors: [],
          },
        }
    }
    throw new Error(`unexpected operation ${name}`)
  }
}

function setup({
  role = 'ADMIN',
  api = new FakeApi(),
  connection = createConnection(),
}: { role?: Role; api?: FakeApi; connection?: Connection } = {}) {
  // The app's cache merges the pages of `audiences` per segment filter (apollo.ts).
  const cache = new InMemoryCache({
    typePolicies: { Query: { fields: { audiences: relayStylePagination(['segmentId']) } } },
  })
  const user = userEvent.setup()
  render(
    <ApolloProvider client={new ApolloClient({ link: api, cache })}>
      <ConnectionProvider connection={connection}>
        <TestSession value={testSession(testViewer(role))}>
          <MemoryRouter initialEntries={['/audiences']}>
            <ToastProvider>
              <AudiencesScreen />
            </ToastProvider>
          </MemoryRouter>
        </TestSession>
      </ConnectionProvider>
    </ApolloProvider>,
  )
  return { api, user, connection }
}

const table = () => screen.findByRole('table', { name: 'Audiences' })

function rowOf(t: HTMLElement, segment: string, status?: string): HTMLElement {
  const rows = within(t)
    .getAllByRole('row')
    .filter((r) => within(r).queryByText(segment) && (!status || within(r).queryByText(status)))
  expect(rows).toHaveLength(1)
  return rows[0]!
}

const liveState = () => within(screen.getByRole('status', { name: 'Live updates' })).getByText(/.+/)

describe('AudiencesScreen', () => {
  it('shows each audience’s status, size, last sync, progress while syncing and the platform’s error verbatim', async () => {
    setup()
    const t = await table()
    expect(screen.getByText('3 audiences')).toBeInTheDocument()

    const syncing = rowOf(t, 'Cart abandoners')
    within(syncing).getByText('Syncing')
    within(syncing).getByText('500')
    within(syncing).getByText('Never')
    const bar = within(syncing).getByRole('progressbar')
    expect(bar).toHaveAttribute('aria-valuenow', '2500')
    expect(bar).toHaveAttribute('aria-valuemax', '10000')
    within(syncing).getByText('2,500 of 10,000')

    const failed = rowOf(t, 'VIP buyers', 'Failed')
    // The platform's words, as text: not parsed, not reworded.
    within(failed).getByText(META_ERROR)
    expect(within(failed).queryByRole('progressbar')).toBeNull()

    const synced = rowOf(t, 'VIP buyers', 'In sync')
    within(synced).getByText('1,234')
    within(synced).getByText('Meta')
    within(synced).getByText('Shop EU')
    within(synced).getByText('(act_1001)')
    expect(within(synced).queryByRole('progressbar')).toBeNull()
    expect(within(synced).queryByText('Never')).toBeNull()
  })

  it('updates a row from audienceSyncUpdated, and says “Live” only while the connection is up', async () => {
    const { api, connection } = setup()
    const t = await table()
    expect(liveState().textContent).toBe('Connecting…')
    act(() => connection.events.connected())
    await waitFor(() => expect(liveState().textContent).toBe('Live'))
    await waitFor(() => expect(api.live).not.toBeNull())

    const reads = api.called('Audiences').length
    act(() =>
      api.push(
        audience({
          id: 'aud-2',
          segment: segmentRef('seg-cart', 'Cart abandoners'),
          status: 'SYNCED',
          size: 9876,
          lastSyncAt: '2026-12-02T11:00:00Z',
          progress: { __typename: 'AudienceSyncProgress', done: 10000, total: 10000 },
        }),
      ),
    )
    const row = await waitFor(() => rowOf(t, 'Cart abandoners', 'In sync'))
    within(row).getByText('9,876')
    expect(within(row).queryByRole('progressbar')).toBeNull()
    expect(within(row).queryByText('Never')).toBeNull()
    // A known row changes in the cache; the list is not read again for it.
    expect(api.called('Audiences')).toHaveLength(reads)

    // An audience the page does not hold (synced from elsewhere) reads the list again.
    api.audiences.unshift(audience({ id: 'aud-9', segment: segmentRef('seg-new', 'Newsletter'), status: 'PENDING' }))
    act(() => api.push(api.audiences[0]!))
    await within(t).findByText('Newsletter')
    expect(api.called('Audiences').length).toBe(reads + 1)

    // The socket drops: no longer "Live", and the screen says what that means.
    act(() => connection.events.closed(new Event('close')))
    await waitFor(() => expect(liveState().textContent).toBe('Not live'))
    expect(screen.getByTestId('not-live')).toHaveTextContent(/may be out of date/)
    act(() => connection.events.connected())
    await waitFor(() => expect(liveState().textContent).toBe('Live'))
    expect(screen.queryByTestId('not-live')).toBeNull()
  })

  it('filters by segment', async () => {
    const { api, user } = setup()
    const t = await table()
    await screen.findByRole('option', { name: 'VIP buyers' })
    await user.selectOptions(screen.getByLabelText('Segment'), 'seg-cart')
    await waitFor(() => expect(within(t).queryByText('VIP buyers')).toBeNull())
    within(await table()).getByText('Cart abandoners')
    expect(api.called('Audiences').at(-1)!.vars).toMatchObject({ segmentId: 'seg-cart', first: 20 })
  })

  it('syncs a segment to an account of the chosen platform, showing a refusal at its field', async () => {
    const { api, user } = setup()
    await table()
    await user.click(screen.getByRole('button', { name: 'Sync a segment' }))
    const form = await screen.findByRole('form', { name: 'Sync a segment' })
    await user.selectOptions(within(form).getByLabelText('Segment'), 'seg-cart')
    await user.selectOptions(within(form).getByLabelText('Platform'), 'GOOGLE')
    const account = within(form).getByLabelText('Ad account')
    // Only the Google connection's accounts, with the connection's trouble named.
    expect(within(account).queryByRole('option', { name: /Shop EU/ })).toBeNull()
    within(account).getByRole('option', { name: 'Google shop (123-456-7890) · Needs to be reconnected' })
    await user.selectOptions(account, 'acc-g1')

    api.refuse = [userError('the Google connection needs to be reconnected', ['input', 'accountId'])]
    await user.click(within(form).getByRole('button', { name: 'Start sync' }))
    await waitFor(() =>
      expect(within(form).getByLabelText('Ad account')).toHaveAccessibleDescription(/needs to be reconnected/),
    )
    expect(within(form).getByLabelText('Ad account')).toHaveAttribute('aria-invalid', 'true')
    expect(within(form).getByLabelText('Segment')).not.toHaveAttribute('aria-invalid', 'true')
    expect(api.called('SyncAudience')[0]!.vars.input).toEqual({
      segmentId: 'seg-cart',
      platform: 'GOOGLE',
      accountId: 'acc-g1',
    })

    // Positive control: accepted, the dialog closes and the list shows the new audience.
    api.refuse = []
    await user.click(within(form).getByRole('button', { name: 'Start sync' }))
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Sync a segment' })).toBeNull())
    await screen.findByText(/Sync of Cart abandoners → Google Ads \(Google shop\) queued/)
    await within(await table()).findByText('Waiting to sync')
  })

  it('asks to connect the platform first when no account of it is connected', async () => {
    const { api, user } = setup()
    await table()
    await user.click(screen.getByRole('button', { name: 'Sync a segment' }))
    const form = await screen.findByRole('form', { name: 'Sync a segment' })
    await user.selectOptions(within(form).getByLabelText('Platform'), 'TIKTOK')
    const link = within(form).getByRole('link', { name: 'Connect a TikTok account first' })
    expect(link).toHaveAttribute('href', '/platforms')
    expect(within(form).queryByRole('combobox', { name: 'Ad account' })).toBeNull()
    expect(within(form).getByRole('button', { name: 'Start sync' })).toBeDisabled()
    // Meta has one: the choice is there.
    await user.selectOptions(within(form).getByLabelText('Platform'), 'META')
    within(within(form).getByLabelText('Ad account')).getByRole('option', { name: 'Shop EU (act_1001)' })
    expect(api.called('SyncAudience')).toHaveLength(0)
  })

  it('re-syncs and stops an audience (after confirming)', async () => {
    const { api, user } = setup()
    const t = await table()
    const row = rowOf(t, 'VIP buyers', 'Failed')
    await user.click(within(row).getByRole('button', { name: 'Re-sync VIP buyers → Meta (Shop EU)' }))
    await waitFor(() => expect(api.called('SyncAudience')).toHaveLength(1))
    expect(api.called('SyncAudience')[0]!.vars.input).toEqual({
      segmentId: 'seg-vip',
      platform: 'META',
      accountId: 'acc-meta',
    })

    await user.click(within(rowOf(t, 'Cart abandoners')).getByRole('button', { name: /^Stop / }))
    const dialog = await screen.findByRole('dialog', { name: /Stop syncing Cart abandoners/ })
    expect(dialog).toHaveTextContent(/keeps the members it has now/)
    expect(api.called('StopAudienceSync')).toHaveLength(0)
    await user.click(within(dialog).getByRole('button', { name: 'Stop sync' }))
    await waitFor(() => expect(api.called('StopAudienceSync')).toHaveLength(1))
    expect(api.called('StopAudienceSync')[0]!.vars.input).toEqual({ id: 'aud-2' })
    await waitFor(() => within(rowOf(t, 'Cart abandoners')).getByText('Stopped'))
  })

  it('deletes only Stratum’s record, and says the platform audience is kept', async () => {
    const { api, user } = setup()
    const t = await table()
    await user.click(within(rowOf(t, 'VIP buyers', 'In sync')).getByRole('button', { name: /^Delete / }))
    const dialog = await screen.findByRole('dialog', { name: 'Delete VIP buyers → Meta (Shop EU)?' })
    expect(dialog).toHaveAccessibleDescription(/The audience on Meta is NOT deleted/)
    expect(dialog).toHaveTextContent(/Delete it in Meta’s own audience manager/)
    await user.click(within(dialog).getByRole('button', { name: 'Delete from Stratum' }))
    await waitFor(() => expect(api.called('DeleteAudience')).toHaveLength(1))
    expect(api.called('DeleteAudience')[0]!.vars.input).toEqual({ id: 'aud-1' })
    await screen.findByText(/deleted from Stratum\. The audience on Meta was not deleted\./)
    await waitFor(() => expect(within(t).queryAllByText('In sync')).toHaveLength(0))
    expect(screen.getByText('2 audiences')).toBeInTheDocument()
  })

  it('keeps viewers from acting, saying why', async () => {
    const { api, user } = setup({ role: 'VIEWER' })
    const t = await table()
    const sync = screen.getByRole('button', { name: 'Sync a segment' })
    expect(sync).toBeDisabled()
    expect(sync).toHaveAccessibleDescription('Only admins can sync, stop or delete audiences.')
    const buttons = within(t).getAllByRole('button')
    expect(buttons).toHaveLength(9)
    for (const b of buttons) {
      expect(b).toBeDisabled()
      expect(b).toHaveAccessibleDescription('Only admins can sync, stop or delete audiences.')
    }
    await user.click(buttons[0]!)
    expect(api.called('SyncAudience')).toHaveLength(0)
  })

  it('explains audiences when there is none', async () => {
    const api = new FakeApi()
    api.audiences = []
    setup({ api, role: 'VIEWER' })
    expect(await screen.findByText('No audiences yet')).toBeInTheDocument()
    expect(screen.getByText(/Stratum creates a customer-list audience there/)).toBeInTheDocument()
    expect(screen.queryByRole('table', { name: 'Audiences' })).toBeNull()
  })
})
