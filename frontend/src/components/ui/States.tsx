import type { ReactNode } from 'react'

import { planTitle } from '../../lib/features'
import { Button } from './Button'

/** Shown where a list has nothing in it yet: what it is and how to fill it. */
export function EmptyState({
  title,
  description,
  action,
}: {
  title: string
  description?: ReactNode
  action?: ReactNode
}) {
  return (
    <div className="flex flex-col items-center gap-2 py-10 text-center">
      <p className="font-medium">{title}</p>
      {description && <p className="max-w-md text-sm text-muted">{description}</p>}
      {action && <div className="mt-2">{action}</div>}
    </div>
  )
}

/** Shown where loading failed: the reason and, when possible, a retry. */
export function ErrorState({
  title = 'Could not load this',
  error,
  onRetry,
}: {
  title?: string
  error: { message: string }
  onRetry?: () => void
}) {
  return (
    <div role="alert" className="flex flex-col items-center gap-2 py-10 text-center">
      <p className="font-medium text-error-ink">
        <span aria-hidden>⚠ </span>
        {title}
      </p>
      <p className="max-w-md text-sm text-muted">{error.message}</p>
      {onRetry && (
        <Button size="sm" onClick={onRetry} className="mt-2">
          Try again
        </Button>
      )}
    </div>
  )
}

/**
 * Shown instead of an error where the workspace's plan (or an operator)
 * has switched the feature off: which plan unlocks it, not a failure.
 */
export function LockedState({ feature, requiredPlan }: { feature: string; requiredPlan: string }) {
  return (
    <div role="status" className="flex flex-col items-center gap-2 py-10 text-center">
      <p className="font-medium">
        <span aria-hidden>🔒 </span>
        Unlocks with {planTitle(requiredPlan)}
      </p>
      <p className="max-w-md text-sm text-muted">
        This workspace does not have <code>{feature.replaceAll('_', ' ')}</code> on its current plan. Its data is kept
        and shows again once the feature is on.
      </p>
    </div>
  )
}

/** A form-level message (e.g. wrong password), announced when it appears. */
export function Alert({
  tone = 'error',
  children,
}: {
  tone?: 'error' | 'warning' | 'success' | 'primary'
  children: ReactNode
}) {
  const styles = {
    error: 'border-error-300 bg-error-soft text-error-ink',
    warning: 'border-warning-300 bg-warning-soft text-warning-ink',
    success: 'border-success-300 bg-success-soft text-success-ink',
    primary: 'border-primary-300 bg-primary-soft text-primary-ink',
  }
  const icon = { error: '⚠', warning: '!', success: '✓', primary: 'ℹ' }
  return (
    <div
      role={tone === 'error' ? 'alert' : 'status'}
      className={`flex gap-2 rounded-md border px-3 py-2 text-sm ${styles[tone]}`}
    >
      <span aria-hidden>{icon[tone]}</span>
      <div>{children}</div>
    </div>
  )
}
