import { describe, expect, it } from 'vitest'

import { ACCESS_TOKEN_KEY } from '../auth'
import { graphqlEndpoints } from '../endpoints'
import { initialHeaders } from './config'

describe('GraphiQL headers', () => {
  it('are empty when the dashboard has stored no token', () => {
    expect(initialHeaders()).toBeUndefined()
  })

  it('carry the dashboard token as a bearer Authorization header', () => {
    localStorage.setItem(ACCESS_TOKEN_KEY, 'tok.en')
    expect(JSON.parse(initialHeaders()!)).toEqual({ Authorization: 'Bearer tok.en' })
  })
})

describe('graphqlEndpoints', () => {
  it('uses ws: next to http: and wss: next to https:', () => {
    expect(graphqlEndpoints({ protocol: 'http:', host: 'localhost:8080' })).toEqual({
      http: 'http://localhost:8080/graphql',
      ws: 'ws://localhost:8080/graphql',
    })
    expect(graphqlEndpoints({ protocol: 'https:', host: 'app.example.com' }).ws).toBe(
      'wss://app.example.com/graphql',
    )
  })
})
