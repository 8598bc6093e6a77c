import { useEffect, useId, useRef, useState } from 'react'
import { Link, useNavigate } from 'react-router-dom'

import { titleCase } from '../../lib/format'
import { useSession, useViewer } from '../../session/SessionProvider'
import { Badge } from '../ui'

const item = 'block w-full rounded px-3 py-2 text-left text-sm hover:bg-raised'

/** The signed-in user: who, which role, security settings and log-out. */
export function UserMenu() {
  const viewer = useViewer()
  const { signOut } = useSession()
  const navigate = useNavigate()
  const [open, setOpen] = useState(false)
  const panelId = useId()
  const root = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    if (!open) return
    const onDown = (e: MouseEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false)
    }
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false)
        button.current?.focus()
      }
    }
    document.addEventListener('mousedown', onDown)
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('mousedown', onDown)
      document.removeEventListener('keydown', onKey)
    }
  }, [open])

  const email = viewer.user?.email ?? 'API key'
  return (
    <div ref={root} className="relative">
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={`Account menu for ${email}`}
        onClick={() => setOpen((o) => !o)}
        className="inline-flex size-9 items-center justify-center rounded-full bg-primary-600 text-sm font-semibold text-white uppercase"
      >
        <span aria-hidden>{email.charAt(0)}</span>
      </button>
      {open && (
        <div
          id={panelId}
          className="absolute right-0 z-40 mt-2 w-64 rounded-lg border border-line bg-surface p-2 shadow-lg"
        >
          <div className="px-3 py-2">
            <p className="truncate text-sm font-medium">{email}</p>
            {viewer.role && (
              <p className="mt-1">
                <Badge tone="primary">{titleCase(viewer.role)}</Badge>
              </p>
            )}
          </div>
          <hr className="my-1 border-line" />
          <Link to="/settings/security" className={item} onClick={() => setOpen(false)}>
            Security settings
          </Link>
          <button
            type="button"
            className={item}
            onClick={async () => {
              setOpen(false)
              await signOut()
              navigate('/login', { replace: true })
            }}
          >
            Log out
          </button>
        </div>
      )}
    </div>
  )
}
