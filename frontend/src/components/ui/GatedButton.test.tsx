import { screen } from '@testing-library/react'
import { MemoryRouter } from 'react-router-dom'
import { describe, expect, it, vi } from 'vitest'

import { featuresMock } from '../../test/features'
import { renderWithApi } from '../../trust/testProviders'
import { GatedButton } from './GatedButton'

function renderButton(off: Parameters<typeof featuresMock>[0]) {
  const onClick = vi.fn()
  const onCreate = vi.fn()
  renderWithApi(
    <MemoryRouter>
      <GatedButton feature="what_if_simulator" onClick={onClick}>
        Dry run
      </GatedButton>
      <GatedButton feature="automation_rules" onClick={onCreate}>
        Create rule
      </GatedButton>
    </MemoryRouter>,
    [featuresMock(off)],
  )
  return { onClick, onCreate }
}

describe('GatedButton', () => {
  it('is disabled and names the plan that unlocks it, with a link to the plans, when the plan lacks the flag', async () => {
    const { onClick, onCreate } = renderButton({ what_if_simulator: 'PLAN' })
    const note = await screen.findByText('Unlocks with Professional', { exact: false })
    const button = screen.getByRole('button', { name: 'Dry run' })
    expect(button).toBeDisabled()
    expect(button).toHaveAccessibleDescription(/Unlocks with Professional/)
    expect(note).toHaveTextContent('Unlocks with Professional · See plans')
    expect(screen.getByRole('link', { name: 'See plans' })).toHaveAttribute('href', '/settings/billing')
    // The positive control: a flag that is on leaves its button as it was.
    expect(screen.getByRole('button', { name: 'Create rule' })).toBeEnabled()
    expect(screen.queryByText(/Unlocks with Enterprise|Unlocks with Starter/)).toBeNull()
    screen.getByRole('button', { name: 'Create rule' }).click()
    button.click()
    expect(onCreate).toHaveBeenCalledOnce()
    expect(onClick).not.toHaveBeenCalled()
  })

  it('says an operator or the server switched it off, without offering a plan', async () => {
    renderButton({ what_if_simulator: 'OVERRIDE', automation_rules: 'GLOBAL' })
    await screen.findByText('Switched off for this workspace by Stratum')
    expect(screen.getByText('Switched off on this server')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Dry run' })).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Create rule' })).toBeDisabled()
    expect(screen.queryByRole('link', { name: 'See plans' })).toBeNull()
  })
})
