import { useCallback, useSyncExternalStore } from 'react'

/**
 * Viewports wide enough for a data table: Tailwind's `lg` (64rem). Below it
 * the content column (beside the sidebar from `md` on, or the whole phone)
 * is narrower than a table's 36rem minimum, so tables show as stacked cards.
 */
export const TABLE_VIEWPORT = '(min-width: 64rem)'

/**
 * Whether the media query matches now; re-renders when that changes (a
 * phone turned sideways, a window resized). Where the browser API is
 * missing (jsdom without a stub), it answers `fallback`.
 */
export function useMediaQuery(query: string, fallback = true): boolean {
  const subscribe = useCallback(
    (onChange: () => void) => {
      if (typeof window.matchMedia !== 'function') return () => {}
      const list = window.matchMedia(query)
      list.addEventListener('change', onChange)
      return () => list.removeEventListener('change', onChange)
    },
    [query],
  )
  const snapshot = () => (typeof window.matchMedia === 'function' ? window.matchMedia(query).matches : fallback)
  return useSyncExternalStore(subscribe, snapshot, () => fallback)
}
