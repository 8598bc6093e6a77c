/** A one-event channel from the Apollo links (no React) to the SessionProvider. */
export interface Signal {
  emit: () => void
  /** Registers a listener; returns its removal. */
  subscribe: (listener: () => void) => () => void
}

export function createSignal(): Signal {
  const listeners = new Set<() => void>()
  return {
    emit: () => listeners.forEach((l) => l()),
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
