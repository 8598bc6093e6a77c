import { describe, expect, it } from 'vitest'

import { inviteStatus } from './InvitationsSettings'

const invite = {
  id: 'SW52aXRlOjE',
  email: 'new@example.com',
  role: 'ANALYST' as const,
  createdAt: '2026-01-01T00:00:00Z',
  expiresAt: '2026-01-08T00:00:00Z',
  acceptedAt: null,
  revokedAt: null,
}
const during = Date.parse('2026-01-02T00:00:00Z')

describe('inviteStatus', () => {
  it('is pending until accepted, revoked or past its expiry', () => {
    expect(inviteStatus(invite, during)).toBe('Pending')
    expect(inviteStatus({ ...invite, acceptedAt: '2026-01-02T00:00:00Z' }, during)).toBe('Accepted')
    expect(inviteStatus({ ...invite, revokedAt: '2026-01-02T00:00:00Z' }, during)).toBe('Revoked')
    expect(inviteStatus(invite, Date.parse('2026-01-08T00:00:00Z'))).toBe('Expired')
  })

  it('counts an accepted invitation as accepted even after it would have expired', () => {
    expect(inviteStatus({ ...invite, acceptedAt: '2026-01-02T00:00:00Z' }, Date.parse('2027-01-01T00:00:00Z'))).toBe(
      'Accepted',
    )
  })
})
