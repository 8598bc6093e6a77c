import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react'

import type { Connection, ConnectionState } from './connection'

const ConnectionContext = createContext<Connection | null>(null)

/** Makes the live connection's state available to the header and the screens. */
export function ConnectionProvider({ connection, children }: { connection: Connection; children: ReactNode }) {
  return <ConnectionContext.Provider value={connection}>{children}</ConnectionContext.Provider>
}

/** The live connection's current state; re-renders when it changes. */
export function useConnectionState(): ConnectionState {
  const connection = useContext(ConnectionContext)
  if (!connection) throw new Error('useConnectionState needs a <ConnectionProvider> above it')
  return useSyncExternalStore(connection.subscribe, connection.getState)
}

/** The clock, re-read every `intervalMs` while `active` (for countdowns). */
export function useNow(active: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    setNow(Date.now())
    const id = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(id)
  }, [active, intervalMs])
  return now
}
