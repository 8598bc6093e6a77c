// Test-only: renders trust screens' components with a mocked API, the
// trust cache policies and the toast host they report through.
import { InMemoryCache } from '@apollo/client'
import type { MockLink } from '@apollo/client/testing'
import { MockedProvider } from '@apollo/client/testing/react'
import { render, type RenderResult } from '@testing-library/react'
import type { ReactElement } from 'react'

import { ToastProvider } from '../components/ui'
import { trustQueryFields, trustTypePolicies } from './cache'

/** The app's cache configuration for the trust engine's types. */
export function trustCache(): InMemoryCache {
  return new InMemoryCache({ typePolicies: { ...trustTypePolicies, Query: { fields: trustQueryFields } } })
}

export function renderWithApi(
  ui: ReactElement,
  mocks: ReadonlyArray<MockLink.MockedResponse> = [],
  cache = trustCache(),
): RenderResult {
  return render(
    <MockedProvider mocks={mocks} cache={cache} showWarnings={false}>
      <ToastProvider>{ui}</ToastProvider>
    </MockedProvider>,
  )
}
