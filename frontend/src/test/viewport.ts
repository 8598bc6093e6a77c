// A stand-in for window.matchMedia, which jsdom lacks: tests set a viewport
// width and components that ask for media queries (useMediaQuery) see it.
// src/test/setup.ts removes the stub after each test.

const listeners = new Set<() => void>()
let width = 1280

/** Whether a `(min-width: …)` or `(max-width: …)` query in rem (16 px) or px matches `w`. */
function matches(query: string, w: number): boolean {
  const m = /^\((min|max)-width:\s*([\d.]+)(rem|px)\)$/.exec(query.trim())
  if (!m) throw new Error(`viewport stub: unsupported media query ${query}`)
  const px = Number(m[2]) * (m[3] === 'rem' ? 16 : 1)
  return m[1] === 'min' ? w >= px : w <= px
}

/**
 * Makes the viewport `w` CSS pixels wide for media queries, and tells the
 * queries' listeners (wrap a change after rendering in act()).
 */
export function setViewportWidth(w: number): void {
  width = w
  window.matchMedia = (query: string) =>
    ({
      media: query,
      get matches() {
        return matches(query, width)
      },
      onchange: null,
      addEventListener: (_type: string, listener: () => void) => listeners.add(listener),
      removeEventListener: (_type: string, listener: () => void) => listeners.delete(listener),
      addListener: (listener: () => void) => listeners.add(listener),
      removeListener: (listener: () => void) => listeners.delete(listener),
      dispatchEvent: () => false,
    }) as unknown as MediaQueryList
  listeners.forEach((l) => l())
}

/** Removes the stub: media queries are unanswered again (useMediaQuery's fallback). */
export function resetViewport(): void {
  listeners.clear()
  width = 1280
  Reflect.deleteProperty(window, 'matchMedia')
}

/** A phone held upright (the browser tests' PHONE viewport). */
export const PHONE_WIDTH = 390
