import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'

import { BackupCodes, backupCodesText } from './BackupCodes'

const codes = Array.from({ length: 10 }, (_, i) => `code${i}-abcde`)

describe('BackupCodes', () => {
  it('lists the ten codes with a warning that they are shown once', () => {
    render(<BackupCodes codes={codes} account="ada@example.com" onDone={() => {}} />)
    const items = within(screen.getByRole('list', { name: 'Backup codes' })).getAllByRole('listitem')
    expect(items.map((li) => li.textContent)).toEqual(codes)
    expect(screen.getByRole('status')).toHaveTextContent(/only time they are shown/)
  })

  it('copies all codes, downloads them as a .txt file, and closes on confirmation', async () => {
    const user = userEvent.setup()
    const onDone = vi.fn()
    const writeText = vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue()
    const createObjectURL = vi.fn((_: Blob) => 'blob:codes')
    const revokeObjectURL = vi.fn()
    Object.assign(URL, { createObjectURL, revokeObjectURL })
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      expect(this.download).toBe('stratum-backup-codes.txt')
      expect(this.href).toBe('blob:codes')
    })
    render(<BackupCodes codes={codes} account="ada@example.com" onDone={onDone} />)

    await user.click(screen.getByRole('button', { name: 'Copy codes' }))
    expect(writeText).toHaveBeenCalledWith(codes.join('\n'))

    await user.click(screen.getByRole('button', { name: 'Download .txt' }))
    expect(click).toHaveBeenCalledOnce()
    expect(await createObjectURL.mock.calls[0]![0].text()).toBe(backupCodesText(codes, 'ada@example.com'))
    expect(revokeObjectURL).toHaveBeenCalledWith('blob:codes')

    await user.click(screen.getByRole('button', { name: 'I have stored them' }))
    expect(onDone).toHaveBeenCalledOnce()
  })
})
