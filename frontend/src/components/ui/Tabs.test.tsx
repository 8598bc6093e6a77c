import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { useState } from 'react'
import { describe, expect, it } from 'vitest'

import { Tabs } from './Tabs'

type Id = 'one' | 'two' | 'three'

function Harness({ initial = 'one' }: { initial?: Id }) {
  const [selected, setSelected] = useState<Id>(initial)
  return (
    <Tabs
      label="Sections"
      selected={selected}
      onSelect={setSelected}
      tabs={[
        { id: 'one', label: 'One', panel: <input aria-label="Draft" /> },
        { id: 'two', label: 'Two', panel: <p>Second panel</p> },
        { id: 'three', label: 'Three', panel: <p>Third panel</p> },
      ]}
    />
  )
}

const tab = (name: string) => screen.getByRole('tab', { name })

describe('Tabs', () => {
  it('is a named tablist whose open tab controls the one visible tabpanel', () => {
    render(<Harness initial="two" />)
    expect(screen.getByRole('tablist', { name: 'Sections' })).toBeInTheDocument()
    expect(screen.getAllByRole('tab').map((t) => [t.textContent, t.getAttribute('aria-selected')])).toEqual([
      ['One', 'false'],
      ['Two', 'true'],
      ['Three', 'false'],
    ])
    const panel = screen.getByRole('tabpanel', { name: 'Two' })
    expect(panel).toHaveTextContent('Second panel')
    expect(tab('Two')).toHaveAttribute('aria-controls', panel.id)
    expect(screen.getAllByRole('tabpanel')).toHaveLength(1)
    // One tab stop: the open tab.
    expect(screen.getAllByRole('tab').map((t) => t.tabIndex)).toEqual([-1, 0, -1])
  })

  it('moves with the arrow keys (wrapping), Home and End; selection follows focus', async () => {
    const user = userEvent.setup()
    render(<Harness />)
    await user.tab()
    expect(tab('One')).toHaveFocus()
    await user.keyboard('{ArrowRight}')
    expect(tab('Two')).toHaveFocus()
    expect(tab('Two')).toHaveAttribute('aria-selected', 'true')
    expect(screen.getByRole('tabpanel', { name: 'Two' })).toHaveTextContent('Second panel')
    await user.keyboard('{End}')
    expect(tab('Three')).toHaveFocus()
    await user.keyboard('{ArrowRight}')
    expect(tab('One')).toHaveFocus()
    await user.keyboard('{ArrowLeft}')
    expect(tab('Three')).toHaveFocus()
    await user.keyboard('{Home}')
    expect(tab('One')).toHaveFocus()
    expect(tab('One')).toHaveAttribute('aria-selected', 'true')
    // Tab leaves the tablist for the open panel.
    await user.tab()
    expect(screen.getByRole('tabpanel', { name: 'One' })).toHaveFocus()
  })

  it('keeps a visited panel mounted while hidden, so what was typed there survives', async () => {
    const user = userEvent.setup()
    render(<Harness />)
    await user.type(screen.getByRole('textbox', { name: 'Draft' }), 'half a rule')
    await user.click(tab('Three'))
    expect(screen.queryByRole('textbox', { name: 'Draft' })).toBeNull()
    expect(screen.getByRole('tabpanel', { name: 'Three' })).toBeVisible()
    await user.click(tab('One'))
    expect(screen.getByRole('textbox', { name: 'Draft' })).toHaveValue('half a rule')
    // A tab never opened has no panel yet, and names none.
    expect(tab('Two')).not.toHaveAttribute('aria-controls')
  })
})
