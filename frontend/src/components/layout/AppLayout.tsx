import { useEffect, useId, useState } from 'react'
import { matchPath, NavLink, Outlet, useLocation } from 'react-router-dom'

import { ConnectionStatus } from '../../connection/ConnectionStatus'
import { StaleDataNotice } from '../../connection/StaleDataNotice'
import { useViewer } from '../../session/SessionProvider'
import { LiveUpdates } from '../../trust/LiveUpdates'
import { BillingBanner } from './BillingBanner'
import { Brand } from './Brand'
import { Alert, Badge, cx } from '../ui'
import { TenantSwitcher } from './TenantSwitcher'
import { ThemeToggle } from './ThemeToggle'
import { UserMenu } from './UserMenu'
import { VerifyEmailBanner } from './VerifyEmailBanner'

const NAV = [
  { to: '/', label: 'Overview', end: true },
  { to: '/campaigns', label: 'Campaigns' },
  { to: '/platforms', label: 'Platforms' },
  { to: '/sources', label: 'Sources' },
  { to: '/profiles', label: 'Profiles' },
  { to: '/traits', label: 'Traits' },
  { to: '/funnels', label: 'Funnels' },
  { to: '/rfm', label: 'RFM' },
  { to: '/privacy', label: 'Privacy' },
  { to: '/segments', label: 'Segments' },
  { to: '/audiences', label: 'Audiences' },
  { to: '/conversions', label: 'Conversions', end: true }, // not active on /conversions/emq, EMQ's own entry
  { to: '/conversions/emq', label: 'EMQ' },
  { to: '/automation', label: 'Automation' },
  { to: '/actions', label: 'Actions' },
  { to: '/incidents', label: 'Incidents' },
  { to: '/settings', label: 'Settings' },
] as const

/** The trust screens, which show live data: they say so when it may be stale. */
const LIVE_SCREENS = ['/', '/automation', '/actions', '/incidents'] as const

const navLink = ({ isActive }: { isActive: boolean }) =>
  cx(
    'block rounded-md px-3 py-2 text-sm font-medium',
    isActive ? 'bg-primary-soft text-primary-ink' : 'text-muted hover:bg-raised hover:text-fg',
  )

/**
 * The signed-in frame: a sidebar on wide screens that becomes a menu
 * behind a button on phones, a top bar of one row with the tenant switcher,
 * the live connection's state, theme toggle and user menu. While that connection is
 * down, the trust screens say that what they show may be out of date.
 */
export function AppLayout() {
  const viewer = useViewer()
  const [menuOpen, setMenuOpen] = useState(false)
  const navId = useId()
  const location = useLocation()
  useEffect(() => setMenuOpen(false), [location.pathname])
  const live = LIVE_SCREENS.some((path) => matchPath(path, location.pathname))

  return (
    <div className="min-h-screen md:grid md:grid-cols-[15rem_minmax(0,1fr)] md:grid-rows-[auto_1fr]">
      <LiveUpdates />
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-surface focus:p-2"
      >
        Skip to content
      </a>
      {/* One row at every width: on a phone the menu button, the tenant, the
          connection's state, theme and user menu share it. */}
      <header className="flex h-14 min-w-0 items-center gap-2 border-b border-line bg-surface px-4 md:col-start-2 md:row-start-1 md:gap-3 md:px-8">
        <button
          type="button"
          className="-ml-2 inline-flex size-9 shrink-0 items-center justify-center rounded-md text-lg hover:bg-raised md:hidden"
          aria-expanded={menuOpen}
          aria-controls={navId}
          onClick={() => setMenuOpen((o) => !o)}
        >
          <span aria-hidden>{menuOpen ? '✕' : '☰'}</span>
          <span className="sr-only">Menu</span>
        </button>
        <div className="flex min-w-0 flex-1 items-center gap-2">
          <TenantSwitcher />
          {viewer.tenant.simulated && (
            <Badge tone="primary">
              Simulated<span className="max-sm:hidden"> data</span>
            </Badge>
          )}
        </div>
        <div className="flex shrink-0 items-center gap-1 sm:gap-3">
          <ConnectionStatus />
          <ThemeToggle />
          <UserMenu />
        </div>
      </header>
      <aside
        className={cx(
          'border-b border-line bg-surface md:sticky md:top-0 md:col-start-1 md:row-span-2 md:row-start-1 md:block md:h-screen md:border-r md:border-b-0',
          !menuOpen && 'hidden',
        )}
      >
        <div className="hidden h-14 items-center px-4 md:flex">
          <Brand className="text-lg font-semibold tracking-tight" />
        </div>
        <nav id={navId} aria-label="Main" className="px-3 py-3 md:pt-0 md:pb-4">
          <ul className="flex flex-col gap-1">
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={'end' in item} className={navLink}>
                  {item.label}
                </NavLink>
              </li>
            ))}
            <li className="mt-3 border-t border-line pt-3">
              <a href="/graphiql" className={navLink({ isActive: false })}>
                API explorer <span className="text-xs">(GraphiQL)</span>
              </a>
            </li>
          </ul>
        </nav>
      </aside>
      <div className="min-w-0 md:col-start-2 md:row-start-2">
        <main id="main" className="mx-auto max-w-6xl px-4 py-6 md:px-8 md:py-8">
          {viewer.mfaEnrollmentRequired && (
            <div className="mb-6">
              <Alert tone="warning">
                {viewer.tenant.name} requires two-factor authentication. Set it up below to use Stratum.
              </Alert>
            </div>
          )}
          {viewer.user && !viewer.user.emailVerified && <VerifyEmailBanner email={viewer.user.email} />}
          {!viewer.mfaEnrollmentRequired && <BillingBanner />}
          {live && <StaleDataNotice />}
          <Outlet />
        </main>
      </div>
    </div>
  )
}
