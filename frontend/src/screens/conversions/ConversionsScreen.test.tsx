import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import { relayStylePagination } from '@apollo/client/utilities'
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { Observable } from 'rxjs'
import { describe, expect, it, vi } from 'vitest'

import { ToastProvider } from '../../components/ui'
import type { Role } from '../../gql/graphql'
import { TestSession, testSession, testViewer } from '../../test/session'
import ConversionsScreen from '.'
import { CREDENTIAL_FIELDS, DestinationForm } from './DestinationForm'

type Vars = Record<string, unknown> & { input?: Record<string, unknown> }

const userError = (message: string, field: string[] | null) => ({
  __typename: 'UserError',
  field,
  message,
  code: 'BAD_USER_INPUT',
})

function destination(over: Record<string, unknown> = {}) {
  return {
    __typename: 'ConversionDestination',
    id: 'dest-1',
    platform: 'META',
    name: 'Meta pixel',
    credentialKeys: ['accessToken', 'pixelId'],
    baseUrl: null,
    testEventCode: null,
    eventMappings: [],
    limitedDataUse: false,
    legitimateInterest: false,
    enabled: true,
    createdAt: '2026-12-01T10:00:00Z',
    updatedAt: '2026-12-01T10:00:00Z',
    ...over,
  }
}

function delivery(over: Record<string, unknown> = {}) {
  return {
    __typename: 'ConversionDelivery',
    id: 'del-1',
    destinationId: 'dest-1',
    messageId: 'msg-1',
    status: 'SENT',
    attempts: 1,
    eventName: 'Purchase',
    sourceEvent: 'Order Completed',
    eventTime: '2026-12-01T09:59:00Z',
    legalBasis: 'CONSENT',
    requestSummary: 'POST /v25.0/1234567890/events (1 event)',
    response: '{"events_received":1}',
    errorCode: null,
    latencyMs: 87,
    nextAttemptAt: null,
    createdAt: '2026-12-01T10:00:00Z',
    updatedAt: '2026-12-01T10:00:01Z',
    sentAt: '2026-12-01T10:00:01Z',
    ...over,
  }
}

/** A fake API answering the screen's operations as the server does; it records requests. */
class FakeApi extends ApolloLink {
  requests: { name: string; vars: Vars }[] = []
  /** createConversionDestination's userErrors (none: it is created). */
  refuse: ReturnType<typeof userError>[] = []
  destinations = [destination()]
  testAnswer = { ok: false, httpStatus: 400, message: 'Invalid parameter: event_time is too old', latencyMs: 123 }
  /** The delivery log's first page; `nextPage` is what `after: 'cursor-1'` returns. */
  deliveries = [delivery()]
  nextPage: ReturnType<typeof delivery>[] = []
  /** Events of processed batches waiting for their first send. */
  queued = 0
  /** replayDeliveries' count and userErrors. */
  replayCount = 0
  replayErrors: ReturnType<typeof userError>[] = []

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
      case 'Features':
        return {
          viewer: {
            __typename: 'Viewer',
            features: [
              { __typename: 'Feature', key: 'capi', enabled: true, source: 'PLAN', unlockedBy: 'PROFESSIONAL' },
            ],
          },
        }
      case 'ConversionDestinations':
        return {
          conversionDestinations: {
            __typename: 'ConversionDestinationConnection',
            totalCount: this.destinations.length,
            edges: this.destinations.map((d) => ({ __typename: 'ConversionDestinationEdge', cursor: d.id, node: d })),
            pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
          },
        }
      case 'CreateConversionDestination': {
        if (this.refuse.length) {
          return {
            createConversionDestination: {
              __typename: 'ConversionDestinationPayload',
              destination: null,
              userErrors: this.refuse,
            },
          }
        }
        const d = destination({ id: 'dest-new', name: v.input?.name, platform: v.input?.platform })
        this.destinations.unshift(d)
        return {
          createConversionDestination: { __typename: 'ConversionDestinationPayload', destination: d, userErrors: [] },
        }
      }
      case 'UpdateConversionDestination': {
        const d = destination({
          ...v.input,
          credentialKeys: ['accessToken', 'conversionActionId', 'customerId', 'developerToken'],
        })
        return {
          updateConversionDestination: { __typename: 'ConversionDestinationPayload', destination: d, userErrors: [] },
        }
      }
      case 'ConversionDeliveries': {
        const page = v.after === 'cursor-1' ? this.nextPage : this.deliveries
        const more = v.after == null && this.nextPage.length > 0
        return {
          deliveries: {
            __typename: 'ConversionDeliveryConnection',
            totalCount: this.deliveries.length + this.nextPage.length,
            queuedEvents: this.queued,
            edges: page.map((d) => ({ __typename: 'ConversionDeliveryEdge', cursor: `c-${d.id}`, node: d })),
            pageInfo: { __typename: 'PageInfo', hasNextPage: more, endCursor: more ? 'cursor-1' : null },
          },
        }
      }
      case 'ReplayDeliveries':
        return {
          replayDeliveries: {
            __typename: 'ReplayDeliveriesPayload',
            count: this.replayErrors.length ? 0 : this.replayCount,
            userErrors: this.replayErrors,
          },
        }
      case 'TestConversionDestination':
        return {
          testConversionDestination: {
            __typename: 'TestConversionDestinationPayload',
            result: { __typename: 'ConversionTestResult', testEventCode: 'TEST12345', ...this.testAnswer },
            userErrors: [],
          },
        }
    }
    throw new Error(`unexpected operation ${name}`)
  }
}

function wrap(api: FakeApi, role: Role, children: React.ReactNode) {
  const cache = new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          conversionDestinations: relayStylePagination(),
          deliveries: relayStylePagination(['destinationId', 'status', 'eventName']),
        },
      },
    },
  })
  return (
    <ApolloProvider client={new ApolloClient({ link: api, cache })}>
      <TestSession value={testSession(testViewer(role))}>
        <MemoryRouter initialEntries={['/conversions']}>
          <ToastProvider>{children}</ToastProvider>
        </MemoryRouter>
      </TestSession>
    </ApolloProvider>
  )
}

function setupForm() {
  const api = new FakeApi()
  const onSaved = vi.fn()
  const user = userEvent.setup()
  render(wrap(api, 'ADMIN', <DestinationForm onSaved={onSaved} onCancel={() => {}} />))
  const form = screen.getByRole('form', { name: 'New conversion destination' })
  return { api, onSaved, user, form }
}

describe('DestinationForm', () => {
  it('shows each platform’s own credential fields, tokens as password inputs', async () => {
    const { user, form } = setupForm()
    expect(within(form).getByLabelText('Pixel (dataset) ID')).toHaveAttribute('type', 'text')
    expect(within(form).getByLabelText('Access token')).toHaveAttribute('type', 'password')
    await user.selectOptions(within(form).getByLabelText('Platform'), 'GOOGLE')
    for (const f of CREDENTIAL_FIELDS.GOOGLE) {
      expect(within(form).getByLabelText(f.label)).toHaveAttribute('type', f.secret ? 'password' : 'text')
    }
    expect(within(form).queryByLabelText('Pixel (dataset) ID')).toBeNull()
    await user.selectOptions(within(form).getByLabelText('Platform'), 'SNAPCHAT')
    expect(within(form).getByLabelText('Pixel ID')).toBeInTheDocument()
  })

  it('shows the server’s errors at the fields their paths name, and sends only the platform’s credentials', async () => {
    const { api, user, form, onSaved } = setupForm()
    api.refuse = [
      userError('pixelId Meta’s pixel (dataset) id is a number (digits only)', ['input', 'credentials', 'pixelId']),
      userError('baseUrl must use https', ['input', 'baseUrl']),
    ]
    await user.type(within(form).getByLabelText('Name'), 'Shop pixel')
    await user.type(within(form).getByLabelText('Pixel (dataset) ID'), 'abc')
    await user.type(within(form).getByLabelText('Access token'), 'EAAtoken')
    await user.type(within(form).getByLabelText('API base URL (optional)'), 'http://example.com')
    await user.click(within(form).getByRole('button', { name: 'Create destination' }))

    await waitFor(() =>
      expect(within(form).getByLabelText('Pixel (dataset) ID')).toHaveAccessibleDescription(
        /is a number \(digits only\)/,
      ),
    )
    expect(within(form).getByLabelText('Pixel (dataset) ID')).toHaveAttribute('aria-invalid', 'true')
    expect(within(form).getByLabelText('API base URL (optional)')).toHaveAccessibleDescription(/must use https/)
    expect(within(form).getByLabelText('Access token')).not.toHaveAttribute('aria-invalid', 'true')
    expect(onSaved).not.toHaveBeenCalled()
    expect(api.called('CreateConversionDestination')[0]!.vars.input).toMatchObject({
      platform: 'META',
      name: 'Shop pixel',
      credentials: { pixelId: 'abc', accessToken: 'EAAtoken' },
      baseUrl: 'http://example.com',
    })

    // Positive control: the same form, accepted, is saved.
    api.refuse = []
    await user.clear(within(form).getByLabelText('Pixel (dataset) ID'))
    await user.type(within(form).getByLabelText('Pixel (dataset) ID'), '1234567890')
    await user.clear(within(form).getByLabelText('API base URL (optional)'))
    await user.click(within(form).getByRole('button', { name: 'Create destination' }))
    await waitFor(() => expect(onSaved).toHaveBeenCalledTimes(1))
    expect(api.called('CreateConversionDestination')[1]!.vars.input).toMatchObject({
      credentials: { pixelId: '1234567890', accessToken: 'EAAtoken' },
      baseUrl: null,
    })
  })

  it('edits: empty fields keep the stored values; a stored optional field can be removed', async () => {
    const api = new FakeApi()
    const onSaved = vi.fn()
    const user = userEvent.setup()
    const google = destination({
      id: 'dest-g',
      platform: 'GOOGLE',
      name: 'Google purchases',
      credentialKeys: ['conversionActionId', 'customerId', 'developerToken', 'refreshToken'],
    })
    render(wrap(api, 'ADMIN', <DestinationForm destination={google as never} onSaved={onSaved} onCancel={() => {}} />))
    const form = screen.getByRole('form', { name: 'Edit Google purchases' })
    expect(within(form).getByLabelText('Platform')).toBeDisabled()
    expect(within(form).getByLabelText('Developer token')).toHaveValue('')
    expect(within(form).getByLabelText('Developer token')).toHaveAttribute('placeholder', '•••••• (set)')
    // Required fields cannot be removed, only replaced.
    expect(within(form).queryByLabelText('Remove the stored developer token')).toBeNull()
    await user.type(within(form).getByLabelText('Access token'), 'ya29.new')
    await user.click(within(form).getByLabelText('Remove the stored refresh token'))
    await user.click(within(form).getByRole('button', { name: 'Save changes' }))
    await waitFor(() => expect(onSaved).toHaveBeenCalledTimes(1))
    expect(api.called('UpdateConversionDestination')[0]!.vars.input).toMatchObject({
      id: 'dest-g',
      credentials: { accessToken: 'ya29.new', refreshToken: '' },
    })
  })

  it('edits event mappings; an error about a mapping shows at its field', async () => {
    const { api, user, form, onSaved } = setupForm()
    api.refuse = [userError('TikTok has no event named Purchase', ['input', 'eventMappings', '0', 'target'])]
    await user.type(within(form).getByLabelText('Name'), 'Shop pixel')
    await user.type(within(form).getByLabelText('Pixel (dataset) ID'), '1234567890')
    await user.type(within(form).getByLabelText('Access token'), 'EAAtoken')
    await user.click(within(form).getByRole('button', { name: 'Add mapping' }))
    const row = within(form).getByRole('group', { name: 'Mapping 1' })
    await user.type(within(row).getByLabelText('CDP event'), 'Checkout Done')
    await user.type(within(row).getByLabelText('Platform event'), 'Purchase')
    await user.type(within(row).getByLabelText('Value path'), 'properties.total')
    await user.click(within(form).getByRole('button', { name: 'Create destination' }))
    await waitFor(() =>
      expect(within(row).getByLabelText('Platform event')).toHaveAccessibleDescription(/no event named Purchase/),
    )
    expect(within(row).getByLabelText('CDP event')).not.toHaveAttribute('aria-invalid', 'true')
    expect(onSaved).not.toHaveBeenCalled()
    expect(api.called('CreateConversionDestination')[0]!.vars.input).toMatchObject({
      eventMappings: [
        {
          source: 'Checkout Done',
          target: 'Purchase',
          value: 'properties.total',
          currency: null,
          contentIds: null,
          orderId: null,
        },
      ],
    })
    // Positive control: accepted, it is saved.
    api.refuse = []
    await user.click(within(form).getByRole('button', { name: 'Create destination' }))
    await waitFor(() => expect(onSaved).toHaveBeenCalledTimes(1))
  })

  it('asks for the required fields before calling the server', async () => {
    const { api, user, form } = setupForm()
    await user.click(within(form).getByRole('button', { name: 'Create destination' }))
    expect(within(form).getByLabelText('Name')).toHaveAccessibleDescription(/Give the destination a name/)
    expect(within(form).getByLabelText('Access token')).toHaveAccessibleDescription(/Access token is needed/)
    expect(api.called('CreateConversionDestination')).toHaveLength(0)
  })
})

describe('ConversionsScreen', () => {
  it('lists destinations and shows a test event’s answer in the platform’s words', async () => {
    const api = new FakeApi()
    const user = userEvent.setup()
    render(wrap(api, 'ADMIN', <ConversionsScreen />))
    const table = await screen.findByRole('table', { name: 'Conversion destinations' })
    expect(within(table).getByText('Meta pixel')).toBeInTheDocument()
    expect(within(table).getByText('accessToken, pixelId')).toBeInTheDocument()
    await user.click(within(table).getByRole('button', { name: 'Send test event to Meta pixel' }))
    expect(await screen.findByText('Invalid parameter: event_time is too old')).toBeInTheDocument()
    expect(screen.getByText('123 ms')).toBeInTheDocument()
    expect(api.called('TestConversionDestination')[0]!.vars.input).toEqual({ id: 'dest-1' })
  })

  it('explains what a destination is when there is none, and keeps viewers from changing anything', async () => {
    const api = new FakeApi()
    api.destinations = []
    render(wrap(api, 'VIEWER', <ConversionsScreen />))
    expect(await screen.findByText('No destinations yet')).toBeInTheDocument()
    expect(screen.getByText(/A destination is a platform’s conversion API/)).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'New destination' })).toBeDisabled()
  })
})

describe('DeliveryLog', () => {
  const metaError = '(#100) Invalid parameter: <b>user_data</b> & "em" must be hashed'

  function setup(api = new FakeApi(), role: Role = 'ANALYST') {
    const user = userEvent.setup()
    render(wrap(api, role, <ConversionsScreen />))
    return { api, user }
  }

  const lastLogVars = (api: FakeApi) => api.called('ConversionDeliveries').at(-1)!.vars

  it('shows each delivery’s status and the platform’s answer verbatim, as text', async () => {
    const api = new FakeApi()
    const long = `Retry-After exceeded: ${'x'.repeat(300)} END`
    api.deliveries = [
      delivery(),
      delivery({
        id: 'del-2',
        status: 'FAILED',
        response: metaError,
        errorCode: '100',
        latencyMs: 240,
        sentAt: null,
      }),
      delivery({ id: 'del-3', status: 'DEAD', attempts: 8, response: long, sentAt: null, sourceEvent: 'Purchase' }),
      delivery({
        id: 'del-4',
        status: 'SKIPPED',
        attempts: 0,
        legalBasis: null,
        requestSummary: null,
        response: 'no ADS consent',
        latencyMs: null,
        sentAt: null,
      }),
    ]
    const { user } = setup(api)
    const table = await screen.findByRole('table', { name: 'Deliveries to Meta pixel' })
    expect(lastLogVars(api)).toEqual({ destinationId: 'dest-1', status: null, eventName: null, first: 50 })
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(4)
    expect(within(rows[0]!).getByText('Sent')).toBeInTheDocument()
    expect(within(rows[0]!).getByText('from Order Completed')).toBeInTheDocument()
    expect(within(rows[0]!).getByText('87 ms')).toBeInTheDocument()
    expect(within(rows[0]!).getByText('POST /v25.0/1234567890/events (1 event)')).toBeInTheDocument()
    expect(within(rows[1]!).getByText('Failed')).toBeInTheDocument()
    // The platform's words exactly, markup shown as characters, never rendered.
    expect(within(rows[1]!).getByText(metaError)).toBeInTheDocument()
    expect(within(rows[1]!).getByText('Code 100')).toBeInTheDocument()
    expect(table.querySelector('b')).toBeNull()
    expect(within(rows[2]!).getByText('Gave up')).toBeInTheDocument()
    expect(within(rows[2]!).queryByText('from Purchase')).toBeNull()
    expect(within(rows[3]!).getByText('Skipped (no consent)')).toBeInTheDocument()
    expect(within(rows[3]!).getByText('no ADS consent')).toBeInTheDocument()
    // A long answer shows its beginning until expanded.
    expect(within(rows[2]!).queryByText(long)).toBeNull()
    await user.click(within(rows[2]!).getByRole('button', { name: 'Show all of the answer' }))
    expect(within(rows[2]!).getByText(long)).toBeInTheDocument()
    expect(within(rows[2]!).getByRole('button', { name: 'Show less of the answer' })).toHaveAttribute(
      'aria-expanded',
      'true',
    )
  })

  it('filters by status and a trimmed event name, bounded to 200 bytes', async () => {
    const { api, user } = setup()
    await screen.findByRole('table', { name: 'Deliveries to Meta pixel' })
    const form = screen.getByRole('form', { name: 'Filter the delivery log' })
    await user.selectOptions(within(form).getByLabelText('Status'), 'FAILED')
    await user.type(within(form).getByLabelText('Event name'), '  Purchase  ')
    await user.click(within(form).getByRole('button', { name: 'Apply' }))
    await waitFor(() =>
      expect(lastLogVars(api)).toEqual({ destinationId: 'dest-1', status: 'FAILED', eventName: 'Purchase', first: 50 }),
    )

    // 101 characters but 202 bytes: refused before any request.
    const sent = api.called('ConversionDeliveries').length
    await user.clear(within(form).getByLabelText('Event name'))
    await user.type(within(form).getByLabelText('Event name'), 'é'.repeat(101))
    await user.click(within(form).getByRole('button', { name: 'Apply' }))
    expect(within(form).getByLabelText('Event name')).toHaveAccessibleDescription(/At most 200 bytes \(this is 202\)/)
    expect(api.called('ConversionDeliveries')).toHaveLength(sent)

    // Clear goes back to the unfiltered log (cached: no new request needed).
    await user.click(within(form).getByRole('button', { name: 'Clear' }))
    expect(within(form).getByLabelText('Status')).toHaveValue('')
    expect(within(form).getByLabelText('Event name')).toHaveValue('')
    expect(within(form).getByLabelText('Event name')).not.toHaveAttribute('aria-invalid')
  })

  it('says truthfully when there is nothing yet, and when nothing matches', async () => {
    const api = new FakeApi()
    api.deliveries = []
    const { user } = setup(api)
    expect(await screen.findByText('No deliveries yet')).toBeInTheDocument()
    expect(screen.getByText(/recorded when the destination’s send first takes an event it maps/)).toBeInTheDocument()
    expect(screen.queryByText(/waiting for this destination/)).not.toBeInTheDocument()
    const form = screen.getByRole('form', { name: 'Filter the delivery log' })
    await user.selectOptions(within(form).getByLabelText('Status'), 'DEAD')
    await user.click(within(form).getByRole('button', { name: 'Apply' }))
    expect(await screen.findByText('No deliveries match')).toBeInTheDocument()
  })

  it('says how many events wait for their first send', async () => {
    const api = new FakeApi()
    api.deliveries = []
    api.queued = 1200
    setup(api)
    expect(await screen.findByText(/1,200 events of processed batches waiting for this destination’s next send/)).toBeInTheDocument()
    expect(screen.getByText('No deliveries yet')).toBeInTheDocument()
  })

  it('loads the next page after the end cursor', async () => {
    const api = new FakeApi()
    api.nextPage = [delivery({ id: 'del-old', eventName: 'Lead', sourceEvent: 'Signed Up' })]
    const { user } = setup(api)
    const table = await screen.findByRole('table', { name: 'Deliveries to Meta pixel' })
    expect(screen.getByText('Showing 1 of 2 deliveries')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Load more' }))
    await waitFor(() => expect(within(table).getByText('Lead')).toBeInTheDocument())
    expect(lastLogVars(api)).toMatchObject({ destinationId: 'dest-1', after: 'cursor-1' })
    expect(within(table).getByText('Purchase')).toBeInTheDocument()
    expect(screen.getByText('Showing 2 of 2 deliveries')).toBeInTheDocument()
  })

  it('replays failed deliveries in a range and reports the API’s count, including none', async () => {
    const api = new FakeApi()
    api.deliveries = [delivery({ status: 'FAILED', response: metaError })]
    const { user } = setup(api)
    await screen.findByRole('table', { name: 'Deliveries to Meta pixel' })
    // Only a FAILED or DEAD filter offers a replay.
    expect(screen.queryByRole('button', { name: /^Replay/ })).toBeNull()
    const form = screen.getByRole('form', { name: 'Filter the delivery log' })
    await user.selectOptions(within(form).getByLabelText('Status'), 'FAILED')
    await user.click(within(form).getByRole('button', { name: 'Apply' }))

    api.replayCount = 3
    await user.click(await screen.findByRole('button', { name: 'Replay failed deliveries…' }))
    let dialog = screen.getByRole('dialog', { name: 'Replay failed deliveries to “Meta pixel”?' })
    fireEvent.change(within(dialog).getByLabelText('Recorded from (optional)'), {
      target: { value: '2026-12-01T08:00' },
    })
    fireEvent.change(within(dialog).getByLabelText('Recorded before (optional)'), {
      target: { value: '2026-12-01T12:00' },
    })
    const logReads = api.called('ConversionDeliveries').length
    await user.click(within(dialog).getByRole('button', { name: 'Replay' }))
    expect(await screen.findByText(/^3 deliveries queued again/)).toBeInTheDocument()
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(api.called('ReplayDeliveries')[0]!.vars.input).toEqual({
      destinationId: 'dest-1',
      status: 'FAILED',
      from: new Date('2026-12-01T08:00').toISOString(),
      to: new Date('2026-12-01T12:00').toISOString(),
    })
    await waitFor(() => expect(api.called('ConversionDeliveries').length).toBeGreaterThan(logReads))

    // The same again changes nothing: the screen says so, not "queued".
    api.replayCount = 0
    await user.click(screen.getByRole('button', { name: 'Replay failed deliveries…' }))
    dialog = screen.getByRole('dialog', { name: 'Replay failed deliveries to “Meta pixel”?' })
    await user.click(within(dialog).getByRole('button', { name: 'Replay' }))
    expect(await screen.findByText(/^None were queued/)).toBeInTheDocument()
    expect(screen.queryByText(/queued again/)).toBeNull()
    expect(api.called('ReplayDeliveries')[1]!.vars.input).toEqual({
      destinationId: 'dest-1',
      status: 'FAILED',
      from: null,
      to: null,
    })
  })

  it('checks a replay’s range before calling the API and shows the server’s refusal at its field', async () => {
    const api = new FakeApi()
    const { user } = setup(api)
    await screen.findByRole('table', { name: 'Deliveries to Meta pixel' })
    const form = screen.getByRole('form', { name: 'Filter the delivery log' })
    await user.selectOptions(within(form).getByLabelText('Status'), 'DEAD')
    await user.click(within(form).getByRole('button', { name: 'Apply' }))
    await user.click(await screen.findByRole('button', { name: 'Replay given-up deliveries…' }))
    const dialog = screen.getByRole('dialog', { name: 'Replay given-up deliveries to “Meta pixel”?' })
    const from = within(dialog).getByLabelText('Recorded from (optional)')
    const to = within(dialog).getByLabelText('Recorded before (optional)')
    fireEvent.change(from, { target: { value: '2026-12-02T08:00' } })
    fireEvent.change(to, { target: { value: '2026-12-01T08:00' } })
    await user.click(within(dialog).getByRole('button', { name: 'Replay' }))
    expect(to).toHaveAccessibleDescription(/The end must be after the start/)
    expect(api.called('ReplayDeliveries')).toHaveLength(0)

    // Positive control: a valid range reaches the API; its refusal shows at the field it names.
    api.replayErrors = [userError('to must be after from', ['input', 'to'])]
    fireEvent.change(to, { target: { value: '2026-12-03T08:00' } })
    await user.click(within(dialog).getByRole('button', { name: 'Replay' }))
    await waitFor(() => expect(to).toHaveAccessibleDescription(/to must be after from/))
    expect(api.called('ReplayDeliveries')[0]!.vars.input).toMatchObject({ status: 'DEAD' })
    expect(screen.queryByText(/deliveries? queued again|None were queued/)).toBeNull()
  })

  it('keeps viewers from replaying, and says why', async () => {
    const api = new FakeApi()
    const { user } = setup(api, 'VIEWER')
    await screen.findByRole('table', { name: 'Deliveries to Meta pixel' })
    const form = screen.getByRole('form', { name: 'Filter the delivery log' })
    await user.selectOptions(within(form).getByLabelText('Status'), 'DEAD')
    await user.click(within(form).getByRole('button', { name: 'Apply' }))
    const button = await screen.findByRole('button', { name: 'Replay given-up deliveries…' })
    expect(button).toBeDisabled()
    expect(button).toHaveAccessibleDescription('Only analysts and admins can replay deliveries.')
  })
})
