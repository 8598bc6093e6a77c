import '@testing-library/jest-dom/vitest'

import { cleanup } from '@testing-library/react'
import { afterEach } from 'vitest'

import { resetViewport } from './viewport'

afterEach(() => {
  cleanup()
  localStorage.clear()
  resetViewport()
})
