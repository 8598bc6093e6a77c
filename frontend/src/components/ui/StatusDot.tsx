import { cx } from './cx'
import type { Tone } from './tone'

const dots: Record<Tone, string> = {
  primary: 'bg-primary-500',
  success: 'bg-success-500',
  warning: 'bg-warning-500',
  error: 'bg-error-500',
  neutral: 'bg-muted',
}

/** A decorative coloured dot; always pair it with text. */
export function StatusDot({ tone }: { tone: Tone }) {
  return <span aria-hidden className={cx('inline-block size-2 shrink-0 rounded-full', dots[tone])} />
}
