import { CombinedGraphQLErrors } from '@apollo/client'
import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import { QueryState } from './QueryState'

const refused = (code: string, extensions: Record<string, unknown> = {}) =>
  new CombinedGraphQLErrors({
    data: null,
    errors: [{ message: 'autopilot is not available', extensions: { code, ...extensions } }],
  })

describe('QueryState', () => {
  it('shows the plan that unlocks a FEATURE_DISABLED field instead of an error', () => {
    render(
      <QueryState
        data={undefined}
        loading={false}
        error={refused('FEATURE_DISABLED', { feature: 'what_if_simulator', requiredPlan: 'PROFESSIONAL' })}
      >
        {() => <p>loaded</p>}
      </QueryState>,
    )
    expect(screen.getByRole('status')).toHaveTextContent('Unlocks with Professional')
    expect(screen.getByRole('status')).toHaveTextContent('what if simulator')
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('shows any other refusal as an error (the control)', () => {
    render(
      <QueryState data={undefined} loading={false} error={refused('FORBIDDEN')}>
        {() => <p>loaded</p>}
      </QueryState>,
    )
    expect(screen.getByRole('alert')).toHaveTextContent('autopilot is not available')
    expect(screen.queryByText(/Unlocks with/)).toBeNull()
  })
})
