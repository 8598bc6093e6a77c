import type { SelectHTMLAttributes } from 'react'

import { cx } from './cx'

/**
 * A small select for a table row or a toolbar, where a visible label would
 * crowd the layout: it must be named with aria-label.
 */
export function CompactSelect({
  className,
  ...rest
}: SelectHTMLAttributes<HTMLSelectElement> & { 'aria-label': string }) {
  return <select {...rest} className={cx('h-8 rounded-md border border-line bg-surface px-2 text-sm', className)} />
}
