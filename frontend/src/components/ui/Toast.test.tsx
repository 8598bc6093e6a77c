import { act, render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { Button } from './Button'
import { TOAST_MS, ToastProvider, useToast } from './Toast'

function Trigger({ tone, message }: { tone: 'success' | 'error'; message: string }) {
  const toast = useToast()
  return <Button onClick={() => toast.show({ tone, message })}>{`Show ${tone}`}</Button>
}

function renderToasts() {
  return render(
    <ToastProvider>
      <Trigger tone="success" message="Saved" />
      <Trigger tone="error" message="Could not save" />
    </ToastProvider>,
  )
}

describe('Toast', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('announces success politely and removes it after a few seconds', async () => {
    vi.useFakeTimers()
    renderToasts()
    act(() => screen.getByRole('button', { name: 'Show success' }).click())
    expect(screen.getByRole('status')).toHaveTextContent('Saved')
    act(() => vi.advanceTimersByTime(TOAST_MS))
    expect(screen.queryByText('Saved')).not.toBeInTheDocument()
  })

  it('keeps errors, announced assertively, until dismissed', async () => {
    const user = userEvent.setup()
    renderToasts()
    await user.click(screen.getByRole('button', { name: 'Show error' }))
    expect(screen.getByRole('alert')).toHaveTextContent('Could not save')
    await user.click(screen.getByRole('button', { name: 'Dismiss notification' }))
    expect(screen.queryByText('Could not save')).not.toBeInTheDocument()
  })

  it('needs a provider', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    expect(() => render(<Trigger tone="success" message="x" />)).toThrow(/ToastProvider/)
  })
})
