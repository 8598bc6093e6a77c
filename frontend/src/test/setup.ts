import '@testing-library/jest-dom/vitest'

import { cleanup } from '@testing-library/react'
import { afterEach, vi } from 'vitest'

import { resetViewport } from './viewport'

afterEach(() => {
  cleanup()
  localStorage.clear()
  resetViewport()
  // Files share a worker's environment (isolate: false): a test that
  // failed between useFakeTimers and useRealTimers leaves none behind.
  vi.useRealTimers()
})
