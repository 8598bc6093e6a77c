import { useEffect, useRef, useState, type RefObject } from 'react'

/**
 * Whether the element has come near the viewport (within `margin`); stays
 * true once it has. Cards below the fold wait with their queries until then:
 * the API charges every query against the tenant's cost budget. Without
 * IntersectionObserver (tests, old browsers) everything counts as near.
 */
export function useNearViewport<T extends Element>(margin = '200px'): [RefObject<T | null>, boolean] {
  const ref = useRef<T>(null)
  const [near, setNear] = useState(() => typeof IntersectionObserver === 'undefined')
  useEffect(() => {
    const el = ref.current
    if (near || !el) return
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setNear(true)
      },
      { rootMargin: margin },
    )
    observer.observe(el)
    return () => observer.disconnect()
  }, [near, margin])
  return [ref, near]
}
