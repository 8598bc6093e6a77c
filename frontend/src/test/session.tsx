import type { ReactNode } from 'react'
import { vi } from 'vitest'

import type { Role } from '../gql/graphql'
import { hasRole } from '../session/roles'
import { SessionContext, type SessionApi, type Viewer } from '../session/SessionProvider'

/** A signed-in viewer for component tests. */
export function testViewer(role: Role = 'OWNER', overrides: Partial<Viewer> = {}): Viewer {
  return {
    user: { id: 'VXNlcjox', email: 'owner@example.com', mfaEnabled: false, emailVerified: true },
    tenant: { id: 'VGVuYW50OjE', name: 'Acme', requireMfa: false, simulated: false },
    role,
    memberships: [{ role, tenant: { id: 'VGVuYW50OjE', name: 'Acme' } }],
    mfaVerified: false,
    mfaEnrollmentRequired: false,
    ...overrides,
  }
}

/** A session whose actions are spies. */
export function testSession(viewer: Viewer | null = testViewer(), overrides: Partial<SessionApi> = {}): SessionApi {
  return {
    viewer,
    notice: null,
    establish: vi.fn(async () => {}),
    reloadViewer: vi.fn(async () => {}),
    signOut: vi.fn(async () => {}),
    can: (role) => hasRole(viewer?.role, role),
    ...overrides,
  }
}

export function TestSession({ value, children }: { value: SessionApi; children: ReactNode }) {
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>
}
