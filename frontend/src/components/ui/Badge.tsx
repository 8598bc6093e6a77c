import type { ReactNode } from 'react'

import { cx } from './cx'
import { softTone, type Tone } from './tone'

/**
 * A short status label. The text carries the meaning; the tone only
 * reinforces it (colour is never the only signal).
 */
export function Badge({ tone = 'neutral', icon, children }: { tone?: Tone; icon?: ReactNode; children: ReactNode }) {
  return (
    <span
      className={cx(
        'inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap',
        softTone[tone],
      )}
    >
      {icon && <span aria-hidden>{icon}</span>}
      {children}
    </span>
  )
}
