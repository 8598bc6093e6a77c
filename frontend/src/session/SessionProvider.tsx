import { useApolloClient, useMutation, useQuery } from '@apollo/client/react'
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'

import type { Stratum } from '../apollo'
import { ErrorState, Loading } from '../components/ui'
import type { Role, ViewerFieldsFragment } from '../gql/graphql'
import { csrfToken } from './cookies'
import { LogOutDocument, ViewerDocument } from './operations'
import { hasRole } from './roles'
import type { Signal } from './signal'

export type Viewer = ViewerFieldsFragment

export const SESSION_EXPIRED = 'Your session expired, sign in again.'

export interface SessionApi {
  /** The signed-in user and tenant; null when signed out. */
  viewer: Viewer | null
  /** A message for the log-in screen, e.g. that the session expired. */
  notice: string | null
  /**
   * Adopts the session a mutation just issued in cookies (log-in, sign-up,
   * MFA, tenant switch, accepted invite): forgets everything cached for the
   * old one and loads the new viewer.
   */
  establish: () => Promise<void>
  /** Reloads the viewer (e.g. after MFA was turned on). */
  reloadViewer: () => Promise<void>
  /** Ends the session; `notice` is shown on the log-in screen. */
  signOut: (notice?: string) => Promise<void>
  /** Whether the viewer's role includes `role`'s permissions. */
  can: (role: Role) => boolean
}

/** The session; tests provide a fixed one (src/test/session.tsx). */
export const SessionContext = createContext<SessionApi | null>(null)

export interface SessionProviderProps {
  connection: Pick<Stratum, 'refresh' | 'reconnect'>
  /** Registers a callback for "the session ended and could not be renewed"; returns its removal. */
  onExpired: Signal['subscribe']
  /** Registers a callback for "the server wants MFA enrolment first"; returns its removal. */
  onMfaEnrollmentRequired: Signal['subscribe']
  children: ReactNode
}

/**
 * Knows who is signed in. On start it loads the viewer; when there is none
 * but a CSRF cookie says a session existed, it renews the session once
 * (the access cookie lives 30 minutes, the refresh cookie 7 days) before
 * showing the log-in screen.
 */
export function SessionProvider({ connection, onExpired, onMfaEnrollmentRequired, children }: SessionProviderProps) {
  const client = useApolloClient()
  const { data, loading, error, refetch } = useQuery(ViewerDocument)
  const [logOut] = useMutation(LogOutDocument)
  const [notice, setNotice] = useState<string | null>(null)
  const [renewing, setRenewing] = useState(false)
  const triedRenewal = useRef(false)
  const viewer = data?.viewer ?? null

  // Everything cached belongs to the old session: drop it, refetch what is
  // on screen (the viewer first of all) with the new cookies, and reconnect
  // live updates so the websocket authenticates with them too.
  const reset = useCallback(async () => {
    connection.reconnect()
    await client.resetStore()
  }, [client, connection])

  useEffect(
    () =>
      onExpired(() => {
        triedRenewal.current = true
        setNotice(SESSION_EXPIRED)
        void reset()
      }),
    [onExpired, reset],
  )

  // The tenant began to require MFA: the reloaded viewer says so, and the
  // routes send the user to enrolment.
  useEffect(() => onMfaEnrollmentRequired(() => void refetch()), [onMfaEnrollmentRequired, refetch])

  useEffect(() => {
    if (loading || error || viewer || triedRenewal.current || !csrfToken()) return
    triedRenewal.current = true
    setRenewing(true)
    connection
      .refresh()
      .then(async (ok) => {
        if (ok) await refetch()
        else setNotice(SESSION_EXPIRED)
      })
      .finally(() => setRenewing(false))
  }, [loading, error, viewer, connection, refetch])

  const api = useMemo<SessionApi>(
    () => ({
      viewer,
      notice,
      establish: async () => {
        setNotice(null)
        triedRenewal.current = false
        await reset()
      },
      reloadViewer: async () => {
        await refetch()
      },
      signOut: async (next) => {
        try {
          await logOut()
        } catch {
          // the session may already be gone; signing out locally is what matters
        }
        setNotice(next ?? null)
        triedRenewal.current = true
        await reset()
      },
      can: (role) => hasRole(viewer?.role, role),
    }),
    [viewer, notice, reset, refetch, logOut],
  )

  if ((loading && !data) || renewing) return <Loading label="Loading Stratum…" />
  if (error && !data) {
    return <ErrorState title="Stratum is not reachable" error={error} onRetry={() => void refetch()} />
  }
  return <SessionContext.Provider value={api}>{children}</SessionContext.Provider>
}

/** The current session; needs a SessionProvider above. */
export function useSession(): SessionApi {
  const s = useContext(SessionContext)
  if (!s) throw new Error('useSession needs a <SessionProvider> above it')
  return s
}

/** The signed-in viewer, for screens behind RequireSession. */
export function useViewer(): Viewer {
  const { viewer } = useSession()
  if (!viewer) throw new Error('useViewer used outside a signed-in route')
  return viewer
}
