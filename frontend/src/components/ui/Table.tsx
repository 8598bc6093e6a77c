import type { ReactNode, TdHTMLAttributes, ThHTMLAttributes } from 'react'

import { cx } from './cx'

/**
 * A data table that scrolls sideways on narrow screens instead of overflowing
 * the page (positioned, so that visually hidden cell text stays inside too).
 */
export function Table({ caption, children }: { caption: string; children: ReactNode }) {
  return (
    <div className="relative -mx-5 overflow-x-auto">
      <table className="w-full min-w-[36rem] border-collapse text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        {children}
      </table>
    </div>
  )
}

export function Th({ className, ...rest }: ThHTMLAttributes<HTMLTableCellElement>) {
  return (
    <th
      scope="col"
      {...rest}
      className={cx('border-b border-line px-5 py-2 text-xs font-medium tracking-wide text-muted uppercase', className)}
    />
  )
}

export function Td({ className, ...rest }: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td {...rest} className={cx('border-b border-line px-5 py-3 align-middle last:text-right', className)} />
}

/** The header of a column of row buttons: named for screen readers, blank on screen. */
export function ThActions() {
  return (
    <Th>
      <span className="sr-only">Actions</span>
    </Th>
  )
}
