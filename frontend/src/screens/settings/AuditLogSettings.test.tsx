import { describe, expect, it } from 'vitest'

import { toAuditLogFilter } from './AuditLogSettings'

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
