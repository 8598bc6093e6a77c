import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import { relayStylePagination } from '@apollo/client/utilities'
import { render, screen, waitFor, within } from '@testing-library/react'
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

/** A fake API answering the screen's operations as the server does; it records requests. */
class FakeApi extends ApolloLink {
  requests: { name: string; vars: Vars }[] = []
  /** createConversionDestination's userErrors (none: it is created). */
  refuse: ReturnType<typeof userError>[] = []
  destinations = [destination()]
  testAnswer = { ok: false, httpStatus: 400, message: 'Invalid parameter: event_time is too old', latencyMs: 123 }

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
    typePolicies: { Query: { fields: { conversionDestinations: relayStylePagination() } } },
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
