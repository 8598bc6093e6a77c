import type { MockLink } from '@apollo/client/testing'
import { MockedProvider } from '@apollo/client/testing/react'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { ToastProvider } from '../../components/ui'
import type { CreateNotificationChannelMutationVariables } from '../../gql/graphql'
import { CreateChannelDialog, hears, NotificationsSettings } from './NotificationsSettings'
import {
  CreateNotificationChannelDocument,
  NotificationChannelsDocument,
  NotificationDeliveriesDocument,
} from './notificationOperations'

type Mock = MockLink.MockedResponse<Record<string, unknown>, Record<string, unknown>>

const subscriptions = {
  __typename: 'NotificationSubscriptions',
  incidentsOpened: true,
  incidentsClosed: false,
  minIncidentSeverity: 'HIGH',
  actionsAwaitingApproval: true,
  autopilotModeChanges: false,
  dailyDigest: true,
} as const

const channel = {
  __typename: 'NotificationChannel',
  id: 'Tm90aWZpY2F0aW9uQ2hhbm5lbDox',
  kind: 'WEBHOOK',
  name: 'Ops hook',
  target: 'https://hooks.example.com/stratum',
  enabled: true,
  createdAt: '2026-12-01T10:00:00Z',
  subscriptions,
} as const

function created(kind: 'WEBHOOK' | 'EMAIL', signingSecret: string | null, userErrors: unknown[] = []): Mock {
  return {
    request: {
      query: CreateNotificationChannelDocument,
      variables: (v) => (v as CreateNotificationChannelMutationVariables).input.kind === kind,
    },
    result: {
      data: {
        createNotificationChannel: {
          __typename: 'CreateNotificationChannelPayload',
          channel: userErrors.length ? null : { ...channel, kind },
          signingSecret,
          userErrors,
        },
      },
    },
  }
}

function renderDialog(mocks: Mock[]) {
  const onClose = vi.fn()
  const onCreated = vi.fn()
  render(
    <MockedProvider mocks={mocks}>
      <CreateChannelDialog onClose={onClose} onCreated={onCreated} />
    </MockedProvider>,
  )
  return { onClose, onCreated, user: userEvent.setup() }
}

async function fill(user: ReturnType<typeof userEvent.setup>, kind: string, target: string) {
  const dialog = screen.getByRole('dialog', { name: 'Add notification channel' })
  await user.selectOptions(within(dialog).getByLabelText('Kind'), kind)
  await user.type(within(dialog).getByLabelText('Name'), 'Ops hook')
  await user.type(within(dialog).getByRole('textbox', { name: /URL|E-mail address/ }), target)
  await user.click(within(dialog).getByRole('button', { name: 'Add channel' }))
}

beforeEach(() => {
  // No development mail sink in these tests.
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response('<html></html>', { headers: { 'Content-Type': 'text/html' } })),
  )
})
afterEach(() => vi.unstubAllGlobals())

describe('hears', () => {
  it('says what a channel hears in words', () => {
    expect(hears(subscriptions)).toBe('Incidents opened (High or worse), approvals, daily digest')
    expect(
      hears({
        ...subscriptions,
        incidentsOpened: false,
        actionsAwaitingApproval: false,
        dailyDigest: false,
      }),
    ).toBe('Nothing (tests only)')
  })
})

describe('CreateChannelDialog', () => {
  it('shows a webhook’s signing secret once, with how to verify it', async () => {
    const { user, onCreated, onClose } = renderDialog([created('WEBHOOK', 'whsec_abc')])
    await fill(user, 'Webhook', 'https://hooks.example.com/stratum')
    const shown = await screen.findByRole('dialog', { name: 'Webhook channel created' })
    expect(within(shown).getByLabelText('Signing secret')).toHaveTextContent('whsec_abc')
    expect(within(shown).getByText(/only time it is shown/)).toBeInTheDocument()
    expect(within(shown).getByText(/within 5 minutes/)).toBeInTheDocument()
    expect(onCreated).toHaveBeenCalledOnce()
    await user.click(within(shown).getByRole('button', { name: 'Done' }))
    expect(onClose).toHaveBeenCalledOnce()
  })

  it('puts the server’s refusal under the field it names', async () => {
    const { user, onCreated } = renderDialog([
      created('WEBHOOK', null, [
        {
          __typename: 'UserError',
          field: ['input', 'target'],
          message: 'target must use https',
          code: 'BAD_USER_INPUT',
        },
      ]),
    ])
    await fill(user, 'Webhook', 'http://hooks.example.com/x')
    const dialog = screen.getByRole('dialog', { name: 'Add notification channel' })
    await within(dialog).findByText('target must use https')
    expect(within(dialog).getByRole('textbox', { name: 'URL' })).toHaveAccessibleDescription(/must use https/)
    expect(onCreated).not.toHaveBeenCalled()
  })

  it('closes after creating an e-mail channel (no secret to show)', async () => {
    const { user, onClose } = renderDialog([created('EMAIL', null)])
    await fill(user, 'E-mail', 'oncall@example.com')
    await vi.waitFor(() => expect(onClose).toHaveBeenCalledOnce())
  })
})

describe('NotificationsSettings', () => {
  it('lists channels and the delivery log with each outcome', async () => {
    const page = { __typename: 'PageInfo', hasNextPage: false, endCursor: null }
    const delivery = (id: string, status: string, lastError: string | null, responseCode: number | null) => ({
      __typename: 'NotificationDelivery',
      id,
      event: 'INCIDENT_OPENED',
      status,
      title: 'Incident opened (High): EMQ fell',
      attempts: 2,
      responseCode,
      lastError,
      createdAt: '2026-12-01T10:00:00Z',
      sentAt: status === 'SENT' ? '2026-12-01T10:00:05Z' : null,
      channel: { __typename: 'NotificationChannel', id: channel.id, name: channel.name },
    })
    const mocks: Mock[] = [
      {
        request: { query: NotificationChannelsDocument, variables: { first: 10 } },
        result: {
          data: {
            notificationChannels: {
              __typename: 'NotificationChannelConnection',
              totalCount: 1,
              edges: [{ __typename: 'NotificationChannelEdge', node: channel }],
              pageInfo: page,
            },
          },
        },
      },
      {
        request: { query: NotificationDeliveriesDocument, variables: { first: 10 } },
        result: {
          data: {
            notificationDeliveries: {
              __typename: 'NotificationDeliveryConnection',
              totalCount: 2,
              edges: [
                { __typename: 'NotificationDeliveryEdge', node: delivery('ZDox', 'SENT', null, 200) },
                {
                  __typename: 'NotificationDeliveryEdge',
                  node: delivery('ZDoy', 'FAILED', 'the receiver refused it with HTTP 404', 404),
                },
              ],
              pageInfo: page,
            },
          },
        },
      },
    ]
    render(
      <MockedProvider mocks={mocks}>
        <ToastProvider>
          <MemoryRouter>
            <NotificationsSettings />
          </MemoryRouter>
        </ToastProvider>
      </MockedProvider>,
    )
    const channels = await screen.findByRole('table', { name: 'Notification channels' })
    expect(within(channels).getByText('https://hooks.example.com/stratum')).toBeInTheDocument()
    expect(within(channels).getByRole('button', { name: 'Send a test to Ops hook' })).toBeInTheDocument()
    const log = await screen.findByRole('table', { name: 'Delivery log' })
    expect(within(log).getByText(/Accepted \(HTTP 200\)/)).toBeInTheDocument()
    expect(within(log).getByText('the receiver refused it with HTTP 404')).toBeInTheDocument()
    expect(within(log).getByText('Failed')).toBeInTheDocument()
    expect(screen.queryByText(/development mail sink/)).not.toBeInTheDocument()
  })
})
