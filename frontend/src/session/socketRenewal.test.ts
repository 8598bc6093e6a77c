import { describe, expect, it, vi } from 'vitest'

import { createSocketRenewal } from './socketRenewal'

function setup(refreshed: boolean) {
  let finish: (ok: boolean) => void = () => {}
  const refresh = vi.fn(() => new Promise<boolean>((r) => (finish = r)))
  const expired = vi.fn()
  const wait = vi.fn(async () => {})
  const renewal = createSocketRenewal(refresh, expired, wait)
  return { renewal, refresh, expired, wait, finish: () => finish(refreshed) }
}

describe('createSocketRenewal', () => {
  it('renews once after 4403 and holds the reconnect until it is done', async () => {
    const { renewal, refresh, expired, wait, finish } = setup(true)
    renewal.closed({ code: 4403, reason: 'Forbidden: token expired' })
    renewal.closed({ code: 4403, reason: 'again' })
    expect(refresh).toHaveBeenCalledOnce()

    let reconnected = false
    const waiting = renewal.retryWait(0).then(() => (reconnected = true))
    await Promise.resolve()
    expect(reconnected).toBe(false)
    finish()
    await waiting
    expect(wait).not.toHaveBeenCalled()
    expect(expired).not.toHaveBeenCalled()
  })

  it('ends the session when renewal after 4401 fails', async () => {
    const { renewal, expired, finish } = setup(false)
    renewal.closed({ code: 4401, reason: 'Unauthorized' })
    finish()
    await renewal.retryWait(0)
    expect(expired).toHaveBeenCalledOnce()
  })

  it('leaves other closes to the usual back-off', async () => {
    const { renewal, refresh, wait } = setup(true)
    renewal.closed({ code: 1006, reason: '' })
    renewal.closed(new Event('close'))
    await renewal.retryWait(3)
    expect(refresh).not.toHaveBeenCalled()
    expect(wait).toHaveBeenCalledWith(3)
  })
})
