import { useEffect, useRef, type ReactNode } from 'react'
import { NavLink, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom'

import { cx, EmptyState, Field, PageHeader, Select } from '../../components/ui'
import type { Role } from '../../gql/graphql'
import { titleCase } from '../../lib/format'
import { useSession } from '../../session/SessionProvider'
import { ApiKeysSettings } from './ApiKeysSettings'
import { AuditLogSettings } from './AuditLogSettings'
import { BillingSettings } from './BillingSettings'
import { InvitationsSettings } from './InvitationsSettings'
import { MembersSettings } from './MembersSettings'
import { NotificationsSettings } from './NotificationsSettings'
import { SecuritySettings } from './SecuritySettings'
import { WorkspaceSettings } from './WorkspaceSettings'

const SECTIONS: { path: string; label: string; role: Role; element: ReactNode }[] = [
  { path: 'security', label: 'Security', role: 'VIEWER', element: <SecuritySettings /> },
  { path: 'members', label: 'Members', role: 'VIEWER', element: <MembersSettings /> },
  { path: 'invitations', label: 'Invitations', role: 'ADMIN', element: <InvitationsSettings /> },
  { path: 'notifications', label: 'Notifications', role: 'ADMIN', element: <NotificationsSettings /> },
  { path: 'api-keys', label: 'API keys', role: 'ADMIN', element: <ApiKeysSettings /> },
  { path: 'audit-log', label: 'Audit log', role: 'ADMIN', element: <AuditLogSettings /> },
  { path: 'workspace', label: 'Workspace', role: 'OWNER', element: <WorkspaceSettings /> },
  { path: 'billing', label: 'Billing', role: 'VIEWER', element: <BillingSettings /> },
]

const tab = ({ isActive }: { isActive: boolean }) =>
  cx(
    'block border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap',
    isActive ? 'border-primary-600 text-primary-ink' : 'border-transparent text-muted hover:text-fg',
  )

/** Account and tenant settings; sections the viewer's role cannot use are hidden. */
export default function SettingsScreen() {
  const { can } = useSession()
  const visible = SECTIONS.filter((s) => can(s.role))
  // From md up the sections are tabs (kept in view when they scroll); on a
  // phone, where seven tabs would scroll out of sight, they are one select.
  const nav = useRef<HTMLElement>(null)
  const { pathname } = useLocation()
  const navigate = useNavigate()
  const current = visible.find((s) => pathname.startsWith(`/settings/${s.path}`))?.path ?? ''
  useEffect(() => {
    nav.current?.querySelector('[aria-current="page"]')?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' })
  }, [pathname])
  return (
    <>
      <PageHeader title="Settings" />
      <div className="mb-6 md:hidden">
        <Field label="Settings section">
          <Select value={current} onChange={(e) => navigate(`/settings/${e.target.value}`)}>
            {current === '' && <option value="">Choose a section</option>}
            {visible.map((s) => (
              <option key={s.path} value={s.path}>
                {s.label}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <nav ref={nav} aria-label="Settings" className="mb-6 hidden overflow-x-auto border-b border-line md:block">
        <ul className="flex gap-1">
          {visible.map((s) => (
            <li key={s.path}>
              <NavLink to={`/settings/${s.path}`} className={tab}>
                {s.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Routes>
        <Route index element={<Navigate to="security" replace />} />
        {SECTIONS.map((s) => (
          <Route
            key={s.path}
            path={s.path}
            element={
              can(s.role) ? (
                s.element
              ) : (
                <EmptyState
                  title="Not available to your role"
                  description={`${s.label} needs the ${titleCase(s.role)} role${s.role === 'OWNER' ? '' : ' or higher'}.`}
                />
              )
            }
          />
        ))}
      </Routes>
    </>
  )
}
