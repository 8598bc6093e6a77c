import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, useLocation } from 'react-router-dom'
import { Observable, type Subscriber } from 'rxjs'
import { describe, expect, it, vi } from 'vitest'

import { ToastProvider } from '../../components/ui'
import type { Role } from '../../gql/graphql'
import { TestSession, testSession, testViewer } from '../../test/session'
import PlatformsScreen, { callbackNotice } from '.'

type Vars = Record<string, unknown> & { input?: Record<string, unknown>; connectionId?: string }

interface Account {
  id: string
  name: string
  selected: boolean
  sandbox?: boolean
}

interface Conn {
  id: string
  platform: 'META' | 'GOOGLE' | 'TIKTOK' | 'SNAPCHAT' | 'SIMULATOR'
  sandbox: boolean
  status?: 'OK' | 'DEGRADED' | 'DOWN' | 'NEEDS_REAUTH'
  statusMessage?: string
  lastError?: string
  accounts: Account[]
}

interface Run {
  id: string
  connectionId: string
  kind: 'STRUCTURE' | 'INSIGHTS' | 'BACKFILL'
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED'
  done: number
  total: number
  rows: number
  error?: string | null
  apiCalls?: number
  apiErrors?: number
}

function account(a: Account) {
  return {
    __typename: 'AdAccount',
    id: a.id,
    externalId: `ext-${a.id}`,
    name: a.name,
    currency: 'USD',
    timeZone: 'UTC',
    selected: a.selected,
    sandbox: a.sandbox ?? false,
  }
}

function connection(c: Conn) {
  return {
    __typename: 'PlatformConnection',
    id: c.id,
    platform: c.platform,
    sandbox: c.sandbox,
    status: c.status ?? 'OK',
    statusMessage: c.statusMessage ?? '',
    lastSyncAt: null,
    lastError: c.lastError ?? '',
    createdAt: '2026-12-01T10:00:00Z',
    accounts: c.accounts.map(account),
  }
}

function run(r: Run) {
  return {
    __typename: 'SyncRun',
    id: r.id,
    connectionId: r.connectionId,
    kind: r.kind,
    trigger: 'USER',
    status: r.status,
    progress: { __typename: 'SyncProgress', done: r.done, total: r.total },
    window: r.kind === 'STRUCTURE' ? null : { __typename: 'SyncWindow', from: '2026-09-03', to: '2026-12-01' },
    rowsWritten: r.rows,
    apiCalls: r.apiCalls ?? 0,
    apiErrors: r.apiErrors ?? 0,
    queuedAt: '2026-12-01T10:00:00Z',
    finishedAt: null,
    error: r.error ?? null,
    account: { __typename: 'SyncAccount', id: 'acc-1', name: 'Acme US' },
  }
}

const userError = (message: string, field: string[] | null = null, code = 'BAD_USER_INPUT') => ({
  __typename: 'UserError',
  field,
  message,
  code,
})

const SANDBOX: Conn = {
  id: 'conn-sandbox',
  platform: 'SIMULATOR',
  sandbox: true,
  accounts: [{ id: 'acc-sb', name: 'Sandbox (simulated)', selected: true, sandbox: true }],
}

const LIMIT_MESSAGE =
  'Your plan (Starter) includes 2 connected ad accounts and 2 are in use: deselect one or upgrade to Professional.'

/** A fake API with the server's answers to the screen's operations; it records requests and pushes subscription events. */
class FakeApi extends ApolloLink {
  requests: { name: string; vars: Vars }[] = []
  subscribers = new Map<string, Subscriber<ApolloLink.Result>[]>()
  configured: Record<string, boolean> = { META: false, GOOGLE: true, TIKTOK: true, SNAPCHAT: false }
  featuresOff = false
  conns: Conn[] = []
  runs: Run[] = []
  /** Accounts of real platforms the plan allows selected. */
  limit = 2
  connectAnswer: { authorizeUrl: string | null; userErrors: ReturnType<typeof userError>[] } = {
    authorizeUrl: 'https://www.google.test/o/oauth2/auth?state=abc',
    userErrors: [],
  }

  override request(op: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const name = op.operationName ?? ''
    const vars = op.variables as Vars
    this.requests.push({ name, vars })
    if (name === 'PlatformConnectionChanged' || name === 'SyncRunUpdated') {
      return new Observable((o) => {
        this.subscribers.set(name, [...(this.subscribers.get(name) ?? []), o])
      })
    }
    return new Observable((o) => {
      o.next({ data: this.answer(name, vars) })
      o.complete()
    })
  }

  /** Emits a subscription event to every listener of it. */
  emit(name: 'PlatformConnectionChanged' | 'SyncRunUpdated', data: Record<string, unknown>) {
    for (const o of this.subscribers.get(name) ?? []) o.next({ data })
  }

  called(name: string) {
    return this.requests.filter((r) => r.name === name)
  }

  private answer(name: string, v: Vars): Record<string, unknown> {
    const input = v.input ?? {}
    switch (name) {
      case 'Features':
        return {
          viewer: {
            __typename: 'Viewer',
            features: [
              {
                __typename: 'Feature',
                key: 'platform_connectors',
                enabled: !this.featuresOff,
                source: 'PLAN',
                unlockedBy: 'STARTER',
              },
            ],
          },
        }
      case 'Platforms':
        return {
          platformAvailability: ['META', 'GOOGLE', 'TIKTOK', 'SNAPCHAT'].map((p) => ({
            __typename: 'PlatformAvailability',
            platform: p,
            configured: this.configured[p],
            supportsPkce: this.configured[p] && p !== 'META',
          })),
          platformConnections: this.conns.map(connection),
        }
      case 'SyncRuns': {
        const list = this.runs.filter((r) => r.connectionId === v.connectionId)
        return {
          syncRuns: {
            __typename: 'SyncRunConnection',
            totalCount: list.length,
            edges: list.map((r) => ({ __typename: 'SyncRunEdge', node: run(r) })),
          },
        }
      }
      case 'ConnectPlatform':
        return { connectPlatform: { __typename: 'ConnectPlatformPayload', ...this.connectAnswer } }
      case 'ConnectSandbox': {
        if (!this.conns.some((c) => c.sandbox)) this.conns.push(SANDBOX)
        return {
          connectSandbox: { __typename: 'ConnectSandboxPayload', connection: connection(SANDBOX), userErrors: [] },
        }
      }
      case 'SelectAdAccounts': {
        const c = this.conns.find((x) => x.id === input.connectionId)!
        const ids = input.accountIds as string[]
        if (ids.length > this.limit) {
          return {
            selectAdAccounts: {
              __typename: 'SelectAdAccountsPayload',
              connection: null,
              userErrors: [userError(LIMIT_MESSAGE, ['input', 'accountIds'], 'LIMIT_EXCEEDED')],
            },
          }
        }
        for (const a of c.accounts) a.selected = ids.includes(a.id)
        return {
          selectAdAccounts: { __typename: 'SelectAdAccountsPayload', connection: connection(c), userErrors: [] },
        }
      }
      case 'TriggerSync': {
        const r: Run = {
          id: `run-${this.runs.length + 1}`,
          connectionId: input.connectionId as string,
          kind: input.kind as Run['kind'],
          status: 'QUEUED',
          done: 0,
          total: input.kind === 'BACKFILL' ? 13 : 1,
          rows: 0,
        }
        this.runs.unshift(r)
        return { triggerSync: { __typename: 'TriggerSyncPayload', runs: [run(r)], userErrors: [] } }
      }
      case 'DisconnectPlatform':
        this.conns = this.conns.filter((c) => c.id !== input.connectionId)
        this.runs = this.runs.filter((r) => r.connectionId !== input.connectionId)
        return {
          disconnectPlatform: {
            __typename: 'DisconnectPlatformPayload',
            disconnectedConnectionId: input.connectionId,
            userErrors: [],
          },
        }
    }
    throw new Error(`unexpected operation ${name}`)
  }
}

/** The address the screen leaves in the router. */
function Location() {
  const l = useLocation()
  return <p data-testid="location">{l.pathname + l.search}</p>
}

function setup({
  role = 'ADMIN',
  path = '/platforms',
  api = new FakeApi(),
}: { role?: Role; path?: string; api?: FakeApi } = {}) {
  const assign = vi.fn()
  const client = new ApolloClient({ link: api, cache: new InMemoryCache() })
  render(
    <ApolloProvider client={client}>
      <TestSession value={testSession(testViewer(role))}>
        <MemoryRouter initialEntries={[path]}>
          <ToastProvider>
            <PlatformsScreen assign={assign} origin="https://stratum.test" />
            <Location />
          </ToastProvider>
        </MemoryRouter>
      </TestSession>
    </ApolloProvider>,
  )
  return { api, assign, user: userEvent.setup() }
}

/** The card (section) titled `title`. */
async function card(title: string | RegExp): Promise<HTMLElement> {
  return screen.findByRole('region', { name: title })
}

describe('PlatformsScreen', () => {
  it('shows a platform that is not configured with the variables to set and no connect button', async () => {
    setup()
    const meta = await card('Meta')
    expect(meta).toHaveTextContent('Not configured on this server')
    expect(meta).toHaveTextContent('STRATUM_META_CLIENT_ID')
    expect(meta).toHaveTextContent('STRATUM_META_CLIENT_SECRET')
    expect(within(meta).queryByRole('button')).toBeNull()
    // Positive control: a configured platform offers Connect and no such note.
    const google = await card('Google Ads')
    expect(within(google).getByRole('button', { name: 'Connect Google Ads' })).toBeEnabled()
    expect(google).not.toHaveTextContent('Not configured')
  })

  it('connects by sending the browser to the consent page with this server’s callback URL', async () => {
    const { api, assign, user } = setup()
    await user.click(await screen.findByRole('button', { name: 'Connect Google Ads' }))
    await waitFor(() => expect(assign).toHaveBeenCalledWith('https://www.google.test/o/oauth2/auth?state=abc'))
    expect(api.called('ConnectPlatform')[0]!.vars.input).toEqual({
      platform: 'GOOGLE',
      redirectUri: 'https://stratum.test/oauth/google/callback',
    })
  })

  it('stays on the page and shows the server’s words when the connect is refused', async () => {
    const api = new FakeApi()
    api.connectAnswer = {
      authorizeUrl: null,
      userErrors: [userError('must be this server’s callback URL, https://ads.example.com/oauth/tiktok/callback')],
    }
    const { assign, user } = setup({ api })
    const tiktok = await card('TikTok')
    await user.click(within(tiktok).getByRole('button', { name: 'Connect TikTok' }))
    expect(await within(tiktok).findByRole('alert')).toHaveTextContent(
      'must be this server’s callback URL, https://ads.example.com/oauth/tiktok/callback',
    )
    expect(api.called('ConnectPlatform')[0]!.vars.input).toMatchObject({
      redirectUri: 'https://stratum.test/oauth/tiktok/callback',
    })
    expect(assign).not.toHaveBeenCalled()
  })

  it('adds the sandbox, labelled simulated, and then offers it no more', async () => {
    const { api, user } = setup()
    expect(await screen.findByText('No connections yet')).toBeInTheDocument()
    const add = screen.getByRole('button', { name: 'Add sandbox account' })
    expect(add).toBeEnabled()
    await user.click(add)
    await waitFor(() => expect(api.called('ConnectSandbox')).toHaveLength(1))
    const sandboxCards = await screen.findAllByRole('region', { name: /Sandbox \(simulated\)/ })
    // The offer card and the connection card, both labelled Simulated.
    expect(sandboxCards).toHaveLength(2)
    for (const c of sandboxCards) expect(c).toHaveTextContent('Simulated')
    expect(screen.queryByText('No connections yet')).toBeNull()
    expect(screen.getByRole('button', { name: 'Add sandbox account' })).toBeDisabled()
  })

  it('saves an account selection, and shows the plan limit’s message when over it with nothing changed', async () => {
    const api = new FakeApi()
    api.conns = [
      {
        id: 'conn-g',
        platform: 'GOOGLE',
        sandbox: false,
        accounts: [
          { id: 'a1', name: 'Acme US', selected: true },
          { id: 'a2', name: 'Acme EU', selected: false },
          { id: 'a3', name: 'Acme APAC', selected: false },
        ],
      },
    ]
    const { user } = setup({ api })
    const conn = await card(/^Google Ads\s*Connected/)
    const save = within(conn).getByRole('button', { name: 'Save selection' })
    expect(save).toBeDisabled() // nothing changed yet

    // Positive control: two accounts fit the limit of 2.
    await user.click(within(conn).getByRole('checkbox', { name: /Acme EU/ }))
    await user.click(save)
    await waitFor(() => expect(api.called('SelectAdAccounts')).toHaveLength(1))
    expect(api.called('SelectAdAccounts')[0]!.vars.input).toEqual({ connectionId: 'conn-g', accountIds: ['a1', 'a2'] })
    expect(await screen.findByText('Account selection saved.')).toBeInTheDocument()
    expect(within(conn).queryByText(LIMIT_MESSAGE)).toBeNull()

    // A third is over it: the server's message, exactly, beside the accounts.
    await user.click(within(conn).getByRole('checkbox', { name: /Acme APAC/ }))
    await user.click(within(conn).getByRole('button', { name: 'Save selection' }))
    expect(await within(conn).findByText(LIMIT_MESSAGE)).toBeInTheDocument()
    expect(api.conns[0]!.accounts.map((a) => a.selected)).toEqual([true, true, false])
  })

  it('queues “Sync now” as insights and “Backfill 90 days” as a backfill, and lists the runs', async () => {
    const api = new FakeApi()
    api.conns = [SANDBOX]
    const { user } = setup({ api })
    const conn = await card(/^Sandbox \(simulated\).*Connected/)
    expect(within(conn).getByText('No sync runs yet.')).toBeInTheDocument()
    await user.click(within(conn).getByRole('button', { name: 'Sync now' }))
    await waitFor(() => expect(api.called('TriggerSync')).toHaveLength(1))
    expect(api.called('TriggerSync')[0]!.vars.input).toEqual({ connectionId: 'conn-sandbox', kind: 'INSIGHTS' })
    const table = await within(conn).findByRole('table', { name: 'Recent sync runs' })
    const row = within(table).getByText('Daily insights').closest('tr')!
    expect(row).toHaveTextContent('Queued')

    await user.click(within(conn).getByRole('button', { name: 'Backfill 90 days' }))
    await waitFor(() => expect(api.called('TriggerSync')).toHaveLength(2))
    expect(api.called('TriggerSync')[1]!.vars.input).toEqual({ connectionId: 'conn-sandbox', kind: 'BACKFILL' })
    expect(await within(conn).findByText('Backfill (up to 90 days)')).toBeInTheDocument()
  })

  it('shows how many of a run’s calls to the platform failed, and nothing failed when none did', async () => {
    const api = new FakeApi()
    api.conns = [SANDBOX]
    api.runs = [
      {
        id: 'run-a',
        connectionId: 'conn-sandbox',
        kind: 'INSIGHTS',
        status: 'SUCCEEDED',
        done: 1,
        total: 1,
        rows: 28,
        apiCalls: 12,
        apiErrors: 3,
      },
      {
        id: 'run-b',
        connectionId: 'conn-sandbox',
        kind: 'STRUCTURE',
        status: 'SUCCEEDED',
        done: 1,
        total: 1,
        rows: 0,
        apiCalls: 4,
        apiErrors: 0,
      },
    ]
    setup({ api })
    const conn = await card(/^Sandbox \(simulated\).*Connected/)
    const table = await within(conn).findByRole('table', { name: 'Recent sync runs' })
    expect(within(table).getByText('Daily insights').closest('tr')!).toHaveTextContent('12 (3 failed)')
    const structure = within(table).getByText('Campaign structure').closest('tr')!
    expect(structure).toHaveTextContent('4')
    expect(structure).not.toHaveTextContent('failed')
  })

  it('moves a backfill’s progress bar from syncRunUpdated events and drops it when the run ends', async () => {
    const api = new FakeApi()
    api.conns = [SANDBOX]
    api.runs = [
      { id: 'run-b', connectionId: 'conn-sandbox', kind: 'BACKFILL', status: 'QUEUED', done: 0, total: 13, rows: 0 },
    ]
    setup({ api })
    const bar = await screen.findByRole('progressbar', { name: 'Backfill (up to 90 days) of Acme US' })
    expect(bar).toHaveAttribute('aria-valuenow', '0')
    await waitFor(() => expect(api.subscribers.get('SyncRunUpdated')).toBeDefined())
    expect(api.called('SyncRunUpdated')[0]!.vars).toEqual({ connectionId: 'conn-sandbox' })

    // The server commits a run's state before it publishes it.
    api.runs[0] = { ...api.runs[0]!, status: 'RUNNING', done: 5, rows: 150 }
    api.emit('SyncRunUpdated', { syncRunUpdated: run(api.runs[0]) })
    await waitFor(() => expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '5'))
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuetext', '5 of 13')
    expect(screen.getByText(/5 of 13 chunks/)).toBeInTheDocument()

    const reads = api.called('SyncRuns').length
    api.runs[0] = { ...api.runs[0]!, status: 'SUCCEEDED', done: 13, rows: 390 }
    api.emit('SyncRunUpdated', { syncRunUpdated: run(api.runs[0]) })
    await waitFor(() => expect(screen.queryByRole('progressbar')).toBeNull())
    // The end reads the list again (a read in flight may predate it), twice: the second after the first answers.
    await waitFor(() => expect(api.called('SyncRuns').length).toBe(reads + 2))
    const table = screen.getByRole('table', { name: 'Recent sync runs' })
    expect(within(table).getByText('Succeeded')).toBeInTheDocument()
    expect(within(table).getByText('390')).toBeInTheDocument()
  })

  it('shows a connection’s status and the platform’s words', async () => {
    const api = new FakeApi()
    api.conns = [
      {
        id: 'conn-t',
        platform: 'TIKTOK',
        sandbox: false,
        status: 'NEEDS_REAUTH',
        statusMessage: 'Access token has expired',
        accounts: [{ id: 't1', name: 'Acme TikTok', selected: true }],
      },
    ]
    setup({ api })
    const conn = await card(/^TikTok.*Needs to be reconnected/)
    expect(conn).toHaveTextContent('Needs to be reconnected: Access token has expired')
  })

  it('disables connecting and the sandbox for a non-admin, saying why', async () => {
    const api = new FakeApi()
    api.conns = [
      { id: 'conn-g', platform: 'GOOGLE', sandbox: false, accounts: [{ id: 'a1', name: 'Acme US', selected: true }] },
    ]
    setup({ role: 'ANALYST', api })
    const connect = await screen.findByRole('button', { name: 'Connect Google Ads' })
    expect(connect).toBeDisabled()
    expect(connect).toHaveAccessibleDescription('Only admins can do this.')
    expect(screen.getByRole('button', { name: 'Add sandbox account' })).toBeDisabled()
    const conn = await card(/^Google Ads.*Connected/)
    expect(within(conn).queryByRole('button', { name: 'Disconnect' })).toBeNull()
    expect(within(conn).queryByRole('button', { name: 'Save selection' })).toBeNull()
    expect(within(conn).getByRole('checkbox', { name: /Acme US/ })).toBeDisabled()
    // An analyst may still sync.
    expect(within(conn).getByRole('button', { name: 'Sync now' })).toBeEnabled()
  })

  it('enables the same controls for an admin (positive control)', async () => {
    const api = new FakeApi()
    api.conns = [
      { id: 'conn-g', platform: 'GOOGLE', sandbox: false, accounts: [{ id: 'a1', name: 'Acme US', selected: true }] },
    ]
    setup({ role: 'ADMIN', api })
    const connect = await screen.findByRole('button', { name: 'Connect Google Ads' })
    await waitFor(() => expect(api.called('Features')).toHaveLength(1))
    expect(connect).toBeEnabled()
    expect(connect).not.toHaveAccessibleDescription('Only admins can do this.')
    expect(screen.getByRole('button', { name: 'Add sandbox account' })).toBeEnabled()
    const conn = await card(/^Google Ads.*Connected/)
    expect(within(conn).getByRole('button', { name: 'Disconnect' })).toBeEnabled()
    expect(within(conn).getByRole('checkbox', { name: /Acme US/ })).toBeEnabled()
  })

  it('locks connecting without platform_connectors but keeps the sandbox open', async () => {
    const api = new FakeApi()
    api.featuresOff = true
    api.conns = [
      SANDBOX,
      { id: 'conn-g', platform: 'GOOGLE', sandbox: false, accounts: [{ id: 'a1', name: 'Acme US', selected: true }] },
    ]
    setup({ api })
    await waitFor(() => expect(screen.getByRole('button', { name: 'Connect Google Ads' })).toBeDisabled())
    // A real connection's syncs are locked; the sandbox's stay open (every plan has it).
    const google = await card(/^Google Ads\s*Connected/)
    expect(within(google).getByRole('button', { name: 'Sync now' })).toBeDisabled()
    expect(within(google).getByRole('button', { name: 'Sync now' })).toHaveAccessibleDescription(/Unlocks with Starter/)
    const sandbox = await card(/^Sandbox \(simulated\).*Connected/)
    expect(within(sandbox).getByRole('button', { name: 'Sync now' })).toBeEnabled()
    expect(screen.getByRole('button', { name: 'Connect Google Ads' })).toHaveAccessibleDescription(
      /Unlocks with Starter/,
    )
    // The sandbox offer is closed only because the workspace has it, not by the lock.
    expect(screen.getByRole('button', { name: 'Add sandbox account' })).toHaveAccessibleDescription(
      'This workspace has its sandbox (below).',
    )
  })

  it('lets a workspace without platform_connectors add the sandbox', async () => {
    const api = new FakeApi()
    api.featuresOff = true
    const { user } = setup({ api })
    await waitFor(() => expect(screen.getByRole('button', { name: 'Connect Google Ads' })).toBeDisabled())
    const add = screen.getByRole('button', { name: 'Add sandbox account' })
    expect(add).toBeEnabled()
    await user.click(add)
    await waitFor(() => expect(api.called('ConnectSandbox')).toHaveLength(1))
    expect(await card(/^Sandbox \(simulated\).*Connected/)).toHaveTextContent('Simulated')
  })

  it('disconnects after a confirmation that says the accounts’ campaigns are removed', async () => {
    const api = new FakeApi()
    api.conns = [SANDBOX]
    const { user } = setup({ api })
    const conn = await card(/^Sandbox \(simulated\).*Connected/)
    await user.click(within(conn).getByRole('button', { name: 'Disconnect' }))
    const dialog = await screen.findByRole('dialog')
    expect(dialog).toHaveTextContent('the campaigns, metrics and sync runs synced from those accounts')
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    expect(api.called('DisconnectPlatform')).toHaveLength(0)
    await user.click(within(conn).getByRole('button', { name: 'Disconnect' }))
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Disconnect' }))
    await waitFor(() => expect(api.called('DisconnectPlatform')).toHaveLength(1))
    expect(await screen.findByText('No connections yet')).toBeInTheDocument()
  })

  it('refreshes when platformConnectionChanged reports a change', async () => {
    const api = new FakeApi()
    setup({ api })
    expect(await screen.findByText('No connections yet')).toBeInTheDocument()
    await waitFor(() => expect(api.subscribers.get('PlatformConnectionChanged')).toBeDefined())
    api.conns = [
      { id: 'conn-g', platform: 'GOOGLE', sandbox: false, accounts: [{ id: 'a1', name: 'Acme US', selected: false }] },
    ]
    api.emit('PlatformConnectionChanged', {
      platformConnectionChanged: {
        __typename: 'PlatformConnectionEvent',
        connectionId: 'conn-g',
        connection: connection(api.conns[0]!),
      },
    })
    expect(await card(/^Google Ads.*Connected/)).toHaveTextContent('Acme US')
  })

  it('shows the callback’s error in the platform’s words and clears the address', async () => {
    setup({ path: '/platforms?error=access_denied&message=The+user+denied+your+request.&platform=meta' })
    const notice = await screen.findByText(/was not connected/)
    expect(notice).toHaveTextContent('Meta was not connected: The user denied your request.')
    expect(notice.closest('[role="alert"]')).not.toBeNull()
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent(/^\/platforms$/))
  })

  it('shows a success notice after a connect, and nothing on a plain visit (controls)', async () => {
    setup({ path: '/platforms?connected=google' })
    expect(await screen.findByText(/Google Ads is connected/)).toBeInTheDocument()
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent(/^\/platforms$/))
    expect(screen.queryByText(/was not connected/)).toBeNull()
    expect(callbackNotice(new URLSearchParams(''))).toBeNull()
    expect(callbackNotice(new URLSearchParams('error=server_error&platform=tiktok'))).toEqual({
      tone: 'error',
      text: 'TikTok was not connected: The platform answered “server_error”.',
    })
  })
})
