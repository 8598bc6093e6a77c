import type { ButtonHTMLAttributes, ReactNode } from 'react'

import { cx } from './cx'
import { Spinner } from './Spinner'

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost'

const base =
  'inline-flex items-center justify-center gap-2 rounded-md font-medium transition-colors disabled:cursor-not-allowed disabled:opacity-55 focus-visible:outline-2'
const variants: Record<ButtonVariant, string> = {
  primary: 'bg-primary-600 text-white hover:bg-primary-700 shadow-sm',
  secondary: 'border border-line bg-surface text-fg hover:bg-raised shadow-sm',
  danger: 'bg-error-600 text-white hover:bg-error-700 shadow-sm',
  ghost: 'text-fg hover:bg-raised',
}
const sizes = { sm: 'h-8 px-3 text-sm', md: 'h-10 px-4 text-sm', icon: 'size-9' }

type Common = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'children'> & {
  variant?: ButtonVariant
  /** Shows a spinner and disables the button (e.g. while a mutation runs). */
  loading?: boolean
}

/** A button with text; `size="icon"` buttons must be named with aria-label. */
export type ButtonProps = Common &
  ({ size?: 'sm' | 'md'; children: ReactNode } | { size: 'icon'; children: ReactNode; 'aria-label': string })

/** The one button of the dashboard. Defaults to type="button". */
export function Button({
  variant = 'secondary',
  size = 'md',
  loading,
  disabled,
  className,
  children,
  ...rest
}: ButtonProps) {
  return (
    <button
      type="button"
      {...rest}
      disabled={disabled || loading}
      aria-busy={loading || undefined}
      className={cx(base, variants[variant], sizes[size], className)}
    >
      {loading && <Spinner />}
      {children}
    </button>
  )
}
