import { afterEach, describe, expect, it } from 'vitest'

import { CSRF_HEADER, csrfHeaders, csrfToken, readCookie } from './cookies'

describe('readCookie', () => {
  it('finds a cookie among others and decodes it', () => {
    expect(readCookie('b', 'a=1; b=x%3Dy; c=3')).toBe('x=y')
    expect(readCookie('a', 'a=1; b=2')).toBe('1')
    expect(readCookie('missing', 'a=1')).toBeNull()
    expect(readCookie('a', '')).toBeNull()
  })

  it('does not match a cookie whose name only ends with the wanted one', () => {
    expect(readCookie('csrf', 'stratum_csrf=1')).toBeNull()
  })
})

describe('csrfHeaders', () => {
  afterEach(() => {
    document.cookie = 'stratum_csrf=; max-age=0'
  })

  it('is empty without a session and carries the cookie value with one', () => {
    expect(csrfToken()).toBeNull()
    expect(csrfHeaders()).toEqual({})
    document.cookie = 'stratum_csrf=abc123'
    expect(csrfHeaders()).toEqual({ [CSRF_HEADER]: 'abc123' })
  })
})
