import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import { relayStylePagination } from '@apollo/client/utilities'
import { act, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { Observable } from 'rxjs'
import { describe, expect, it } from 'vitest'

import { ToastProvider } from '../../components/ui'
import { createConnection, type Connection } from '../../connection/connection'
import { ConnectionProvider } from '../../connection/ConnectionProvider'
import type { Role } from '../../gql/graphql'
import { TestSession, testSession, testViewer } from '../../test/session'
import SourcesScreen, { installSnippets } from '.'
import { DEBUGGER_ENTRIES } from './Debugger'

type Vars = Record<string, unknown> & { input?: Record<string, unknown>; first?: number; after?: string | null }

interface Src {
  id: string
  name: string
  enabled: boolean
  prefix: string
  rate: number
  received: number
  rejected: number
  lastEventAt: string | null
  simulated?: boolean
}

function source(s: Src) {
  return {
    __typename: 'Source',
    id: s.id,
    name: s.name,
    enabled: s.enabled,
    writeKeyPrefix: s.prefix,
    rateLimitPerSecond: s.rate,
    received: s.received,
    rejected: s.rejected,
    lastEventAt: s.lastEventAt,
    createdAt: '2026-12-01T10:00:00Z',
    simulated: s.simulated ?? false,
  }
}

const userError = (message: string, field: string[] | null = null, code = 'BAD_USER_INPUT') => ({
  __typename: 'UserError',
  field,
  message,
  code,
})

const WEB: Src = {
  id: 'src-web',
  name: 'Website',
  enabled: true,
  prefix: 'stw_ab12cd',
  rate: 1000,
  received: 12345,
  rejected: 7,
  lastEventAt: '2026-12-01T12:30:00Z',
}
const APP: Src = {
  id: 'src-app',
  name: 'iOS app',
  enabled: false,
  prefix: 'stw_zz99yy',
  rate: 50,
  received: 0,
  rejected: 0,
  lastEventAt: null,
}

const RATE_MESSAGE = 'the rate limit is 1 to 1000000 events a second'

/** A fake API with the server's answers to the screen's operations; it records requests. */
class FakeApi extends ApolloLink {
  requests: { name: string; vars: Vars }[] = []
  featureOff = false
  sources: Src[] = [WEB, APP]
  keys = 0
  /** When set, setSourceRateLimit refuses every value with this message at the field. */
  refuseLimit: string | null = null
  /** The open debugger subscriptions, to emit entries into. */
  debuggers: { sourceId: string; emit: (e: Record<string, unknown>) => void; closed: boolean }[] = []

  override request(op: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const name = op.operationName ?? ''
    const vars = op.variables as Vars
    this.requests.push({ name, vars })
    if (name === 'EventReceived') {
      return new Observable((o) => {
        const sub = {
          sourceId: vars.sourceId as string,
          emit: (e: Record<string, unknown>) =>
            o.next({ data: { eventReceived: { __typename: 'DebuggerEvent', ...e } } }),
          closed: false,
        }
        this.debuggers.push(sub)
        return () => {
          sub.closed = true
        }
      })
    }
    return new Observable((o) => {
      if (name === 'Sources' && this.featureOff) {
        // What the server answers for a @feature field the workspace lacks.
        o.next({
          data: null,
          errors: [
            {
              message: 'the cdp feature is not on this workspace’s plan',
              extensions: { code: 'FEATURE_DISABLED', feature: 'cdp', requiredPlan: 'PROFESSIONAL' },
            },
          ],
        })
      } else {
        o.next({ data: this.answer(name, vars) })
      }
      o.complete()
    })
  }

  called(name: string) {
    return this.requests.filter((r) => r.name === name)
  }

  private newKey() {
    this.keys += 1
    return `stw_secret${this.keys}_AbCdEfGhIjKlMnOpQrStUvWx`
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
                key: 'cdp',
                enabled: !this.featureOff,
                source: 'PLAN',
                unlockedBy: 'PROFESSIONAL',
              },
            ],
          },
        }
      case 'Sources': {
        const start = v.after ? this.sources.findIndex((s) => s.id === v.after) + 1 : 0
        const page = this.sources.slice(start, start + (v.first ?? 20))
        const end = start + page.length
        return {
          sources: {
            __typename: 'SourceConnection',
            totalCount: this.sources.length,
            edges: page.map((s) => ({ __typename: 'SourceEdge', cursor: s.id, node: source(s) })),
            pageInfo: {
              __typename: 'PageInfo',
              hasNextPage: end < this.sources.length,
              endCursor: page.length ? page[page.length - 1]!.id : null,
            },
          },
        }
      }
      case 'CreateSource': {
        const rate = (input.rateLimitPerSecond as number | null) ?? 1000
        if (rate < 1 || rate > 1_000_000) {
          return {
            createSource: {
              __typename: 'SourceWriteKeyPayload',
              source: null,
              writeKey: null,
              userErrors: [userError(RATE_MESSAGE, ['input', 'rateLimitPerSecond'])],
            },
          }
        }
        const s: Src = {
          id: `src-${this.sources.length + 1}`,
          name: input.name as string,
          enabled: true,
          prefix: 'stw_new111',
          rate,
          received: 0,
          rejected: 0,
          lastEventAt: null,
        }
        this.sources.unshift(s)
        return {
          createSource: {
            __typename: 'SourceWriteKeyPayload',
            source: source(s),
            writeKey: this.newKey(),
            userErrors: [],
          },
        }
      }
      case 'SetSourceEnabled': {
        const i = this.sources.findIndex((s) => s.id === input.id)
        this.sources[i] = { ...this.sources[i]!, enabled: input.enabled as boolean }
        return {
          setSourceEnabled: { __typename: 'SourcePayload', source: source(this.sources[i]), userErrors: [] },
        }
      }
      case 'SetSourceRateLimit': {
        const rate = input.rateLimitPerSecond as number
        if (this.refuseLimit || rate < 1 || rate > 1_000_000) {
          return {
            setSourceRateLimit: {
              __typename: 'SourcePayload',
              source: null,
              userErrors: [userError(this.refuseLimit ?? RATE_MESSAGE, ['input', 'rateLimitPerSecond'])],
            },
          }
        }
        const i = this.sources.findIndex((s) => s.id === input.id)
        this.sources[i] = { ...this.sources[i]!, rate }
        return {
          setSourceRateLimit: { __typename: 'SourcePayload', source: source(this.sources[i]), userErrors: [] },
        }
      }
      case 'RotateSourceWriteKey': {
        const i = this.sources.findIndex((s) => s.id === input.id)
        this.sources[i] = { ...this.sources[i]!, prefix: 'stw_rot222' }
        return {
          rotateSourceWriteKey: {
            __typename: 'SourceWriteKeyPayload',
            source: source(this.sources[i]),
            writeKey: this.newKey(),
            userErrors: [],
          },
        }
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
  // The app's cache merges the pages of `sources` (apollo.ts).
  const cache = new InMemoryCache({ typePolicies: { Query: { fields: { sources: relayStylePagination() } } } })
  const client = new ApolloClient({ link: api, cache })
  const user = userEvent.setup()
  render(
    <ApolloProvider client={client}>
      <ConnectionProvider connection={connection}>
        <TestSession value={testSession(testViewer(role))}>
          <MemoryRouter initialEntries={['/sources']}>
            <ToastProvider>
              <SourcesScreen origin="https://stratum.test" />
            </ToastProvider>
          </MemoryRouter>
        </TestSession>
      </ConnectionProvider>
    </ApolloProvider>,
  )
  return { api, user, connection }
}

async function table() {
  return screen.findByRole('table', { name: 'Sources' })
}

function rowOf(t: HTMLElement, name: string): HTMLElement {
  return within(t).getByText(name).closest('tr')!
}

const form = () => screen.getByRole('form', { name: 'New source' })

describe('SourcesScreen', () => {
  it('lists sources with status, key prefix, rate limit and counters, and loads more pages', async () => {
    const api = new FakeApi()
    api.sources = [WEB, APP, ...Array.from({ length: 20 }, (_, i) => ({ ...APP, id: `src-x${i}`, name: `Extra ${i}` }))]
    const { user } = setup({ api })
    const t = await table()
    const web = rowOf(t, 'Website')
    expect(web).toHaveTextContent('Enabled')
    expect(web).toHaveTextContent('stw_ab12cd…')
    expect(web).toHaveTextContent('1,000 events/s')
    expect(web).toHaveTextContent('12,345')
    expect(web).not.toHaveTextContent('No events yet')
    const app = rowOf(t, 'iOS app')
    expect(app).toHaveTextContent('Disabled')
    expect(app).toHaveTextContent('50 events/s')
    expect(app).toHaveTextContent('No events yet')
    expect(screen.getByText('Showing 20 of 22 sources')).toBeInTheDocument()
    expect(api.called('Sources')[0]!.vars).toEqual({ first: 20 })

    await user.click(screen.getByRole('button', { name: 'Load more' }))
    expect(await within(t).findByText('Extra 19')).toBeInTheDocument()
    expect(api.called('Sources')[1]!.vars).toEqual({ first: 20, after: 'src-x17' })
    expect(within(t).getByText('Website')).toBeInTheDocument() // appended, not replaced
    expect(screen.getByText('22 sources')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull()
  })

  it('labels the demo workspace’s simulated source “Simulated”, and no other source', async () => {
    const api = new FakeApi()
    const SIM: Src = { ...WEB, id: 'src-sim', name: 'Website (simulated)', simulated: true }
    api.sources = [SIM, WEB]
    setup({ api })
    const t = await table()
    expect(within(rowOf(t, 'Website (simulated)')).getByText('Simulated')).toBeInTheDocument()
    expect(within(rowOf(t, 'Website')).queryByText('Simulated')).toBeNull()
  })

  it('says so when there are no sources', async () => {
    const api = new FakeApi()
    api.sources = []
    setup({ api })
    expect(await screen.findByText('No sources yet')).toBeInTheDocument()
  })

  it('creates a source and shows its write key once, until dismissed', async () => {
    const { api, user } = setup()
    await table()
    expect(screen.queryByText(/shown only now; store it/)).toBeNull()
    await user.type(within(form()).getByLabelText('Name'), '  Checkout  ')
    await user.type(within(form()).getByLabelText(/Rate limit/), '50')
    await user.click(screen.getByRole('button', { name: 'Create source' }))

    const panel = await screen.findByRole('region', { name: 'Write key of “Checkout”' })
    expect(api.called('CreateSource')[0]!.vars.input).toEqual({ name: 'Checkout', rateLimitPerSecond: 50 })
    expect(panel).toHaveTextContent('This key is shown only now; store it.')
    const key = 'stw_secret1_AbCdEfGhIjKlMnOpQrStUvWx'
    expect(within(panel).getByLabelText('Write key')).toHaveTextContent(key)
    await user.click(within(panel).getByRole('button', { name: 'Copy' }))
    expect(await navigator.clipboard.readText()).toBe(key)
    // The list is read again and has it; the form is empty for the next one.
    expect(await within(await table()).findByText('Checkout')).toBeInTheDocument()
    expect(within(form()).getByLabelText('Name')).toHaveValue('')

    await user.click(within(panel).getByRole('button', { name: 'Dismiss' }))
    expect(screen.queryByText(key)).toBeNull()
    expect(screen.queryByText(/shown only now/)).toBeNull()
    expect(document.body).not.toHaveTextContent(key)
  })

  it('sends no rate limit when the field is empty', async () => {
    const { api, user } = setup()
    await table()
    await user.type(within(form()).getByLabelText('Name'), 'Server')
    await user.click(screen.getByRole('button', { name: 'Create source' }))
    await screen.findByRole('region', { name: 'Write key of “Server”' })
    expect(api.called('CreateSource')[0]!.vars.input).toEqual({ name: 'Server', rateLimitPerSecond: null })
  })

  it('shows the server’s userErrors at their fields, with no key and nothing changed', async () => {
    const { api, user } = setup()
    await table()
    await user.type(within(form()).getByLabelText('Name'), 'Checkout')
    await user.type(within(form()).getByLabelText(/Rate limit/), '0')
    await user.click(screen.getByRole('button', { name: 'Create source' }))
    await waitFor(() =>
      expect(within(form()).getByLabelText(/Rate limit/)).toHaveAccessibleDescription(/the rate limit is 1 to 1000000/),
    )
    expect(within(form()).getByLabelText(/Rate limit/)).toHaveAttribute('aria-invalid', 'true')
    expect(within(form()).getByLabelText('Name')).not.toHaveAttribute('aria-invalid')
    expect(within(form()).getByLabelText('Name')).toHaveValue('Checkout')
    expect(screen.queryByText(/shown only now/)).toBeNull()
    expect(api.sources.map((s) => s.name)).toEqual(['Website', 'iOS app'])
    expect(api.called('Sources')).toHaveLength(1) // not read again
    expect(within(await table()).queryByText('Checkout')).toBeNull()

    // Positive control: a valid limit goes through and the error goes.
    await user.clear(within(form()).getByLabelText(/Rate limit/))
    await user.type(within(form()).getByLabelText(/Rate limit/), '10')
    await user.click(screen.getByRole('button', { name: 'Create source' }))
    await screen.findByRole('region', { name: 'Write key of “Checkout”' })
    expect(within(form()).getByLabelText(/Rate limit/)).not.toHaveAttribute('aria-invalid')
  })

  it('asks for a name and a whole-number limit before calling the server', async () => {
    const { api, user } = setup()
    await table()
    await user.type(within(form()).getByLabelText(/Rate limit/), '1.5')
    await user.click(screen.getByRole('button', { name: 'Create source' }))
    expect(within(form()).getByLabelText('Name')).toHaveAccessibleDescription(/Give the source a name/)
    expect(within(form()).getByLabelText(/Rate limit/)).toHaveAccessibleDescription(/A whole number/)
    expect(api.called('CreateSource')).toHaveLength(0)
  })

  it('disables and enables a source with setSourceEnabled', async () => {
    const { api, user } = setup()
    const t = await table()
    await user.click(within(t).getByRole('button', { name: 'Disable source Website' }))
    await waitFor(() => expect(api.called('SetSourceEnabled')).toHaveLength(1))
    expect(api.called('SetSourceEnabled')[0]!.vars.input).toEqual({ id: 'src-web', enabled: false })
    expect(await screen.findByText(/“Website” disabled/)).toBeInTheDocument()
    await waitFor(() => expect(rowOf(t, 'Website')).toHaveTextContent('Disabled'))

    await user.click(within(t).getByRole('button', { name: 'Enable source iOS app' }))
    await waitFor(() => expect(api.called('SetSourceEnabled')).toHaveLength(2))
    expect(api.called('SetSourceEnabled')[1]!.vars.input).toEqual({ id: 'src-app', enabled: true })
    await waitFor(() => expect(rowOf(t, 'iOS app')).toHaveTextContent('Enabled'))
  })

  it('rotates a key after a confirmation that the old key stops at once, and shows the new key once', async () => {
    const { api, user } = setup()
    const t = await table()
    await user.click(within(t).getByRole('button', { name: 'Rotate key of Website' }))
    let dialog = await screen.findByRole('dialog')
    expect(dialog).toHaveTextContent('The old key stops working at once')
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    expect(api.called('RotateSourceWriteKey')).toHaveLength(0)

    await user.click(within(t).getByRole('button', { name: 'Rotate key of Website' }))
    dialog = await screen.findByRole('dialog')
    await user.click(within(dialog).getByRole('button', { name: 'Rotate key' }))
    const panel = await screen.findByRole('region', { name: 'New write key of “Website”' })
    expect(api.called('RotateSourceWriteKey')[0]!.vars.input).toEqual({ id: 'src-web' })
    expect(within(panel).getByLabelText('Write key')).toHaveTextContent('stw_secret1_AbCdEfGhIjKlMnOpQrStUvWx')
    expect(panel).toHaveTextContent('shown only now; store it')
    await waitFor(() => expect(rowOf(t, 'Website')).toHaveTextContent('stw_rot222…'))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
  })

  describe('rate limit', () => {
    const limitInput = (dialog: HTMLElement) => within(dialog).getByLabelText('Rate limit (events a second)')

    it('changes a source’s limit with setSourceRateLimit; the row shows it and the dialog closes', async () => {
      const { api, user } = setup()
      const t = await table()
      await user.click(within(t).getByRole('button', { name: 'Change limit of Website' }))
      const dialog = await screen.findByRole('dialog', { name: 'Change the rate limit of “Website”' })
      // Prefilled with the current limit.
      expect(limitInput(dialog)).toHaveValue('1000')
      await user.clear(limitInput(dialog))
      await user.type(limitInput(dialog), '250{Enter}')

      await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
      expect(api.called('SetSourceRateLimit')).toHaveLength(1)
      expect(api.called('SetSourceRateLimit')[0]!.vars.input).toEqual({ id: 'src-web', rateLimitPerSecond: 250 })
      await waitFor(() => expect(rowOf(t, 'Website')).toHaveTextContent('250 events/s'))
      expect(rowOf(t, 'iOS app')).toHaveTextContent('50 events/s') // the other row is untouched
      expect(await screen.findByText('“Website” now accepts 250 events a second.')).toBeInTheDocument()
      expect(api.called('Sources')).toHaveLength(1) // through the cache, not a refetch
    })

    it('cancels without calling the server', async () => {
      const { api, user } = setup()
      const t = await table()
      await user.click(within(t).getByRole('button', { name: 'Change limit of iOS app' }))
      const dialog = await screen.findByRole('dialog')
      expect(limitInput(dialog)).toHaveValue('50')
      await user.click(within(dialog).getByRole('button', { name: 'Cancel' }))
      expect(screen.queryByRole('dialog')).toBeNull()
      expect(api.called('SetSourceRateLimit')).toHaveLength(0)
      expect(rowOf(t, 'iOS app')).toHaveTextContent('50 events/s')
    })

    it('asks for a whole number from 1 to 1,000,000 before calling the server', async () => {
      const { api, user } = setup()
      const t = await table()
      await user.click(within(t).getByRole('button', { name: 'Change limit of Website' }))
      const dialog = await screen.findByRole('dialog')
      for (const bad of ['', '1.5', '0', '1000001', 'ten']) {
        await user.clear(limitInput(dialog))
        if (bad) await user.type(limitInput(dialog), bad)
        await user.click(within(dialog).getByRole('button', { name: 'Save limit' }))
        expect(limitInput(dialog)).toHaveAccessibleDescription(/A whole number from 1 to 1,000,000/)
        expect(limitInput(dialog)).toHaveAttribute('aria-invalid', 'true')
      }
      expect(api.called('SetSourceRateLimit')).toHaveLength(0)

      // Positive control: the bound itself goes through.
      await user.clear(limitInput(dialog))
      await user.type(limitInput(dialog), '1000000')
      await user.click(within(dialog).getByRole('button', { name: 'Save limit' }))
      await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
      expect(api.called('SetSourceRateLimit')[0]!.vars.input).toEqual({ id: 'src-web', rateLimitPerSecond: 1_000_000 })
      await waitFor(() => expect(rowOf(t, 'Website')).toHaveTextContent('1,000,000 events/s'))
    })

    it('shows the server’s refusal at the field and keeps the dialog and the row as they were', async () => {
      const api = new FakeApi()
      api.refuseLimit = 'this workspace’s plan allows at most 100 events a second per source'
      const { user } = setup({ api })
      const t = await table()
      await user.click(within(t).getByRole('button', { name: 'Change limit of Website' }))
      const dialog = await screen.findByRole('dialog')
      await user.clear(limitInput(dialog))
      await user.type(limitInput(dialog), '500')
      await user.click(within(dialog).getByRole('button', { name: 'Save limit' }))
      await waitFor(() =>
        expect(limitInput(dialog)).toHaveAccessibleDescription(/at most 100 events a second per source/),
      )
      expect(limitInput(dialog)).toHaveAttribute('aria-invalid', 'true')
      expect(api.called('SetSourceRateLimit')[0]!.vars.input).toEqual({ id: 'src-web', rateLimitPerSecond: 500 })
      expect(screen.getByRole('dialog')).toBe(dialog)
      expect(limitInput(dialog)).toHaveValue('500')
      expect(rowOf(t, 'Website')).toHaveTextContent('1,000 events/s')

      // Positive control: once the server accepts, the error goes and the row changes.
      api.refuseLimit = null
      await user.click(within(dialog).getByRole('button', { name: 'Save limit' }))
      await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
      await waitFor(() => expect(rowOf(t, 'Website')).toHaveTextContent('500 events/s'))
    })
  })

  it('shows snippets for the unmodified SDKs and curl pointed at this server', async () => {
    setup()
    await table()
    expect(screen.getByLabelText('Segment: @segment/analytics-node snippet')).toHaveTextContent(
      "new Analytics({ writeKey: 'WRITE_KEY', host: 'https://stratum.test' })",
    )
    expect(screen.getByLabelText('RudderStack: @rudderstack/rudder-sdk-node snippet')).toHaveTextContent(
      "new Analytics('WRITE_KEY', { dataPlaneUrl: 'https://stratum.test' })",
    )
    expect(installSnippets('https://s.test', 'k1').find((s) => s.title === 'curl')!.code).toBe(
      'curl -u k1: -H \'Content-Type: application/json\' \\\n  -d \'{"userId":"u1","event":"Signed Up"}\' https://s.test/v1/track',
    )
  })

  it('locks the screen without the cdp feature, saying which plan unlocks it', async () => {
    const api = new FakeApi()
    api.featureOff = true
    setup({ api })
    const lock = await screen.findByText(/does not have/)
    expect(lock.closest('[role="status"]')).toHaveTextContent('Unlocks with Professional')
    expect(lock).toHaveTextContent('cdp')
    const create = screen.getByRole('button', { name: 'Create source' })
    await waitFor(() => expect(create).toBeDisabled())
    expect(create).toHaveAccessibleDescription(/Unlocks with Professional/)
    expect(within(form()).getByLabelText('Name')).toBeDisabled()
    expect(screen.queryByRole('table')).toBeNull()
    expect(screen.queryByText(/Send events to this server/)).toBeNull()
  })

  it('enables the controls with the cdp feature (positive control)', async () => {
    const { api } = setup()
    const t = await table()
    await waitFor(() => expect(api.called('Features')).toHaveLength(1))
    expect(screen.queryByText(/Unlocks with/)).toBeNull()
    expect(screen.getByRole('button', { name: 'Create source' })).toBeEnabled()
    expect(within(form()).getByLabelText('Name')).toBeEnabled()
    expect(within(t).getByRole('button', { name: 'Disable source Website' })).toBeEnabled()
    expect(within(t).getByRole('button', { name: 'Rotate key of Website' })).toBeEnabled()
    expect(within(t).getByRole('button', { name: 'Change limit of Website' })).toBeEnabled()
    expect(screen.queryByText('Only admins can create, switch, rotate or change the limit of sources.')).toBeNull()
  })

  it('disables every control for a viewer, saying only admins may', async () => {
    const { api } = setup({ role: 'VIEWER' })
    const t = await table()
    await waitFor(() => expect(api.called('Features')).toHaveLength(1))
    const create = screen.getByRole('button', { name: 'Create source' })
    expect(create).toBeDisabled()
    expect(create).toHaveAccessibleDescription('Only admins can create, switch, rotate or change the limit of sources.')
    expect(within(form()).getByLabelText('Name')).toBeDisabled()
    for (const name of [
      'Disable source Website',
      'Rotate key of Website',
      'Change limit of Website',
      'Enable source iOS app',
      'Change limit of iOS app',
    ]) {
      const b = within(t).getByRole('button', { name })
      expect(b).toBeDisabled()
      expect(b).toHaveAccessibleDescription('Only admins can create, switch, rotate or change the limit of sources.')
    }
    // Viewers still read the list.
    expect(rowOf(t, 'Website')).toHaveTextContent('12,345')
  })

  describe('live debugger', () => {
    const accepted = (id: string) => ({
      receivedAt: '2026-12-02T10:00:00Z',
      status: 'ACCEPTED',
      messageId: id,
      type: 'track',
      name: 'Order Completed',
      payload: `{"messageId":"${id}","properties":{"total":42}}`,
      truncated: false,
      error: null,
    })
    const rejected = {
      receivedAt: '2026-12-02T10:00:01Z',
      status: 'REJECTED',
      messageId: 'big-1',
      type: 'track',
      name: null,
      payload: '{"messageId":"big-1","properties":{"blob":"xxxx',
      truncated: true,
      error: {
        __typename: 'DebuggerError',
        field: 'properties',
        message: 'properties: an event is at most 32768 bytes (32 KB)',
        limit: null,
      },
    }
    const state = () =>
      within(screen.getByRole('status', { name: 'Debugger state' })).getByText(/Live|Paused|Disconnected/)

    it('subscribes to the chosen source and shows its events newest first, with payload and error', async () => {
      const { api, user, connection } = setup({ role: 'VIEWER' })
      const t = await table()
      expect(screen.queryByText(/sampled: at most 10 events per commit/i)).toBeNull()
      await user.click(within(rowOf(t, 'Website')).getByRole('button', { name: 'Live events of Website' }))
      await waitFor(() => expect(api.debuggers).toHaveLength(1))
      expect(api.debuggers[0]!.sourceId).toBe('src-web')
      screen.getByText(/sampled: at most 10 events per commit and 10 refused requests a second are shown/i)
      screen.getByText(/\(401\) name no source and are not shown/)
      // Not connected yet: not "Live".
      expect(state().textContent).toBe('Disconnected')
      act(() => connection.events.connected())
      await waitFor(() => expect(state().textContent).toBe('Live'))

      act(() => api.debuggers[0]!.emit(accepted('m-1')))
      act(() => api.debuggers[0]!.emit(rejected))
      const list = await screen.findByRole('list', { name: 'Received events' })
      const items = within(list).getAllByRole('listitem')
      expect(items).toHaveLength(2)
      // Newest first: the rejected one.
      within(items[0]!).getByText('Rejected')
      within(items[0]!).getByText(/Refused: properties: an event is at most 32768 bytes \(32 KB\) \(field properties\)/)
      within(items[0]!).getByText(/cut at 4 KB/)
      within(items[1]!).getByText('Accepted')
      within(items[1]!).getByText('m-1')
      within(items[1]!).getByText('Order Completed')
      expect(within(items[1]!).queryByText(/Refused/)).toBeNull()
      await user.click(within(items[1]!).getByText('Raw payload'))
      expect(items[1]!.querySelector('pre')!.textContent).toContain('"total": 42')
    })

    it('labels duplicates and throttled requests, naming the limit', async () => {
      const { api, user, connection } = setup()
      const t = await table()
      await user.click(within(rowOf(t, 'Website')).getByRole('button', { name: 'Live events of Website' }))
      await waitFor(() => expect(api.debuggers).toHaveLength(1))
      act(() => connection.events.connected())
      act(() => api.debuggers[0]!.emit({ ...accepted('m-1'), status: 'DUPLICATE' }))
      act(() =>
        api.debuggers[0]!.emit({
          ...accepted('m-2'),
          status: 'THROTTLED',
          error: {
            __typename: 'DebuggerError',
            field: null,
            message: 'this source accepts 5 events a second; retry in 1 s',
            limit: 'source_rate_limit',
          },
        }),
      )
      const list = await screen.findByRole('list', { name: 'Received events' })
      const items = within(list).getAllByRole('listitem')
      expect(items).toHaveLength(2)
      within(items[0]!).getByText('Throttled (429)')
      within(items[0]!).getByText(
        /Refused: this source accepts 5 events a second; retry in 1 s \(limit: the source’s events per second\)/,
      )
      within(items[1]!).getByText('Duplicate (dropped)')
      expect(within(items[1]!).queryByText(/Refused/)).toBeNull()
    })

    it('keeps the latest 50, pauses (unsubscribing) and tells a lost connection', async () => {
      const { api, user, connection } = setup()
      const t = await table()
      await user.click(within(rowOf(t, 'Website')).getByRole('button', { name: 'Live events of Website' }))
      await waitFor(() => expect(api.debuggers).toHaveLength(1))
      act(() => connection.events.connected())
      await waitFor(() => expect(state().textContent).toBe('Live'))
      act(() => {
        for (let i = 0; i < DEBUGGER_ENTRIES + 5; i++) api.debuggers[0]!.emit(accepted(`m-${i}`))
      })
      const list = await screen.findByRole('list', { name: 'Received events' })
      await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(DEBUGGER_ENTRIES))
      within(within(list).getAllByRole('listitem')[0]!).getByText(`m-${DEBUGGER_ENTRIES + 4}`)
      expect(within(list).queryByText('m-4')).toBeNull()
      within(list).getByText('m-5')

      act(() => connection.events.closed(new Event('close')))
      await waitFor(() => expect(state().textContent).toBe('Disconnected'))
      act(() => connection.events.connected())
      await waitFor(() => expect(state().textContent).toBe('Live'))

      expect(api.debuggers[0]!.closed).toBe(false)
      await user.click(screen.getByRole('button', { name: 'Pause' }))
      expect(state().textContent).toBe('Paused')
      await waitFor(() => expect(api.debuggers[0]!.closed).toBe(true))
      await user.click(screen.getByRole('button', { name: 'Resume' }))
      await waitFor(() => expect(api.debuggers).toHaveLength(2))
      expect(state().textContent).toBe('Live')
    })
  })
})
