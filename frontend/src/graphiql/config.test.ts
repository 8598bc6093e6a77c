import { afterEach, describe, expect, it } from 'vitest'

import { graphqlEndpoints } from '../endpoints'
import { initialHeaders } from './config'

describe('GraphiQL headers', () => {
  afterEach(() => {
    document.cookie = 'stratum_csrf=; max-age=0'
  })

  it('are empty when the dashboard has no session', () => {
    expect(initialHeaders()).toBeUndefined()
  })

  it('carry the session’s CSRF token, which cookie-authenticated mutations need', () => {
    document.cookie = 'stratum_csrf=tok3n'
    expect(JSON.parse(initialHeaders()!)).toEqual({ 'X-CSRF-Token': 'tok3n' })
  })
})

describe('graphqlEndpoints', () => {
  it('uses ws: next to http: and wss: next to https:', () => {
    expect(graphqlEndpoints({ protocol: 'http:', host: 'localhost:8080' })).toEqual({
      http: 'http://localhost:8080/graphql',
      ws: 'ws://localhost:8080/graphql',
    })
    expect(graphqlEndpoints({ protocol: 'https:', host: 'app.example.com' }).ws).toBe('wss://app.example.com/graphql')
  })
})
