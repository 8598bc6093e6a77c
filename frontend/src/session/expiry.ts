/** A one-event channel from the Apollo links (no React) to the SessionProvider. */
export function createExpirySignal(): { emit: () => void; subscribe: (listener: () => void) => () => void } {
  const listeners = new Set<() => void>()
  return {
    emit: () => listeners.forEach((l) => l()),
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
