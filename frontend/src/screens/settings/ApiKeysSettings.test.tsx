import type { MockLink } from '@apollo/client/testing'
import { MockedProvider } from '@apollo/client/testing/react'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'

import type { CreateApiKeyMutationVariables } from '../../gql/graphql'
import { CreateApiKeyDialog, expiryFrom } from './ApiKeysSettings'
import { CreateApiKeyDocument } from './operations'

type Mock = MockLink.MockedResponse<Record<string, unknown>, CreateApiKeyMutationVariables>

const secret = 'stratum_abc123_s3cr3tvalue'

function created(expiresAt: string | null): Mock {
  return {
    request: {
      query: CreateApiKeyDocument,
      variables: ({ input }) =>
        input.name === 'Warehouse' &&
        JSON.stringify(input.scopes) === '["READ","INGEST"]' &&
        input.expiresAt === expiresAt,
    },
    result: {
      data: {
        createApiKey: {
          __typename: 'CreateApiKeyPayload',
          secret,
          userErrors: [],
          apiKey: {
            __typename: 'ApiKey',
            id: 'QXBpS2V5OjE',
            name: 'Warehouse',
            prefix: 'abc123',
            scopes: ['READ', 'INGEST'],
            lastUsedAt: null,
            expiresAt,
            revokedAt: null,
            createdAt: '2026-12-01T10:00:00Z',
          },
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
      <CreateApiKeyDialog onClose={onClose} onCreated={onCreated} />
    </MockedProvider>,
  )
  return { onClose, onCreated, user: userEvent.setup() }
}

describe('CreateApiKeyDialog', () => {
  it('asks for a name and at least one scope', async () => {
    const { user } = renderDialog([])
    const dialog = screen.getByRole('dialog', { name: 'Create API key' })
    await user.click(within(dialog).getByRole('checkbox', { name: /Read/ }))
    await user.click(within(dialog).getByRole('button', { name: 'Create key' }))
    expect(within(dialog).getByLabelText('Name')).toHaveAccessibleDescription(/Give the key a name/)
    expect(within(dialog).getByRole('group', { name: 'Scopes' })).toHaveAccessibleDescription(/at least one scope/)
  })

  it('shows the secret once, with a copy button, and forgets it when closed', async () => {
    const { user, onClose, onCreated } = renderDialog([created(null)])
    const dialog = screen.getByRole('dialog', { name: 'Create API key' })
    await user.type(within(dialog).getByLabelText('Name'), 'Warehouse')
    await user.click(within(dialog).getByRole('checkbox', { name: /Ingest/ }))
    await user.selectOptions(within(dialog).getByLabelText('Expires after'), 'Never')
    await user.click(within(dialog).getByRole('button', { name: 'Create key' }))

    const shown = await screen.findByRole('dialog', { name: 'API key created' })
    expect(within(shown).getByLabelText('API key')).toHaveTextContent(secret)
    expect(within(shown).getByText(/only time it is shown/)).toBeInTheDocument()
    expect(onCreated).toHaveBeenCalledOnce()

    const writeText = vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue()
    await user.click(within(shown).getByRole('button', { name: 'Copy' }))
    expect(writeText).toHaveBeenCalledWith(secret)
    expect(within(shown).getByRole('button', { name: '✓ Copied' })).toBeInTheDocument()

    await user.click(within(shown).getByRole('button', { name: 'Done' }))
    expect(onClose).toHaveBeenCalledOnce()
  })
})

describe('expiryFrom', () => {
  it('adds whole days, or never expires', () => {
    expect(expiryFrom(30, new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-31T00:00:00.000Z')
    expect(expiryFrom(null)).toBeNull()
  })
})
