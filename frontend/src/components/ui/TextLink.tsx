import { Link, type LinkProps } from 'react-router-dom'

import { cx } from './cx'

/** An in-app link inside running text. */
export function TextLink({ className, ...rest }: LinkProps) {
  return <Link {...rest} className={cx('font-medium text-primary-ink underline hover:no-underline', className)} />
}
