import { describe, expect, it } from 'vitest'

import { formErrors } from './userErrors'

describe('formErrors', () => {
  it('puts errors on the field their path ends with and the rest on the form', () => {
    const got = formErrors(
      [
        { field: ['input', 'email'], message: 'Enter a valid email', code: 'BAD_USER_INPUT' },
        { field: ['input', 'password'], message: 'Too short', code: 'BAD_USER_INPUT' },
        { field: ['input', 'other'], message: 'Something else', code: 'BAD_USER_INPUT' },
        { field: null, message: 'Wrong email or password', code: 'UNAUTHENTICATED' },
      ],
      ['email', 'password'] as const,
    )
    expect(got.fields).toEqual({ email: 'Enter a valid email', password: 'Too short' })
    expect(got.form).toBe('Something else Wrong email or password')
  })

  it('keeps the first message of a field', () => {
    const got = formErrors(
      [
        { field: ['input', 'name'], message: 'first', code: 'BAD_USER_INPUT' },
        { field: ['input', 'name'], message: 'second', code: 'BAD_USER_INPUT' },
      ],
      ['name'] as const,
    )
    expect(got).toEqual({ fields: { name: 'first' }, form: 'second' })
  })
})
