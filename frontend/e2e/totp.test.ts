import { describe, expect, it } from 'vitest'

import { base32Decode, hotp, totp } from './totp'

// RFC 6238 appendix B: SHA-1 key "12345678901234567890", 8 digits.
const rfcKey = Buffer.from('12345678901234567890')

describe('totp', () => {
  it('matches the RFC 6238 SHA-1 test vectors', () => {
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
    ]
    for (const [seconds, want] of vectors) expect(hotp(rfcKey, Math.floor(seconds / 30), 8)).toBe(want)
  })

  it('reads base32 secrets as authenticator apps do', () => {
    expect(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ').toString()).toBe('12345678901234567890')
    expect(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000)).toBe('287082')
  })
})
