import { describe, expect, it } from 'vitest'

import { auditDetails } from './auditDetails'

describe('auditDetails', () => {
  it('lists a JSON object as key: value pairs', () => {
    expect(auditDetails('{"from":"ANALYST","to":"ADMIN","scopes":["READ","WRITE"],"mfa":true}')).toEqual([
      'from: ANALYST',
      'to: ADMIN',
      'scopes: READ, WRITE',
      'mfa: true',
    ])
    expect(auditDetails('{"issues":{"emq":0.4}}')).toEqual(['issues: {"emq":0.4}'])
  })

  it('shows other text as it is, and nothing for no details', () => {
    expect(auditDetails('not json')).toEqual(['not json'])
    expect(auditDetails('[1,2]')).toEqual(['[1,2]'])
    expect(auditDetails(null)).toEqual([])
    expect(auditDetails('')).toEqual([])
  })
})
