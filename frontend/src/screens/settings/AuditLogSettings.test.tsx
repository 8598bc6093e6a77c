import { screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import { renderWithApi } from '../../trust/testProviders'
import { AuditLogSettings, toAuditLogFilter } from './AuditLogSettings'
import { AuditLogDocument } from './operations'
import { PAGE_SIZE } from './paging'

describe('toAuditLogFilter', () => {
  it('is null when nothing is filled in', () => {
    expect(toAuditLogFilter({ actions: ' , ', outcome: '', since: '', until: '' })).toBeNull()
  })

  it('splits actions and covers whole local days', () => {
    const filter = toAuditLogFilter({
      actions: 'auth.log_in, api_key.create',
      outcome: 'FAILURE',
      since: '2026-03-01',
      until: '2026-03-02',
    })
    expect(filter).toEqual({
      actions: ['auth.log_in', 'api_key.create'],
      outcome: 'FAILURE',
      since: new Date(2026, 2, 1).toISOString(),
      until: new Date(2026, 2, 3).toISOString(),
    })
  })
})

describe('AuditLogSettings', () => {
  it('names actors, targets and outcomes in words, not codes (ApiKey is "API key")', async () => {
    const entry = (id: string, actorType: string, actorEmail: string | null, targetType: string | null) => ({
      __typename: 'AuditEntry' as const,
      id,
      actorType,
      actorEmail,
      action: 'api_key.create',
      targetType,
      targetId: null,
      ip: null,
      outcome: 'SUCCESS' as const,
      details: null,
      createdAt: '2026-12-01T10:00:00Z',
    })
    const auditLog = {
      __typename: 'AuditEntryConnection' as const,
      totalCount: 2,
      edges: [
        entry('A1', 'USER', 'ada@example.com', 'ApiKey'),
        entry('A2', 'API_KEY', null, 'NotificationChannel'),
      ].map((node) => ({ __typename: 'AuditEntryEdge' as const, cursor: node.id, node })),
      pageInfo: { __typename: 'PageInfo' as const, hasNextPage: false, endCursor: 'A2' },
    }
    renderWithApi(<AuditLogSettings />, [
      {
        request: { query: AuditLogDocument, variables: { first: PAGE_SIZE, filter: null } },
        result: { data: { auditLog } },
      },
    ])
    const table = await screen.findByRole('table', { name: 'Audit log entries' })
    expect(within(table).getByText('API key')).toBeInTheDocument()
    expect(within(table).getByText('Notification channel')).toBeInTheDocument()
    expect(within(table).getByText('An API key')).toBeInTheDocument()
    expect(within(table).getByText('ada@example.com')).toBeInTheDocument()
    expect(table).not.toHaveTextContent('ApiKey')
    expect(table).not.toHaveTextContent('API_KEY')
    expect(within(table).getAllByText('Success')).toHaveLength(2)
  })
})
